//! YAML nodes as CEL values, without copying them. The crate's `Value`
//! converts a whole object into maps of boxed values every time it is bound
//! to a variable; a check usually reads three fields of it. `NodeVal`
//! borrows the node and builds only what an expression touches: a field
//! lookup wraps the child, a string borrows its text.

use crate::yaml::{Node, Value as Y};
use cel::ExecutionError;
use cel::common::traits::{self, Container, Indexer, Iterable, Sizer};
use cel::common::types::{CelBool, CelDouble, CelInt, CelNull, CelString, Type};
use cel::common::value::{CowVal, Val};
use std::sync::OnceLock;

static MAP: Type = cel::common::types::MAP_TYPE;
static LIST: Type = cel::common::types::LIST_TYPE;

/// A mapping or sequence node, seen by CEL as a `map` or a `list`.
#[derive(Debug)]
pub struct NodeVal<'n> {
    node: &'n Node,
    /// The elements (list) or keys (map), built on first iteration: the
    /// iterator lends references, so they must live as long as `self`.
    children: OnceLock<Vec<Box<dyn Val + 'n>>>,
}

impl<'n> NodeVal<'n> {
    fn new(node: &'n Node) -> NodeVal<'n> {
        NodeVal {
            node,
            children: OnceLock::new(),
        }
    }
}

/// The CEL value of a node: scalars as the crate's own types (strings
/// borrowed), collections as [`NodeVal`].
pub fn val(node: &Node) -> Box<dyn Val + '_> {
    match &node.value {
        Y::Null => Box::new(CelNull),
        Y::Bool(b) => Box::new(CelBool::from(*b)),
        Y::Int(i) => Box::new(CelInt::from(*i)),
        Y::Float(f) => Box::new(CelDouble::from(*f)),
        Y::Str(s) => Box::new(CelString::from(s.as_str())),
        Y::Seq(_) | Y::Map(_) => Box::new(NodeVal::new(node)),
    }
}

fn key_text(key: &dyn Val) -> Option<String> {
    if let Some(s) = key.downcast_ref::<CelString>() {
        Some(s.inner().to_string())
    } else {
        key.downcast_ref::<CelInt>().map(|i| i.inner().to_string())
    }
}

impl<'n> Val for NodeVal<'n> {
    fn get_type(&self) -> &Type {
        match self.node.value {
            Y::Seq(_) => &LIST,
            _ => &MAP,
        }
    }

    fn cel_type() -> &'static Type {
        &MAP
    }

    fn as_container(&self) -> Option<&dyn Container> {
        Some(self)
    }

    fn as_indexer<'b, 'v>(&'b self) -> Option<&'b (dyn Indexer + 'v)>
    where
        Self: 'v,
    {
        Some(self)
    }

    fn into_indexer<'v>(self: Box<Self>) -> Option<Box<dyn Indexer + 'v>>
    where
        Self: 'v,
    {
        Some(self)
    }

    fn as_iterable<'b, 'v>(&'b self) -> Option<&'b (dyn Iterable + 'v)>
    where
        Self: 'v,
    {
        Some(self)
    }

    fn as_sizer(&self) -> Option<&dyn Sizer> {
        Some(self)
    }

    /// Collections read from YAML compare equal to nothing: checks compare
    /// fields, not whole objects. (A borrowed value cannot be downcast.)
    fn equals(&self, _other: &dyn Val) -> bool {
        false
    }

    fn clone_as_boxed<'v>(&self) -> Box<dyn Val + 'v>
    where
        Self: 'v,
    {
        Box::new(NodeVal::new(self.node))
    }
}

impl<'n> NodeVal<'n> {
    fn children(&self) -> &[Box<dyn Val + 'n>] {
        self.children.get_or_init(|| match &self.node.value {
            Y::Seq(items) => items.iter().map(val).collect(),
            Y::Map(entries) => entries
                .iter()
                .map(|e| Box::new(CelString::from(e.key.as_str())) as Box<dyn Val + 'n>)
                .collect(),
            _ => Vec::new(),
        })
    }
}

impl Indexer for NodeVal<'_> {
    fn get<'b, 'v>(&'b self, idx: &dyn Val) -> Result<CowVal<'b, 'v>, ExecutionError>
    where
        Self: 'v,
    {
        match &self.node.value {
            Y::Map(entries) => {
                let key = key_text(idx).ok_or_else(|| ExecutionError::UnexpectedType {
                    got: idx.get_type().name().to_owned(),
                    want: "map key".to_owned(),
                })?;
                entries
                    .iter()
                    .find(|e| e.key == key)
                    .map(|e| CowVal::Owned(val(&e.value)))
                    .ok_or_else(|| ExecutionError::no_such_key(&key))
            }
            Y::Seq(items) => {
                let i = idx
                    .downcast_ref::<CelInt>()
                    .map(|i| *i.inner())
                    .ok_or_else(|| ExecutionError::UnexpectedType {
                        got: idx.get_type().name().to_owned(),
                        want: "int".to_owned(),
                    })?;
                usize::try_from(i)
                    .ok()
                    .and_then(|i| items.get(i))
                    .map(|n| CowVal::Owned(val(n)))
                    .ok_or_else(|| ExecutionError::IndexOutOfBounds(cel::Value::Int(i)))
            }
            _ => Err(ExecutionError::no_such_key("")),
        }
    }

    fn steal<'v>(self: Box<Self>, idx: &dyn Val) -> Result<Box<dyn Val + 'v>, ExecutionError>
    where
        Self: 'v,
    {
        self.get(idx).map(CowVal::into_owned)
    }
}

impl Container for NodeVal<'_> {
    fn contains(&self, value: &dyn Val) -> Result<bool, ExecutionError> {
        match &self.node.value {
            Y::Map(entries) => {
                Ok(key_text(value).is_some_and(|k| entries.iter().any(|e| e.key == k)))
            }
            _ => Ok(self.children().iter().any(|c| c.equals(value))),
        }
    }
}

impl Sizer for NodeVal<'_> {
    fn size(&self) -> CelInt {
        let n = match &self.node.value {
            Y::Seq(items) => items.len(),
            Y::Map(entries) => entries.len(),
            _ => 0,
        };
        CelInt::from(n as i64)
    }
}

struct Children<'b, 'n>(std::slice::Iter<'b, Box<dyn Val + 'n>>);

impl<'b, 'v, 'n: 'v> traits::Iterator<'b, 'v> for Children<'b, 'n> {
    fn next(&mut self) -> Option<&'b (dyn Val + 'v)> {
        self.0.next().map(|b| {
            let r: &'b (dyn Val + 'n) = b.as_ref();
            r as &'b (dyn Val + 'v)
        })
    }
}

impl<'n> Iterable for NodeVal<'n> {
    fn iter<'b, 'v>(&'b self) -> Box<dyn traits::Iterator<'b, 'v> + 'b>
    where
        Self: 'v,
    {
        Box::new(Children::<'b, 'n>(self.children().iter()))
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
