//! SLO-001: a user-facing service (Ingress, LoadBalancer or NodePort
//! Service, a mesh or Gateway API route, published compose ports) with no
//! SLO: none of the repository's SLO
//! specs names it or selects it in its SLI queries, and creview.toml
//! declares no `slo` for it (nor `external_alerting`, for SLOs kept in a
//! SaaS). The budget then assumes the default target.

use super::{declared, service_label};
use crate::engine::{Ctx, Hit};

pub struct Check;

impl crate::engine::builtin::BuiltinCheck for Check {
    fn slug(&self) -> &'static str {
        "no-slo-defined"
    }

    fn run(&self, ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
        let cov = ctx.derived.coverage();
        for (i, id) in cov.identities.iter().enumerate() {
            if !id.serving
                || !id.user_facing
                || declared(ctx, id, "slo")
                || declared(ctx, id, "externalAlerting")
            {
                continue;
            }
            if !cov.slo_links[i].is_empty() {
                continue;
            }
            let Some(anchor) = id.anchor else { continue };
            hits.push(Hit::resource(
                anchor,
                super::anchor_pointer(ctx, anchor),
                format!(
                    "service {} has no SLO: no SLO spec (Sloth, Pyrra, OpenSLO, slo-generator) names it, and creview.toml declares none, so its error budget is an assumption and nobody can tell whether it is reliable enough. Define an availability and a latency SLO (or set `slo` on its [[service]] in creview.toml)",
                    service_label(id)
                ),
            ));
        }
    }
}
