//! CEL for declarative checks: compiling expressions (with the variables a
//! check may use), converting YAML nodes and facts to CEL values, evaluating.

use crate::yaml::{Node, Value as Y};
pub use cel::Program;
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
    "namespace",
    "target",
    "selected",
    "params",
    "resources",
];

/// The shared CEL environment (standard library), built once.
pub fn env() -> Arc<Env> {
    static ENV: OnceLock<Arc<Env>> = OnceLock::new();
    Arc::clone(ENV.get_or_init(|| Arc::new(Env::stdlib())))
}

/// Compiles an expression and checks that it only uses known variables.
pub fn compile(source: &str) -> Result<Program, String> {
    let program = env().compile(source).map_err(|e| {
        let text = e.to_string();
        text.lines().next().unwrap_or("syntax error").to_string()
    })?;
    let refs = program.references();
    let mut unknown: Vec<&str> = refs
        .variables()
        .into_iter()
        .filter(|v| !VARIABLES.contains(v))
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
