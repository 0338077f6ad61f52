//! Precomputed facts (workload, namespace, service) as CEL values, without
//! copying them. Binding a `cel::Value` map converts it, recursively, into
//! boxed values each time; the same workload facts are bound for every
//! resource and container a check visits, and an expression reads a few
//! fields. `ValueRef` borrows the value and wraps only what is touched,
//! as [`super::node_val`] does for YAML nodes.

use cel::ExecutionError;
use cel::Value;
use cel::common::traits::{self, Container, Indexer, Iterable, Sizer};
use cel::common::types::{CelBool, CelDouble, CelInt, CelNull, CelString, CelUInt, Type};
use cel::common::value::{CowVal, Val};
use cel::objects::{Key, KeyRef};
use std::sync::OnceLock;

static MAP: Type = cel::common::types::MAP_TYPE;
static LIST: Type = cel::common::types::LIST_TYPE;

/// A list or map value, seen by CEL through the collection traits.
#[derive(Debug)]
pub struct ValueRef<'v> {
    value: &'v Value,
    /// The elements (list) or keys (map), built on first iteration.
    children: OnceLock<Vec<Box<dyn Val + 'v>>>,
}

/// The CEL value of `value`: scalars as the crate's own types (strings
/// borrowed), lists and maps as [`ValueRef`], anything else converted.
pub fn val(value: &Value) -> Box<dyn Val + '_> {
    match value {
        Value::Null => Box::new(CelNull),
        Value::Bool(b) => Box::new(CelBool::from(*b)),
        Value::Int(i) => Box::new(CelInt::from(*i)),
        Value::UInt(u) => Box::new(CelUInt::from(*u)),
        Value::Float(f) => Box::new(CelDouble::from(*f)),
        Value::String(s) => Box::new(CelString::from(s.as_str())),
        Value::List(_) | Value::Map(_) => Box::new(ValueRef {
            value,
            children: OnceLock::new(),
        }),
        other => {
            let converted: Result<Box<dyn Val>, _> = other.clone().try_into();
            converted.unwrap_or_else(|_| Box::new(CelNull))
        }
    }
}

fn key_val(key: &Key) -> Box<dyn Val + '_> {
    match key {
        Key::Int(i) => Box::new(CelInt::from(*i)),
        Key::Uint(u) => Box::new(CelUInt::from(*u)),
        Key::Bool(b) => Box::new(CelBool::from(*b)),
        Key::String(s) => Box::new(CelString::from(s.as_str())),
    }
}

fn key_ref(idx: &dyn Val) -> Option<KeyRef<'_>> {
    if let Some(s) = idx.downcast_ref::<CelString>() {
        Some(KeyRef::String(s.inner()))
    } else if let Some(i) = idx.downcast_ref::<CelInt>() {
        Some(KeyRef::Int(*i.inner()))
    } else if let Some(u) = idx.downcast_ref::<CelUInt>() {
        Some(KeyRef::Uint(*u.inner()))
    } else {
        idx.downcast_ref::<CelBool>()
            .map(|b| KeyRef::Bool(*b.inner()))
    }
}

impl<'v> ValueRef<'v> {
    fn children(&self) -> &[Box<dyn Val + 'v>] {
        self.children.get_or_init(|| match self.value {
            Value::List(items) => items.iter().map(val).collect(),
            Value::Map(m) => m.map.keys().map(key_val).collect(),
            _ => Vec::new(),
        })
    }
}

