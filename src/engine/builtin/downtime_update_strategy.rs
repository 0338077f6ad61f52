//! ROLLOUT-001: an update strategy that takes every replica of a serving
//! workload down at once, so each deploy is a planned outage and a bad deploy
//! has nothing left serving while it is rolled back.

use crate::engine::{Ctx, Hit};
use crate::model::k8s::{WorkloadKind, int_or_percent};
use crate::yaml::Node;

pub struct Check;

impl super::BuiltinCheck for Check {
    fn slug(&self) -> &'static str {
        "downtime-update-strategy"
    }

    fn run(&self, ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
        let g = ctx.graph;
        for w in &g.workloads {
            if !w.serving() {
                continue;
            }
            let r = &ctx.inv.resources[w.resource];
            // Scaled to zero (KEDA floor 0, replicas: 0): nothing to keep up.
            let Some(replicas) = g.effective_min_replicas(ctx.inv, w).filter(|n| *n > 0) else {
                continue;
            };
            match w.kind {
                WorkloadKind::Deployment => {
                    let strategy = r.node.path(&["spec", "strategy"]);
                    let kind = strategy
                        .and_then(|s| s.get("type"))
                        .and_then(Node::as_str)
                        .unwrap_or("RollingUpdate");
                    if kind == "Recreate" {
                        hits.push(Hit::resource(
                            w.resource,
                            "/spec/strategy/type",
                            format!(
                                "Deployment `{}` uses the Recreate strategy: every deploy stops {} before starting new ones, a planned outage each time",
                                r.name,
                                if replicas == 1 {
                                    "its only replica".to_string()
                                } else {
                                    format!("all {replicas} replicas")
                                }
                            ),
                        ));
                        continue;
                    }
                    let rolling = strategy.and_then(|s| s.get("rollingUpdate"));
                    // Defaults: maxUnavailable 25% (rounded down), maxSurge 25% (rounded up).
                    let max_unavailable = rolling
                        .and_then(|ru| ru.get("maxUnavailable"))
                        .and_then(|m| int_or_percent(m, replicas, false))
                        .unwrap_or(replicas / 4);
                    if max_unavailable >= replicas {
                        hits.push(Hit::resource(
                            w.resource,
                            "/spec/strategy/rollingUpdate/maxUnavailable",
                            format!(
                                "Deployment `{}` allows {} during a rollout with {}: all of them can be down at once",
                                r.name,
                                plural(max_unavailable, "unavailable pod"),
                                plural(replicas, "replica")
                            ),
                        ));
                    }
                }
                WorkloadKind::StatefulSet => {
                    let update = r
                        .node
                        .path(&["spec", "updateStrategy", "type"])
                        .and_then(Node::as_str);
                    if update == Some("OnDelete") {
                        hits.push(Hit::resource(
                            w.resource,
                            "/spec/updateStrategy/type",
                            format!(
                                "StatefulSet `{}` uses updateStrategy OnDelete: updates happen whenever pods are deleted by hand, with no rollout control",
                                r.name
                            ),
                        ));
                    } else if replicas < 2 {
                        hits.push(Hit::resource(
                            w.resource,
                            "/spec/replicas",
                            format!(
                                "StatefulSet `{}` has a single replica: a StatefulSet update deletes the pod before its replacement starts, so every update is an outage",
                                r.name
                            ),
                        ));
                    }
                }
                _ => {}
            }
        }
    }
}

fn plural(n: i64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}
