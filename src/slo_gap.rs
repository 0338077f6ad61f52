//! SLO-003, made after the budget stage: a service whose declared SLO (from
//! an SLO spec or creview.toml, not the assumed default) is above the
//! availability projected from its priced risks and dependencies.

use crate::budget::services::ServiceBudget;
use crate::engine::registry::Registry;
use crate::finding::{Finding, Location, fingerprint};
use crate::model::Inventory;

pub const CHECK: &str = "SLO-003";

fn pct(d: crate::budget::decimal::Dec) -> String {
    format!("{}%", d.percent().round_str(4))
}

/// Adds an SLO-003 finding for every service that misses its declared SLO.
pub fn slo_ceiling(
    findings: &mut Vec<Finding>,
    budgets: &[ServiceBudget],
    inv: &Inventory,
    registry: &Registry,
    settings: &crate::Settings,
) {
    if !settings.run.enabled(CHECK) {
        return;
    }
    let Some(check) = registry.get(CHECK) else {
        return;
    };
    let spec = &check.spec;
    let before = findings.len();
    for b in budgets {
        if b.meets_slo || b.slo.source.ends_with("(assumed)") {
            continue;
        }
        let location = inv
            .slos
            .iter()
            .find(|s| s.source == b.slo.source)
            .map(|s| s.location.clone())
            .unwrap_or(Location {
                path: crate::config::FILE_NAME.to_string(),
                line: 1,
                column: 1,
            });
        let top: Vec<String> = b
            .risks
            .iter()
            .take(3)
            .map(|r| {
                format!(
                    "{} ({} min/yr)",
                    r.title,
                    r.bad_minutes_per_year.round_str(1)
                )
            })
            .collect();
        let message = format!(
            "service `{}` promises {} ({}) but its design as written projects {}: a gap of {} percentage points, {} bad minutes a year over the budget of {}. The costliest risks: {}. Fix them or lower the SLO",
            b.name,
            pct(b.slo.target),
            b.slo.source,
            pct(b.projected_availability),
            b.gap_pp.round_str(4),
            b.gap_minutes_per_year.round_str(1),
            b.error_budget.year_minutes.round_str(1),
            if top.is_empty() {
                "its dependencies".to_string()
            } else {
                top.join("; ")
            }
        );
        let severity = settings
            .run
            .severity
            .get(CHECK)
            .copied()
            .unwrap_or(spec.severity);
        findings.push(Finding {
            fingerprint: fingerprint(&[&spec.id, &format!("service:{}", b.name)]),
            check: spec.id.clone(),
            slug: spec.slug.clone(),
            title: spec.title.clone(),
            severity,
            category: spec.category.clone(),
            message,
            location,
            resource: None,
            service: Some(b.name.clone()),
            remediation: spec.remediation(),
            field_path: String::new(),
            severity_reasons: Vec::new(),
            suppressed: None,
            risk: None,
            baseline: false,
        });
    }
    if findings.len() > before {
        findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    }
}
