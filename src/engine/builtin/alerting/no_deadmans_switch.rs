//! ALERT-003: no always-firing heartbeat alert (`Watchdog`, `expr:
//! vector(1)`) routed to a receiver that notices when it stops. Checked
//! only where the repository holds the alerting pipeline itself (a
//! Prometheus or Alertmanager configuration): rule files alone leave the
//! heartbeat to the platform that runs them. The kube-prometheus default,
//! Watchdog routed to a receiver without any integration, is a finding.

use crate::engine::{Ctx, Hit};
use crate::model::alert_coverage::loading;
use crate::model::alert_routing::AlertmanagerConfig;
use crate::model::alerting::{self, ALERTMANAGER_CONFIG, PROMETHEUS_CONFIG};
use crate::model::prom_selection::Selection;

pub struct Check;

/// The first resource that makes the repository hold an alerting pipeline.
pub fn pipeline(ctx: &Ctx<'_>) -> Option<usize> {
    ctx.inv.resources.iter().position(|r| {
        (r.api_version == alerting::API_VERSION
            && (r.kind == ALERTMANAGER_CONFIG || r.kind == PROMETHEUS_CONFIG))
            || (r.api_version.starts_with("monitoring.coreos.com/")
                && (r.kind == "Prometheus" || r.kind == "Alertmanager"))
    })
}

impl crate::engine::builtin::BuiltinCheck for Check {
    fn slug(&self) -> &'static str {
        "no-deadmans-switch"
    }

    fn run(&self, ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
        let Some(first) = pipeline(ctx) else { return };
        let rules = ctx.derived.rules();
        let heartbeats: Vec<&alerting::Rule<'_>> = rules
            .iter()
            .filter(|r| {
                r.is_heartbeat() && !matches!(loading(ctx.inv, r.resource), Selection::Not(_))
            })
            .collect();
        let configs: Vec<(usize, AlertmanagerConfig)> =
            alerting::of_kind(ctx.inv, ALERTMANAGER_CONFIG)
                .map(|(id, r)| (id, AlertmanagerConfig::parse(&r.node)))
                .collect();
        let Some(hb) = heartbeats.first() else {
            let (at, pointer) = match configs.first() {
                Some((id, _)) => (*id, "/route"),
                None => (first, ""),
            };
            hits.push(Hit::resource(
                at,
                pointer,
                "no dead man's switch: no always-firing heartbeat alert (`Watchdog` with `expr: vector(1)`) is loaded, so when Prometheus, Alertmanager or the route to the on-call dies, nothing notices and every other alert is silently lost",
            ));
            return;
        };
        let name = hb.alert.clone().unwrap_or_default();
        if configs.is_empty() {
            hits.push(
                Hit::resource(
                    hb.resource,
                    hb.pointer.clone(),
                    format!(
                        "heartbeat alert `{name}` exists, but no Alertmanager configuration in the repository routes it: creview cannot tell whether an external heartbeat service receives it"
                    ),
                )
                .with_severity(
                    crate::finding::Severity::Info,
                    "the Alertmanager configuration is not in the repository",
                ),
            );
            return;
        }
        let mut labels: Vec<(&str, &str)> = vec![("alertname", name.as_str())];
        labels.extend(hb.labels.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        for (_, cfg) in &configs {
            let dests = cfg.destinations(&labels);
            if dests.iter().any(|(_, r)| r.is_some_and(|r| !r.is_null())) {
                return;
            }
        }
        let (id, cfg) = &configs[0];
        let dests = cfg.destinations(&labels);
        let (pointer, receiver) = dests
            .first()
            .map(|(d, _)| (d.route.clone(), d.receiver.clone()))
            .unwrap_or(("/route".into(), String::new()));
        hits.push(Hit::resource(
            *id,
            pointer,
            format!(
                "the heartbeat alert `{name}` is routed to receiver `{receiver}`, which has no integration: nothing notices when the alerting pipeline stops. Route it to a dead man's switch service (a webhook to a heartbeat monitor, a PagerDuty or Opsgenie heartbeat) that pages when the heartbeat stops"
            ),
        ));
    }
}
