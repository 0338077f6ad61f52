//! Parsing PromQL without compiling its regexes.
//!
//! `promql-parser` compiles a regex for every `=~`/`!~` matcher, and that
//! compilation is most of its cost on typical alert rules
//! (`code=~"5.."` needs a UTF-8 automaton for `.`): 2,000 such rules spent
//! more time there than in parsing. creview only reads the matchers' text,
//! so an expression with regex matchers is first parsed with each one
//! rewritten as an (in)equality whose value starts with [`MARK`]
//! (`code="\u{E000}5.."`); the patterns are then checked for syntax only.
//! Whatever that check cannot vouch for exactly is parsed again as written,
//! so the result (and every error message) is the parser's own:
//! - the rewritten text does not parse;
//! - a selector without a metric name holds a regex matcher (the parser asks
//!   the regex whether it matches the empty string);
//! - a pattern is long or has a counted repetition (`{`), so compiling it
//!   might reach the regex size limit, or the parser would retry it with
//!   Go's literal braces escaped;
//! - a pattern does not parse as a regex.

use super::promql::Op;
use promql_parser::label::{MatchOp, Matcher};
use promql_parser::parser::{self, Expr, VectorSelector};

/// Starts the value of a rewritten regex matcher: a private-use character
/// (an expression that already holds one is parsed as written).
const MARK: char = '\u{E000}';

/// Patterns at most this long without `{` always compile within the regex
/// crate's default size limit (128 `\w` do; 256 do not).
const MAX_VOUCHED_PATTERN: usize = 256;

/// A parsed expression and how to read its matchers.
pub struct Parsed {
    pub ast: Expr,
    pub marks: Marks,
}

/// Whether the regex matchers of a [`Parsed`] expression were rewritten.
#[derive(Clone, Copy)]
pub struct Marks(bool);

impl Marks {
    /// The matcher's operator as written and its value.
    pub fn read(self, m: &Matcher) -> (Op, &str) {
        let pattern = if self.0 {
            m.value.strip_prefix(MARK)
        } else {
            None
        };
        match (&m.op, pattern) {
            (MatchOp::Equal, Some(p)) => (Op::Re, p),
            (MatchOp::NotEqual, Some(p)) => (Op::NotRe, p),
            (MatchOp::Equal, _) => (Op::Eq, &m.value),
            (MatchOp::NotEqual, _) => (Op::Ne, &m.value),
            (MatchOp::Re(_), _) => (Op::Re, &m.value),
            (MatchOp::NotRe(_), _) => (Op::NotRe, &m.value),
        }
    }
}

/// Parses `expr` as `promql_parser::parser::parse` does.
pub fn parse(expr: &str) -> Result<Parsed, String> {
    if let Some(marked) = mark_regex_matchers(expr)
        && let Ok(ast) = parser::parse(&marked)
        && vouched(&ast)
    {
        return Ok(Parsed {
            ast,
            marks: Marks(true),
        });
    }
    parser::parse(expr).map(|ast| Parsed {
        ast,
        marks: Marks(false),
    })
}

/// `expr` with every `=~"p"` / `!~"p"` turned into `= "\u{E000}p"` /
/// `!="\u{E000}p"`; None when there is none, or when the text holds [`MARK`],
/// an unterminated string, or anything but blanks between an operator and
/// its string.
fn mark_regex_matchers(expr: &str) -> Option<String> {
    if expr.contains(MARK) {
        return None;
    }
    let b = expr.as_bytes();
    let mut out = String::new();
    let mut copied = 0;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' | b'\'' | b'`' => i = string_end(b, i)?,
            b'#' => {
                i = b[i..]
                    .iter()
                    .position(|&c| c == b'\n')
                    .map_or(b.len(), |n| i + n)
            }
            op @ (b'=' | b'!') if b.get(i + 1) == Some(&b'~') => {
                let mut quote = i + 2;
                while b.get(quote).is_some_and(u8::is_ascii_whitespace) {
                    quote += 1;
                }
                if !matches!(b.get(quote), Some(b'"' | b'\'' | b'`')) {
                    return None;
                }
                out.push_str(&expr[copied..i]);
                out.push_str(if op == b'=' { "= " } else { "!=" });
                out.push_str(&expr[i + 2..=quote]);
                out.push(MARK);
                copied = quote + 1;
                i = string_end(b, quote)?;
            }
            _ => i += 1,
        }
    }
    if copied == 0 {
        return None;
    }
    out.push_str(&expr[copied..]);
    Some(out)
}

