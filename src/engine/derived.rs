//! Cross-resource views that several builtin checks share (alert coverage,
//! the applications with their config, the mesh routes). Each is built at
//! most once per run, on first use, instead of once per check: building
//! them is most of what those checks cost.

use crate::model::Inventory;
use crate::model::ResourceId;
use crate::model::alert_coverage::Coverage;
use crate::model::appconfig::mesh::Mesh;
use crate::model::appconfig::view::Apps;
use crate::model::graph::Graph;
use crate::model::service::Services;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// Resources of a kind that set a field, shared by the checks that ask.
type FieldSetters = Arc<Vec<ResourceId>>;

pub struct Derived<'a> {
    inv: &'a Inventory,
    graph: &'a Graph,
    services: &'a Services,
    coverage: OnceLock<Coverage<'a>>,
    apps_linked: OnceLock<Apps>,
    apps_with_env: OnceLock<Apps>,
    mesh: OnceLock<Mesh>,
    with_field: Mutex<HashMap<(String, String), FieldSetters>>,
}

impl<'a> Derived<'a> {
    pub fn new(inv: &'a Inventory, graph: &'a Graph, services: &'a Services) -> Self {
        Derived {
            inv,
            graph,
            services,
            coverage: OnceLock::new(),
            apps_linked: OnceLock::new(),
            apps_with_env: OnceLock::new(),
            mesh: OnceLock::new(),
            with_field: Mutex::default(),
        }
    }

    /// Which alert rules and SLOs cover which service.
    pub fn coverage(&self) -> &Coverage<'a> {
        self.coverage
            .get_or_init(|| Coverage::build(self.inv, self.graph, self.services))
    }

    /// Every alerting and recording rule of the input, in input order (the
    /// coverage reads them all, so they come with it).
    pub fn rules(&self) -> &[crate::model::alerting::Rule<'a>] {
        &self.coverage().rules
    }

    /// The applications of the input; with `env_only`, also every workload
    /// that has no config file, as an application of its environment.
    pub fn apps(&self, env_only: bool) -> &Apps {
        let (cell, env) = if env_only {
            (&self.apps_with_env, true)
        } else {
            (&self.apps_linked, false)
        };
        cell.get_or_init(|| Apps::build(self.inv, self.graph, env))
    }

    /// Mesh routes and destination policies.
    pub fn mesh(&self) -> &Mesh {
        self.mesh.get_or_init(|| Mesh::build(self.inv, self.graph))
    }

    /// The resources of a kind that set a field (JSON pointer), in input
    /// order. Terraform checks ask which resources point at a given one
    /// (replicas of a database, backups of a volume): asking every resource
    /// of the kind for each was quadratic in a large configuration, and
    /// most of them do not set the field at all.
    pub fn with_field(&self, kind: &str, pointer: &str) -> FieldSetters {
        let mut memo = self.with_field.lock().unwrap_or_else(|p| p.into_inner());
        let key = (kind.to_string(), pointer.to_string());
        Arc::clone(memo.entry(key).or_insert_with(|| {
            Arc::new(
                self.graph
                    .of_kind(kind)
                    .iter()
                    .copied()
                    .filter(|&id| self.inv.resources[id].node.pointer(pointer).is_some())
                    .collect(),
            )
        }))
    }
}
