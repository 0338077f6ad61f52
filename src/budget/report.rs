//! The structure `creview budget --format json` prints for one SLO: the
//! target, its budget (F2) and the recommended burn-rate alerts (F5-F7).

use super::alert_tiers::{TierEval, recommended_alerts};
use super::decimal::Dec;
use super::error_budget::{DAYS_PER_YEAR, window_budget_minutes, yearly_budget_minutes};
use super::target::Target;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BudgetReport {
    pub slo: SloSummary,
    pub error_budget: ErrorBudgetSummary,
    pub burn_rate_alerts: Vec<TierEval>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct SloSummary {
    /// A fraction (`0.999`).
    pub target: Target,
    pub window_days: Dec,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ErrorBudgetSummary {
    /// F2 over the SLO window.
    pub window_minutes: Dec,
    /// F2 over a year.
    pub year_minutes: Dec,
}

/// The whole report for a target and SLO window, with a 365-day year.
pub fn budget_report(target: Target, window_days: Dec) -> BudgetReport {
    budget_report_with_year(target, window_days, DAYS_PER_YEAR)
}

/// [`budget_report`] with a chosen year length (365.25 for the spreadsheet port).
pub fn budget_report_with_year(
    target: Target,
    window_days: Dec,
    days_per_year: Dec,
) -> BudgetReport {
    BudgetReport {
        slo: SloSummary {
            target,
            window_days,
        },
        error_budget: ErrorBudgetSummary {
            window_minutes: window_budget_minutes(target, window_days),
            year_minutes: yearly_budget_minutes(target, days_per_year),
        },
        burn_rate_alerts: recommended_alerts(target, window_days),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::budget::error_budget::JULIAN_DAYS_PER_YEAR;

    #[test]
    fn json_at_99_9_over_30d() {
        let report = budget_report(Target::parse("99.9").unwrap(), Dec::int(30));
        let json = serde_json::to_value(&report).unwrap();
        let expected = serde_json::json!({
            "slo": {"target": 0.999, "window_days": 30},
            "error_budget": {"window_minutes": 43.2, "year_minutes": 525.6},
            "burn_rate_alerts": [
                {"name": "page-fast", "severity": "page", "long_window": "1h", "short_window": "5m",
                 "burn_rate": 14.4, "error_ratio_threshold": 0.0144, "budget_consumed": 0.02,
                 "detection_minutes_full_outage": 0.864, "reset_minutes": 4.928, "feasible": true},
                {"name": "page-slow", "severity": "page", "long_window": "6h", "short_window": "30m",
                 "burn_rate": 6, "error_ratio_threshold": 0.006, "budget_consumed": 0.05,
                 "detection_minutes_full_outage": 2.16, "reset_minutes": 29.82, "feasible": true},
                {"name": "ticket-fast", "severity": "ticket", "long_window": "1d", "short_window": "2h",
                 "burn_rate": 3, "error_ratio_threshold": 0.003, "budget_consumed": 0.1,
                 "detection_minutes_full_outage": 4.32, "reset_minutes": 119.64, "feasible": true},
                {"name": "ticket-slow", "severity": "ticket", "long_window": "3d", "short_window": "6h",
                 "burn_rate": 1, "error_ratio_threshold": 0.001, "budget_consumed": 0.1,
                 "detection_minutes_full_outage": 4.32, "reset_minutes": 359.64, "feasible": true}
            ]
        });
        assert_eq!(json, expected);
    }

    #[test]
    fn text_has_no_float_noise() {
        let report = budget_report(Target::parse("99.9").unwrap(), Dec::int(28));
        let text = serde_json::to_string(&report).unwrap();
        assert!(text.contains(r#""window_minutes":40.32"#), "{text}");
        assert!(text.contains(r#""burn_rate":5.6,"#), "{text}");
        assert!(text.contains(r#""burn_rate":2.8,"#), "{text}");
        assert!(!text.contains("00000000"), "{text}");
    }

    #[test]
    fn infeasible_tiers_serialize_null_timings() {
        let report = budget_report(Target::parse("90").unwrap(), Dec::int(30));
        let json = serde_json::to_value(&report).unwrap();
        let fast = &json["burn_rate_alerts"][0];
        assert_eq!(fast["feasible"], false);
        assert!(fast["detection_minutes_full_outage"].is_null());
        assert!(fast["reset_minutes"].is_null());
        assert_eq!(json["burn_rate_alerts"][1]["feasible"], true);
    }

    #[test]
    fn year_length_is_configurable() {
        let r = budget_report_with_year(
            Target::parse("99.9").unwrap(),
            Dec::int(30),
            JULIAN_DAYS_PER_YEAR,
        );
        assert_eq!(r.error_budget.year_minutes, Dec::parse("525.96").unwrap());
    }
}
