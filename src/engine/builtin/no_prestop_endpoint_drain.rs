//! SHUTDOWN-001: a serving container with no preStop delay. Kubernetes
//! sends SIGTERM and removes the pod from the Service's endpoints at the
//! same time, but kube-proxy, ingress controllers and cloud load balancers
//! learn about the removal seconds later. An app that stops accepting
//! connections on SIGTERM fails the requests still routed to it during
//! that window, on every deploy, scale-down and node drain.
//!
//! Mitigations that count: a preStop `sleep`, an exec hook that sleeps or
//! runs a drain script, an httpGet drain endpoint; Istio drain settings
//! (`terminationDrainDuration`, `EXIT_ON_ZERO_ACTIVE_CONNECTIONS`); AWS
//! Load Balancer Controller pod readiness gates. Spring Boot graceful
//! shutdown drains in-flight requests but not the propagation race: still
//! reported, as low.

use super::termination::{self, PreStop};
use crate::engine::{Ctx, Hit};
use crate::finding::Severity;
use crate::model::Resource;
use crate::model::graph::Workload;
use crate::model::k8s::WorkloadKind;
use crate::yaml::Node;

pub struct Check;

impl super::BuiltinCheck for Check {
    fn slug(&self) -> &'static str {
        "no-prestop-endpoint-drain"
    }

    fn run(&self, ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
        for w in &ctx.graph.workloads {
            // Bare pods are not rolled or rescheduled: their one termination
            // ends the service anyway (SPOF-001).
            if w.kind.is_batch() || w.kind == WorkloadKind::Pod || !w.serving() {
                continue;
            }
            let r = &ctx.inv.resources[w.resource];
            if mesh_drains(ctx, w, r) || alb_readiness_gates(ctx, w, r) {
                continue;
            }
            let service = ctx.inv.resources[w.services[0]].name.as_str();
            for (ci, c) in w.containers.iter().enumerate() {
                if c.init || c.sidecar || !w.serves[ci] {
                    continue;
                }
                let Some(node) = r.node.pointer(&c.pointer) else {
                    continue;
                };
                let hook = termination::prestop(node);
                if hook.drains() {
                    continue;
                }
                let what = match &hook {
                    PreStop::Exec { command, .. } => format!(
                        "its preStop hook (`{command}`) stops the server at once instead of waiting"
                    ),
                    PreStop::Sleep(Some(0)) => "its preStop hook sleeps 0 seconds".to_string(),
                    PreStop::Other => {
                        "its preStop hook has no sleep, exec or httpGet handler".to_string()
                    }
                    _ => "it has no preStop hook".to_string(),
                };
                let mut hit = Hit::resource(
                    w.resource,
                    format!("{}/lifecycle/preStop", c.pointer),
                    format!(
                        "container `{}` of {} `{}` serves Service `{service}` but {what}: on every deploy, scale-down and node drain it gets SIGTERM while kube-proxy, ingress controllers and load balancers still route requests to it for a few seconds, and those requests fail",
                        c.name, r.kind, r.name
                    ),
                );
                if crate::model::datastore::engine_of_image(&c.image).is_some() {
                    hit = hit.lowered(
                        1,
                        "a datastore or broker: its clients hold long-lived connections and reconnect, so the endpoint race matters less than failover",
                    );
                }
                if let Some((_, source)) = termination::app_shutdown(node) {
                    hit = hit.with_severity(
                        Severity::Low,
                        format!(
                            "the app drains in-flight requests on SIGTERM ({source}), but still stops taking new ones before endpoints are updated"
                        ),
                    );
                }
                hits.push(hit);
            }
        }
    }
}

/// Istio keeps the sidecar serving connections while the pod terminates.
fn mesh_drains(ctx: &Ctx<'_>, w: &Workload, r: &Resource) -> bool {
    const KEYS: &[&str] = &[
        "terminationDrainDuration",
        "EXIT_ON_ZERO_ACTIVE_CONNECTIONS",
    ];
    let template = r.node.pointer(w.template);
    let annotations = template.and_then(|t| t.path(&["metadata", "annotations"]));
    let in_annotations = annotations
        .map(Node::entries)
        .unwrap_or_default()
        .iter()
        .any(|e| {
            e.key == "proxy.istio.io/config"
                && e.value
                    .as_str()
                    .is_some_and(|v| KEYS.iter().any(|k| v.contains(k)))
        });
    // A declared istio-proxy container with the drain variable.
    let in_proxy = w.containers.iter().any(|c| {
        c.sidecar
            && r.node
                .pointer(&c.pointer)
                .and_then(|n| n.get("env"))
                .map(Node::items)
                .unwrap_or_default()
                .iter()
                .any(|e| {
                    e.get("name").and_then(Node::as_str) == Some("EXIT_ON_ZERO_ACTIVE_CONNECTIONS")
                })
    });
    // An Istio ProxyConfig for the namespace (or the mesh) setting it.
    let in_proxy_config = ctx.graph.of_kind("ProxyConfig").iter().any(|&id| {
        let pc = &ctx.inv.resources[id];
        (pc.namespace == r.namespace || pc.namespace == "istio-system")
            && pc
                .node
                .path(&[
                    "spec",
                    "environmentVariables",
                    "EXIT_ON_ZERO_ACTIVE_CONNECTIONS",
                ])
                .is_some()
    });
    in_annotations || in_proxy || in_proxy_config
}

/// The AWS Load Balancer Controller registers pods as targets and gates
/// their readiness on target health; deregistration then waits for the
/// target group's delay.
fn alb_readiness_gates(ctx: &Ctx<'_>, w: &Workload, r: &Resource) -> bool {
    const GATE: &str = "target-health.elbv2.k8s.aws";
    let gates = r
        .node
        .pointer(&w.pod_spec_pointer())
        .and_then(|s| s.get("readinessGates"))
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .any(|g| {
            g.get("conditionType")
                .and_then(Node::as_str)
                .is_some_and(|t| t.starts_with(GATE))
        });
    let injected = ctx.graph.of_kind("Namespace").iter().any(|&id| {
        let ns = &ctx.inv.resources[id];
        ns.name == r.namespace
            && ns
                .labels()
                .any(|(k, v)| k == "elbv2.k8s.aws/pod-readiness-gate-inject" && v == "enabled")
    });
    gates || injected
}
