//! ALERT-007: critical alerts reach people only through chat or email: no
//! receiver on their route pages (PagerDuty, Opsgenie, VictorOps,
//! incident.io, a webhook to an on-call tool). Routes that reach nobody
//! at all are ALERT-006.

use super::alerts_route_nowhere::paging_severities;
use crate::engine::{Ctx, Hit};
use crate::model::alert_routing::AlertmanagerConfig;
use crate::model::alerting::{self, ALERTMANAGER_CONFIG};
use std::collections::BTreeSet;

pub struct Check;

impl crate::engine::builtin::BuiltinCheck for Check {
    fn slug(&self) -> &'static str {
        "no-paging-route-for-critical"
    }

    fn run(&self, ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
        let severities = paging_severities(ctx);
        for (rid, r) in alerting::of_kind(ctx.inv, ALERTMANAGER_CONFIG) {
            let cfg = AlertmanagerConfig::parse(&r.node);
            let mut seen = BTreeSet::new();
            for sev in &severities {
                let dests =
                    cfg.destinations(&[("severity", sev.as_str()), ("alertname", "creview-probe")]);
                let live: Vec<_> = dests
                    .iter()
                    .filter_map(|(d, rc)| Some((d, (*rc)?)))
                    .filter(|(_, rc)| !rc.is_null())
                    .collect();
                if live.is_empty() || live.iter().any(|(_, rc)| rc.pages()) {
                    continue;
                }
                let (d, rc) = live[0];
                if !seen.insert(d.route.clone()) {
                    continue;
                }
                hits.push(Hit::resource(
                    rid,
                    d.route.clone(),
                    format!(
                        "alerts with severity={sev} reach receiver `{}` ({}) only: chat and email do not wake anyone at night. Add a paging integration (PagerDuty, Opsgenie, ...) for critical alerts and keep chat for tickets",
                        rc.name,
                        rc.integrations.join(", ")
                    ),
                ));
            }
        }
    }
}
