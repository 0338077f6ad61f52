//! PromQL expressions, parsed once with the `promql-parser` crate (a port of
//! the Prometheus grammar) into the facts the alerting checks need: metric
//! names, label matchers, range windows, whether the expression filters
//! (a comparison, a set operation, `absent()`), and the burn-rate
//! comparisons of SLO alerts (`ratio_rate5m > (14.4 * 0.001)`).
//!
//! Parsing is the expensive part (see [`super::promql_parse`], which keeps
//! the parser from compiling the matchers' regexes), so analyses are
//! memoized by expression text for the life of the process: the readers
//! analyze every expression once, in parallel, and the checks find the
//! result in the memo.

use super::promql_parse::{self, Marks};
use promql_parser::label::Matcher;
use promql_parser::parser::{self, Expr};
use rayon::prelude::*;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};

/// Expressions longer than this are not parsed (hostile input).
const MAX_EXPR_LEN: usize = 64 * 1024;
/// The memo is cleared when it grows past this many expressions.
const MAX_MEMO: usize = 200_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Re,
    NotRe,
}

impl Op {
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Re => "=~",
            Op::NotRe => "!~",
        }
    }

    pub fn positive(self) -> bool {
        matches!(self, Op::Eq | Op::Re)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabelMatch {
    pub name: String,
    pub op: Op,
    pub value: String,
}

impl std::fmt::Display for LabelMatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}{}\"{}\"", self.name, self.op.as_str(), self.value)
    }
}

/// One vector selector (`http_requests_total{job="api"}`).
#[derive(Clone, Debug, Default)]
pub struct Selector {
    pub metric: Option<String>,
    pub matchers: Vec<LabelMatch>,
}

/// A function applied to a range (`rate(x[5m])`, `avg_over_time(y[1h:])`).
#[derive(Clone, Debug)]
pub struct RangeUse {
    pub function: String,
    pub range_ms: u64,
    /// The range is a subquery (`rate(sum(x)[5m:])`).
    pub subquery: bool,
}

/// One `<error ratio> > <threshold>` comparison of a burn-rate alert.
#[derive(Clone, Debug)]
pub struct BurnTerm {
    /// The window the ratio is computed over: from a recording rule name
    /// (`slo:sli_error:ratio_rate5m`, `http:burnrate1h`) or from the range
    /// of the `rate()` inside.
    pub window_ms: Option<u64>,
    pub threshold: f64,
    /// `k` and `b` when the threshold is written `k * b` (`14.4 * 0.001`).
    pub factor: Option<f64>,
    pub budget: Option<f64>,
    /// Equality matchers of the ratio's selector (`sloth_id`, `slo`, ...).
    pub labels: Vec<(String, String)>,
    /// Metric name of the ratio's selector.
    pub metric: Option<String>,
}

/// What an expression says.
#[derive(Clone, Debug, Default)]
pub struct Analysis {
    /// Why it does not parse.
    pub error: Option<String>,
    pub selectors: Vec<Selector>,
    pub ranges: Vec<RangeUse>,
    pub functions: Vec<String>,
    /// Aggregation operators (`sum`, `topk`, ...; `topk by` when grouped).
    pub aggregations: Vec<String>,
    /// Divides one series by another (an instantaneous ratio).
    pub ratio: bool,
    /// The result is filtered: a comparison without `bool`, `and`/`unless`,
    /// or `absent()`-style functions at the top.
    pub filters: bool,
    /// No selectors at all (`vector(1)`): it always has a value.
    pub constant: bool,
    /// The whole expression is `absent(...)`/`absent_over_time(...)` (or
    /// several joined with `or`): a missing-data alert.
    pub absent_alert: bool,
    /// Burn-rate comparisons, grouped by `or` branch (each branch the
    /// comparisons joined with `and`).
    pub burn_tiers: Vec<Vec<BurnTerm>>,
}

