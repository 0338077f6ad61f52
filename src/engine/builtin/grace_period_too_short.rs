//! SHUTDOWN-002: the pod's terminationGracePeriodSeconds (default 30) ends
//! before the container is done stopping. The kubelet runs the preStop
//! hook, then sends SIGTERM, and sends SIGKILL when the grace period is
//! over, whatever the app is still doing.
//!
//! Reported when the grace period is no longer than the preStop sleep plus
//! the app's own shutdown timeout (where the environment or arguments state
//! it), or shorter than the request timeout an ingress-nginx Ingress routing
//! to the pods declares (`proxy-read-timeout`/`proxy-send-timeout`), which
//! says requests may legitimately run that long; and when a serving
//! workload sets it to 0 or 1 (SIGKILL at once).

use super::termination;
use crate::engine::{Ctx, Hit};
use crate::model::graph::Workload;

pub struct Check;

const DEFAULT_GRACE: i64 = 30;

const INGRESS_TIMEOUTS: &[&str] = &[
    "nginx.ingress.kubernetes.io/proxy-read-timeout",
    "nginx.ingress.kubernetes.io/proxy-send-timeout",
];

impl super::BuiltinCheck for Check {
    fn slug(&self) -> &'static str {
        "grace-period-too-short"
    }

    fn run(&self, ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
        for w in &ctx.graph.workloads {
            if w.kind.is_batch() {
                continue;
            }
            if let Some(hit) = check(ctx, w) {
                hits.push(hit);
            }
        }
    }
}

fn check(ctx: &Ctx<'_>, w: &Workload) -> Option<Hit> {
    let r = &ctx.inv.resources[w.resource];
    let spec_pointer = w.pod_spec_pointer();
    let grace_node = r
        .node
        .pointer(&spec_pointer)?
        .get("terminationGracePeriodSeconds");
    let grace = match grace_node {
        // A template value (`{{ .Values.grace }}`) cannot be judged.
        Some(n) => n.as_i64()?,
        None => DEFAULT_GRACE,
    };
    let explicit = grace_node.is_some();
    let grace_text = if explicit {
        format!("{grace} s (terminationGracePeriodSeconds)")
    } else {
        format!("{grace} s (the default terminationGracePeriodSeconds)")
    };
    let grace_pointer = format!("{spec_pointer}/terminationGracePeriodSeconds");

    // No grace at all: SIGKILL right away (the API turns 0 into 1 s).
    if explicit && grace <= 1 && w.serving() {
        return Some(Hit::resource(
            w.resource,
            grace_pointer,
            format!(
                "{} `{}` sets terminationGracePeriodSeconds to {grace}: the kubelet kills its containers at once, so the requests in flight fail on every deploy, scale-down and node drain",
                r.kind, r.name
            ),
        ));
    }

    // The container that needs the longest: preStop sleep + app shutdown.
    let mut worst: Option<(i64, String, String)> = None;
    for c in &w.containers {
        if c.init && !c.sidecar {
            continue;
        }
        let Some(node) = r.node.pointer(&c.pointer) else {
            continue;
        };
        let hook = termination::prestop(node);
        let sleep = hook.seconds();
        let app = termination::app_shutdown(node);
        let need = sleep + app.as_ref().map_or(0, |a| a.0);
        if need == 0 || need < grace || worst.as_ref().is_some_and(|(n, _, _)| *n >= need) {
            continue;
        }
        let mut parts = Vec::new();
        if sleep > 0 {
            parts.push(format!("sleeps {sleep} s in its preStop hook"));
        }
        if let Some((secs, source)) = &app {
            parts.push(format!(
                "the app waits up to {secs} s for in-flight work on SIGTERM ({source})"
            ));
        }
        let pointer = if explicit || sleep == 0 {
            grace_pointer.clone()
        } else {
            format!("{}/lifecycle/preStop", c.pointer)
        };
        let what = format!("container `{}` {}", c.name, parts.join(" and "));
        let outcome = if app.is_none() {
            "SIGTERM only arrives when the grace period is over and the kubelet kills the process 2 s later, so in-flight requests are never drained"
        } else {
            "the kubelet sends SIGKILL before the app has finished, aborting in-flight requests and any non-idempotent work half done"
        };
        worst = Some((
            need,
            pointer,
            format!(
                "{} `{}` gives its pods {grace_text} to stop, but {what} ({need} s in all): {outcome}",
                r.kind, r.name
            ),
        ));
    }
    if let Some((_, pointer, message)) = worst {
        return Some(lower_if_not_serving(
            w,
            Hit::resource(w.resource, pointer, message),
        ));
    }

    // Long requests declared by an Ingress routing to the pods.
    let mut longest: Option<(i64, String, String)> = None;
    for &iid in &w.ingresses {
        let ing = &ctx.inv.resources[iid];
        for key in INGRESS_TIMEOUTS {
            let Some(secs) = ing.annotation(key).and_then(parse_seconds) else {
                continue;
            };
            if secs > grace && longest.as_ref().is_none_or(|(s, _, _)| secs > *s) {
                longest = Some((secs, ing.name.clone(), key.to_string()));
            }
        }
    }
    let (secs, ingress, key) = longest?;
    let pointer = if explicit {
        grace_pointer
    } else {
        spec_pointer
    };
    Some(lower_if_not_serving(
        w,
        Hit::resource(
            w.resource,
            pointer,
            format!(
                "Ingress `{ingress}` lets requests to {} `{}` run for up to {secs} s ({key}), but its pods get only {grace_text} to stop: every deploy, scale-down and node drain cuts the long requests still running",
                r.kind, r.name
            ),
        ),
    ))
}

fn lower_if_not_serving(w: &Workload, hit: Hit) -> Hit {
    if w.serving() {
        hit
    } else {
        hit.lowered(
            1,
            "no Service routes traffic to it: a cut-short shutdown loses background work, not user requests",
        )
    }
}

/// ingress-nginx timeouts are seconds, written `"3600"` or `"3600s"`.
fn parse_seconds(v: &str) -> Option<i64> {
    v.trim().trim_end_matches('s').parse().ok()
}
