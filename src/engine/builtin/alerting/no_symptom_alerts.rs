//! ALERT-002: every alert that covers a service watches a cause (CPU,
//! memory, restarts, replicas) and none a symptom users see (errors,
//! latency, traffic, probes, SLO burn). Services covered only by generic
//! cluster alerts (kubernetes-mixin style) are in this case too.

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
            if !id.serving
                || declared(ctx, id, "externalAlerting")
                || cov.covers[i].is_empty()
                || !cov.slo_alerts[i].is_empty()
            {
                continue;
            }
            let specific: Vec<(&crate::model::alerting::Rule<'_>, &str)> =
                cov.specific(i).collect();
            if specific.iter().any(|(r, _)| is_symptom(r)) {
                continue;
            }
            let Some(anchor) = id.anchor else { continue };
            let message = if specific.is_empty() {
                let names = list_names(cov.mixin(i).filter_map(|r| r.alert.as_deref()), 3);
                format!(
                    "service {} is covered only by generic cluster alerts ({names}): they catch crashes and missing replicas, not the errors and latency its users see; a bad deploy that serves errors pages nobody. Add alerts on its error ratio and latency, or SLO burn-rate alerts",
                    service_label(id)
                )
            } else {
                let names = list_names(specific.iter().filter_map(|(r, _)| r.alert.as_deref()), 3);
                format!(
                    "every alert on service {} watches a cause ({names}, linked by {}), none a symptom: many bad deploys change no resource metric at all. Add alerts on its error ratio and latency (or SLO burn-rate alerts) and demote cause alerts to tickets",
                    service_label(id),
                    specific[0].1
                )
            };
            hits.push(Hit::resource(anchor, "", message));
        }
    }
}
