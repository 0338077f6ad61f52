//! DEPEND-009: an admission webhook that fails closed on pods (or on every
//! resource) makes its backend part of the control plane: while the backend
//! is unreachable, the API server rejects every matching request, so nothing
//! can be rescheduled, including the backend's own pods. Reported when such
//! a webhook does not exclude `kube-system` or its own namespace, or when
//! its backend runs fewer than 2 replicas, without a PodDisruptionBudget or
//! without spread; and when it makes pod creation wait more than 10 seconds.

use crate::engine::{Ctx, Hit};
use crate::model::selector::{LabelSelector, Requirement};
use crate::model::{Resource, ResourceId, k8s};
use crate::yaml::Node;

pub struct Check;

const NAME_LABEL: &str = "kubernetes.io/metadata.name";

impl super::BuiltinCheck for Check {
    fn slug(&self) -> &'static str {
        "admission-webhook-fail-closed"
    }

    fn run(&self, ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
        let max_timeout = ctx.params.int("maxTimeoutSeconds", 10);
        for kind in [
            "ValidatingWebhookConfiguration",
            "MutatingWebhookConfiguration",
        ] {
            for &id in ctx.graph.of_kind(kind) {
                let r = &ctx.inv.resources[id];
                if r.group() != "admissionregistration.k8s.io" {
                    continue;
                }
                let v1 = r.api_version.ends_with("/v1");
                for (i, hook) in r
                    .node
                    .get("webhooks")
                    .map(Node::items)
                    .unwrap_or_default()
                    .iter()
                    .enumerate()
                {
                    webhook(ctx, id, r, i, hook, v1, max_timeout, hits);
                }
            }
        }
    }
}

/// What a webhook's rules cover: pod creation, or every resource.
fn scope(hook: &Node) -> Option<&'static str> {
    let mut pods = false;
    let mut all = false;
    for rule in hook.get("rules").map(Node::items).unwrap_or_default() {
        let list = |k: &str| -> Vec<String> {
            rule.get(k)
                .map(Node::items)
                .unwrap_or_default()
                .iter()
                .filter_map(Node::scalar_text)
                .collect()
        };
        let ops = list("operations");
        if !ops.iter().any(|o| o == "CREATE" || o == "*") {
            continue;
        }
        let groups = list("apiGroups");
        let core = groups.iter().any(|g| g.is_empty() || g == "*");
        for res in list("resources") {
            if res == "*" || res == "*/*" {
                all = true;
            } else if core && (res == "pods" || res == "pods/*") {
                pods = true;
            }
        }
    }
    if all {
        Some("every resource")
    } else if pods {
        Some("pod creation")
    } else {
        None
    }
}

/// An objectSelector that only picks labelled objects (opt-in).
fn opt_in_objects(hook: &Node) -> bool {
    let Some(sel) = hook.get("objectSelector") else {
        return false;
    };
    let s = LabelSelector::from_label_selector(sel);
    s.requirements.iter().any(|r| {
        matches!(
            r,
            Requirement::Equals(..) | Requirement::In(..) | Requirement::Exists(_)
        )
    })
}

/// Whether the webhook leaves a namespace alone: its namespaceSelector does
/// not match the namespace's labels (`kubernetes.io/metadata.name` plus
/// the labels of its Namespace object when in the input), or a match
/// condition names it. An opt-out label (`NotIn`/`DoesNotExist` on another
/// key) counts as an exclusion when the Namespace object is not in the
/// input to say whether it carries that label.
fn excludes(ctx: &Ctx<'_>, from: ResourceId, hook: &Node, namespace: &str) -> bool {
    let conditions_name_it = hook
        .get("matchConditions")
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .filter_map(|c| c.get("expression").and_then(Node::as_str))
        .any(|e| e.contains(&format!("'{namespace}'")) || e.contains(&format!("\"{namespace}\"")));
    if conditions_name_it {
        return true;
    }
    let Some(sel) = hook.get("namespaceSelector") else {
        return false;
    };
    let selector = LabelSelector::from_label_selector(sel);
    if selector.invalid {
        return true;
    }
    let ns_object = ctx.graph.find("", "Namespace", namespace, from);
    let mut labels: Vec<(String, String)> = vec![(NAME_LABEL.into(), namespace.into())];
    if let Some(n) = ns_object {
        labels.extend(
            ctx.inv.resources[n]
                .labels()
                .map(|(k, v)| (k.to_string(), v.to_string())),
        );
    }
    let get = |k: &str| labels.iter().find(|(l, _)| l == k).map(|(_, v)| v.as_str());
    if !selector.matches(get) {
        return true;
    }
    ns_object.is_none()
        && selector.requirements.iter().any(|r| match r {
            Requirement::NotIn(k, _) | Requirement::DoesNotExist(k) => k != NAME_LABEL,
            _ => false,
        })
}

