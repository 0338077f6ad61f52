//! The resource graph: workloads and the objects that select or target them.
//! Every lookup goes through an index (by kind, by name, by namespace and
//! label), so building the graph is linear in the number of objects, never
//! all-pairs.

use super::k8s::{self, Container, WorkloadKind};
use super::selector::LabelSelector;
use super::{Inventory, Resource, ResourceId};
use crate::yaml::Node;
use rayon::prelude::*;
use std::collections::HashMap;

pub type WorkloadId = usize;

#[derive(Debug)]
pub struct Workload {
    pub resource: ResourceId,
    pub kind: WorkloadKind,
    /// Pointer of the pod template (`""` for a Pod).
    pub template: &'static str,
    /// Labels of the pod template.
    pub labels: Vec<(String, String)>,
    pub containers: Vec<Container>,
    /// Whether each container (same order) receives the Service traffic.
    pub serves: Vec<bool>,
    /// `spec.replicas` as written, for kinds that have it.
    pub replicas: Option<i64>,
    /// Services whose selector matches the pod template.
    pub services: Vec<ResourceId>,
    /// PodDisruptionBudgets selecting the pods.
    pub pdbs: Vec<ResourceId>,
    /// HorizontalPodAutoscalers / KEDA ScaledObjects targeting the workload.
    pub autoscalers: Vec<ResourceId>,
    /// Ingresses routing to one of its Services.
    pub ingresses: Vec<ResourceId>,
    /// Runs with leader election (one active replica by design).
    pub leader_elected: bool,
}

impl Workload {
    pub fn label(&self, key: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Receives traffic through a Service (and so through any Ingress).
    pub fn serving(&self) -> bool {
        !self.services.is_empty()
    }

    pub fn autoscaled(&self) -> bool {
        !self.autoscalers.is_empty()
    }

    pub fn pod_spec_pointer(&self) -> String {
        format!("{}/spec", self.template)
    }
}

/// Namespace defaults from LimitRange objects.
#[derive(Clone, Copy, Debug, Default)]
pub struct LimitDefaults {
    pub request_cpu: bool,
    pub request_memory: bool,
    pub limit_memory: bool,
}

/// An Ingress backend: the Service it names and whether that Service exists.
#[derive(Clone, Debug)]
pub struct Backend {
    pub service: String,
    pub pointer: String,
    pub resolved: Option<ResourceId>,
}

#[derive(Debug, Default)]
pub struct Graph {
    pub workloads: Vec<Workload>,
    pub workload_of: HashMap<ResourceId, WorkloadId>,
    /// Service -> workloads its selector matches.
    pub service_targets: HashMap<ResourceId, Vec<WorkloadId>>,
    /// PodDisruptionBudget -> workloads its selector matches.
    pub pdb_targets: HashMap<ResourceId, Vec<WorkloadId>>,
    /// Autoscaler -> its target (None when the target is not in the input).
    pub autoscaler_target: HashMap<ResourceId, Option<WorkloadId>>,
    /// Ingress -> its backends.
    pub ingress_backends: HashMap<ResourceId, Vec<Backend>>,
    /// LimitRanges by namespace, with the defaults each sets.
    limit_ranges: HashMap<String, Vec<(ResourceId, LimitDefaults)>>,
    by_kind: HashMap<String, Vec<ResourceId>>,
    by_name: HashMap<(String, String, String), Vec<ResourceId>>,
    /// Folder components of each resource's file, for proximity.
    dirs: Vec<std::sync::Arc<Vec<String>>>,
    label_index: HashMap<(String, String, String), Vec<WorkloadId>>,
    workloads_in: HashMap<String, Vec<WorkloadId>>,
}

impl Graph {
    pub fn build(inv: &Inventory) -> Graph {
        let mut g = Graph::default();
        let file_dirs: Vec<std::sync::Arc<Vec<String>>> = inv
            .files
            .iter()
            .map(|f| {
                let mut parts: Vec<String> = f.display.split('/').map(str::to_string).collect();
                parts.pop();
                std::sync::Arc::new(parts)
            })
            .collect();
        // Reading a workload's containers and labels is most of the graph's
        // cost on a large repository: done in parallel, indexed in order.
        let read: Vec<Option<Workload>> = inv
            .resources
            .par_iter()
            .enumerate()
            .map(|(id, r)| {
                WorkloadKind::of(&r.api_version, &r.kind).map(|k| new_workload(id, r, k))
            })
            .collect();
        g.dirs = inv
            .resources
            .iter()
            .map(|r| std::sync::Arc::clone(&file_dirs[r.file]))
            .collect();
        for (id, workload) in read.into_iter().enumerate() {
            if let Some(workload) = workload {
                g.workload_of.insert(id, g.workloads.len());
                g.workloads.push(workload);
            }
        }
        // The name and label indexes are independent: built side by side.
        ((g.by_kind, g.by_name), (g.workloads_in, g.label_index)) =
            rayon::join(|| name_indexes(inv), || label_indexes(inv, &g.workloads));
        g.link_services(inv);
        g.link_pdbs(inv);
        g.link_autoscalers(inv);
        g.link_ingresses(inv);
        g.read_limit_ranges(inv);
        g
    }

