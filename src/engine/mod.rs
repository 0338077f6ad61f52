//! The check engine: the catalog of check files, CEL and builtin logic, and
//! the run that turns the model into findings.

pub mod borrowed;
pub mod builtin;
pub mod catalog;
pub mod cel;
pub mod derived;
pub mod facts;
pub mod node_val;
pub mod registry;
pub mod run;
pub mod value_ref;

use crate::finding::Severity;
use crate::model::graph::Graph;
use crate::model::service::Services;
use crate::model::{Inventory, ResourceId};
use crate::source::Pos;
use std::collections::BTreeMap;

/// What a check sees.
pub struct Ctx<'a> {
    pub inv: &'a Inventory,
    pub graph: &'a Graph,
    pub services: &'a Services,
    pub params: &'a Params,
    /// Views shared between checks, built once on first use.
    pub derived: &'a derived::Derived<'a>,
}

/// Parameters of a check: its defaults, overridden by configuration.
#[derive(Clone, Debug, Default)]
pub struct Params(pub BTreeMap<String, serde_json::Value>);

impl Params {
    pub fn int(&self, name: &str, default: i64) -> i64 {
        self.0.get(name).and_then(|v| v.as_i64()).unwrap_or(default)
    }

    pub fn float(&self, name: &str, default: f64) -> f64 {
        self.0.get(name).and_then(|v| v.as_f64()).unwrap_or(default)
    }

    pub fn string_list(&self, name: &str) -> Vec<String> {
        self.0
            .get(name)
            .and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Where a hit points.
#[derive(Clone, Debug)]
pub enum Target {
    /// A field of a resource (JSON Pointer, resolved to its position).
    Resource { id: ResourceId, pointer: String },
    /// A position in a file (input problems, non-Kubernetes inputs).
    /// `identity` keeps the fingerprint stable when lines move.
    File {
        path: String,
        pos: Pos,
        identity: String,
    },
}

/// One problem found by a check, before it becomes a [`crate::finding::Finding`].
#[derive(Clone, Debug)]
pub struct Hit {
    pub target: Target,
    pub message: String,
    /// Overrides the check's severity (an absolute decision on context).
    pub severity: Option<Severity>,
    /// Levels to lower the check's severity by (relative to any override).
    pub lower: u8,
    /// Why the severity differs from the default.
    pub reasons: Vec<String>,
}

impl Hit {
    pub fn resource(id: ResourceId, pointer: impl Into<String>, message: impl Into<String>) -> Hit {
        Hit {
            target: Target::Resource {
                id,
                pointer: pointer.into(),
            },
            message: message.into(),
            severity: None,
            lower: 0,
            reasons: Vec::new(),
        }
    }

    pub fn file(
        path: impl Into<String>,
        pos: Pos,
        identity: impl Into<String>,
        message: impl Into<String>,
    ) -> Hit {
        Hit {
            target: Target::File {
                path: path.into(),
                pos,
                identity: identity.into(),
            },
            message: message.into(),
            severity: None,
            lower: 0,
            reasons: Vec::new(),
        }
    }

    /// Lowers the severity by `steps` levels, saying why.
    pub fn lowered(mut self, steps: u8, reason: impl Into<String>) -> Hit {
        self.lower = self.lower.saturating_add(steps);
        self.reasons.push(reason.into());
        self
    }

    pub fn with_severity(mut self, severity: Severity, reason: impl Into<String>) -> Hit {
        self.severity = Some(severity);
        self.reasons.push(reason.into());
        self
    }
}