#[allow(clippy::too_many_arguments)]
fn webhook(
    ctx: &Ctx<'_>,
    id: ResourceId,
    r: &Resource,
    i: usize,
    hook: &Node,
    v1: bool,
    max_timeout: i64,
    hits: &mut Vec<Hit>,
) {
    let Some(scope) = scope(hook) else { return };
    if opt_in_objects(hook) {
        return;
    }
    let name = hook
        .get("name")
        .and_then(Node::scalar_text)
        .unwrap_or_else(|| format!("#{i}"));
    let policy = hook.get("failurePolicy").and_then(Node::as_str);
    let fails_closed = match policy {
        Some(p) => p == "Fail",
        None => v1,
    };
    let backend = hook.path(&["clientConfig", "service"]).and_then(|s| {
        Some((
            s.get("namespace").and_then(Node::scalar_text)?,
            s.get("name").and_then(Node::scalar_text)?,
        ))
    });
    if fails_closed {
        let mut reasons = Vec::new();
        if !excludes(ctx, id, hook, "kube-system") {
            reasons.push("it does not exclude kube-system, so system pods (DNS, CNI, metrics) cannot be recreated either".to_string());
        }
        if let Some((ns, svc)) = &backend {
            if ns != "kube-system" && scope_covers_pods(scope) && !excludes(ctx, id, hook, ns) {
                reasons.push(format!(
                    "it does not exclude its own namespace `{ns}`, so the backend's replacement pods are rejected by the webhook they would serve"
                ));
            }
            reasons.extend(backend_gaps(ctx, id, ns, svc));
        }
        if !reasons.is_empty() {
            let pointer = if policy.is_some() {
                format!("/webhooks/{i}/failurePolicy")
            } else {
                format!("/webhooks/{i}")
            };
            hits.push(Hit::resource(
                id,
                pointer,
                format!(
                    "{} `{}` webhook `{name}` fails closed (failurePolicy Fail{}) on {scope}, and {}: while its backend is unreachable the API server rejects these requests, so nothing can be rescheduled",
                    r.kind,
                    r.name,
                    if policy.is_none() { ", the v1 default" } else { "" },
                    reasons.join("; ")
                ),
            ));
        }
    }
    let timeout = hook
        .get("timeoutSeconds")
        .and_then(Node::as_i64)
        .unwrap_or(if v1 { 10 } else { 30 });
    if timeout > max_timeout && scope_covers_pods(scope) {
        let pointer = if hook.get("timeoutSeconds").is_some() {
            format!("/webhooks/{i}/timeoutSeconds")
        } else {
            format!("/webhooks/{i}")
        };
        hits.push(
            Hit::resource(
                id,
                pointer,
                format!(
                    "{} `{}` webhook `{name}` waits up to {timeout} s for its backend on every pod creation: a slow or unreachable backend adds that to each pod start, and controllers creating many pods at once (a rollout, a node failure) stall",
                    r.kind, r.name
                ),
            )
            .lowered(1, "a slow webhook delays pod creation; it does not block it by itself"),
        );
    }
}

fn scope_covers_pods(scope: &str) -> bool {
    matches!(scope, "pod creation" | "every resource")
}

/// Why the webhook's backend may be unreachable: fewer than 2 replicas, no
/// PodDisruptionBudget, no spread. Empty when the Service or its workloads
/// are not in the input (unknown, not reported).
fn backend_gaps(ctx: &Ctx<'_>, from: ResourceId, ns: &str, svc: &str) -> Vec<String> {
    let g = ctx.graph;
    let Some(sid) = g.find(ns, "Service", svc, from) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for &wid in g
        .service_targets
        .get(&sid)
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        let w = &g.workloads[wid];
        let r = &ctx.inv.resources[w.resource];
        let Some(n) = g.effective_min_replicas(ctx.inv, w) else {
            continue;
        };
        let mut why = Vec::new();
        if n < 2 {
            why.push(format!("{n} replica{}", if n == 1 { "" } else { "s" }));
        }
        if w.pdbs.is_empty() {
            why.push("no PodDisruptionBudget".to_string());
        }
        let spread = r
            .node
            .pointer(&w.pod_spec_pointer())
            .map(|s| k8s::spread(s, &w.labels, &r.namespace))
            .unwrap_or_default();
        if n >= 2 && !spread.hostname && !spread.zone {
            why.push("no node or zone spread".to_string());
        }
        if !why.is_empty() {
            out.push(format!(
                "its backend {} `{}` has {}",
                r.kind,
                r.name,
                why.join(", ")
            ));
        }
    }
    out
}
