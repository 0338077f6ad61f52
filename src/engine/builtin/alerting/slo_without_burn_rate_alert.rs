//! SLO-002: an SLO nobody is alerted on. Sloth and Pyrra generate
//! multiwindow burn-rate alerts unless turned off (`page_alert.disable`,
//! `alerting.burnrates: false`); OpenSLO needs an alert policy with a
//! burn-rate condition; slo-generator a policy step with `alert: true`.
//! Hand-written burn-rate rules for the SLO (naming it, or comparing ratios
//! of its SLI metrics) count too.

use super::{burn_rules_for, declared_name};
use crate::engine::{Ctx, Hit};
use crate::model::alert_coverage::loading;
use crate::model::alerting;
use crate::model::prom_selection::Selection;
use crate::model::slo_specs::{self, AlertingDecl};

pub struct Check;

impl crate::engine::builtin::BuiltinCheck for Check {
    fn slug(&self) -> &'static str {
        "slo-without-burn-rate-alert"
    }

    fn run(&self, ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
        let rules: Vec<&alerting::Rule<'_>> = ctx
            .derived
            .rules()
            .iter()
            .filter(|r| !matches!(loading(ctx.inv, r.resource), Selection::Not(_)))
            .collect();
        for doc in slo_specs::docs(ctx.inv) {
            if doc.alerting != AlertingDecl::None
                || declared_name(ctx, &doc.service, "externalAlerting")
            {
                continue;
            }
            if !burn_rules_for(&doc, rules.iter().copied()).is_empty() {
                continue;
            }
            let pointer = match doc.generator.as_str() {
                "sloth" => "/alerting",
                "pyrra" => "/spec/alerting",
                "openslo" => "/spec/alertPolicies",
                _ => "",
            };
            let target = doc
                .target
                .map(|t| format!(" ({}%)", t.percent().round_str(4)))
                .unwrap_or_default();
            hits.push(Hit::resource(
                doc.resource,
                pointer,
                format!(
                    "SLO `{}`{target} of service `{}` has no burn-rate alert: {}, and no alert rule in the repository burns its budget. Burn it down fast or slow and nobody hears until it is spent; generate multiwindow page and ticket alerts (`creview generate alerts`, or Sloth/Pyrra)",
                    doc.name, doc.service, doc.alerting_why
                ),
            ));
        }
    }
}
