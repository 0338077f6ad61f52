//! SLO-004: burn-rate alerting that does not fit its SLO (reference §10.5,
//! lints L1-L3, and catalog §12): tiers that can never fire at this target
//! (the Workbook's 14.4 page at a 90% SLO needs 144% errors), windows that
//! do not fit the SLO window, pages that fire after too much budget is
//! spent, thresholds computed for another objective than the SLO's,
//! single-window burn alerts (they keep paging long after recovery), and
//! SLO windows that cannot be meant (`1m`: a minute, not a month).
//! Sloth's and Pyrra's generated tiers are evaluated from the spec; rules
//! written by hand from their expressions.

use super::burn_rules_for;
use crate::budget::alert_tiers::{Severity as Tier, recommended_alerts};
use crate::budget::decimal::Dec;
use crate::budget::lints::{BurnRateAlert, LintHit, lint_alert};
use crate::budget::target::Target;
use crate::budget::window::Window;
use crate::engine::{Ctx, Hit};
use crate::model::slo_specs::{self, AlertingDecl, SloDoc};

pub struct Check;

/// Pyrra's tiers for an SLO window (reference §4.2): long and short
/// windows as fractions of the window, burn-rate factors 14, 7, 2, 1.
fn pyrra_tiers(window_days: Dec) -> Vec<BurnRateAlert> {
    let ms = (window_days * Dec::int(86_400_000)).floor().max(0) as u64;
    let minute_rounded = |div: u64| Window::from_millis((ms / div) / 60_000 * 60_000);
    [
        ("critical-fast", Tier::Page, 672, 8064, 14),
        ("critical-slow", Tier::Page, 112, 1344, 7),
        ("warning-fast", Tier::Ticket, 28, 336, 2),
        ("warning-slow", Tier::Ticket, 7, 112, 1),
    ]
    .into_iter()
    .map(|(name, severity, long, short, factor)| BurnRateAlert {
        name: name.to_string(),
        severity,
        long: minute_rounded(long),
        short: Some(minute_rounded(short)),
        burn_rate: Dec::int(factor),
    })
    .collect()
}

fn generated_lints(doc: &SloDoc, target: Target) -> Vec<LintHit> {
    let alerts: Vec<BurnRateAlert> = match doc.generator.as_str() {
        "sloth" => recommended_alerts(target, doc.window_days)
            .iter()
            .map(BurnRateAlert::from)
            .collect(),
        "pyrra" => pyrra_tiers(doc.window_days),
        _ => Vec::new(),
    };
    alerts
        .iter()
        .flat_map(|a| lint_alert(a, target, doc.window_days))
        .collect()
}

fn dec(f: f64) -> Option<Dec> {
    Dec::from_f64(f)
}

impl crate::engine::builtin::BuiltinCheck for Check {
    fn slug(&self) -> &'static str {
        "burn-rate-alert-inconsistent"
    }

    fn run(&self, ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
        let rules = ctx.derived.rules();
        let mut seen_rules = std::collections::HashSet::new();
        for doc in slo_specs::docs(ctx.inv) {
            let Some(target) = doc.target.and_then(|t| Target::from_fraction(t).ok()) else {
                continue;
            };
            if doc.window_days < Dec::ONE {
                let minutes = (doc.window_days * Dec::int(1440)).round_str(2);
                hits.push(Hit::resource(
                    doc.resource,
                    if doc.generator == "openslo" { "/spec/timeWindow" } else { "/spec/window" },
                    format!(
                        "SLO `{}` has a window of {minutes} minutes: every burn-rate window is longer than the SLO itself, so no alert can work (in OpenSLO, `m` is a minute; a month is `M`)",
                        doc.name
                    ),
                ));
                continue;
            }
            if doc.alerting == AlertingDecl::Generated {
                let lints = generated_lints(&doc, target);
                if !lints.is_empty() {
                    let tool = if doc.generator == "pyrra" {
                        "Pyrra"
                    } else {
                        "Sloth"
                    };
                    let msgs: Vec<String> = lints
                        .iter()
                        .map(|l| format!("{:?}: {}", l.code, l.message))
                        .collect();
                    hits.push(Hit::resource(
                        doc.resource,
                        doc.target_at.clone(),
                        format!(
                            "the burn-rate alerts {tool} generates for SLO `{}` ({target} over {} days) do not fit it: {}. Lower the burn-rate factors for this target, lengthen the SLO window, or reconsider the target",
                            doc.name,
                            doc.window_days.round_str(2),
                            msgs.join("; ")
                        ),
                    ));
                }
                continue;
            }
            let b = Dec::ONE - target.fraction();
            for rule in burn_rules_for(&doc, rules) {
                if !seen_rules.insert((rule.resource, rule.pointer.clone())) {
                    continue;
                }
                let mut problems = Vec::new();
                for tier in &rule.analysis.burn_tiers {
                    let windows: Vec<u64> = tier.iter().filter_map(|t| t.window_ms).collect();
                    let (Some(&long), Some(&short)) = (windows.iter().max(), windows.iter().min())
                    else {
                        continue;
                    };
                    let t = &tier[0];
                    if let Some(budget) = t.budget.and_then(dec)
                        && (budget - b).abs() > b * Dec::ratio(1, 1000)
                    {
                        problems.push(format!(
                            "its thresholds use an error budget of {} (an objective of {}%), not the SLO's {}",
                            budget.round_str(6),
                            ((Dec::ONE - budget) * Dec::int(100)).round_str(4),
                            target
                        ));
                    }
                    let burn_rate = match t.factor.and_then(dec) {
                        Some(k) if t.budget.is_some() => k,
                        _ => match dec(t.threshold).and_then(|th| th.checked_div(b)) {
                            Some(br) => br,
                            None => continue,
                        },
                    };
                    let single = long == short;
                    if single {
                        problems.push(format!(
                            "the {} tier has one window only: it keeps firing for most of {} after errors stop; add a short window (1/12 of the long one) joined with `and`",
                            Window::from_millis(long),
                            Window::from_millis(long)
                        ));
                    }
                    let alert = BurnRateAlert {
                        name: rule.display_name(),
                        severity: if rule.pages() {
                            Tier::Page
                        } else {
                            Tier::Ticket
                        },
                        long: Window::from_millis(long),
                        short: (!single).then(|| Window::from_millis(short)),
                        burn_rate,
                    };
                    problems.extend(
                        lint_alert(&alert, target, doc.window_days)
                            .into_iter()
                            .map(|l| format!("{:?}: {}", l.code, l.message)),
                    );
                }
                problems.dedup();
                if !problems.is_empty() {
                    hits.push(Hit::resource(
                        rule.resource,
                        format!("{}/expr", rule.pointer),
                        format!(
                            "burn-rate alert `{}` does not fit SLO `{}` ({target} over {} days): {}. Generate the thresholds from the SLO (`creview generate alerts`) instead of copying them",
                            rule.display_name(),
                            doc.name,
                            doc.window_days.round_str(2),
                            problems.join("; ")
                        ),
                    ));
                }
            }
        }
    }
}
