//! DISRUPT-002: a PodDisruptionBudget that allows no voluntary eviction of the
//! pods it selects, so node drains and cluster upgrades hang. The disruption
//! controller counts every pod a budget selects together; percentages are
//! resolved against that total, rounding up as the controller does.

use crate::engine::{Ctx, Hit};
use crate::model::k8s::int_or_percent;

pub struct Check;

impl super::BuiltinCheck for Check {
    fn slug(&self) -> &'static str {
        "pdb-blocks-eviction"
    }

    fn run(&self, ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
        let g = ctx.graph;
        for &pid in g.of_kind("PodDisruptionBudget") {
            let pdb = &ctx.inv.resources[pid];
            let spec = pdb.node.get("spec");
            let max_unavailable = spec.and_then(|s| s.get("maxUnavailable"));
            let min_available = spec.and_then(|s| s.get("minAvailable"));
            // Blocks regardless of replicas: maxUnavailable 0 / 0%, minAvailable 100%.
            if let Some(m) = max_unavailable
                && int_or_percent(m, 100, true) == Some(0)
            {
                hits.push(Hit::resource(
                    pid,
                    "/spec/maxUnavailable",
                    format!(
                        "PodDisruptionBudget `{}` sets maxUnavailable to {}: no pod it selects can ever be evicted, so node drains and upgrades hang",
                        pdb.name,
                        m.scalar_text().unwrap_or_default()
                    ),
                ));
                continue;
            }
            if let Some(m) = min_available
                && m.as_str().is_some_and(|s| s.trim() == "100%")
            {
                hits.push(Hit::resource(
                    pid,
                    "/spec/minAvailable",
                    format!(
                        "PodDisruptionBudget `{}` requires minAvailable 100%: no pod it selects can ever be evicted, so node drains and upgrades hang",
                        pdb.name
                    ),
                ));
                continue;
            }
            // (A positive maxUnavailable percentage always rounds up to at
            // least one pod, so only minAvailable can block from here on.)
            let Some(m) = min_available.filter(|m| !m.is_null()) else {
                continue;
            };
            let Some(targets) = g.pdb_targets.get(&pid) else {
                continue;
            };
            let mut floor = 0;
            let mut counted = Vec::new();
            let mut autoscaled = false;
            for &w in targets {
                let wl = &g.workloads[w];
                let Some(n) = g.effective_min_replicas(ctx.inv, wl) else {
                    continue;
                };
                floor += n;
                autoscaled |= wl.autoscaled();
                counted.push((wl.resource, n));
            }
            if counted.is_empty() {
                continue;
            }
            let Some(min) = int_or_percent(m, floor, true) else {
                continue;
            };
            if floor > min {
                continue;
            }
            let floor_text = if autoscaled {
                format!("their autoscaled floor is {floor} pod(s)")
            } else {
                format!("they run {floor} pod(s)")
            };
            hits.push(Hit::resource(
                pid,
                "/spec/minAvailable",
                format!(
                    "PodDisruptionBudget `{}` requires minAvailable {} of {}, and {floor_text}: no pod can be evicted, so node drains and upgrades hang",
                    pdb.name,
                    m.scalar_text().unwrap_or_default(),
                    workload_list(ctx, &counted)
                ),
            ));
        }
    }
}

/// Workloads shown in a message; a PDB that selects hundreds lists the
/// first few (formatting every one for every PDB was quadratic).
const SHOWN: usize = 10;

/// `Deployment `a` (2), Deployment `b` (3)`, the first [`SHOWN`] of them.
fn workload_list(ctx: &Ctx<'_>, counted: &[(usize, i64)]) -> String {
    let mut parts: Vec<String> = counted
        .iter()
        .take(SHOWN)
        .map(|&(rid, n)| {
            let r = &ctx.inv.resources[rid];
            format!("{} `{}` ({n})", r.kind, r.name)
        })
        .collect();
    if counted.len() > SHOWN {
        parts.push(format!("and {} more", counted.len() - SHOWN));
    }
    parts.join(", ")
}
