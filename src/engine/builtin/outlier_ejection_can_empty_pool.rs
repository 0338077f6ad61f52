//! DEPEND-005: Istio outlier detection that can eject every endpoint of a
//! destination. A shared failure (a bad deploy, a dependency outage) then
//! ejects them all and callers get "no healthy upstream" instead of
//! degraded answers.
//!
//! Envoy ejects at most `maxEjectionPercent` of the hosts (Istio default
//! 10%) but always at least one, so a destination with `n` endpoints can be
//! emptied when `max(1, n x percent / 100) >= n`: with 100%, or with a
//! single replica whatever the percent. `minHealthPercent` above 0 turns
//! ejection off before the pool empties and is not reported. Replicas come
//! from the workloads the destination Service selects (autoscaler floor);
//! unknown replicas are reported only for 100%. Large sets (10+ replicas)
//! with thresholds above 2 are left alone: emptying them is practically
//! unreachable. The deprecated `consecutiveErrors` is reported too.

use crate::engine::{Ctx, Hit};
use crate::yaml::Node;

pub struct Check;

impl super::BuiltinCheck for Check {
    fn slug(&self) -> &'static str {
        "outlier-ejection-can-empty-pool"
    }

    fn run(&self, ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
        let mesh = ctx.derived.mesh();
        for p in &mesh.policies {
            let Some(od) = &p.outlier else { continue };
            let dr = &ctx.inv.resources[p.dr];
            let int = |k: &str| od.get(k).and_then(Node::as_i64);
            let pct_set = int("maxEjectionPercent");
            let pct = pct_set.unwrap_or(10);
            let min_health = int("minHealthPercent").unwrap_or(0);
            let deprecated = od.get("consecutiveErrors").is_some();
            let threshold = int("consecutive5xxErrors")
                .or(int("consecutiveGatewayErrors"))
                .or(int("consecutiveErrors"))
                .unwrap_or(5);
            let replicas = replicas_of(ctx, &p.host, p.dr);
            let base = format!("{}/outlierDetection", p.pointer);
            let empties = min_health == 0
                && match replicas {
                    Some(n) if n >= 10 && threshold > 2 => false,
                    Some(n) => ((n * pct) / 100).max(1) >= n,
                    None => pct >= 100,
                };
            if empties {
                let n_text = match replicas {
                    Some(1) => "its single replica".to_string(),
                    Some(n) => format!("all {n} replicas"),
                    None => "every endpoint".to_string(),
                };
                let pointer = if pct_set.is_some() {
                    format!("{base}/maxEjectionPercent")
                } else {
                    base.clone()
                };
                hits.push(Hit::resource(
                    p.dr,
                    pointer,
                    format!(
                        "DestinationRule `{}` ejects hosts of `{}` after {threshold} consecutive errors with maxEjectionPercent {pct}{}: one shared failure (a bad deploy, a dependency outage) can eject {n_text} for the ejection time, and callers get \"no healthy upstream\" instead of degraded answers; keep maxEjectionPercent at 50 or less, thresholds at 5 or more, and set `minHealthPercent` so ejection stops before the pool is empty",
                        dr.name,
                        p.host,
                        if pct_set.is_none() { " (Istio default)" } else { "" },
                    ),
                ));
            } else if deprecated {
                hits.push(
                    Hit::resource(
                        p.dr,
                        format!("{base}/consecutiveErrors"),
                        format!(
                            "DestinationRule `{}` uses the deprecated `outlierDetection.consecutiveErrors`, which counts every 5xx including the 503s of overloaded but healthy hosts, and newer Istio releases ignore it; use `consecutive5xxErrors` or `consecutiveGatewayErrors`",
                            dr.name
                        ),
                    )
                    .lowered(1, "a deprecated field, not a pool that can be emptied"),
                );
            }
        }
    }
}

/// Replicas behind a destination host: the workloads its Service selects.
fn replicas_of(ctx: &Ctx<'_>, host: &str, from: usize) -> Option<i64> {
    let mut parts = host.split('.');
    let (svc, ns) = (parts.next()?, parts.next()?);
    if !host.ends_with(".svc.cluster.local") {
        return None;
    }
    let sid = ctx.graph.find(ns, "Service", svc, from)?;
    let targets = ctx.graph.service_targets.get(&sid)?;
    if targets.is_empty() {
        return None;
    }
    let mut total = 0;
    for w in targets {
        total += ctx
            .graph
            .effective_min_replicas(ctx.inv, &ctx.graph.workloads[*w])?;
    }
    Some(total)
}
