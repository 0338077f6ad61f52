//! YAML nodes as CEL values, without copying them: mappings and sequences
//! are [`Borrowed`] collections, scalars the crate's own types with strings
//! borrowed.

use super::borrowed::{Borrowed, Collection, key_text, list_item, not_a_key};
use crate::yaml::{Node, Value as Y};
use cel::ExecutionError;
use cel::common::types::{CelBool, CelDouble, CelInt, CelNull, CelString};
use cel::common::value::Val;

/// The CEL value of a node.
pub fn val(node: &Node) -> Box<dyn Val + '_> {
    match &node.value {
        Y::Null => Box::new(CelNull),
        Y::Bool(b) => Box::new(CelBool::from(*b)),
        Y::Int(i) => Box::new(CelInt::from(*i)),
        Y::Float(f) => Box::new(CelDouble::from(*f)),
        Y::Str(s) => Box::new(CelString::from(s.as_str())),
        Y::Seq(_) | Y::Map(_) => Box::new(Borrowed::new(node)),
    }
}

impl Collection for Node {
    fn is_list(&self) -> bool {
        matches!(self.value, Y::Seq(_))
    }

    fn count(&self) -> usize {
        match &self.value {
            Y::Seq(items) => items.len(),
            Y::Map(entries) => entries.len(),
            _ => 0,
        }
    }

    fn children(&self) -> Vec<Box<dyn Val + '_>> {
        match &self.value {
            Y::Seq(items) => items.iter().map(val).collect(),
            Y::Map(entries) => entries
                .iter()
                .map(|e| Box::new(CelString::from(e.key.as_str())) as Box<dyn Val + '_>)
                .collect(),
            _ => Vec::new(),
        }
    }

    fn lookup(&self, idx: &dyn Val) -> Result<Box<dyn Val + '_>, ExecutionError> {
        match &self.value {
            Y::Map(entries) => {
                let key = key_text(idx).ok_or_else(|| not_a_key(idx))?;
                entries
                    .iter()
                    .find(|e| e.key == key)
                    .map(|e| val(&e.value))
                    .ok_or_else(|| ExecutionError::no_such_key(&key))
            }
            Y::Seq(items) => list_item(items, idx, val),
            _ => Err(ExecutionError::no_such_key("")),
        }
    }

    fn has_key(&self, key: &dyn Val) -> bool {
        match &self.value {
            Y::Map(entries) => key_text(key).is_some_and(|k| entries.iter().any(|e| e.key == k)),
            _ => false,
        }
    }

    /// Collections read from YAML compare equal to nothing: checks compare
    /// fields, not whole objects.
    fn equals(&self, _other: &dyn Val) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::cel::{compile, eval_bool, new_context};

    #[test]
    fn expressions_over_borrowed_nodes() {
        let node = crate::yaml::parse_stream(
            "spec:\n  replicas: 3\n  args: [--leader-elect, --port=80]\n  labels: {app: web}\n  ratio: 0.5\n  empty: {}\n",
            &Default::default(),
        )
        .documents
        .remove(0)
        .root;
        let mut ctx = new_context();
        ctx.add_variable_as_val("object", val(&node));
        for (expr, want) in [
            ("object.spec.replicas >= 2", true),
            (
                "has(object.spec.replicas) && !has(object.spec.missing)",
                true,
            ),
            ("'--leader-elect' in object.spec.args", true),
            ("object.spec.args.exists(a, a.startsWith('--port'))", true),
            ("object.spec.args.all(a, a.startsWith('--'))", true),
            (
                "size(object.spec.args) == 2 && object.spec.args[1] == '--port=80'",
                true,
            ),
            (
                "'app' in object.spec.labels && object.spec.labels.app == 'web'",
                true,
            ),
            ("object.spec.labels.exists(k, k == 'app')", true),
            ("object.spec.ratio < 1.0", true),
            ("size(object.spec.empty) == 0", true),
            ("object.?spec.?nothing.hasValue()", false),
            ("object.?spec.?replicas.orValue(1) == 3", true),
        ] {
            let p = compile(expr).unwrap_or_else(|e| panic!("{expr}: {e}"));
            assert_eq!(eval_bool(&p, &ctx), Ok(want), "{expr}");
        }
    }
}
