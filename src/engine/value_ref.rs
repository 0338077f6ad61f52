//! Precomputed facts (workload, container, service, params) as CEL values,
//! without copying them. Binding a `cel::Value` map converts it,
//! recursively, into boxed values each time; the same workload facts are
//! bound for every resource and container a check visits, and an expression
//! reads a few fields. Lists and maps are [`Borrowed`] collections.

use super::borrowed::{Borrowed, Collection, list_item, not_a_key};
use cel::ExecutionError;
use cel::Value;
use cel::common::types::{CelBool, CelDouble, CelInt, CelNull, CelString, CelUInt};
use cel::common::value::Val;
use cel::objects::{Key, KeyRef};

/// The CEL value of `value`: scalars as the crate's own types (strings
/// borrowed), lists and maps borrowed, anything else converted.
pub fn val(value: &Value) -> Box<dyn Val + '_> {
    match value {
        Value::Null => Box::new(CelNull),
        Value::Bool(b) => Box::new(CelBool::from(*b)),
        Value::Int(i) => Box::new(CelInt::from(*i)),
        Value::UInt(u) => Box::new(CelUInt::from(*u)),
        Value::Float(f) => Box::new(CelDouble::from(*f)),
        Value::String(s) => Box::new(CelString::from(s.as_str())),
        Value::List(_) | Value::Map(_) => Box::new(Borrowed::new(value)),
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

impl Collection for Value {
    fn is_list(&self) -> bool {
        matches!(self, Value::List(_))
    }

    fn count(&self) -> usize {
        match self {
            Value::List(items) => items.len(),
            Value::Map(m) => m.map.len(),
            _ => 0,
        }
    }

    fn children(&self) -> Vec<Box<dyn Val + '_>> {
        match self {
            Value::List(items) => items.iter().map(val).collect(),
            Value::Map(m) => m.map.keys().map(key_val).collect(),
            _ => Vec::new(),
        }
    }

    fn lookup(&self, idx: &dyn Val) -> Result<Box<dyn Val + '_>, ExecutionError> {
        match self {
            Value::Map(m) => {
                let key = key_ref(idx).ok_or_else(|| not_a_key(idx))?;
                m.get(&key).map(val).ok_or_else(|| {
                    ExecutionError::no_such_key(&match key {
                        KeyRef::String(s) => s.to_string(),
                        other => format!("{other:?}"),
                    })
                })
            }
            Value::List(items) => list_item(items, idx, val),
            _ => Err(ExecutionError::no_such_key("")),
        }
    }

    fn has_key(&self, key: &dyn Val) -> bool {
        match self {
            Value::Map(m) => key_ref(key).is_some_and(|k| m.get(&k).is_some()),
            _ => false,
        }
    }

    /// Equal to a built-in collection holding the same elements
    /// (`workload.zones == []`).
    fn equals(&self, other: &dyn Val) -> bool {
        Value::try_from(other).is_ok_and(|o| &o == self)
    }
}

/// A list of precomputed facts picked by index, borrowed: `selected`, the
/// workloads a Service or PDB selects. `size(selected)` costs nothing and
/// nothing is copied, which matters when a selector matches thousands.
#[derive(Debug)]
pub struct Picked<'a> {
    pub ids: &'a [usize],
    pub facts: &'a [Value],
}

impl Collection for Picked<'_> {
    fn is_list(&self) -> bool {
        true
    }

    fn count(&self) -> usize {
        self.ids.len()
    }

    fn children(&self) -> Vec<Box<dyn Val + '_>> {
        self.ids.iter().map(|&i| val(&self.facts[i])).collect()
    }

    fn lookup(&self, idx: &dyn Val) -> Result<Box<dyn Val + '_>, ExecutionError> {
        list_item(self.ids, idx, |&i| val(&self.facts[i]))
    }

    fn has_key(&self, _: &dyn Val) -> bool {
        false
    }

    fn equals(&self, other: &dyn Val) -> bool {
        Value::try_from(other).is_ok_and(|o| match o {
            Value::List(items) => {
                items.len() == self.ids.len()
                    && items
                        .iter()
                        .zip(self.ids)
                        .all(|(a, &i)| *a == self.facts[i])
            }
            _ => false,
        })
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
        let all = [Value::Null, facts.clone()];
        let selected = Picked {
            ids: &[1, 1],
            facts: &all,
        };
        let none = Picked {
            ids: &[],
            facts: &all,
        };
        let mut ctx = new_context();
        ctx.add_variable_as_val("workload", val(&facts));
        ctx.add_variable_as_val("selected", Box::new(Borrowed::new(&selected)));
        ctx.add_variable_as_val("target", Box::new(Borrowed::new(&none)));
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
            ("size(selected) == 2 && selected[1].replicas == 3", true),
            ("selected.all(w, w.labels.app == 'web')", true),
            ("selected != [] && target == [] && size(target) == 0", true),
        ] {
            let p = compile(expr).unwrap_or_else(|e| panic!("{expr}: {e}"));
            assert_eq!(eval_bool(&p, &ctx), Ok(want), "{expr}");
        }
    }
}
