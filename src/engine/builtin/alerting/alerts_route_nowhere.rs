//! ALERT-006: alerts that reach nobody. A Prometheus that evaluates rules
//! but sends alerts to no Alertmanager (`alerting.alertmanagers` missing in
//! `prometheus.yml`, `spec.alerting` missing on a `Prometheus` object); an
//! Alertmanager whose root route has no receiver, or whose route for
//! critical/page alerts ends in a receiver without any integration (a
//! "null" receiver) or in a receiver that is not defined.

use crate::engine::{Ctx, Hit};
use crate::model::alert_routing::AlertmanagerConfig;
use crate::model::alerting::{self, ALERTMANAGER_CONFIG, PROMETHEUS_CONFIG};
use crate::yaml::Node;
use std::collections::BTreeSet;

pub struct Check;

/// Severities that page: the usual names, plus those of the repository's
/// paging alerts.
pub fn paging_severities(ctx: &Ctx<'_>) -> Vec<String> {
    let mut out: BTreeSet<String> = ["critical".to_string()].into_iter().collect();
    for r in ctx.derived.rules() {
        if r.pages()
            && let Some(s) = r.label("severity")
        {
            out.insert(s.to_string());
        }
    }
    out.into_iter().collect()
}

impl crate::engine::builtin::BuiltinCheck for Check {
    fn slug(&self) -> &'static str {
        "alerts-route-nowhere"
    }

    fn run(&self, ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
        let inv = ctx.inv;
        let has_rules = !ctx.derived.rules().is_empty();
        for (rid, r) in inv.resources.iter().enumerate() {
            if r.api_version.starts_with("monitoring.coreos.com/")
                && r.kind == "Prometheus"
                && r.node
                    .path(&["spec", "alerting", "alertmanagers"])
                    .is_none()
                && (has_rules || r.node.path(&["spec", "ruleSelector"]).is_some())
            {
                hits.push(Hit::resource(
                    rid,
                    "/spec",
                    format!(
                        "Prometheus {}/{} evaluates rules but has no `spec.alerting.alertmanagers`: its alerts fire into the void. Point it at the Alertmanager service",
                        r.namespace, r.name
                    ),
                ));
            }
        }
        for (rid, r) in alerting::of_kind(inv, PROMETHEUS_CONFIG) {
            let rules = r
                .node
                .get("rule_files")
                .map(Node::items)
                .unwrap_or_default();
            let ams = r
                .node
                .path(&["alerting", "alertmanagers"])
                .map(Node::items)
                .unwrap_or_default();
            if !rules.is_empty() && ams.is_empty() {
                hits.push(Hit::resource(
                    rid,
                    "/rule_files",
                    "this Prometheus configuration loads rule files but has no `alerting.alertmanagers`: its alerts are evaluated and sent nowhere. Add the Alertmanager targets under `alerting:`",
                ));
            }
        }
        let severities = paging_severities(ctx);
        for (rid, r) in alerting::of_kind(inv, ALERTMANAGER_CONFIG) {
            let cfg = AlertmanagerConfig::parse(&r.node);
            let Some(route) = &cfg.route else { continue };
            if route.receiver.is_none() {
                hits.push(Hit::resource(
                    rid,
                    "/route",
                    "the root route of this Alertmanager configuration names no `receiver`: Alertmanager refuses it, and no alert is delivered",
                ));
                continue;
            }
            let mut seen = BTreeSet::new();
            for sev in &severities {
                let dests =
                    cfg.destinations(&[("severity", sev.as_str()), ("alertname", "creview-probe")]);
                if dests
                    .iter()
                    .any(|(_, rc)| rc.is_some_and(|rc| !rc.is_null()))
                {
                    continue;
                }
                let Some((d, rc)) = dests.first() else {
                    continue;
                };
                if !seen.insert(d.route.clone()) {
                    continue;
                }
                let why = match rc {
                    None => format!("receiver `{}`, which is not defined", d.receiver),
                    Some(_) => format!(
                        "receiver `{}`, which has no integration (no `*_configs`)",
                        d.receiver
                    ),
                };
                hits.push(Hit::resource(
                    rid,
                    d.route.clone(),
                    format!(
                        "alerts with severity={sev} end at {why}: nobody is notified of them. Route them to a receiver with a paging integration (PagerDuty, Opsgenie, ...)"
                    ),
                ));
            }
        }
    }
}
