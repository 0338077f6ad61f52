//! Alerting and SLO checks (ALERT-*, SLO-*): one file per check, over the
//! rules, Prometheus and Alertmanager configuration and SLO specs the
//! alerting and SLO readers build (`src/model/alerting.rs`,
//! `src/model/slo_specs.rs`), and the coverage of services by alerts
//! (`src/model/alert_coverage.rs`).

pub mod alerts_route_nowhere;
pub mod broken_alert_expression;
pub mod burn_rate_alert_inconsistent;
pub mod flapping_prone_alert;
pub mod missing_data_not_alarming;
pub mod no_alerts_for_service;
pub mod no_deadmans_switch;
pub mod no_latency_sli;
pub mod no_paging_route_for_critical;
pub mod no_slo_defined;
pub mod no_symptom_alerts;
pub mod rules_not_loaded;
pub mod slo_without_burn_rate_alert;
pub mod targets_not_scraped;

use crate::engine::Ctx;
use crate::model::alert_coverage::Identity;
use crate::model::selector::{LabelSelector, Requirement};
use serde_json::Value;

/// A `[[service]]` of creview.toml, as handed to these checks in the
/// `serviceDecls` parameter (see `settings::prepare`).
fn decl_matches(ctx: &Ctx<'_>, d: &Value, id: &Identity) -> bool {
    let name = d.get("name").and_then(Value::as_str).unwrap_or_default();
    let namespace = d.get("namespace").and_then(Value::as_str);
    let labels: Vec<(String, String)> = d
        .get("labels")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default();
    let workloads: Vec<&str> = d
        .get("workloads")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if namespace.is_none() && labels.is_empty() && workloads.is_empty() {
        return name == id.name || id.names.iter().any(|n| n == name);
    }
    let svc = &ctx.services.list[id.service];
    let ns_ok = namespace.is_none_or(|n| n == id.namespace);
    let sel = LabelSelector {
        requirements: labels
            .iter()
            .map(|(k, v)| Requirement::Equals(k.clone(), v.clone()))
            .collect(),
        invalid: false,
    };
    let labels_ok = labels.is_empty()
        || svc
            .workloads
            .iter()
            .any(|w| sel.matches(|k| ctx.graph.workloads[*w].label(k)));
    let wl_ok = workloads.is_empty()
        || svc.workloads.iter().any(|w| {
            let r = &ctx.inv.resources[ctx.graph.workloads[*w].resource];
            workloads
                .iter()
                .any(|x| *x == r.name || *x == format!("{}/{}", r.kind, r.name))
        });
    ns_ok && labels_ok && wl_ok
}

/// The declaration of a service in creview.toml with a flag set
/// (`externalAlerting`, `slo`), if any.
pub fn declared(ctx: &Ctx<'_>, id: &Identity, flag: &str) -> bool {
    ctx.params
        .0
        .get("serviceDecls")
        .and_then(Value::as_array)
        .is_some_and(|list| {
            list.iter().any(|d| {
                d.get(flag).and_then(Value::as_bool) == Some(true) && decl_matches(ctx, d, id)
            })
        })
}

/// Where a finding about a whole service points: the name of the resource
/// that anchors it (as other service-level checks do), else the resource.
pub fn anchor_pointer(ctx: &Ctx<'_>, anchor: crate::model::ResourceId) -> &'static str {
    let r = &ctx.inv.resources[anchor];
    if r.node.path(&["metadata", "name"]).is_some() {
        "/metadata/name"
    } else {
        ""
    }
}

/// `ns/name` of a service for messages (`name` when the namespace is empty).
pub fn service_label(id: &Identity) -> String {
    if id.namespace.is_empty() {
        format!("`{}`", id.name)
    } else {
        format!("`{}` (namespace {})", id.name, id.namespace)
    }
}

/// A declaration by name alone (for SLOs of services without manifests).
pub fn declared_name(ctx: &Ctx<'_>, name: &str, flag: &str) -> bool {
    ctx.params
        .0
        .get("serviceDecls")
        .and_then(Value::as_array)
        .is_some_and(|list| {
            list.iter().any(|d| {
                d.get(flag).and_then(Value::as_bool) == Some(true)
                    && d.get("name").and_then(Value::as_str) == Some(name)
            })
        })
}

/// Burn-rate alert rules that belong to an SLO: they name it (`sloth_slo`,
/// `sloth_id`, Pyrra's `slo`), or compare ratios of the metrics its SLI
/// queries read, or select its service by `job`/`service`.
pub fn burn_rules_for<'r, 'a: 'r>(
    doc: &crate::model::slo_specs::SloDoc,
    rules: impl IntoIterator<Item = &'r crate::model::alerting::Rule<'a>>,
) -> Vec<&'r crate::model::alerting::Rule<'a>> {
    use crate::model::promql;
    let sli_metrics: Vec<String> = doc
        .queries
        .iter()
        .flat_map(|q| {
            promql::analyze(q)
                .metrics()
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect();
    rules
        .into_iter()
        .filter(|r| r.alert.is_some() && r.analysis.is_burn_rate())
        .filter(|r| {
            let terms = r.analysis.burn_tiers.iter().flatten();
            let by_label = terms.clone().any(|t| {
                t.labels.iter().any(|(k, v)| match k.as_str() {
                    "sloth_slo" | "slo" => *v == doc.name,
                    "sloth_id" => v.ends_with(&doc.name),
                    _ => false,
                })
            });
            let named_other = terms.clone().any(|t| {
                t.labels
                    .iter()
                    .any(|(k, v)| matches!(k.as_str(), "sloth_slo" | "slo") && *v != doc.name)
            });
            if by_label {
                return true;
            }
            // Naming another SLO or another service's job: not this one.
            let other_service = terms.clone().any(|t| {
                t.labels.iter().any(|(k, v)| {
                    matches!(k.as_str(), "job" | "service" | "sloth_service") && *v != doc.service
                })
            });
            if named_other || other_service {
                return false;
            }
            let by_metric = r
                .analysis
                .metrics()
                .any(|m| sli_metrics.iter().any(|s| s == m));
            let by_service = terms.clone().any(|t| {
                t.labels.iter().any(|(k, v)| {
                    matches!(k.as_str(), "job" | "service" | "sloth_service") && *v == doc.service
                })
            });
            by_metric || by_service
        })
        .collect()
}
