//! ALERT-002: the service has alerts of its own, and every one watches a
//! cause (CPU, memory, restarts, replicas), none a symptom users see
//! (errors, latency, traffic, probes, SLO burn). A service with only
//! generic platform alerts (kubernetes-mixin style) has no alert of its own:
//! that is ALERT-001.

use super::{declared, service_label};
use crate::engine::{Ctx, Hit};
use crate::model::alert_coverage::{is_symptom, list_names};

pub struct Check;

impl crate::engine::builtin::BuiltinCheck for Check {
    fn slug(&self) -> &'static str {
        "no-symptom-alerts"
    }

    fn run(&self, ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
        let cov = ctx.derived.coverage();
        for (i, id) in cov.identities.iter().enumerate() {
            if !id.serving || declared(ctx, id, "externalAlerting") || !cov.slo_alerts[i].is_empty()
            {
                continue;
            }
            let specific: Vec<(&crate::model::alerting::Rule<'_>, &str)> =
                cov.specific(i).collect();
            if specific.is_empty() || specific.iter().any(|(r, _)| is_symptom(r)) {
                continue;
            }
            let Some(anchor) = id.anchor else { continue };
            let names = list_names(specific.iter().filter_map(|(r, _)| r.alert.as_deref()), 3);
            let message = format!(
                "every alert on service {} watches a cause ({names}, linked by {}), none a symptom: many bad deploys change no resource metric at all. Add alerts on its error ratio and latency (or SLO burn-rate alerts) and demote cause alerts to tickets",
                service_label(id),
                specific[0].1
            );
            hits.push(Hit::resource(
                anchor,
                super::anchor_pointer(ctx, anchor),
                message,
            ));
        }
    }
}