    /// Resources of a kind, in input order.
    pub fn of_kind(&self, kind: &str) -> &[ResourceId] {
        self.by_kind
            .get(kind)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// The object of a kind and name in a namespace. When several files
    /// define it (one per environment overlay, or unrelated projects in one
    /// scan), the one closest to `from` in the folder tree wins.
    pub fn find(
        &self,
        namespace: &str,
        kind: &str,
        name: &str,
        from: ResourceId,
    ) -> Option<ResourceId> {
        let list =
            self.by_name
                .get(&(namespace.to_string(), kind.to_string(), name.to_string()))?;
        self.closest(from, list.iter().copied()).into_iter().next()
    }

    /// Number of leading folders two resources' files share.
    fn closeness(&self, a: ResourceId, b: ResourceId) -> usize {
        self.dirs[a]
            .iter()
            .zip(self.dirs[b].iter())
            .take_while(|(x, y)| x == y)
            .count()
    }

    /// The candidates closest to `from` in the folder tree. Files in the same
    /// folder are equally close: a folder is one deployment unit.
    pub fn closest(
        &self,
        from: ResourceId,
        candidates: impl Iterator<Item = ResourceId>,
    ) -> Vec<ResourceId> {
        self.closest_by(from, candidates, |&id| id)
    }

    /// [`Graph::closest`] for items that belong to a resource (a workload,
    /// a LimitRange's defaults), kept in their order: filtering the items by
    /// membership in the closest resources instead was quadratic when
    /// thousands match.
    pub fn closest_by<T>(
        &self,
        from: ResourceId,
        candidates: impl IntoIterator<Item = T>,
        resource: impl Fn(&T) -> ResourceId,
    ) -> Vec<T> {
        let mut best = Vec::new();
        let mut best_score = 0;
        for c in candidates {
            let score = self.closeness(from, resource(&c));
            if best.is_empty() || score > best_score {
                best.clear();
                best.push(c);
                best_score = score;
            } else if score == best_score {
                best.push(c);
            }
        }
        best
    }

    pub fn workloads_in(&self, namespace: &str) -> &[WorkloadId] {
        self.workloads_in
            .get(namespace)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    pub fn workload(&self, resource: ResourceId) -> Option<&Workload> {
        self.workload_of.get(&resource).map(|w| &self.workloads[*w])
    }

    /// Workloads in a namespace whose pod template labels match a selector,
    /// keeping the ones closest to `from` (see [`Graph::closest`]).
    pub fn select(
        &self,
        namespace: &str,
        selector: &LabelSelector,
        from: ResourceId,
    ) -> Vec<WorkloadId> {
        let candidates: &[WorkloadId] = match selector.first_equality() {
            Some((k, v)) => self
                .label_index
                .get(&(namespace.to_string(), k.to_string(), v.to_string()))
                .map(Vec::as_slice)
                .unwrap_or_default(),
            None => self.workloads_in(namespace),
        };
        let matching: Vec<WorkloadId> = candidates
            .iter()
            .copied()
            .filter(|w| selector.matches(|k| self.workloads[*w].label(k)))
            .collect();
        self.closest_by(from, matching, |w| self.workloads[*w].resource)
    }

    /// The lowest number of replicas the workload runs with: the autoscalers'
    /// floor, else `spec.replicas` (default 1). `None` for kinds without
    /// replicas (DaemonSet, Job, Pod...).
    pub fn effective_min_replicas(&self, inv: &Inventory, w: &Workload) -> Option<i64> {
        if w.autoscaled() {
            return w
                .autoscalers
                .iter()
                .map(|a| autoscaler_min(&inv.resources[*a]))
                .min();
        }
        w.kind.has_replicas().then(|| w.replicas.unwrap_or(1))
    }

    fn link_services(&mut self, inv: &Inventory) {
        // Selecting only reads the graph: done in parallel, linked in order.
        let selected: Vec<(ResourceId, Vec<WorkloadId>, Vec<TargetPort>)> = self
            .of_kind("Service")
            .par_iter()
            .filter_map(|&sid| {
                let svc = &inv.resources[sid];
                let selector = LabelSelector::from_map(svc.node.path(&["spec", "selector"])?);
                if selector.is_empty() {
                    return None;
                }
                let targets = self.select(&svc.namespace, &selector, sid);
                Some((sid, targets, service_target_ports(svc)))
            })
            .collect();
        for (sid, targets, target_ports) in selected {
            for &w in &targets {
                self.workloads[w].services.push(sid);
                let wl = &mut self.workloads[w];
                let matched: Vec<bool> = wl
                    .containers
                    .iter()
                    .map(|c| {
                        !c.init
                            && c.ports.iter().any(|(name, number)| {
                                target_ports.iter().any(|tp| match tp {
                                    TargetPort::Name(n) => name.as_deref() == Some(n),
                                    TargetPort::Number(p) => number == p,
                                })
                            })
                    })
                    .collect();
                for (serves, m) in wl.serves.iter_mut().zip(&matched) {
                    *serves |= *m;
                }
            }
            self.service_targets.insert(sid, targets);
        }
        // A workload behind a Service whose ports match no declared container
        // port: every app container is assumed to serve.
        for w in &mut self.workloads {
            if w.serving() && !w.serves.iter().any(|s| *s) {
                for (serves, c) in w.serves.iter_mut().zip(&w.containers) {
                    *serves = !c.init && !c.sidecar;
                }
            }
        }
    }

    fn link_pdbs(&mut self, inv: &Inventory) {
        let selected: Vec<(ResourceId, Vec<WorkloadId>)> = self
            .of_kind("PodDisruptionBudget")
            .par_iter()
            .map(|&pid| {
                let pdb = &inv.resources[pid];
                let targets = match pdb.node.path(&["spec", "selector"]) {
                    Some(sel) => self.select(
                        &pdb.namespace,
                        &LabelSelector::from_label_selector(sel),
                        pid,
                    ),
                    None => Vec::new(),
                };
                (pid, targets)
            })
            .collect();
        for (pid, targets) in selected {
            for &w in &targets {
                self.workloads[w].pdbs.push(pid);
            }
            self.pdb_targets.insert(pid, targets);
        }
    }

    /// HorizontalPodAutoscalers and KEDA ScaledObjects, in input order of kind.
    pub fn autoscaler_ids(&self) -> Vec<ResourceId> {
        self.of_kind("HorizontalPodAutoscaler")
            .iter()
            .chain(self.of_kind("ScaledObject"))
            .copied()
            .collect()
    }

    fn link_autoscalers(&mut self, inv: &Inventory) {
        let targets: Vec<(ResourceId, Option<WorkloadId>)> = self
            .autoscaler_ids()
            .into_par_iter()
            .map(|aid| {
                let a = &inv.resources[aid];
                let target = a.node.path(&["spec", "scaleTargetRef"]).and_then(|t| {
                    let kind = t.get("kind").and_then(Node::as_str).unwrap_or("Deployment");
                    let name = t.get("name").and_then(Node::scalar_text)?;
                    let rid = self.find(&a.namespace, kind, &name, aid)?;
                    self.workload_of.get(&rid).copied()
                });
                (aid, target)
            })
            .collect();
        for (aid, target) in targets {
            if let Some(w) = target {
                self.workloads[w].autoscalers.push(aid);
            }
            self.autoscaler_target.insert(aid, target);
        }
    }

    fn link_ingresses(&mut self, inv: &Inventory) {
        for &iid in self.of_kind("Ingress").to_vec().iter() {
            let ing = &inv.resources[iid];
            let mut backends = Vec::new();
            let mut add = |node: &Node, pointer: String| {
                let name = node
                    .path(&["service", "name"])
                    .or_else(|| node.get("serviceName"))
                    .and_then(Node::scalar_text);
                if let Some(name) = name {
                    let resolved = self.find(&ing.namespace, "Service", &name, iid);
                    backends.push(Backend {
                        service: name,
                        pointer,
                        resolved,
                    });
                }
            };
            for key in ["defaultBackend", "backend"] {
                if let Some(b) = ing.node.path(&["spec", key]) {
                    add(b, format!("/spec/{key}"));
                }
            }
            for (ri, rule) in ing
                .node
                .path(&["spec", "rules"])
                .map(Node::items)
                .unwrap_or_default()
                .iter()
                .enumerate()
            {
                for (pi, path) in rule
                    .path(&["http", "paths"])
                    .map(Node::items)
                    .unwrap_or_default()
                    .iter()
                    .enumerate()
                {
                    if let Some(b) = path.get("backend") {
                        add(b, format!("/spec/rules/{ri}/http/paths/{pi}/backend"));
                    }
                }
            }
            for b in &backends {
                if let Some(sid) = b.resolved
                    && let Some(ws) = self.service_targets.get(&sid)
                {
                    for &w in ws {
                        if !self.workloads[w].ingresses.contains(&iid) {
                            self.workloads[w].ingresses.push(iid);
                        }
                    }
                }
            }
            self.ingress_backends.insert(iid, backends);
        }
    }

    fn read_limit_ranges(&mut self, inv: &Inventory) {
        for lid in self.of_kind("LimitRange").to_vec() {
            let lr = &inv.resources[lid];
            let mut d = LimitDefaults::default();
            for limit in lr
                .node
                .path(&["spec", "limits"])
                .map(Node::items)
                .unwrap_or_default()
            {
                if limit.get("type").and_then(Node::as_str) != Some("Container") {
                    continue;
                }
                let has = |field: &str, res: &str| limit.path(&[field, res]).is_some();
                // A default limit also becomes the default request.
                d.request_cpu |= has("defaultRequest", "cpu") || has("default", "cpu");
                d.request_memory |= has("defaultRequest", "memory") || has("default", "memory");
                d.limit_memory |= has("default", "memory");
            }
            self.limit_ranges
                .entry(lr.namespace.clone())
                .or_default()
                .push((lid, d));
        }
    }

    /// Container defaults a resource gets from the LimitRanges of its
    /// namespace, the closest ones in the folder tree (an overlay's own).
    pub fn limit_defaults(&self, resource: ResourceId, namespace: &str) -> LimitDefaults {
        let Some(list) = self.limit_ranges.get(namespace) else {
            return LimitDefaults::default();
        };
        self.closest_by(resource, list, |(id, _)| *id)
            .into_iter()
            .fold(LimitDefaults::default(), |a, (_, d)| LimitDefaults {
                request_cpu: a.request_cpu || d.request_cpu,
                request_memory: a.request_memory || d.request_memory,
                limit_memory: a.limit_memory || d.limit_memory,
            })
    }
}

type NameIndexes = (
    HashMap<String, Vec<ResourceId>>,
    HashMap<(String, String, String), Vec<ResourceId>>,
);

/// Resources by kind, and by (namespace, kind, name).
fn name_indexes(inv: &Inventory) -> NameIndexes {
    let mut by_kind: HashMap<String, Vec<ResourceId>> = HashMap::new();
    let mut by_name: HashMap<(String, String, String), Vec<ResourceId>> =
        HashMap::with_capacity(inv.resources.len());
    for (id, r) in inv.resources.iter().enumerate() {
        push_under(&mut by_kind, &r.kind, id);
        by_name
            .entry((r.namespace.clone(), r.kind.clone(), r.name.clone()))
            .or_default()
            .push(id);
    }
    (by_kind, by_name)
}

/// Appends `id` to the list under `key`, copying the key only the first
/// time (a few kinds and namespaces over thousands of resources).
fn push_under(map: &mut HashMap<String, Vec<usize>>, key: &str, id: usize) {
    match map.get_mut(key) {
        Some(ids) => ids.push(id),
        None => {
            map.insert(key.to_string(), vec![id]);
        }
    }
}

type LabelIndexes = (
    HashMap<String, Vec<WorkloadId>>,
    HashMap<(String, String, String), Vec<WorkloadId>>,
);

/// Workloads by namespace, and by (namespace, label key, label value).
fn label_indexes(inv: &Inventory, workloads: &[Workload]) -> LabelIndexes {
    let mut workloads_in: HashMap<String, Vec<WorkloadId>> = HashMap::new();
    let mut label_index: HashMap<(String, String, String), Vec<WorkloadId>> = HashMap::new();
    for (wid, w) in workloads.iter().enumerate() {
        let namespace = &inv.resources[w.resource].namespace;
        push_under(&mut workloads_in, namespace, wid);
        for (k, v) in &w.labels {
            label_index
                .entry((namespace.clone(), k.clone(), v.clone()))
                .or_default()
                .push(wid);
        }
    }
    (workloads_in, label_index)
}

/// The floor of an autoscaler: HPA `minReplicas` (default 1), KEDA
/// `minReplicaCount` (default 0).
pub fn autoscaler_min(a: &Resource) -> i64 {
    if a.kind == "ScaledObject" {
        a.node
            .path(&["spec", "minReplicaCount"])
            .and_then(Node::as_i64)
            .unwrap_or(0)
    } else {
        a.node
            .path(&["spec", "minReplicas"])
            .and_then(Node::as_i64)
            .unwrap_or(1)
    }
}

/// The ceiling of an autoscaler: HPA `maxReplicas`, KEDA `maxReplicaCount`
/// (default 100).
pub fn autoscaler_max_of(a: &Resource) -> Option<i64> {
    if a.kind == "ScaledObject" {
        Some(
            a.node
                .path(&["spec", "maxReplicaCount"])
                .and_then(Node::as_i64)
                .unwrap_or(100),
        )
    } else {
        a.node.path(&["spec", "maxReplicas"]).and_then(Node::as_i64)
    }
}

enum TargetPort {
    Name(String),
    Number(i64),
}

fn service_target_ports(svc: &Resource) -> Vec<TargetPort> {
    svc.node
        .path(&["spec", "ports"])
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .filter_map(|p| {
            let tp = p.get("targetPort").or_else(|| p.get("port"))?;
            match tp.as_i64() {
                Some(n) => Some(TargetPort::Number(n)),
                None => Some(TargetPort::Name(tp.scalar_text()?)),
            }
        })
        .collect()
}

fn new_workload(id: ResourceId, r: &Resource, kind: WorkloadKind) -> Workload {
    let template = kind.template_pointer();
    let template_node = r.node.pointer(template);
    let labels = super::string_map(template_node.and_then(|t| t.path(&["metadata", "labels"])))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let pod_spec = template_node.and_then(|t| t.get("spec"));
    let containers = pod_spec
        .map(|s| k8s::containers(s, &format!("{template}/spec")))
        .unwrap_or_default();
    let leader_elected = containers.iter().any(|c| {
        let node = r.node.pointer(&c.pointer);
        ["args", "command"].iter().any(|f| {
            node.and_then(|n| n.get(f))
                .map(Node::items)
                .unwrap_or_default()
                .iter()
                .filter_map(Node::as_str)
                .any(is_leader_election_flag)
        })
    });
    let replicas = if kind.has_replicas() {
        r.node.path(&["spec", "replicas"]).and_then(Node::as_i64)
    } else {
        None
    };
    Workload {
        resource: id,
        kind,
        template,
        labels,
        serves: vec![false; containers.len()],
        containers,
        replicas,
        services: Vec::new(),
        pdbs: Vec::new(),
        autoscalers: Vec::new(),
        ingresses: Vec::new(),
        leader_elected,
    }
}

fn is_leader_election_flag(arg: &str) -> bool {
    let flag = arg.trim_start_matches('-');
    let (name, value) = flag.split_once('=').unwrap_or((flag, "true"));
    matches!(
        name,
        "leader-elect" | "enable-leader-election" | "leader-election" | "leader-elect-enabled"
    ) && value != "false"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leader_election_flags() {
        assert!(is_leader_election_flag("--leader-elect"));
        assert!(is_leader_election_flag("--leader-elect=true"));
        assert!(is_leader_election_flag("--enable-leader-election"));
        assert!(!is_leader_election_flag("--leader-elect=false"));
        assert!(!is_leader_election_flag("--port=80"));
    }
}