impl<'r> Val for ValueRef<'r> {
    fn get_type(&self) -> &Type {
        match self.value {
            Value::List(_) => &LIST,
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

    /// Equal to a built-in collection holding the same elements
    /// (`workload.zones == []`). (A borrowed value cannot be downcast, so
    /// two borrowed collections compare unequal, as YAML nodes do.)
    fn equals(&self, other: &dyn Val) -> bool {
        Value::try_from(other).is_ok_and(|o| &o == self.value)
    }

    fn clone_as_boxed<'v>(&self) -> Box<dyn Val + 'v>
    where
        Self: 'v,
    {
        val(self.value)
    }
}

impl Indexer for ValueRef<'_> {
    fn get<'b, 'v>(&'b self, idx: &dyn Val) -> Result<CowVal<'b, 'v>, ExecutionError>
    where
        Self: 'v,
    {
        match self.value {
            Value::Map(m) => {
                let key = key_ref(idx).ok_or_else(|| ExecutionError::UnexpectedType {
                    got: idx.get_type().name().to_owned(),
                    want: "map key".to_owned(),
                })?;
                m.get(&key).map(|v| CowVal::Owned(val(v))).ok_or_else(|| {
                    ExecutionError::no_such_key(&match key {
                        KeyRef::String(s) => s.to_string(),
                        other => format!("{other:?}"),
                    })
                })
            }
            Value::List(items) => {
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
                    .map(|v| CowVal::Owned(val(v)))
                    .ok_or_else(|| ExecutionError::IndexOutOfBounds(Value::Int(i)))
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

impl Container for ValueRef<'_> {
    fn contains(&self, value: &dyn Val) -> Result<bool, ExecutionError> {
        match self.value {
            Value::Map(m) => Ok(key_ref(value).is_some_and(|k| m.get(&k).is_some())),
            _ => Ok(self.children().iter().any(|c| c.equals(value))),
        }
    }
}

impl Sizer for ValueRef<'_> {
    fn size(&self) -> CelInt {
        let n = match self.value {
            Value::List(items) => items.len(),
            Value::Map(m) => m.map.len(),
            _ => 0,
        };
        CelInt::from(n as i64)
    }
}

struct Children<'b, 'r>(std::slice::Iter<'b, Box<dyn Val + 'r>>);

impl<'b, 'v, 'r: 'v> traits::Iterator<'b, 'v> for Children<'b, 'r> {
    fn next(&mut self) -> Option<&'b (dyn Val + 'v)> {
        self.0.next().map(|b| {
            let r: &'b (dyn Val + 'r) = b.as_ref();
            r as &'b (dyn Val + 'v)
        })
    }
}

impl<'r> Iterable for ValueRef<'r> {
    fn iter<'b, 'v>(&'b self) -> Box<dyn traits::Iterator<'b, 'v> + 'b>
    where
        Self: 'v,
    {
        Box::new(Children::<'b, 'r>(self.children().iter()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::cel::{compile, eval_bool, new_context};
    use std::collections::HashMap;
    use std::sync::Arc;

    #[test]
    fn expressions_over_borrowed_values() {
        let mut inner = HashMap::new();
        inner.insert(Key::String(Arc::new("app".into())), Value::from("web"));
        let mut m = HashMap::new();
        m.insert(Key::String(Arc::new("replicas".into())), Value::Int(3));
        m.insert(
            Key::String(Arc::new("zones".into())),
            Value::List(Arc::new(vec![Value::from("a"), Value::from("b")])),
        );
        m.insert(
            Key::String(Arc::new("empty".into())),
            Value::List(Arc::new(vec![])),
        );
        m.insert(
            Key::String(Arc::new("labels".into())),
            Value::Map(cel::objects::Map {
                map: Arc::new(inner),
            }),
        );
        let facts = Value::Map(cel::objects::Map { map: Arc::new(m) });
        let mut ctx = new_context();
        ctx.add_variable_as_val("workload", val(&facts));
        for (expr, want) in [
            ("workload.replicas >= 2", true),
            ("has(workload.replicas) && !has(workload.missing)", true),
            ("'a' in workload.zones && !('c' in workload.zones)", true),
            ("workload.zones.exists(z, z == 'b')", true),
            (
                "size(workload.zones) == 2 && workload.zones[1] == 'b'",
                true,
            ),
            (
                "workload.labels.app == 'web' && 'app' in workload.labels",
                true,
            ),
            ("workload.empty == [] && workload.zones != []", true),
            ("workload.zones == ['a', 'b']", true),
            ("workload.?labels.?team.orValue('none') == 'none'", true),
            ("workload.labels.exists(k, k == 'app')", true),
        ] {
            let p = compile(expr).unwrap_or_else(|e| panic!("{expr}: {e}"));
            assert_eq!(eval_bool(&p, &ctx), Ok(want), "{expr}");
        }
    }
}
