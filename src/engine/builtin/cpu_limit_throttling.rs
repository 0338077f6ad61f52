//! CAPACITY-007: a CPU limit on a serving container that is below one core
//! or leaves little room above the request. The CFS quota stops the
//! container for the rest of each 100 ms period once it is used up, so
//! bursts (GC, TLS handshakes, a request spike) become latency spikes and
//! probe timeouts even when average use is low.

use super::cpu_quantity::{cpu_millis, format_cpu};
use crate::engine::{Ctx, Hit};
use crate::model::Inventory;
use crate::model::graph::Graph;
use crate::yaml::Node;
use std::collections::HashSet;

pub struct Check;

/// Namespaces where CPU limits are policy: a LimitRange giving a default or
/// maximum CPU limit, or a ResourceQuota on `limits.cpu` (which makes the
/// API server reject pods without one).
fn policy_namespaces(inv: &Inventory, g: &Graph) -> HashSet<String> {
    let mut out = HashSet::new();
    for &id in g.of_kind("LimitRange") {
        let r = &inv.resources[id];
        let sets_cpu_limit = r
            .node
            .path(&["spec", "limits"])
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .any(|l| l.path(&["default", "cpu"]).is_some() || l.path(&["max", "cpu"]).is_some());
        if sets_cpu_limit {
            out.insert(r.namespace.clone());
        }
    }
    for &id in g.of_kind("ResourceQuota") {
        let r = &inv.resources[id];
        if r.node.path(&["spec", "hard", "limits.cpu"]).is_some() {
            out.insert(r.namespace.clone());
        }
    }
    out
}

fn param_f64(ctx: &Ctx<'_>, name: &str, default: f64) -> f64 {
    ctx.params.float(name, default)
}

impl super::BuiltinCheck for Check {
    fn slug(&self) -> &'static str {
        "cpu-limit-throttling"
    }

    fn run(&self, ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
        let g = ctx.graph;
        let min_limit = param_f64(ctx, "minLimitCores", 1.0) * 1000.0;
        let min_ratio = param_f64(ctx, "minLimitToRequestRatio", 1.5);
        let policy = policy_namespaces(ctx.inv, g);
        for w in &g.workloads {
            if !w.serving() {
                continue;
            }
            let r = &ctx.inv.resources[w.resource];
            for (c, serves) in w.containers.iter().zip(&w.serves) {
                if !serves || c.init || c.sidecar {
                    continue;
                }
                let Some(res) = r.node.pointer(&c.pointer).and_then(|n| n.get("resources")) else {
                    continue;
                };
                let Some(limit) = res.path(&["limits", "cpu"]).and_then(cpu_millis) else {
                    continue;
                };
                if limit <= 0.0 {
                    continue;
                }
                // Kubernetes defaults the request to the limit.
                let request = res
                    .path(&["requests", "cpu"])
                    .and_then(cpu_millis)
                    .unwrap_or(limit);
                let ratio = if request > 0.0 {
                    limit / request
                } else {
                    f64::INFINITY
                };
                let below_core = limit < min_limit;
                let tight = ratio < min_ratio;
                if !below_core && !tight {
                    continue;
                }
                let who = format!("container `{}` of {} `{}`", c.name, r.kind, r.name);
                let message = if below_core {
                    format!(
                        "{who} is limited to {} CPU: once it has used {:.0} ms of CPU in a 100 ms period the kernel stops it until the next period, so bursts (GC, TLS handshakes, a request spike) become latency spikes and probe timeouts even at low average use",
                        format_cpu(limit),
                        limit / 10.0
                    )
                } else {
                    format!(
                        "{who} has a CPU limit of {} for a request of {} (x{ratio:.2}): it cannot burst above its request, so a busy moment is throttled into latency instead of using idle CPU on the node",
                        format_cpu(limit),
                        format_cpu(request)
                    )
                };
                let mut hit = Hit::resource(
                    w.resource,
                    format!("{}/resources/limits/cpu", c.pointer),
                    message,
                );
                if policy.contains(&r.namespace) {
                    hit = hit.lowered(
                        1,
                        "the namespace makes CPU limits policy (LimitRange or ResourceQuota on limits.cpu)",
                    );
                } else if !below_core {
                    hit = hit.lowered(
                        1,
                        "the limit is at least one core: only multi-threaded bursts are throttled",
                    );
                }
                hits.push(hit);
            }
        }
    }
}
