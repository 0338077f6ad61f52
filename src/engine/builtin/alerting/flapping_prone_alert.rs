//! ALERT-011: alerts prone to noise: a paging alert on a noisy expression
//! (rates over five minutes or less, `irate`, `up`, `probe_success`) that fires on its first
//! evaluation (no `for`, or under a minute), so one bad scrape pages
//! someone; an alert without a `severity` label, which routing cannot tell
//! from a page or a ticket. Heartbeats, `absent()` alerts (ALERT-009) and
//! multiwindow burn-rate alerts (their short window does the debouncing)
//! are left alone.

use crate::engine::{Ctx, Hit};

pub struct Check;

const RATE_LIKE: &[&str] = &["rate", "irate", "increase", "delta", "idelta", "deriv"];

impl crate::engine::builtin::BuiltinCheck for Check {
    fn slug(&self) -> &'static str {
        "flapping-prone-alert"
    }

    fn run(&self, ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
        for rule in ctx.derived.rules() {
            let Some(name) = rule.alert.clone() else {
                continue;
            };
            if rule.is_heartbeat() || rule.analysis.error.is_some() {
                continue;
            }
            let burn = rule.analysis.is_burn_rate()
                && rule.analysis.burn_tiers.iter().any(|t| t.len() >= 2);
            let mut problems = Vec::new();
            // Sloth routes by `sloth_severity` (page/ticket).
            if rule.label("severity").is_none() && rule.label("sloth_severity").is_none() {
                problems.push(
                    "it has no `severity` label, so routing cannot tell a page from a ticket"
                        .to_string(),
                );
            }
            // Noisy: short-range rates, instantaneous ratios, `up`/probe
            // results; a slow gauge (a certificate's TTL) does not flap.
            let a = &rule.analysis;
            let noisy = a.uses_function("irate")
                || a.ranges
                    .iter()
                    .any(|r| RATE_LIKE.contains(&r.function.as_str()) && r.range_ms <= 300_000)
                || a.metrics().any(|m| m == "up" || m == "probe_success");
            if rule.pages()
                && noisy
                && !burn
                && !rule.analysis.is_absent()
                && rule.for_ms.unwrap_or(0) < 60_000
            {
                problems.push(format!(
                    "it pages (severity={}) on its first evaluation{}: one bad scrape or a short spike wakes someone up; add `for: 2m` or more, or alert on burn rates",
                    rule.label("severity").unwrap_or_default(),
                    match rule.for_ms {
                        Some(ms) if ms > 0 => format!(" (`for` is only {})", crate::budget::window::Window::from_millis(ms)),
                        _ => " (no `for`)".to_string(),
                    }
                ));
            }
            if problems.is_empty() {
                continue;
            }
            let paging_problem = problems.len() > 1 || rule.label("severity").is_some();
            let at = if paging_problem && rule.node.get("for").is_some() {
                format!("{}/for", rule.pointer)
            } else {
                rule.pointer.clone()
            };
            hits.push(Hit::resource(
                rule.resource,
                at,
                format!("alert `{name}`: {}", problems.join("; ")),
            ));
        }
    }
}
