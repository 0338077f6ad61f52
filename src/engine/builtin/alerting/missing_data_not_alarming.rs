//! ALERT-009: `absent()` alerts without `for`: right after a Prometheus
//! restart or a failed scrape every series is briefly absent, so they page
//! for nothing; teams then silence them and lose the one alert that tells
//! a dead service from a healthy one (pint `alerts/absent`).

use crate::engine::{Ctx, Hit};

pub struct Check;

impl crate::engine::builtin::BuiltinCheck for Check {
    fn slug(&self) -> &'static str {
        "missing-data-not-alarming"
    }

    fn run(&self, ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
        for rule in ctx.derived.rules() {
            if rule.alert.is_none() || rule.analysis.error.is_some() || !rule.analysis.is_absent() {
                continue;
            }
            if rule.for_ms.unwrap_or(0) > 0 {
                continue;
            }
            let at = if rule.node.get("for").is_some() {
                format!("{}/for", rule.pointer)
            } else {
                rule.pointer.clone()
            };
            hits.push(Hit::resource(
                rule.resource,
                at,
                format!(
                    "`{}` alerts on missing data with no `for`: every Prometheus restart or failed scrape makes the series absent for a moment, so it fires for nothing and gets silenced. Give it `for:` of at least two scrape intervals (e.g. `for: 5m`)",
                    rule.display_name()
                ),
            ));
        }
    }
}
