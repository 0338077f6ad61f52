//! SHUTDOWN-005: a LoadBalancer Service with `externalTrafficPolicy: Local`
//! sends traffic only to nodes that run one of its pods: the cloud load
//! balancer's health check fails on every other node. When the backing
//! workload has few replicas, no spread or no PodDisruptionBudget, a node
//! drain or node-pool migration can leave no healthy node behind the load
//! balancer. A DaemonSet on every node is the safe pattern; load balancers
//! that target pod IPs directly (AWS IP mode, GKE NEGs) are not affected.

use crate::engine::{Ctx, Hit};
use crate::model::Resource;
use crate::model::k8s::{self, WorkloadKind};
use crate::yaml::Node;

pub struct Check;

impl super::BuiltinCheck for Check {
    fn slug(&self) -> &'static str {
        "local-traffic-policy-drain-gap"
    }

    fn run(&self, ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
        let g = ctx.graph;
        let min_replicas = ctx.params.int("minReplicas", 3);
        for &sid in g.of_kind("Service") {
            let svc = &ctx.inv.resources[sid];
            let spec = svc.node.get("spec");
            let text = |k: &str| spec.and_then(|s| s.get(k)).and_then(Node::as_str);
            if text("type") != Some("LoadBalancer")
                || text("externalTrafficPolicy") != Some("Local")
            {
                continue;
            }
            if targets_pod_ips(svc) {
                continue;
            }
            // A Service that selects nothing is CONFIG-001's business.
            let Some(targets) = g.service_targets.get(&sid).filter(|t| !t.is_empty()) else {
                continue;
            };
            let mut gaps = Vec::new();
            for &wid in targets {
                let w = &g.workloads[wid];
                let r = &ctx.inv.resources[w.resource];
                let pod_spec = r.node.pointer(&w.pod_spec_pointer());
                if w.kind == WorkloadKind::DaemonSet {
                    if let Some(limit) = pod_spec.and_then(node_subset) {
                        gaps.push(format!(
                            "DaemonSet `{}` runs only on {limit}, so drains of those nodes leave none",
                            r.name
                        ));
                    }
                    continue;
                }
                let Some(n) = g.effective_min_replicas(ctx.inv, w) else {
                    continue;
                };
                let mut why = Vec::new();
                if n < min_replicas {
                    why.push(if n == 1 {
                        "1 replica".to_string()
                    } else {
                        format!("{n} replicas")
                    });
                }
                let spread = pod_spec
                    .map(|s| k8s::spread(s, &w.labels, &r.namespace))
                    .unwrap_or_default();
                if !spread.hostname && !spread.zone {
                    why.push("no node or zone spread".into());
                }
                if w.pdbs.is_empty() {
                    why.push("no PodDisruptionBudget".into());
                }
                if !why.is_empty() {
                    gaps.push(format!("{} `{}` has {}", r.kind, r.name, why.join(", ")));
                }
            }
            if gaps.is_empty() {
                continue;
            }
            hits.push(Hit::resource(
                sid,
                "/spec/externalTrafficPolicy",
                format!(
                    "LoadBalancer Service `{}` uses externalTrafficPolicy Local, so the load balancer only sends traffic to nodes running its pods, and {}: a node drain or node-pool migration can leave the load balancer with no healthy node",
                    svc.name,
                    gaps.join("; ")
                ),
            ));
        }
    }
}

/// Load balancers that send traffic to pod IPs, not node ports: the node
/// health check (and so the traffic policy) does not matter.
fn targets_pod_ips(svc: &Resource) -> bool {
    let ip_mode = [
        "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type",
        "service.beta.kubernetes.io/aws-load-balancer-target-type",
    ]
    .iter()
    .any(|a| svc.annotation(a).is_some_and(|v| v.trim() == "ip"));
    let neg = svc.annotation("cloud.google.com/neg").is_some();
    ip_mode || neg
}

/// A DaemonSet limited to a labelled subset of nodes: a nodeSelector
/// (other than the OS/arch) or a required node affinity.
fn node_subset(pod_spec: &Node) -> Option<String> {
    let selector: Vec<String> = crate::model::string_map(pod_spec.get("nodeSelector"))
        .filter(|(k, _)| {
            !matches!(
                *k,
                "kubernetes.io/os" | "beta.kubernetes.io/os" | "kubernetes.io/arch"
            )
        })
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    if !selector.is_empty() {
        return Some(format!("nodes labelled {}", selector.join(", ")));
    }
    let required = pod_spec.path(&[
        "affinity",
        "nodeAffinity",
        "requiredDuringSchedulingIgnoredDuringExecution",
        "nodeSelectorTerms",
    ]);
    let keys: Vec<String> = required
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .flat_map(|t| {
            t.get("matchExpressions")
                .map(Node::items)
                .unwrap_or_default()
        })
        .filter_map(|e| e.get("key").and_then(Node::scalar_text))
        .filter(|k| !matches!(k.as_str(), "kubernetes.io/os" | "kubernetes.io/arch"))
        .collect();
    (!keys.is_empty()).then(|| {
        format!(
            "nodes matching a required node affinity on {}",
            keys.join(", ")
        )
    })
}
