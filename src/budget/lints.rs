//! Lints derived from the budget math (reference §10.5, L1-L6). Each
//! function looks at one alert, traffic figure, spec value or dependency and
//! says what is wrong with it, if anything; the checks (SLO-004 and friends)
//! decide where to report it.

use super::alert_tiers::{Severity, TierEval, budget_consumed_at_fire, error_ratio_threshold};
use super::availability::extra_nine_floor;
use super::decimal::Dec;
use super::error_budget::{budget_fraction, days_to_minutes};
use super::target::Target;
use super::window::Window;
use serde::Serialize;

/// Which lint of §10.5.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum LintCode {
    /// Paging tier infeasible.
    L1,
    /// Window shape: long >= SLO window, or short > long / 6.
    L2,
    /// Page fires too late: spend at fire above 10%.
    L3,
    /// Low traffic: one failure is more than a 100% burn.
    L4,
    /// Target above what the spec format allows.
    L5,
    /// Dependency weaker than the target.
    L6,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Warning,
    Error,
}

/// What is wrong, in words a reviewer can act on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LintHit {
    pub code: LintCode,
    pub level: Level,
    pub message: String,
}

/// A burn-rate alert as found in rules or generated from a tier.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BurnRateAlert {
    pub name: String,
    pub severity: Severity,
    pub long: Window,
    /// `None` for a single-window alert.
    pub short: Option<Window>,
    pub burn_rate: Dec,
}

impl From<&TierEval> for BurnRateAlert {
    fn from(t: &TierEval) -> BurnRateAlert {
        BurnRateAlert {
            name: t.name.clone(),
            severity: t.severity,
            long: t.long_window,
            short: Some(t.short_window),
            burn_rate: t.burn_rate,
        }
    }
}

impl BurnRateAlert {
    fn label(&self) -> String {
        match self.short {
            Some(s) => format!(
                "{} alert `{}` ({}/{s})",
                self.severity.as_str(),
                self.name,
                self.long
            ),
            None => format!(
                "{} alert `{}` ({})",
                self.severity.as_str(),
                self.name,
                self.long
            ),
        }
    }
}

/// The most budget a page may let burn before it fires (L3, proposed).
pub const MAX_PAGE_SPEND_AT_FIRE: Dec = Dec::ratio(1, 10);

/// A short window may be at most this share of the long one (L2, a
/// tolerance around the Workbook's 1/12).
pub const MAX_SHORT_TO_LONG: Dec = Dec::ratio(1, 6);

fn pct(x: Dec) -> String {
    format!("{}%", x.percent().round_str(4))
}

/// L1: a paging alert whose error-ratio threshold `BR x b` is 100% or more
/// can never fire.
pub fn infeasible_paging(alert: &BurnRateAlert, target: Target) -> Option<LintHit> {
    let theta = error_ratio_threshold(alert.burn_rate, target);
    (alert.severity == Severity::Page && theta >= Dec::ONE).then(|| LintHit {
        code: LintCode::L1,
        level: Level::Error,
        message: format!(
            "{} can never fire: burn rate {} x budget {} needs an error ratio of {}, and at most 100% of requests can fail",
            alert.label(),
            alert.burn_rate.round_str(4),
            pct(budget_fraction(target)),
            pct(theta)
        ),
    })
}

/// L2: the long window must be shorter than the SLO window, and the short
/// window at most a sixth of the long one (the Workbook uses 1/12).
pub fn window_shape(alert: &BurnRateAlert, slo_window_days: Dec) -> Vec<LintHit> {
    let mut hits = Vec::new();
    let slo_minutes = days_to_minutes(slo_window_days);
    if alert.long.as_minutes() >= slo_minutes {
        hits.push(LintHit {
            code: LintCode::L2,
            level: Level::Warning,
            message: format!(
                "{}: the long window is not shorter than the {}-day SLO window",
                alert.label(),
                slo_window_days.round_str(4)
            ),
        });
    }
    if let Some(short) = alert.short
        && short.as_minutes() > alert.long.as_minutes() * MAX_SHORT_TO_LONG
    {
        hits.push(LintHit {
            code: LintCode::L2,
            level: Level::Warning,
            message: format!(
                "{}: the short window is more than 1/6 of the long one (the Workbook uses 1/12), so the alert keeps firing long after errors stop",
                alert.label()
            ),
        });
    }
    hits
}

/// L3: a page that lets more than 10% of the budget burn before it fires
/// (`BR x W_long / P`) fires too late.
pub fn late_page(alert: &BurnRateAlert, slo_window_days: Dec) -> Option<LintHit> {
    let spent = budget_consumed_at_fire(alert.burn_rate, alert.long, slo_window_days);
    (alert.severity == Severity::Page && spent > MAX_PAGE_SPEND_AT_FIRE).then(|| LintHit {
        code: LintCode::L3,
        level: Level::Warning,
        message: format!(
            "{} lets {} of the {}-day budget burn before it pages (more than {})",
            alert.label(),
            pct(spent),
            slo_window_days.round_str(4),
            pct(MAX_PAGE_SPEND_AT_FIRE)
        ),
    })
}

