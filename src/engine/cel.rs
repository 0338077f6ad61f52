//! CEL for declarative checks: compiling expressions (with the variables a
//! check may use), converting YAML nodes and facts to CEL values, evaluating.

use crate::yaml::{Node, Value as Y};
pub use cel::Program;
use cel::common::types::{CelBool, CelString};
use cel::objects::{Key, Map};
use cel::{Context, Env, Value};
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

/// Variables a check expression may reference.
pub const VARIABLES: &[&str] = &[
    "object",
    "self",
    "workload",
    "container",
    "service",
    "ns",
    "target",
    "selected",
    "params",
    "resources",
];

/// The shared CEL environment (standard library), built once.
pub fn env() -> Arc<Env> {
    static ENV: OnceLock<Arc<Env>> = OnceLock::new();
    Arc::clone(ENV.get_or_init(|| {
        let mut env = Env::stdlib();
        // The crate's own `matches` compiles the pattern on every call, which
        // dominated a scan; this one keeps compiled patterns.
        cel::add_overload!(env, fn matches: (CelString, CelString) -> Result<CelBool>, id = "matches")
            .expect("matches is registered once");
        cel::add_member_overload!(env, fn matches: (CelString, CelString) -> Result<CelBool>)
            .expect("string.matches is registered once");
        Arc::new(env)
    }))
}

/// `string.matches(pattern)` with compiled patterns kept per thread.
fn matches(text: &CelString<'_>, pattern: &CelString<'_>) -> Result<CelBool, cel::ExecutionError> {
    thread_local! {
        static CACHE: std::cell::RefCell<HashMap<String, Result<regex::Regex, String>>> =
            std::cell::RefCell::new(HashMap::new());
    }
    CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        if cache.len() > 1024 {
            cache.clear();
        }
        let compiled = cache
            .entry(pattern.inner().to_string())
            .or_insert_with(|| regex::Regex::new(pattern.inner()).map_err(|e| e.to_string()));
        match compiled {
            Ok(re) => Ok(CelBool::from(re.is_match(text.inner()))),
            Err(e) => Err(cel::ExecutionError::FunctionError {
                function: "matches".to_string(),
                message: format!("'{}' is not a valid regex: {e}", pattern.inner()),
            }),
        }
    })
}

/// Variables bound by macros (`list.exists(x, ...)`, `map(x, ...)`,
/// `cel.bind(x, ...)`): the crate reports them among the references.
fn bound_variables(source: &str) -> Vec<String> {
    static RE: OnceLock<regex::Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        regex::Regex::new(
            r"(?:\.(?:all|exists|exists_one|existsOne|map|filter|transformList|transformMap)|\bcel\.bind)\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*,(?:\s*([A-Za-z_][A-Za-z0-9_]*)\s*,)?",
        )
        .expect("a valid regex")
    });
    re.captures_iter(source)
        .flat_map(|c| [c.get(1), c.get(2)])
        .flatten()
        .map(|m| m.as_str().to_string())
        .collect()
}

/// Compiles an expression and checks that it only uses known variables.
pub fn compile(source: &str) -> Result<Program, String> {
    let program = env().compile(source).map_err(|e| {
        let text = e.to_string();
        text.lines().next().unwrap_or("syntax error").to_string()
    })?;
    let refs = program.references();
    let bound = bound_variables(source);
    let mut unknown: Vec<&str> = refs
        .variables()
        .into_iter()
        .filter(|v| !VARIABLES.contains(v) && !bound.iter().any(|b| b == v))
        .collect();
    unknown.sort();
    if !unknown.is_empty() {
        return Err(format!(
            "unknown variable `{}`; a check can use {}",
            unknown.join("`, `"),
            VARIABLES.join(", ")
        ));
    }
    Ok(program)
}

/// Whether a program references a variable (to skip building costly ones).
pub fn references(program: &Program, variable: &str) -> bool {
    program.references().variables().contains(&variable)
}

pub fn new_context<'a>() -> Context<'a, 'a> {
    Context::with_env(env())
}

/// Converts a YAML node to a CEL value.
pub fn from_node(node: &Node) -> Value {
    match &node.value {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(*b),
        Y::Int(i) => Value::Int(*i),
        Y::Float(f) => Value::Float(*f),
        Y::Str(s) => Value::String(Arc::new(s.clone())),
        Y::Seq(items) => Value::List(Arc::new(items.iter().map(from_node).collect())),
        Y::Map(entries) => {
            let map: HashMap<Key, Value> = entries
                .iter()
                .map(|e| (Key::String(Arc::new(e.key.clone())), from_node(&e.value)))
                .collect();
            Value::Map(Map { map: Arc::new(map) })
        }
    }
}

