//! ALERT-004: alert rules that exist in the repository but that no
//! Prometheus evaluates: a `PrometheusRule` (or a Pyrra/Sloth SLO object,
//! whose generated `PrometheusRule` carries its labels) that no
//! `Prometheus`/`ThanosRuler` selects by labels and namespace, or a rule
//! file that no `rule_files` glob of the Prometheus configuration of its
//! project matches. Without any `Prometheus` object in the repository the
//! answer is unknown: one info finding says so.

use crate::engine::{Ctx, Hit};
use crate::finding::Severity;
use crate::model::alert_coverage::loading;
use crate::model::alerting::{self, RULE_FILE};
use crate::model::prom_selection::{self, Selecting, Selection};
use crate::yaml::Node;

pub struct Check;

fn alert_count(r: &crate::model::Resource, base: &str) -> usize {
    r.node
        .pointer(base)
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .map(|g| {
            g.get("rules")
                .map(Node::items)
                .unwrap_or_default()
                .iter()
                .filter(|r| r.get("alert").is_some())
                .count()
        })
        .sum()
}

impl crate::engine::builtin::BuiltinCheck for Check {
    fn slug(&self) -> &'static str {
        "rules-not-loaded"
    }

    fn run(&self, ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
        let mut unknown = Vec::new();
        for (rid, r) in ctx.inv.resources.iter().enumerate() {
            let generated_by = match (r.api_version.as_str(), r.kind.as_str()) {
                (a, "ServiceLevelObjective") if a.starts_with("pyrra.dev/") => Some("Pyrra"),
                (a, "PrometheusServiceLevel") if a.starts_with("sloth.slok.dev/") => Some("Sloth"),
                _ => None,
            };
            let is_rules = r.kind == "PrometheusRule"
                || (r.kind == RULE_FILE && r.api_version == alerting::API_VERSION);
            if !is_rules && generated_by.is_none() {
                continue;
            }
            let selection = match generated_by {
                Some(_) => prom_selection::selection(
                    ctx.inv,
                    Selecting::Rules,
                    &prom_selection::labels_of(r),
                    &r.namespace,
                ),
                None => loading(ctx.inv, rid),
            };
            match selection {
                Selection::By(_) => {}
                Selection::Unknown => {
                    if r.kind == "PrometheusRule" || generated_by.is_some() {
                        unknown.push(rid);
                    }
                }
                Selection::Not(why) => {
                    let (what, pointer) = match generated_by {
                        Some(tool) => (
                            format!(
                                "the PrometheusRule {tool} generates for {} {} (it carries the object's labels)",
                                r.kind, r.name
                            ),
                            "/metadata",
                        ),
                        None if r.kind == RULE_FILE => (format!("rule file {}", r.name), "/groups"),
                        None => (
                            format!(
                                "PrometheusRule {}/{} ({} alerts)",
                                r.namespace,
                                r.name,
                                alert_count(r, "/spec/groups")
                            ),
                            "/metadata",
                        ),
                    };
                    hits.push(Hit::resource(
                        rid,
                        pointer,
                        format!(
                            "{what} is not loaded by any Prometheus: {}; its alerts never fire, while reviewers believe they exist. Align its labels and namespace with the `ruleSelector`/`ruleNamespaceSelector` (or the `rule_files` globs)",
                            why.join("; ")
                        ),
                    ));
                }
            }
        }
        if let Some(&first) = unknown.first() {
            let r = &ctx.inv.resources[first];
            hits.push(
                Hit::resource(
                    first,
                    "/metadata",
                    if unknown.len() == 1 {
                        format!(
                            "no Prometheus object is in the repository: creview cannot tell whether {} {} is loaded; check that the `ruleSelector` of the Prometheus that should evaluate it matches its labels",
                            r.kind, r.name
                        )
                    } else {
                        format!(
                            "no Prometheus object is in the repository: creview cannot tell whether these {} rule objects ({}, ...) are loaded; check that the `ruleSelector` of the Prometheus that should evaluate them matches their labels",
                            unknown.len(),
                            r.name
                        )
                    },
                )
                .with_severity(Severity::Info, "unknown: the Prometheus object is not in the repository"),
            );
        }
    }
}
