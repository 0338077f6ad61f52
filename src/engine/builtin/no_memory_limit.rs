//! CAPACITY-002: a container with no memory limit.
//!
//! - Kubernetes: app containers, sidecars included (a leaking log shipper
//!   or proxy fills the node as surely as the app does); a LimitRange
//!   default limit of the namespace counts. Jobs/CronJobs one level lower.
//! - Compose: no `deploy.resources.limits.memory` and no `mem_limit`.
//!   One-shot services one level lower; development stacks info.

use super::compose_support::{for_environment, hit, services, who};
use crate::engine::{Ctx, Hit};

pub struct Check;

impl super::BuiltinCheck for Check {
    fn slug(&self) -> &'static str {
        "no-memory-limit"
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
            let Some(node) = r.node.pointer(&c.pointer) else {
                continue;
            };
            if node.path(&["resources", "limits", "memory"]).is_some() || ns.limit_memory {
                continue;
            }
            let mut hit = Hit::resource(
                w.resource,
                format!("{}/resources/limits/memory", c.pointer),
                format!(
                    "container `{}` of {} `{}` has no memory limit: a leak or a load spike lets it grow until the node runs out of memory, and then the kubelet evicts, or the kernel OOM-kills, whatever is on that node, other services included, instead of restarting just this container",
                    c.name, r.kind, r.name
                ),
            );
            if w.kind.is_batch() {
                hit = hit.lowered(
                    1,
                    "a batch pod runs to completion, so a leak is bounded by its run time",
                );
            }
            hits.push(hit);
        }
    }
}

fn compose_services(ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
    for (id, r, facts) in services(ctx) {
        let n = &r.node;
        let limited = n
            .path(&["deploy", "resources", "limits", "memory"])
            .is_some_and(|v| !v.is_null())
            || n.get("mem_limit").is_some_and(|v| !v.is_null());
        if limited {
            continue;
        }
        let mut hit = hit(
            ctx,
            id,
            "/deploy/resources/limits/memory",
            format!(
                "{} has no memory limit (`deploy.resources.limits.memory` or `mem_limit`): a leak or a load spike lets it grow until the host runs out of memory, and then the kernel OOM-kills whatever it picks, other services and the Docker daemon included, instead of restarting just this container",
                who(r)
            ),
        );
        if facts.one_shot().is_some() {
            hit = hit.lowered(
                1,
                "a one-shot task runs to completion, so a leak is bounded by its run time",
            );
        }
        hits.push(for_environment(hit, &facts));
    }
}