/// L1-L3 for one alert.
pub fn lint_alert(alert: &BurnRateAlert, target: Target, slo_window_days: Dec) -> Vec<LintHit> {
    let mut hits: Vec<LintHit> = infeasible_paging(alert, target).into_iter().collect();
    hits.extend(window_shape(alert, slo_window_days));
    hits.extend(late_page(alert, slo_window_days));
    hits
}

/// L4 (proposed heuristic): with fewer than `1/b` events in an alert window,
/// a single failure burns the budget more than 100% faster than allowed.
/// `events_per_slo_window` is the expected traffic over the SLO window.
pub fn low_traffic(
    events_per_slo_window: Dec,
    slo_window_days: Dec,
    window: Window,
    target: Target,
) -> Option<LintHit> {
    let b = budget_fraction(target);
    let in_window = events_per_slo_window * window.as_minutes() / days_to_minutes(slo_window_days);
    if in_window * b >= Dec::ONE {
        return None;
    }
    let single_failure = match (Dec::ONE / in_window).checked_div(b) {
        Some(br) if in_window.is_positive() => format!(
            "one failure is an error ratio of {}, a burn rate of {}",
            pct(Dec::ONE / in_window),
            br.round_str(4)
        ),
        _ => "no events are expected at all".to_string(),
    };
    Some(LintHit {
        code: LintCode::L4,
        level: Level::Warning,
        message: format!(
            "low traffic: about {} events per {window}, fewer than the {} needed at {target}; {single_failure}",
            in_window.round_str(2),
            (Dec::ONE / b).round_str(2)
        ),
    })
}

/// Where a target value was written, for L5.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum SpecField {
    /// `google_monitoring_slo.goal`: a fraction, at most 0.999.
    GcpGoal,
    /// OpenSLO `target`: a fraction below 1.
    OpenSloTarget,
    /// OpenSLO `targetPercent`: a percentage below 100.
    OpenSloTargetPercent,
}

/// L5: a target the spec format cannot hold (GCP `goal > 0.999`, OpenSLO
/// `target >= 1` or `targetPercent >= 100`). `value` is the number as written.
pub fn format_ceiling(field: SpecField, value: Dec) -> Option<LintHit> {
    let (name, max, inclusive) = match field {
        SpecField::GcpGoal => ("google_monitoring_slo `goal`", Dec::ratio(999, 1000), true),
        SpecField::OpenSloTarget => ("OpenSLO `target`", Dec::ONE, false),
        SpecField::OpenSloTargetPercent => ("OpenSLO `targetPercent`", Dec::int(100), false),
    };
    let over = if inclusive { value > max } else { value >= max };
    over.then(|| LintHit {
        code: LintCode::L5,
        level: Level::Error,
        message: format!(
            "{name} {} is above what the format allows ({} {})",
            value.round_str(6),
            if inclusive { "at most" } else { "below" },
            max.round_str(6)
        ),
    })
}

