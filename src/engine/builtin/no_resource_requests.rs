//! CAPACITY-001: a container with no CPU or memory request.
//!
//! - Kubernetes: app containers that are not sidecars; a request counts when
//!   declared, copied from a declared limit (Kubernetes defaults the request
//!   to the limit), or defaulted by a LimitRange of the namespace. Only the
//!   CPU request missing, and Jobs/CronJobs, are one level lower each.
//! - Compose: `deploy.resources.reservations` (`cpus`, `memory`), or a limit
//!   (`deploy.resources.limits`, `cpus`, `mem_limit`, `mem_reservation`).
//!   Without Swarm no scheduler places containers by their reservations,
//!   which makes the risk smaller: one level lower. One-shot services one
//!   level lower; development stacks info.

use super::compose_support::{for_environment, hit, services, who};
use crate::engine::{Ctx, Hit};
use crate::yaml::Node;

pub struct Check;

impl super::BuiltinCheck for Check {
    fn slug(&self) -> &'static str {
        "no-resource-requests"
    }

    fn run(&self, ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
        kubernetes(ctx, hits);
        compose_services(ctx, hits);
    }
}

fn kubernetes(ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
    for w in &ctx.graph.workloads {
        let r = &ctx.inv.resources[w.resource];
        let ns = ctx.graph.limit_defaults(w.resource, &r.namespace);
        for c in w.containers.iter().filter(|c| !c.init) {
            // Proxies and agents injected or bundled next to the app are
            // reviewed by their owners; CAPACITY-003 still counts them when
            // an HPA needs them.
            if c.sidecar {
                continue;
            }
            let Some(node) = r.node.pointer(&c.pointer) else {
                continue;
            };
            let has = |a: &str, b: &str| node.path(&["resources", a, b]).is_some();
            let cpu = has("requests", "cpu") || has("limits", "cpu") || ns.request_cpu;
            let memory = has("requests", "memory") || has("limits", "memory") || ns.request_memory;
            if cpu && memory {
                continue;
            }
            let what = if cpu {
                "memory request: the scheduler places it as if it needed no memory, so nodes get over-committed, and under memory pressure the kubelet evicts it among the first"
            } else if memory {
                "CPU request: when the node is busy it gets the smallest CPU share, so its latency climbs and its probes can time out while neighbours take the CPU"
            } else {
                "CPU or memory request: the scheduler places it as if it needed nothing, nodes get over-packed, and under pressure it is the first pod the kubelet evicts"
            };
            let mut hit = Hit::resource(
                w.resource,
                format!("{}/resources/requests", c.pointer),
                format!(
                    "container `{}` of {} `{}` declares no {what}",
                    c.name, r.kind, r.name
                ),
            );
            if memory {
                hit = hit.lowered(1, "only the CPU request is missing; CPU is compressible, so the container is slowed under contention rather than evicted");
            }
            if w.kind.is_batch() {
                hit = hit.lowered(1, "a batch pod evicted under pressure is retried; work is delayed rather than requests failed");
            }
            hits.push(hit);
        }
    }
}

fn present(node: &Node, path: &[&str]) -> bool {
    node.path(path).is_some_and(|v| !v.is_null())
}

fn compose_services(ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
    for (id, r, facts) in services(ctx) {
        let n = &r.node;
        let cpu = present(n, &["deploy", "resources", "reservations", "cpus"])
            || present(n, &["deploy", "resources", "limits", "cpus"])
            || [
                "cpus",
                "cpu_shares",
                "cpu_quota",
                "cpu_count",
                "cpu_percent",
            ]
            .iter()
            .any(|k| present(n, &[k]));
        let memory = present(n, &["deploy", "resources", "reservations", "memory"])
            || present(n, &["deploy", "resources", "limits", "memory"])
            || present(n, &["mem_limit"])
            || present(n, &["mem_reservation"]);
        if cpu && memory {
            continue;
        }
        let what = if cpu {
            "memory reservation or limit: nothing records how much memory it needs, so the host gets over-committed and under memory pressure the kernel's OOM killer picks among its containers"
        } else if memory {
            "CPU reservation or limit: when the host is busy it competes for CPU with every other container, so its latency climbs while neighbours take the CPU"
        } else {
            "CPU or memory reservation (`deploy.resources.reservations`) or limit: nothing records what it needs, so the host gets over-committed, and under pressure the kernel's OOM killer and the CPU scheduler pick among its containers"
        };
        let mut hit = hit(
            ctx,
            id,
            "/deploy/resources/reservations",
            format!("{} declares no {what}", who(r)),
        );
        if memory {
            hit = hit.lowered(1, "only the CPU reservation is missing; CPU is compressible, so the container is slowed under contention rather than killed");
        }
        if !facts.swarm() {
            hit = hit.lowered(1, "plain docker compose places nothing by reservations (only Swarm schedules by them); on one host they only record what the service needs");
        }
        if facts.one_shot().is_some() {
            hit = hit.lowered(1, "a one-shot task killed under pressure is re-run; work is delayed rather than requests failed");
        }
        hits.push(for_environment(hit, &facts));
    }
}
