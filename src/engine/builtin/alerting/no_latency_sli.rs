//! SLO-005: every SLO of a service that runs in the repository measures
//! availability; none latency.
//! Users leave slow services as surely as failing ones.

use crate::engine::{Ctx, Hit};
use crate::model::alert_coverage::{Regexes, SloQueries, identities, slo_covers};
use crate::model::slo_specs;
use std::collections::BTreeMap;

pub struct Check;

impl crate::engine::builtin::BuiltinCheck for Check {
    fn slug(&self) -> &'static str {
        "no-latency-sli"
    }

    fn run(&self, ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
        // Services that run in the repository; SLOs of services without
        // manifests say nothing about who their users are.
        let ids: Vec<_> = identities(ctx.inv, ctx.graph, ctx.services)
            .into_iter()
            .filter(|i| i.serving)
            .collect();
        let mut re = Regexes::default();
        let mut by_service: BTreeMap<String, Vec<slo_specs::SloDoc>> = BTreeMap::new();
        for d in slo_specs::docs(ctx.inv) {
            let q = SloQueries::of(&d);
            if let Some(id) = ids.iter().find(|i| slo_covers(&q, i, &mut re)) {
                by_service.entry(id.name.clone()).or_default().push(d);
            }
        }
        for (service, docs) in by_service {
            if docs.iter().any(|d| d.indicator == "latency") {
                continue;
            }
            let first = &docs[0];
            let names: Vec<String> = docs.iter().map(|d| format!("`{}`", d.name)).collect();
            hits.push(Hit::resource(
                first.resource,
                first.target_at.clone(),
                format!(
                    "service `{service}` has SLOs on availability only ({}): a service that answers in ten seconds is up and useless. Add a latency SLO (a threshold on a request-duration histogram bucket)",
                    names.join(", ")
                ),
            ));
        }
    }
}
