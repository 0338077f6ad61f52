//! ALERT-001: a serving service that no alert rule covers. Generic alerts
//! (no service's labels) do not count, and neither do generic platform
//! alerts of the kubernetes-mixin kind (`KubePodCrashLooping` watches every
//! pod of the cluster and names none): the service needs an alert of its
//! own. Rules that no Prometheus loads cover nothing (ALERT-004 says why).

use super::{declared, service_label};
use crate::engine::{Ctx, Hit};
use crate::model::alert_coverage::list_names;
use crate::model::prom_selection::Selection;

pub struct Check;

impl crate::engine::builtin::BuiltinCheck for Check {
    fn slug(&self) -> &'static str {
        "no-alerts-for-service"
    }

    fn run(&self, ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
        let cov = ctx.derived.coverage();
        let alerts = cov.alert_rules().count();
        for (i, id) in cov.identities.iter().enumerate() {
            if !id.serving || declared(ctx, id, "externalAlerting") {
                continue;
            }
            if cov.specific(i).next().is_some() || !cov.slo_alerts[i].is_empty() {
                continue;
            }
            let Some(anchor) = id.anchor else { continue };
            let why = if !cov.unloaded[i].is_empty() {
                let rules = &cov.unloaded[i];
                let names = list_names(
                    rules
                        .iter()
                        .map(|r| cov.rules[*r].alert.as_deref().unwrap_or("")),
                    3,
                );
                let r = &cov.rules[rules[0]];
                let res = &ctx.inv.resources[r.resource];
                let reason = match cov.loading.get(&r.resource) {
                    Some(Selection::Not(why)) => why.join("; "),
                    _ => String::new(),
                };
                format!(
                    "the alerts that name it ({names}) are in {} {}, which no Prometheus loads ({reason}; see ALERT-004)",
                    res.kind, res.name
                )
            } else if cov.mixin(i).next().is_some() {
                let names = list_names(cov.mixin(i).filter_map(|r| r.alert.as_deref()), 3);
                format!(
                    "only generic platform alerts watch it ({names}): they carry none of its labels and catch crashed or missing pods, not the errors and latency its users see"
                )
            } else if alerts == 0 {
                "the repository has no alert rules".to_string()
            } else {
                format!(
                    "none of the {alerts} alert rules in the repository names it by job, service, app, container, pod or namespace labels (generic alerts without a service's labels do not count)"
                )
            };
            hits.push(Hit::resource(
                anchor,
                super::anchor_pointer(ctx, anchor),
                format!(
                    "no alert covers service {}: {why}; an outage of it is detected by its users. Add symptom alerts on its error ratio and latency (best: SLO burn-rate alerts), or declare `external_alerting = true` on its [[service]] in creview.toml if its alerting lives elsewhere",
                    service_label(id)
                ),
            ));
        }
    }
}
