//! CAPACITY-004: an autoscaler that cannot add capacity when load grows
//! (its ceiling is its floor, or less than twice the floor of a serving
//! workload), or that removes replicas on the first dip of its metric
//! because its scale-down stabilization was switched off.

use crate::engine::{Ctx, Hit};
use crate::model::Resource;
use crate::model::graph::{autoscaler_max_of, autoscaler_min};
use crate::yaml::Node;

pub struct Check;

/// Where the fields live: HPA `spec.minReplicas`, KEDA `spec.minReplicaCount`.
struct Fields {
    what: &'static str,
    min: &'static str,
    max: &'static str,
    /// Pointer of the HPA `behavior` (KEDA passes it through).
    behavior: &'static str,
}

fn fields(a: &Resource) -> Fields {
    if a.kind == "ScaledObject" {
        Fields {
            what: "ScaledObject",
            min: "minReplicaCount",
            max: "maxReplicaCount",
            behavior: "/spec/advanced/horizontalPodAutoscalerConfig/behavior",
        }
    } else {
        Fields {
            what: "HorizontalPodAutoscaler",
            min: "minReplicas",
            max: "maxReplicas",
            behavior: "/spec/behavior",
        }
    }
}

fn replicas(n: i64) -> String {
    if n == 1 {
        "1 replica".into()
    } else {
        format!("{n} replicas")
    }
}

/// Share of the current replicas one scale-down policy may remove per
/// minute, as a fraction (Pods policies are measured against the ceiling).
fn removal_per_minute(policy: &Node, max: i64) -> Option<f64> {
    let value = policy.get("value").and_then(Node::as_f64)?;
    let period = policy
        .get("periodSeconds")
        .and_then(Node::as_f64)
        .filter(|p| *p > 0.0)?;
    let per_minute = value * 60.0 / period;
    match policy.get("type").and_then(Node::as_str)? {
        "Percent" => Some(per_minute / 100.0),
        "Pods" => Some(per_minute / max.max(1) as f64),
        _ => None,
    }
}

impl super::BuiltinCheck for Check {
    fn slug(&self) -> &'static str {
        "autoscaler-no-headroom"
    }

    fn run(&self, ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
        let g = ctx.graph;
        let min_window = ctx.params.int("minScaleDownStabilizationSeconds", 60);
        let aggressive_share = ctx.params.float("aggressiveScaleDownShare", 0.5);
        let ids = g.autoscaler_ids();
        for aid in ids {
            let a = &ctx.inv.resources[aid];
            if a.kind == "ScaledObject" && !a.api_version.starts_with("keda.sh/") {
                continue;
            }
            let f = fields(a);
            let min = autoscaler_min(a);
            let Some(max) = autoscaler_max_of(a).filter(|m| *m >= 1) else {
                continue;
            };
            let target = g.autoscaler_target.get(&aid).copied().flatten();
            let target_name = target
                .map(|w| {
                    let r = &ctx.inv.resources[g.workloads[w].resource];
                    format!("{} `{}`", r.kind, r.name)
                })
                .unwrap_or_else(|| "its target".into());
            let serving = target.is_some_and(|w| g.workloads[w].serving());
            let max_pointer = format!("/spec/{}", f.max);
            if max <= min {
                hits.push(Hit::resource(
                    aid,
                    &max_pointer,
                    format!(
                        "{} `{}` has {} {max} and {} {min}: it can never add a replica to {target_name}, so a traffic spike meets the same fixed capacity and the excess requests queue or fail",
                        f.what, a.name, f.max, f.min
                    ),
                ));
            } else if serving && min >= 1 && max < min.saturating_mul(2) {
                let extra = (max - min).saturating_mul(100) / min;
                hits.push(Hit::resource(
                    aid,
                    &max_pointer,
                    format!(
                        "{} `{}` can grow the serving {target_name} from {min} to {} only ({extra}% more capacity): a spike of twice the usual load exceeds what it may add, and the excess requests queue or fail",
                        f.what,
                        a.name,
                        replicas(max)
                    ),
                ));
            }
            // Scale-down flapping: the API defaults the scale-down window to
            // 300 s even with custom policies, so only a window written
            // shorter than the threshold turns it off.
            let Some(down) = a.node.pointer(&format!("{}/scaleDown", f.behavior)) else {
                continue;
            };
            let Some(window) = down
                .get("stabilizationWindowSeconds")
                .and_then(Node::as_i64)
                .filter(|w| *w < min_window)
            else {
                continue;
            };
            let select = down
                .get("selectPolicy")
                .and_then(Node::as_str)
                .unwrap_or("Max");
            if select == "Disabled" {
                continue;
            }
            let policies = down.get("policies").map(Node::items).unwrap_or_default();
            let shares: Vec<f64> = policies
                .iter()
                .filter_map(|p| removal_per_minute(p, max))
                .collect();
            // No policies: the default lets it remove 100% every 15 s.
            let share = if shares.is_empty() {
                if policies.is_empty() { 4.0 } else { continue }
            } else if select == "Min" {
                shares.iter().copied().fold(f64::INFINITY, f64::min)
            } else {
                shares.iter().copied().fold(0.0, f64::max)
            };
            if share < aggressive_share {
                continue;
            }
            let rate = if share >= 1.0 {
                "all of its replicas within a minute".to_string()
            } else {
                format!("{:.0}% of its replicas per minute", share * 100.0)
            };
            hits.push(Hit::resource(
                aid,
                format!("{}/scaleDown/stabilizationWindowSeconds", f.behavior),
                format!(
                    "{} `{}` scales {target_name} down with a stabilization window of {window}s and policies that remove {rate}: replicas go on the first dip of the metric and come back on the next rise, so the workload flaps and meets each new peak with pods still starting",
                    f.what, a.name
                ),
            ));
        }
    }
}
