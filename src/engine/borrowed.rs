//! Borrowed collections as CEL values. The crate's `Value` converts a whole
//! map or list into boxed values every time it is bound to a variable; a
//! check usually reads three fields of it. [`Borrowed`] wraps a reference to
//! a collection and builds only what an expression touches: a field lookup
//! wraps the child, a string borrows its text. YAML nodes
//! ([`super::node_val`]) and precomputed facts ([`super::value_ref`]) are
//! such collections.

use cel::ExecutionError;
use cel::common::traits::{self, Container, Indexer, Iterable, Sizer};
use cel::common::types::{CelInt, CelString, Type};
use cel::common::value::{CowVal, Val};
use std::fmt::Debug;
use std::sync::OnceLock;

static MAP: Type = cel::common::types::MAP_TYPE;
static LIST: Type = cel::common::types::LIST_TYPE;

/// What a borrowed map or list must answer.
pub trait Collection: Debug + Send + Sync {
    fn is_list(&self) -> bool;
    fn count(&self) -> usize;
    /// The elements of a list or the keys of a map, as CEL values.
    fn children(&self) -> Vec<Box<dyn Val + '_>>;
    /// The value under a map key or a list index.
    fn lookup(&self, idx: &dyn Val) -> Result<Box<dyn Val + '_>, ExecutionError>;
    /// Whether a map has the key.
    fn has_key(&self, key: &dyn Val) -> bool;
    /// Whether the collection equals `other` (a borrowed value cannot be
    /// downcast, so only built-in values can be compared with).
    fn equals(&self, other: &dyn Val) -> bool;
}

/// A map or list borrowed from `C`, seen by CEL as a `map` or a `list`.
#[derive(Debug)]
pub struct Borrowed<'c, C: Collection + ?Sized> {
    inner: &'c C,
    /// The elements (list) or keys (map), built on first iteration: the
    /// iterator lends references, so they must live as long as `self`.
    children: OnceLock<Vec<Box<dyn Val + 'c>>>,
}

impl<'c, C: Collection + ?Sized> Borrowed<'c, C> {
    pub fn new(inner: &'c C) -> Borrowed<'c, C> {
        Borrowed {
            inner,
            children: OnceLock::new(),
        }
    }

    fn children(&self) -> &[Box<dyn Val + 'c>] {
        self.children.get_or_init(|| self.inner.children())
    }
}

/// The text of a string or int key (map keys are looked up by text).
pub fn key_text(key: &dyn Val) -> Option<String> {
    if let Some(s) = key.downcast_ref::<CelString>() {
        Some(s.inner().to_string())
    } else {
        key.downcast_ref::<CelInt>().map(|i| i.inner().to_string())
    }
}

/// The error for an index that is not an int.
fn not_an_index(idx: &dyn Val) -> ExecutionError {
    ExecutionError::UnexpectedType {
        got: idx.get_type().name().to_owned(),
        want: "int".to_owned(),
    }
}

/// The element of a list at an int index, as a CEL value.
pub fn list_item<'a, T>(
    items: &'a [T],
    idx: &dyn Val,
    val: impl Fn(&'a T) -> Box<dyn Val + 'a>,
) -> Result<Box<dyn Val + 'a>, ExecutionError> {
    let i = idx
        .downcast_ref::<CelInt>()
        .map(|i| *i.inner())
        .ok_or_else(|| not_an_index(idx))?;
    usize::try_from(i)
        .ok()
        .and_then(|i| items.get(i))
        .map(val)
        .ok_or_else(|| ExecutionError::IndexOutOfBounds(cel::Value::Int(i)))
}

/// The error for a map key of a type maps cannot have.
pub fn not_a_key(idx: &dyn Val) -> ExecutionError {
    ExecutionError::UnexpectedType {
        got: idx.get_type().name().to_owned(),
        want: "map key".to_owned(),
    }
}

impl<'c, C: Collection + ?Sized> Val for Borrowed<'c, C> {
    fn get_type(&self) -> &Type {
        if self.inner.is_list() { &LIST } else { &MAP }
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

    fn equals(&self, other: &dyn Val) -> bool {
        self.inner.equals(other)
    }

    fn clone_as_boxed<'v>(&self) -> Box<dyn Val + 'v>
    where
        Self: 'v,
    {
        Box::new(Borrowed::new(self.inner))
    }
}

impl<C: Collection + ?Sized> Indexer for Borrowed<'_, C> {
    fn get<'b, 'v>(&'b self, idx: &dyn Val) -> Result<CowVal<'b, 'v>, ExecutionError>
    where
        Self: 'v,
    {
        self.inner.lookup(idx).map(CowVal::Owned)
    }

    fn steal<'v>(self: Box<Self>, idx: &dyn Val) -> Result<Box<dyn Val + 'v>, ExecutionError>
    where
        Self: 'v,
    {
        self.get(idx).map(CowVal::into_owned)
    }
}

impl<C: Collection + ?Sized> Container for Borrowed<'_, C> {
    fn contains(&self, value: &dyn Val) -> Result<bool, ExecutionError> {
        if self.inner.is_list() {
            Ok(self.children().iter().any(|c| c.equals(value)))
        } else {
            Ok(self.inner.has_key(value))
        }
    }
}

impl<C: Collection + ?Sized> Sizer for Borrowed<'_, C> {
    fn size(&self) -> CelInt {
        CelInt::from(self.inner.count() as i64)
    }
}

struct Children<'b, 'c>(std::slice::Iter<'b, Box<dyn Val + 'c>>);

impl<'b, 'v, 'c: 'v> traits::Iterator<'b, 'v> for Children<'b, 'c> {
    fn next(&mut self) -> Option<&'b (dyn Val + 'v)> {
        self.0.next().map(|b| {
            let r: &'b (dyn Val + 'c) = b.as_ref();
            r as &'b (dyn Val + 'v)
        })
    }
}

impl<'c, C: Collection + ?Sized> Iterable for Borrowed<'c, C> {
    fn iter<'b, 'v>(&'b self) -> Box<dyn traits::Iterator<'b, 'v> + 'b>
    where
        Self: 'v,
    {
        Box::new(Children::<'b, 'c>(self.children().iter()))
    }
}