/// Converts JSON (from a JSONPath match) to a CEL value.
pub fn from_json(v: &serde_json::Value) -> Value {
    use serde_json::Value as J;
    match v {
        J::Null => Value::Null,
        J::Bool(b) => Value::Bool(*b),
        J::Number(n) => n
            .as_i64()
            .map(Value::Int)
            .unwrap_or_else(|| Value::Float(n.as_f64().unwrap_or(0.0))),
        J::String(s) => Value::String(Arc::new(s.clone())),
        J::Array(a) => Value::List(Arc::new(a.iter().map(from_json).collect())),
        J::Object(o) => {
            let map: HashMap<Key, Value> = o
                .iter()
                .map(|(k, v)| (Key::String(Arc::new(k.clone())), from_json(v)))
                .collect();
            Value::Map(Map { map: Arc::new(map) })
        }
    }
}

/// Builds a CEL map of facts.
#[derive(Default)]
pub struct Facts(HashMap<Key, Value>);

impl Facts {
    pub fn new() -> Facts {
        Facts::default()
    }

    pub fn set(mut self, key: &str, value: impl Into<Value>) -> Facts {
        self.0
            .insert(Key::String(Arc::new(key.to_string())), value.into());
        self
    }

    pub fn opt_int(self, key: &str, value: Option<i64>) -> Facts {
        self.set(key, value.map(Value::Int).unwrap_or(Value::Null))
    }

    pub fn build(self) -> Value {
        Value::Map(Map {
            map: Arc::new(self.0),
        })
    }
}

pub fn string_list<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> Value {
    Value::List(Arc::new(
        items
            .into_iter()
            .map(|s| Value::String(Arc::new(s.as_ref().to_string())))
            .collect(),
    ))
}

/// Evaluates a program to a boolean.
pub fn eval_bool(program: &Program, ctx: &Context) -> Result<bool, String> {
    match program.execute(ctx) {
        Ok(Value::Bool(b)) => Ok(b),
        Ok(other) => Err(format!("expected a boolean, got {other:?}")),
        Err(e) => Err(e.to_string()),
    }
}

/// Evaluates a program to a string.
pub fn eval_string(program: &Program, ctx: &Context) -> Result<String, String> {
    match program.execute(ctx) {
        Ok(Value::String(s)) => Ok(s.to_string()),
        Ok(other) => Err(format!("expected a string, got {other:?}")),
        Err(e) => Err(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compiles_and_rejects_unknown_variables() {
        assert!(compile("object.spec.replicas >= 2").is_ok());
        let e = compile("objet.spec > 1").unwrap_err();
        assert!(e.contains("objet"), "{e}");
        assert!(compile("object.spec >").is_err());
    }

    #[test]
    fn matches_works_and_reports_bad_patterns() {
        let ctx = new_context();
        let p = compile("'v1.2'.matches('^v[0-9]') && !matches('latest', '^[0-9]+$')").unwrap();
        assert_eq!(eval_bool(&p, &ctx), Ok(true));
        let bad = compile("'x'.matches('(')").unwrap();
        assert!(
            eval_bool(&bad, &ctx)
                .unwrap_err()
                .contains("not a valid regex")
        );
    }

    #[test]
    fn macro_variables_are_not_unknown() {
        assert!(compile("object.spec.containers.all(c, has(c.image))").is_ok());
        assert!(
            compile("selected.exists(w, w.serving) && [1, 2].map(i, i * 2).size() == 2").is_ok()
        );
        assert!(compile("object.spec.containers.all(c, has(d.image))").is_err());
        assert!(compile("ns.name == 'default'").is_ok());
    }

    #[test]
    fn evaluates_over_nodes_and_facts() {
        let node = crate::yaml::parse_stream("spec: {replicas: 3, name: web}", &Default::default())
            .documents
            .remove(0)
            .root;
        let mut ctx = new_context();
        ctx.add_variable_from_value("object", from_node(&node));
        ctx.add_variable_from_value(
            "workload",
            Facts::new()
                .set("serving", true)
                .opt_int("replicas", None)
                .build(),
        );
        let p = compile("object.spec.replicas >= 2 && workload.serving && workload.replicas == null && has(object.spec.name)").unwrap();
        assert_eq!(eval_bool(&p, &ctx), Ok(true));
        let m = compile("'replicas: ' + string(object.spec.replicas)").unwrap();
        assert_eq!(eval_string(&m, &ctx).unwrap(), "replicas: 3");
    }
}