/// L6: a hard dependency less available than the target makes the target
/// unreachable (error); one below `1 - b/10`, the rule of the extra nine,
/// leaves little budget for the service itself (warning).
pub fn weak_dependency(name: &str, availability: Dec, target: Target) -> Option<LintHit> {
    let floor = extra_nine_floor(target);
    let shown = pct(availability);
    if availability < target.fraction() {
        Some(LintHit {
            code: LintCode::L6,
            level: Level::Error,
            message: format!(
                "dependency `{name}` ({shown}) is less available than the target {target}: the target is unreachable"
            ),
        })
    } else if availability < floor {
        Some(LintHit {
            code: LintCode::L6,
            level: Level::Warning,
            message: format!(
                "dependency `{name}` ({shown}) is not one nine better than the target {target} (needs {})",
                pct(floor)
            ),
        })
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::budget::alert_tiers::recommended_alerts;

    fn d(s: &str) -> Dec {
        Dec::parse(s).unwrap()
    }

    fn t(s: &str) -> Target {
        Target::parse(s).unwrap()
    }

    fn page(long: Window, short: Option<Window>, br: &str) -> BurnRateAlert {
        BurnRateAlert {
            name: "p".into(),
            severity: Severity::Page,
            long,
            short,
            burn_rate: d(br),
        }
    }

    #[test]
    fn workbook_tiers_are_clean_at_99_9_over_30d() {
        for tier in recommended_alerts(t("99.9"), Dec::int(30)) {
            assert_eq!(lint_alert(&(&tier).into(), t("99.9"), Dec::int(30)), []);
        }
    }

    #[test]
    fn l1_only_for_pages() {
        let tiers = recommended_alerts(t("90"), Dec::int(30));
        let hit = infeasible_paging(&(&tiers[0]).into(), t("90")).unwrap();
        assert_eq!(hit.level, Level::Error);
        assert_eq!(
            hit.message,
            "page alert `page-fast` (1h/5m) can never fire: burn rate 14.4 x budget 10% needs an error ratio of 144%, and at most 100% of requests can fail"
        );
        // Exactly 100% is infeasible too.
        let edge = page(Window::hours(1), None, "10");
        assert!(infeasible_paging(&edge, t("90")).is_some());
        let mut ticket = edge.clone();
        ticket.severity = Severity::Ticket;
        assert!(infeasible_paging(&ticket, t("90")).is_none());
    }

    #[test]
    fn l2_windows() {
        let too_long = page(Window::days(30), Some(Window::hours(1)), "1");
        assert_eq!(window_shape(&too_long, Dec::int(30)).len(), 1);
        let wide_short = page(Window::hours(1), Some(Window::minutes(11)), "14.4");
        assert_eq!(window_shape(&wide_short, Dec::int(30)).len(), 1);
        let exactly_a_sixth = page(Window::hours(1), Some(Window::minutes(10)), "14.4");
        assert_eq!(window_shape(&exactly_a_sixth, Dec::int(30)), []);
        let single = page(Window::hours(1), None, "14.4");
        assert_eq!(window_shape(&single, Dec::int(30)), []);
    }

    #[test]
    fn l3_late_pages() {
        // 36h at BR 1 spends 5%: fine; 3d at BR 1 spends 10%: fine; 1d at 6: 20%.
        assert!(late_page(&page(Window::hours(36), None, "1"), Dec::int(30)).is_none());
        assert!(late_page(&page(Window::days(3), None, "1"), Dec::int(30)).is_none());
        let hit = late_page(&page(Window::days(1), None, "6"), Dec::int(30)).unwrap();
        assert_eq!(
            hit.message,
            "page alert `p` (1d) lets 20% of the 30-day budget burn before it pages (more than 10%)"
        );
    }

    #[test]
    fn l4_low_traffic() {
        // 10 req/h: 10 per 1h window, 1/b = 1000 at 99.9%.
        let hit = low_traffic(Dec::int(7200), Dec::int(30), Window::hours(1), t("99.9")).unwrap();
        assert_eq!(
            hit.message,
            "low traffic: about 10 events per 1h, fewer than the 1000 needed at 99.9%; one failure is an error ratio of 10%, a burn rate of 100"
        );
        // 1000 per hour is exactly enough.
        assert!(
            low_traffic(Dec::int(720_000), Dec::int(30), Window::hours(1), t("99.9")).is_none()
        );
        let none = low_traffic(Dec::ZERO, Dec::int(30), Window::hours(1), t("99.9")).unwrap();
        assert!(none.message.ends_with("no events are expected at all"));
    }

    #[test]
    fn l5_format_ceilings() {
        assert!(format_ceiling(SpecField::GcpGoal, d("0.999")).is_none());
        let hit = format_ceiling(SpecField::GcpGoal, d("0.9999")).unwrap();
        assert_eq!(
            hit.message,
            "google_monitoring_slo `goal` 0.9999 is above what the format allows (at most 0.999)"
        );
        assert!(format_ceiling(SpecField::OpenSloTarget, d("0.9999")).is_none());
        assert!(format_ceiling(SpecField::OpenSloTarget, Dec::ONE).is_some());
        assert!(format_ceiling(SpecField::OpenSloTargetPercent, d("99.99")).is_none());
        assert!(format_ceiling(SpecField::OpenSloTargetPercent, Dec::int(100)).is_some());
    }

    #[test]
    fn l6_dependencies() {
        let hit = weak_dependency("db", d("0.995"), t("99.9")).unwrap();
        assert_eq!(hit.level, Level::Error);
        assert_eq!(
            hit.message,
            "dependency `db` (99.5%) is less available than the target 99.9%: the target is unreachable"
        );
        let hit = weak_dependency("db", d("0.9995"), t("99.9")).unwrap();
        assert_eq!(hit.level, Level::Warning);
        assert_eq!(
            hit.message,
            "dependency `db` (99.95%) is not one nine better than the target 99.9% (needs 99.99%)"
        );
        assert!(weak_dependency("auth", d("0.9999"), t("99.9")).is_none());
        // Equal to the target is not below it: a warning, not an error.
        assert_eq!(
            weak_dependency("x", d("0.999"), t("99.9")).unwrap().level,
            Level::Warning
        );
    }
}
