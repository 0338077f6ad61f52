//! Services: the unit of the report. Every serving workload belongs to one,
//! named from `app.kubernetes.io/name`, `app` or the workload's own name;
//! workloads that share that name in a namespace share the service.

use super::graph::{Graph, WorkloadId};
use super::{Inventory, ResourceId};
use serde::Serialize;
use std::collections::HashMap;

pub type ServiceId = usize;

#[derive(Clone, Debug, Serialize)]
pub struct Service {
    /// Name shown in the report; qualified with the namespace when the same
    /// name exists in several namespaces.
    pub name: String,
    pub namespace: String,
    /// How the name was derived (`label app.kubernetes.io/name`, ...).
    pub name_source: String,
    #[serde(skip)]
    pub workloads: Vec<WorkloadId>,
}

#[derive(Debug, Default)]
pub struct Services {
    pub list: Vec<Service>,
    by_workload: HashMap<WorkloadId, ServiceId>,
    /// Non-workload resources that are services (see `Resource::service_hint`).
    by_resource: HashMap<ResourceId, ServiceId>,
}

const NAME_LABELS: &[&str] = &["app.kubernetes.io/name", "app", "k8s-app", "name"];

impl Services {
    pub fn build(inv: &Inventory, graph: &Graph) -> Services {
        let mut out = Services::default();
        let mut by_key: HashMap<(String, String), ServiceId> = HashMap::new();
        for (wid, w) in graph.workloads.iter().enumerate() {
            if !w.serving() {
                continue;
            }
            let r = &inv.resources[w.resource];
            let (name, source) = NAME_LABELS
                .iter()
                .find_map(|l| w.label(l).map(|v| (v.to_string(), format!("label {l}"))))
                .unwrap_or_else(|| (r.name.clone(), format!("{} name", r.kind)));
            let key = (r.namespace.clone(), name.clone());
            let sid = *by_key.entry(key).or_insert_with(|| {
                out.list.push(Service {
                    name,
                    namespace: r.namespace.clone(),
                    name_source: source,
                    workloads: Vec::new(),
                });
                out.list.len() - 1
            });
            out.list[sid].workloads.push(wid);
            out.by_workload.insert(wid, sid);
        }
        // Inputs that are services without being Kubernetes workloads
        // (compose services, ...) are services of their own.
        for (rid, r) in inv.resources.iter().enumerate() {
            let Some(name) = &r.service_hint else {
                continue;
            };
            let key = (r.namespace.clone(), name.clone());
            let sid = *by_key.entry(key).or_insert_with(|| {
                out.list.push(Service {
                    name: name.clone(),
                    namespace: r.namespace.clone(),
                    name_source: format!("{} {}", r.kind, r.name),
                    workloads: Vec::new(),
                });
                out.list.len() - 1
            });
            out.by_resource.insert(rid, sid);
        }
        // Same name in two namespaces: qualify both.
        let mut count: HashMap<String, usize> = HashMap::new();
        for s in &out.list {
            *count.entry(s.name.clone()).or_default() += 1;
        }
        for s in &mut out.list {
            if count[&s.name] > 1 {
                s.name = format!("{}/{}", s.namespace, s.name);
            }
        }
        out
    }

    pub fn of_workload(&self, w: WorkloadId) -> Option<ServiceId> {
        self.by_workload.get(&w).copied()
    }

    /// The service a resource belongs to: its own (for a workload) or that of
    /// the first workload it selects or targets.
    pub fn of_resource(&self, graph: &Graph, r: ResourceId) -> Option<ServiceId> {
        if let Some(s) = self.by_resource.get(&r) {
            return Some(*s);
        }
        if let Some(w) = graph.workload_of.get(&r) {
            return self.of_workload(*w);
        }
        if let Some(ws) = graph
            .service_targets
            .get(&r)
            .or_else(|| graph.pdb_targets.get(&r))
        {
            return ws.iter().find_map(|w| self.of_workload(*w));
        }
        graph
            .autoscaler_target
            .get(&r)
            .copied()
            .flatten()
            .and_then(|w| self.of_workload(w))
    }
}