impl Analysis {
    pub fn metrics(&self) -> impl Iterator<Item = &str> {
        self.selectors.iter().filter_map(|s| s.metric.as_deref())
    }

    pub fn uses_function(&self, name: &str) -> bool {
        self.functions.iter().any(|f| f == name)
    }

    /// A missing-data expression: `absent(...)` at the top.
    pub fn is_absent(&self) -> bool {
        self.absent_alert
    }

    /// Has burn-rate comparisons with a known window.
    pub fn is_burn_rate(&self) -> bool {
        self.burn_tiers
            .iter()
            .flatten()
            .any(|t| t.window_ms.is_some() && t.threshold < 1.0)
    }
}

fn memo() -> &'static RwLock<HashMap<String, Arc<Analysis>>> {
    static MEMO: OnceLock<RwLock<HashMap<String, Arc<Analysis>>>> = OnceLock::new();
    MEMO.get_or_init(|| RwLock::new(HashMap::new()))
}

/// The analysis of an expression, parsed on first use.
pub fn analyze(expr: &str) -> Arc<Analysis> {
    let key = expr.trim();
    if let Some(a) = memo().read().unwrap_or_else(|p| p.into_inner()).get(key) {
        return Arc::clone(a);
    }
    let a = Arc::new(analyze_uncached(key));
    let mut m = memo().write().unwrap_or_else(|p| p.into_inner());
    if m.len() >= MAX_MEMO {
        m.clear();
    }
    m.insert(key.to_string(), Arc::clone(&a));
    a
}

/// Analyzes many expressions in parallel, filling the memo.
pub fn analyze_all(exprs: Vec<String>) {
    let mut todo: Vec<String> = {
        let m = memo().read().unwrap_or_else(|p| p.into_inner());
        exprs
            .into_iter()
            .map(|e| e.trim().to_string())
            .filter(|e| !m.contains_key(e))
            .collect()
    };
    todo.sort();
    todo.dedup();
    let done: Vec<(String, Analysis)> = todo
        .into_par_iter()
        .map(|e| {
            let a = analyze_uncached(&e);
            (e, a)
        })
        .collect();
    let mut m = memo().write().unwrap_or_else(|p| p.into_inner());
    if m.len() + done.len() >= MAX_MEMO {
        m.clear();
    }
    for (e, a) in done {
        m.insert(e, Arc::new(a));
    }
}

fn analyze_uncached(expr: &str) -> Analysis {
    if expr.is_empty() {
        return Analysis {
            error: Some("the expression is empty".into()),
            ..Analysis::default()
        };
    }
    if expr.len() > MAX_EXPR_LEN {
        return Analysis {
            error: Some(format!(
                "the expression is {} bytes long; not parsed",
                expr.len()
            )),
            ..Analysis::default()
        };
    }
    let parsed = std::panic::catch_unwind(|| promql_parse::parse(expr));
    let parsed = match parsed {
        Ok(Ok(parsed)) => parsed,
        Ok(Err(e)) => {
            return Analysis {
                error: Some(e.trim().to_string()),
                ..Analysis::default()
            };
        }
        Err(_) => {
            return Analysis {
                error: Some("the PromQL parser failed on this expression".into()),
                ..Analysis::default()
            };
        }
    };
    let (ast, marks) = (&parsed.ast, parsed.marks);
    let mut a = Analysis::default();
    walk(ast, marks, &mut a);
    a.constant = a.selectors.is_empty();
    a.filters = filters(ast);
    a.absent_alert = or_branches(ast).iter().all(|b| {
        matches!(unparen(b), Expr::Call(c) if matches!(c.func.name, "absent" | "absent_over_time"))
    });
    a.burn_tiers = or_branches(ast)
        .into_iter()
        .map(|b| {
            let mut terms = Vec::new();
            for c in and_terms(b) {
                burn_terms(c, marks, &mut terms);
            }
            terms
        })
        .filter(|t: &Vec<BurnTerm>| !t.is_empty())
        .collect();
    a
}