/// The index just past the string literal opening at `start`; None when it
/// is not terminated. Raw strings (`` ` ``) have no escapes.
fn string_end(b: &[u8], start: usize) -> Option<usize> {
    let quote = b[start];
    let mut i = start + 1;
    while i < b.len() {
        match b[i] {
            b'\\' if quote != b'`' => i += 2,
            c if c == quote => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// Whether every rewritten matcher is one the parser would have accepted
/// as written, with the same meaning (see the module docs).
fn vouched(ast: &Expr) -> bool {
    let mut selectors = Vec::new();
    collect_selectors(ast, &mut selectors);
    selectors.iter().all(|vs| {
        let mut marked = vs
            .matchers
            .matchers
            .iter()
            .chain(vs.matchers.or_matchers.iter().flatten())
            .filter_map(|m| m.value.strip_prefix(MARK))
            .peekable();
        if vs.name.is_none() && marked.peek().is_some() {
            return false;
        }
        marked.all(|pattern| {
            pattern.len() <= MAX_VOUCHED_PATTERN
                && !pattern.contains('{')
                && regex_syntax::Parser::new()
                    .parse(&format!("^(?:{pattern})$"))
                    .is_ok()
        })
    })
}

fn collect_selectors<'a>(e: &'a Expr, out: &mut Vec<&'a VectorSelector>) {
    match e {
        Expr::Aggregate(x) => {
            collect_selectors(&x.expr, out);
            if let Some(p) = &x.param {
                collect_selectors(p, out);
            }
        }
        Expr::Unary(x) => collect_selectors(&x.expr, out),
        Expr::Binary(x) => {
            collect_selectors(&x.lhs, out);
            collect_selectors(&x.rhs, out);
        }
        Expr::Paren(x) => collect_selectors(&x.expr, out),
        Expr::Subquery(x) => collect_selectors(&x.expr, out),
        Expr::VectorSelector(vs) => out.push(vs),
        Expr::MatrixSelector(ms) => out.push(&ms.vs),
        Expr::Call(c) => {
            for arg in &c.args.args {
                collect_selectors(arg, out);
            }
        }
        Expr::NumberLiteral(_) | Expr::StringLiteral(_) | Expr::Extension(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Matchers = Vec<(String, Op, String)>;

    fn read_matchers(parsed: &Parsed) -> Matchers {
        let mut selectors = Vec::new();
        collect_selectors(&parsed.ast, &mut selectors);
        selectors
            .iter()
            .flat_map(|vs| vs.matchers.matchers.iter())
            .map(|m| {
                let (op, value) = parsed.marks.read(m);
                (m.name.clone(), op, value.to_string())
            })
            .collect()
    }

    /// The matchers of every selector, as this module reads them.
    fn matchers(expr: &str) -> Result<Matchers, String> {
        parse(expr).map(|p| read_matchers(&p))
    }

    /// What the parser itself says, for comparison.
    fn reference(expr: &str) -> Result<Matchers, String> {
        parser::parse(expr).map(|ast| {
            read_matchers(&Parsed {
                ast,
                marks: Marks(false),
            })
        })
    }

    #[test]
    fn rewrites_regex_matchers_outside_strings_and_comments() {
        assert_eq!(
            mark_regex_matchers(r#"x{a=~"5..", b!~ 'y', c="=~\"z\""} # d=~"e""#).as_deref(),
            Some("x{a= \"\u{E000}5..\", b!= '\u{E000}y', c=\"=~\\\"z\\\"\"} # d=~\"e\"")
        );
        assert_eq!(mark_regex_matchers(r#"x{a="b"}"#), None);
        assert_eq!(mark_regex_matchers("x{a=~\"unterminated}"), None);
        assert_eq!(mark_regex_matchers("x{a=~ # comment\n\"b\"}"), None);
        assert_eq!(mark_regex_matchers("x{a=~\"\u{E000}\"}"), None);
    }

    #[test]
    fn same_matchers_and_errors_as_the_parser() {
        for expr in [
            r#"sum(rate(http_requests_total{job="api",code=~"5.."}[5m])) > 0.01"#,
            r#"up{job!~"node|kube.*", instance=~`10\.0\..*`} == 0"#,
            r#"rate(x{a=~"b"}[5m:1m]) and on() absent(y{c!~"d"})"#,
            r#"x{a=~"\\d+\"q"}"#,
            r#"x{a=~""}"#,
            // Fall back: a selector without a metric name, a brace, a long
            // pattern, a pattern that is not a regex, a parse error.
            r#"{job=~".*"}"#,
            r#"{job=~".+"}"#,
            r#"{__name__=~"up|down"}"#,
            r#"x{__name__=~"y"}"#,
            r#"x{a=~"b{2}"}"#,
            r#"x{a=~"{{.window}}"}"#,
            r#"x{a=~"(unclosed"}"#,
            r#"x{a=~"b"} +"#,
        ] {
            assert_eq!(matchers(expr), reference(expr), "{expr}");
        }
        let long = format!(r#"x{{a=~"{}"}}"#, r"\w".repeat(256));
        assert_eq!(matchers(&long), reference(&long));
        assert!(reference(&long).is_err(), "the regex size limit is reached");
    }

    #[test]
    fn regex_matchers_are_not_compiled_when_vouched() {
        assert!(parse(r#"x{a=~"5.."}"#).unwrap().marks.0);
        assert!(!parse(r#"{a=~"5.."}"#).unwrap().marks.0);
        assert!(!parse(r#"x{a="5.."}"#).unwrap().marks.0);
    }
}
