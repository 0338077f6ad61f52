//! Values of the static evaluator: what an HCL expression is known to be,
//! with the place each part was written. A value creview cannot know (a
//! variable nobody sets, a computed attribute, a data source) is
//! [`V::Unknown`] and keeps the expression it came from, so a check can say
//! "cannot tell: multi_az comes from var.multi_az" instead of guessing.

use crate::source::{FileId, Pos};
use crate::yaml::{Entry, Node, Value};

/// Where a value was written. `file == NO_FILE` for values creview made up
/// (module defaults, counts).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Loc {
    pub file: FileId,
    pub pos: Pos,
}

pub const NO_FILE: FileId = usize::MAX;

impl Loc {
    pub const NONE: Loc = Loc {
        file: NO_FILE,
        pos: Pos { line: 0, column: 0 },
    };
}

#[derive(Clone, Debug)]
pub struct Val {
    pub v: V,
    pub at: Loc,
}

#[derive(Clone, Debug)]
pub enum V {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    /// Lists, tuples and sets.
    List(Vec<Val>),
    /// Objects and maps, in written order (keys unique).
    Map(Vec<(String, Loc, Val)>),
    Unknown(Box<Unknown>),
}

/// A value that cannot be known statically.
#[derive(Clone, Debug)]
pub struct Unknown {
    /// The expression it comes from (`var.multi_az`,
    /// `aws_subnet.a.id`), or, with `template`, a string with `${...}`
    /// where the unknown parts are.
    pub text: String,
    pub template: bool,
    /// The evaluation failed (missing attribute, wrong type): `try()`
    /// skips it.
    pub error: bool,
    /// For subnets and what is placed in them: the zone (known or not).
    pub zone: Option<Box<Val>>,
    /// Attributes known although the object is not (a resource whose
    /// computed attributes are unknown).
    pub known: Option<Vec<(String, Loc, Val)>>,
}

impl Val {
    pub fn new(v: V, at: Loc) -> Val {
        Val { v, at }
    }

    pub fn null() -> Val {
        Val::new(V::Null, Loc::NONE)
    }

    pub fn str(s: impl Into<String>) -> Val {
        Val::new(V::Str(s.into()), Loc::NONE)
    }

    pub fn unknown(text: impl Into<String>) -> Val {
        Val::new(
            V::Unknown(Box::new(Unknown {
                text: text.into(),
                template: false,
                error: false,
                zone: None,
                known: None,
            })),
            Loc::NONE,
        )
    }

    pub fn error(text: impl Into<String>) -> Val {
        let mut v = Val::unknown(text);
        if let V::Unknown(u) = &mut v.v {
            u.error = true;
        }
        v
    }

    pub fn at(mut self, at: Loc) -> Val {
        if self.at.file == NO_FILE {
            self.at = at;
        }
        self
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self.v, V::Unknown(_))
    }

    pub fn is_error(&self) -> bool {
        matches!(&self.v, V::Unknown(u) if u.error)
    }

    pub fn is_null(&self) -> bool {
        matches!(self.v, V::Null)
    }

    /// Known all the way down.
    pub fn is_known(&self) -> bool {
        match &self.v {
            V::Unknown(_) => false,
            V::List(items) => items.iter().all(Val::is_known),
            V::Map(entries) => entries.iter().all(|(_, _, v)| v.is_known()),
            _ => true,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match &self.v {
            V::Bool(b) => Some(*b),
            V::Str(s) if s == "true" => Some(true),
            V::Str(s) if s == "false" => Some(false),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match &self.v {
            V::Int(i) => Some(*i as f64),
            V::Float(f) => Some(*f),
            V::Str(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match &self.v {
            V::Int(i) => Some(*i),
            V::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Some(*f as i64),
            V::Str(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// A primitive as text (numbers and bools as Terraform prints them).
    pub fn as_text(&self) -> Option<String> {
        match &self.v {
            V::Str(s) => Some(s.clone()),
            V::Int(i) => Some(i.to_string()),
            V::Float(f) => Some(f.to_string()),
            V::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    pub fn get(&self, key: &str) -> Option<&Val> {
        match &self.v {
            V::Map(entries) => entries.iter().find(|(k, _, _)| k == key).map(|(_, _, v)| v),
            V::Unknown(u) => u
                .known
                .as_ref()?
                .iter()
                .find(|(k, _, _)| k == key)
                .map(|(_, _, v)| v),
            _ => None,
        }
    }

    /// The text shown for an unknown (`var.x`), or the value itself.
    pub fn describe(&self) -> String {
        match &self.v {
            V::Unknown(u) => u.text.clone(),
            V::Str(s) => format!("{s:?}"),
            V::Null => "null".into(),
            V::List(items) => format!("a list of {}", items.len()),
            V::Map(_) => "an object".into(),
            _ => self.as_text().unwrap_or_default(),
        }
    }

    /// Converts to a Node. Positions in `file` are kept; anything written
    /// elsewhere (a variable default, a module default) takes `fallback`,
    /// the position of the attribute that uses it. Unknowns become strings
    /// `${expr}`; the zones they carry go to `zones`.
    pub fn to_node(&self, file: FileId, fallback: Pos, zones: &mut Vec<(String, Val)>) -> Node {
        let pos = if self.at.file == file {
            self.at.pos
        } else {
            fallback
        };
        let value = match &self.v {
            V::Null => Value::Null,
            V::Bool(b) => Value::Bool(*b),
            V::Int(i) => Value::Int(*i),
            V::Float(f) => Value::Float(*f),
            V::Str(s) => Value::Str(s.clone()),
            V::List(items) => {
                Value::Seq(items.iter().map(|i| i.to_node(file, pos, zones)).collect())
            }
            V::Map(entries) => Value::Map(
                entries
                    .iter()
                    .map(|(k, at, v)| {
                        let key_pos = if at.file == file { at.pos } else { pos };
                        Entry {
                            key: k.clone(),
                            key_pos,
                            value: v.to_node(file, key_pos, zones),
                        }
                    })
                    .collect(),
            ),
            V::Unknown(u) => {
                let text = unknown_node_text(u);
                if let Some(z) = &u.zone
                    && !zones.iter().any(|(t, _)| *t == text)
                {
                    zones.push((text.clone(), (**z).clone()));
                }
                Value::Str(text)
            }
        };
        Node { value, pos }
    }
}

/// How an unknown is written in a Node: `${var.x}`.
pub fn unknown_node_text(u: &Unknown) -> String {
    if u.template {
        u.text.clone()
    } else {
        format!("${{{}}}", u.text)
    }
}

/// Structural equality of known values (positions ignored); unknowns are
/// equal when they come from the same expression.
pub fn same(a: &Val, b: &Val) -> bool {
    match (&a.v, &b.v) {
        (V::Null, V::Null) => true,
        (V::Bool(x), V::Bool(y)) => x == y,
        (V::Str(x), V::Str(y)) => x == y,
        (V::List(x), V::List(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q)),
        (V::Map(x), V::Map(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, _, v)| y.iter().any(|(k2, _, v2)| k == k2 && same(v, v2)))
        }
        (V::Unknown(x), V::Unknown(y)) => x.text == y.text && x.template == y.template,
        _ => match (a.as_f64(), b.as_f64()) {
            (Some(x), Some(y)) if !matches!(a.v, V::Str(_)) && !matches!(b.v, V::Str(_)) => x == y,
            _ => false,
        },
    }
}
