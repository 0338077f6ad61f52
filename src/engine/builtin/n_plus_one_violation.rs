//! CAPACITY-005: an autoscaler floor and CPU utilization target such that
//! losing one replica (or, with zone spread, the largest zone's share)
//! pushes the survivors above 100% of their CPU requests before the
//! autoscaler has added pods. Static stability: N-1 must carry the load.

use crate::engine::{Ctx, Hit};
use crate::model::Resource;
use crate::model::graph::autoscaler_min;
use crate::model::k8s;
use crate::yaml::Node;

pub struct Check;

/// A CPU utilization target (percent of the request) and where it is written.
struct CpuTarget {
    percent: f64,
    pointer: String,
}

fn hpa_cpu_target(hpa: &Node) -> Option<CpuTarget> {
    let spec = hpa.get("spec")?;
    if let Some(v) = spec
        .get("targetCPUUtilizationPercentage")
        .and_then(Node::as_f64)
    {
        return Some(CpuTarget {
            percent: v,
            pointer: "/spec/targetCPUUtilizationPercentage".into(),
        });
    }
    let Some(metrics) = spec.get("metrics") else {
        // autoscaling/v2 without metrics: 80% average CPU utilization.
        if hpa
            .get("apiVersion")
            .and_then(Node::as_str)
            .is_some_and(|v| v.starts_with("autoscaling/v2"))
        {
            return Some(CpuTarget {
                percent: 80.0,
                pointer: "/spec".into(),
            });
        }
        return None;
    };
    for (i, m) in metrics.items().iter().enumerate() {
        let field = match m.get("type").and_then(Node::as_str) {
            Some("Resource") => "resource",
            Some("ContainerResource") => "containerResource",
            _ => continue,
        };
        let Some(body) = m.get(field) else { continue };
        if body.get("name").and_then(Node::as_str) != Some("cpu") {
            continue;
        }
        // autoscaling/v2: target.averageUtilization; v2beta1: targetAverageUtilization.
        let (value, at) = match body.path(&["target", "averageUtilization"]) {
            Some(v)
                if body.path(&["target", "type"]).and_then(Node::as_str) == Some("Utilization") =>
            {
                (
                    v,
                    format!("/spec/metrics/{i}/{field}/target/averageUtilization"),
                )
            }
            _ => match body.get("targetAverageUtilization") {
                Some(v) => (
                    v,
                    format!("/spec/metrics/{i}/{field}/targetAverageUtilization"),
                ),
                None => continue,
            },
        };
        if let Some(percent) = value.as_f64() {
            return Some(CpuTarget {
                percent,
                pointer: at,
            });
        }
    }
    None
}

/// KEDA `cpu` trigger with a Utilization metric type.
fn keda_cpu_target(so: &Node) -> Option<CpuTarget> {
    for (i, t) in so
        .path(&["spec", "triggers"])
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        if t.get("type").and_then(Node::as_str) != Some("cpu") {
            continue;
        }
        let metric_type = t
            .get("metricType")
            .or_else(|| t.path(&["metadata", "type"]))
            .and_then(Node::as_str)
            .unwrap_or("Utilization");
        if metric_type != "Utilization" {
            continue;
        }
        let Some(percent) = t
            .path(&["metadata", "value"])
            .and_then(|v| v.as_f64().or_else(|| v.as_str()?.trim().parse().ok()))
        else {
            continue;
        };
        return Some(CpuTarget {
            percent,
            pointer: format!("/spec/triggers/{i}/metadata/value"),
        });
    }
    None
}

fn cpu_target(a: &Resource) -> Option<CpuTarget> {
    if a.kind == "ScaledObject" {
        keda_cpu_target(&a.node)
    } else {
        hpa_cpu_target(&a.node)
    }
}

/// Replicas left after the worst single failure: one pod, or with zone
/// spread the largest zone's share.
fn survivors(n: i64, zone_spread: bool, zones: i64) -> i64 {
    if zone_spread && zones > 1 {
        n - n.saturating_add(zones - 1) / zones
    } else {
        n - 1
    }
}

impl super::BuiltinCheck for Check {
    fn slug(&self) -> &'static str {
        "n-plus-one-violation"
    }

    fn run(&self, ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
        let g = ctx.graph;
        let zones = ctx.params.int("zones", 3).max(1);
        let ceiling = ctx.params.float("maxSurvivorUtilization", 100.0);
        let ids = g.autoscaler_ids();
        for aid in ids {
            let a = &ctx.inv.resources[aid];
            let Some(Some(wid)) = g.autoscaler_target.get(&aid) else {
                continue;
            };
            let w = &g.workloads[*wid];
            if !w.kind.has_replicas() {
                continue;
            }
            let n = autoscaler_min(a);
            // Below two replicas there is no N-1 to speak of: SPOF-002.
            if n < 2 {
                continue;
            }
            let Some(target) = cpu_target(a).filter(|t| t.percent > 0.0) else {
                continue;
            };
            let r = &ctx.inv.resources[w.resource];
            let zone_spread = r
                .node
                .pointer(&w.pod_spec_pointer())
                .map(|s| k8s::spread(s, &w.labels, &r.namespace).zone)
                .unwrap_or(false);
            let left = survivors(n, zone_spread, zones);
            if left < 1 {
                continue;
            }
            let load = target.percent * n as f64 / left as f64;
            if load <= ceiling {
                continue;
            }
            // What would hold: the highest target for this floor, the
            // lowest floor for this target.
            let max_target = (ceiling * left as f64 / n as f64).floor();
            let floor = (n..n.saturating_add(1000)).find(|m| {
                target.percent * *m as f64 / survivors(*m, zone_spread, zones) as f64 <= ceiling
            });
            let loss = if zone_spread && left < n - 1 {
                format!(
                    "a zone is lost ({} of {n} replicas, spread over {zones} zones)",
                    n - left
                )
            } else {
                "one replica is lost (node failure, drain or eviction)".to_string()
            };
            // A floor far above today's is not advice anyone takes.
            let fix = match floor.filter(|f| *f <= n.saturating_mul(2).max(n.saturating_add(3))) {
                Some(f) => {
                    format!("a floor of {f} replicas or a target of at most {max_target:.0}% holds")
                }
                None => format!("a target of at most {max_target:.0}% holds"),
            };
            let survivors_run = if left == 1 {
                format!("the only replica left runs at {load:.0}% of its CPU request")
            } else {
                format!("the {left} left run at {load:.0}% of their CPU requests")
            };
            let what = if a.kind == "ScaledObject" {
                "ScaledObject"
            } else {
                "HorizontalPodAutoscaler"
            };
            let mut hit = Hit::resource(
                aid,
                &target.pointer,
                format!(
                    "{what} `{}` runs {} `{}` at {n} replicas targeting {:.0}% CPU: when {loss}, {survivors_run} until new pods are ready, and the overload can cascade (slower responses, retries, failing probes, more pods lost) into a full outage; {fix}",
                    a.name, r.kind, r.name, target.percent
                ),
            );
            if !w.serving() {
                hit = hit.lowered(
                    1,
                    "no Service routes requests to it: an overloaded worker falls behind instead of failing requests",
                );
            }
            hits.push(hit);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::survivors;

    #[test]
    fn survivors_after_the_worst_loss() {
        assert_eq!(survivors(3, false, 3), 2);
        assert_eq!(survivors(6, true, 3), 4);
        assert_eq!(survivors(4, true, 3), 2);
        assert_eq!(survivors(2, true, 3), 1);
    }
}