fn label_match(m: &Matcher, marks: Marks) -> LabelMatch {
    let (op, value) = marks.read(m);
    LabelMatch {
        name: m.name.clone(),
        op,
        value: value.to_string(),
    }
}

fn selector_of(vs: &parser::VectorSelector, marks: Marks) -> Selector {
    let mut metric = vs.name.clone();
    let mut matchers = Vec::new();
    for m in &vs.matchers.matchers {
        let m = label_match(m, marks);
        if m.name == "__name__" && m.op == Op::Eq {
            metric.get_or_insert(m.value);
            continue;
        }
        matchers.push(m);
    }
    // `{a="x" or b="y"}`: keep the first alternative's matchers only when
    // there is no plain list.
    if matchers.is_empty()
        && let Some(first) = vs.matchers.or_matchers.first()
    {
        matchers.extend(first.iter().map(|m| label_match(m, marks)));
    }
    Selector { metric, matchers }
}

fn millis(d: &std::time::Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

fn walk(e: &Expr, marks: Marks, a: &mut Analysis) {
    match e {
        Expr::Aggregate(x) => {
            // `topk by (pod) (1, x)` (a join idiom) is not a global top-k.
            let op = x.op.to_string();
            a.aggregations.push(if x.modifier.is_some() {
                format!("{op} by")
            } else {
                op
            });
            walk(&x.expr, marks, a);
            if let Some(p) = &x.param {
                walk(p, marks, a);
            }
        }
        Expr::Unary(x) => walk(&x.expr, marks, a),
        Expr::Binary(x) => {
            if x.op.to_string() == "/" && constant(&x.lhs).is_none() && constant(&x.rhs).is_none() {
                a.ratio = true;
            }
            walk(&x.lhs, marks, a);
            walk(&x.rhs, marks, a);
        }
        Expr::Paren(x) => walk(&x.expr, marks, a),
        Expr::Subquery(x) => walk(&x.expr, marks, a),
        Expr::VectorSelector(vs) => a.selectors.push(selector_of(vs, marks)),
        Expr::MatrixSelector(ms) => a.selectors.push(selector_of(&ms.vs, marks)),
        Expr::Call(c) => {
            a.functions.push(c.func.name.to_string());
            for arg in &c.args.args {
                match arg.as_ref() {
                    Expr::MatrixSelector(ms) => a.ranges.push(RangeUse {
                        function: c.func.name.to_string(),
                        range_ms: millis(&ms.range),
                        subquery: false,
                    }),
                    Expr::Subquery(sq) => a.ranges.push(RangeUse {
                        function: c.func.name.to_string(),
                        range_ms: millis(&sq.range),
                        subquery: true,
                    }),
                    _ => {}
                }
                walk(arg, marks, a);
            }
        }
        Expr::NumberLiteral(_) | Expr::StringLiteral(_) | Expr::Extension(_) => {}
    }
}

fn unparen(mut e: &Expr) -> &Expr {
    while let Expr::Paren(p) = e {
        e = &p.expr;
    }
    e
}

/// Whether the result of an expression is filtered rather than every
/// series it selects.
fn filters(e: &Expr) -> bool {
    match unparen(e) {
        Expr::Binary(b) => {
            let op = b.op.to_string();
            let bool_modifier = b.modifier.as_ref().is_some_and(|m| m.return_bool);
            if b.op.is_comparison_operator() && !bool_modifier {
                return true;
            }
            match op.as_str() {
                "and" | "unless" => true,
                "or" => filters(&b.lhs) && filters(&b.rhs),
                _ => filters(&b.lhs) || filters(&b.rhs),
            }
        }
        Expr::Aggregate(x) => filters(&x.expr),
        Expr::Call(c) => {
            matches!(c.func.name, "absent" | "absent_over_time")
                || (matches!(
                    c.func.name,
                    "sort" | "sort_desc" | "label_replace" | "label_join" | "clamp" | "abs"
                ) && c.args.args.first().is_some_and(|x| filters(x)))
        }
        Expr::Unary(u) => filters(&u.expr),
        Expr::Subquery(_)
        | Expr::VectorSelector(_)
        | Expr::MatrixSelector(_)
        | Expr::NumberLiteral(_)
        | Expr::StringLiteral(_)
        | Expr::Extension(_)
        | Expr::Paren(_) => false,
    }
}

fn or_branches(e: &Expr) -> Vec<&Expr> {
    match unparen(e) {
        Expr::Binary(b) if b.op.to_string() == "or" => {
            let mut v = or_branches(&b.lhs);
            v.extend(or_branches(&b.rhs));
            v
        }
        other => vec![other],
    }
}

fn and_terms(e: &Expr) -> Vec<&Expr> {
    match unparen(e) {
        Expr::Binary(b) if b.op.to_string() == "and" => {
            let mut v = and_terms(&b.lhs);
            v.extend(and_terms(&b.rhs));
            v
        }
        other => vec![other],
    }
}

/// A constant numeric expression's value, and `(k, b)` when it is a product
/// of two numbers (`14.4 * 0.001`, `14 * (1 - 0.999)`).
fn constant(e: &Expr) -> Option<(f64, Option<(f64, f64)>)> {
    match unparen(e) {
        Expr::NumberLiteral(n) => Some((n.val, None)),
        Expr::Unary(u) => constant(&u.expr).map(|(v, _)| (-v, None)),
        Expr::Binary(b) => {
            let (l, _) = constant(&b.lhs)?;
            let (r, _) = constant(&b.rhs)?;
            match b.op.to_string().as_str() {
                "*" => {
                    let (k, bud) = if l >= r { (l, r) } else { (r, l) };
                    Some((l * r, Some((k, bud))))
                }
                "/" if r != 0.0 => Some((l / r, None)),
                "+" => Some((l + r, None)),
                "-" => Some((l - r, None)),
                _ => None,
            }
        }
        _ => None,
    }
}

/// The window in a recording-rule name: `slo:sli_error:ratio_rate5m` -> 5m,
/// `http_requests:burnrate1h` -> 1h.
pub fn window_in_name(name: &str) -> Option<u64> {
    let lower = name.to_ascii_lowercase();
    let at = [
        "ratio_rate",
        "burnrate",
        "error_rate",
        "errorrate",
        ":rate",
        "_rate",
    ]
    .iter()
    .filter_map(|m| lower.rfind(m).map(|i| i + m.len()))
    .max()?;
    let suffix = &name[at..];
    let w = crate::budget::window::Window::parse(suffix).ok()?;
    (w.as_millis() > 0).then_some(w.as_millis())
}

fn burn_terms(e: &Expr, marks: Marks, out: &mut Vec<BurnTerm>) {
    match unparen(e) {
        // Sloth: `max(ratio > threshold) without (sloth_window)`.
        Expr::Aggregate(x) => burn_terms(&x.expr, marks, out),
        Expr::Binary(b) if b.op.is_comparison_operator() => {
            let op = b.op.to_string();
            let (ratio, threshold) = match op.as_str() {
                ">" | ">=" => (&b.lhs, &b.rhs),
                "<" | "<=" => (&b.rhs, &b.lhs),
                _ => return,
            };
            let Some((value, product)) = constant(threshold) else {
                return;
            };
            let mut inner = Analysis::default();
            walk(ratio, marks, &mut inner);
            if inner.selectors.is_empty() {
                return;
            }
            let window_ms = inner.metrics().find_map(window_in_name).or_else(|| {
                inner
                    .ranges
                    .iter()
                    .filter(|r| matches!(r.function.as_str(), "rate" | "increase" | "irate"))
                    .map(|r| r.range_ms)
                    .max()
            });
            let first = &inner.selectors[0];
            out.push(BurnTerm {
                window_ms,
                threshold: value,
                factor: product.map(|p| p.0),
                budget: product.map(|p| p.1),
                labels: first
                    .matchers
                    .iter()
                    .filter(|m| m.op == Op::Eq)
                    .map(|m| (m.name.clone(), m.value.clone()))
                    .collect(),
                metric: first.metric.clone(),
            });
        }
        _ => {}
    }
}

/// Replaces Sloth's `{{.window}}` (and `{{ .window }}`) template with a
/// window so an SLI query parses.
pub fn fill_window_template(query: &str, window: &str) -> String {
    let mut out = query.to_string();
    for t in [
        "{{.window}}",
        "{{ .window }}",
        "{{.Window}}",
        "{{ .Window }}",
    ] {
        out = out.replace(t, window);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_matchers_and_ranges() {
        let a = analyze(
            r#"sum(rate(http_requests_total{job="api",code=~"5.."}[5m])) / sum(rate(http_requests_total{job="api"}[5m])) > 0.01"#,
        );
        assert!(a.error.is_none());
        assert_eq!(a.selectors.len(), 2);
        assert_eq!(
            a.selectors[0].metric.as_deref(),
            Some("http_requests_total")
        );
        assert_eq!(a.selectors[0].matchers[1].op, Op::Re);
        assert_eq!(a.ranges[0].range_ms, 300_000);
        assert!(a.filters);
        assert!(!a.constant);
    }

    #[test]
    fn errors_and_constants() {
        assert!(analyze("sum(rate(x[5m])").error.is_some());
        let w = analyze("vector(1)");
        assert!(w.constant && !w.filters);
        assert!(!analyze("up").filters);
        assert!(analyze("absent(up{job=\"x\"})").filters);
        assert!(analyze("absent(up{job=\"x\"})").is_absent());
        assert!(!analyze("x > 0 and absent(y)").is_absent());
        assert!(!analyze("up > bool 0").filters);
    }

    #[test]
    fn sloth_burn_rate_alert() {
        let a = analyze(
            r#"(max(slo:sli_error:ratio_rate5m{sloth_id="a"} > (14.4 * 0.0009999999999999432)) without (sloth_window) and max(slo:sli_error:ratio_rate1h{sloth_id="a"} > (14.4 * 0.0009999999999999432)) without (sloth_window)) or (max(slo:sli_error:ratio_rate30m{sloth_id="a"} > (6 * 0.001)) without (sloth_window) and max(slo:sli_error:ratio_rate6h{sloth_id="a"} > (6 * 0.001)) without (sloth_window))"#,
        );
        assert!(a.error.is_none(), "{:?}", a.error);
        assert_eq!(a.burn_tiers.len(), 2);
        let t = &a.burn_tiers[0];
        assert_eq!(t[0].window_ms, Some(300_000));
        assert_eq!(t[1].window_ms, Some(3_600_000));
        assert_eq!(t[0].factor, Some(14.4));
        assert!(a.is_burn_rate());
    }

    #[test]
    fn pyrra_burn_rate_alert() {
        let a = analyze(
            r#"http_requests:burnrate5m{slo="x"} > (14 * (1-0.99)) and http_requests:burnrate1h{slo="x"} > (14 * (1-0.99))"#,
        );
        let t = &a.burn_tiers[0];
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].factor, Some(14.0));
        assert!((t[0].budget.unwrap() - 0.01).abs() < 1e-12);
        assert_eq!(t[0].labels, vec![("slo".into(), "x".into())]);
    }

    #[test]
    fn windows_in_names() {
        assert_eq!(
            window_in_name("slo:sli_error:ratio_rate30m"),
            Some(1_800_000)
        );
        assert_eq!(
            window_in_name("apiserver_request:burnrate1d"),
            Some(86_400_000)
        );
        assert_eq!(window_in_name("http_requests_total"), None);
    }
}
