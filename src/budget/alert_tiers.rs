//! Multiwindow, multi-burn-rate alert tiers (reference §3.2-3.4 and §10.3,
//! F5-F7): the SRE Workbook's four tiers, scaled to the SLO period the way
//! Sloth does (`BR = f x P / W_long`), and what each tier does in an
//! incident: the error ratio it needs, the budget it lets burn before it
//! fires, how fast it catches an outage, and how long it keeps firing after.

use super::decimal::Dec;
use super::error_budget::{budget_fraction, days_to_minutes};
use super::target::Target;
use super::window::Window;
use serde::Serialize;

/// Who an alert wakes up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Page,
    Ticket,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Page => "page",
            Severity::Ticket => "ticket",
        }
    }
}

/// One alert tier: fire when both windows burn faster than the rate that
/// would spend `budget_fraction` of the period's budget within `long`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Tier {
    pub name: String,
    pub severity: Severity,
    /// `f`: the share of the period's budget spent by the time it fires.
    pub budget_fraction: Dec,
    pub long: Window,
    pub short: Window,
}

/// The Workbook's tiers (Table 5-8 plus the 24h ticket of its PromQL), as
/// Sloth ships them: 2% in 1h/5m and 5% in 6h/30m page; 10% in 1d/2h and
/// 10% in 3d/6h open a ticket.
pub fn workbook_tiers() -> Vec<Tier> {
    let tier = |name: &str, severity, percent: i64, long, short| Tier {
        name: name.to_string(),
        severity,
        budget_fraction: Dec::ratio(i128::from(percent), 100),
        long,
        short,
    };
    vec![
        tier(
            "page-fast",
            Severity::Page,
            2,
            Window::hours(1),
            Window::minutes(5),
        ),
        tier(
            "page-slow",
            Severity::Page,
            5,
            Window::hours(6),
            Window::minutes(30),
        ),
        tier(
            "ticket-fast",
            Severity::Ticket,
            10,
            Window::days(1),
            Window::hours(2),
        ),
        tier(
            "ticket-slow",
            Severity::Ticket,
            10,
            Window::days(3),
            Window::hours(6),
        ),
    ]
}

/// F5: the burn rate of a tier, `BR = f x P / W_long` (14.4 for 2% in 1h of
/// 30 d; 13.44 for 28 d).
pub fn tier_burn_rate(budget_fraction: Dec, period_days: Dec, long: Window) -> Dec {
    budget_fraction * days_to_minutes(period_days) / long.as_minutes()
}

/// F5: the error ratio a burn rate alerts on, `theta = BR x b`.
pub fn error_ratio_threshold(burn_rate: Dec, target: Target) -> Dec {
    burn_rate * budget_fraction(target)
}

/// F5: an alert can fire only if its error-ratio threshold is below 100%.
pub fn is_feasible(threshold: Dec) -> bool {
    threshold < Dec::ONE
}

/// F6: the share of the period's budget spent when the alert fires,
/// `BR x W_long / P`, whatever the error ratio.
pub fn budget_consumed_at_fire(burn_rate: Dec, long: Window, period_days: Dec) -> Dec {
    burn_rate * long.as_minutes() / days_to_minutes(period_days)
}

/// F6: minutes from the start of errors at a constant ratio `e` until every
/// window's average crosses `threshold`, `max over W of (theta x W / e)`.
/// `None` if it never fires (`e <= theta`, or no windows).
pub fn detection_minutes(threshold: Dec, windows: &[Window], error_ratio: Dec) -> Option<Dec> {
    if error_ratio <= threshold {
        return None;
    }
    windows
        .iter()
        .map(|w| threshold * w.as_minutes() / error_ratio)
        .max()
}

/// F7: minutes the alert keeps firing after errors at ratio `e` stop (the
/// incident having lasted long enough to fire): the first window to drop
/// below the threshold clears it, `min over W of W x (1 - theta / e)`, which
/// is the short window's. A single-window alert passes one window.
/// `None` if it never fired (`e <= theta`, or no windows).
pub fn reset_minutes(threshold: Dec, windows: &[Window], error_ratio: Dec) -> Option<Dec> {
    if error_ratio <= threshold {
        return None;
    }
    windows
        .iter()
        .map(|w| w.as_minutes() * (Dec::ONE - threshold / error_ratio))
        .min()
}

/// A tier evaluated for one target and period, as `creview budget` prints it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TierEval {
    pub name: String,
    pub severity: Severity,
    pub long_window: Window,
    pub short_window: Window,
    /// F5 `BR`.
    pub burn_rate: Dec,
    /// F5 `theta = BR x b`, as a fraction.
    pub error_ratio_threshold: Dec,
    /// F6 budget spent at fire, as a fraction of the period's budget.
    pub budget_consumed: Dec,
    /// F6 at `e = 1`; `None` (null) when the tier can never fire.
    pub detection_minutes_full_outage: Option<Dec>,
    /// F7 at `e = 1`; `None` (null) when the tier can never fire.
    pub reset_minutes: Option<Dec>,
    /// F5 `theta < 1`.
    pub feasible: bool,
}

impl TierEval {
    fn windows(&self) -> [Window; 2] {
        [self.long_window, self.short_window]
    }

    /// F6 at a given constant error ratio.
    pub fn detection_minutes_at(&self, error_ratio: Dec) -> Option<Dec> {
        detection_minutes(self.error_ratio_threshold, &self.windows(), error_ratio)
    }

    /// F7 at a given error ratio.
    pub fn reset_minutes_at(&self, error_ratio: Dec) -> Option<Dec> {
        reset_minutes(self.error_ratio_threshold, &self.windows(), error_ratio)
    }
}

/// F5-F7 for one tier at a target and SLO period.
pub fn evaluate_tier(tier: &Tier, target: Target, period_days: Dec) -> TierEval {
    let burn_rate = tier_burn_rate(tier.budget_fraction, period_days, tier.long);
    let threshold = error_ratio_threshold(burn_rate, target);
    let windows = [tier.long, tier.short];
    TierEval {
        name: tier.name.clone(),
        severity: tier.severity,
        long_window: tier.long,
        short_window: tier.short,
        burn_rate,
        error_ratio_threshold: threshold,
        budget_consumed: budget_consumed_at_fire(burn_rate, tier.long, period_days),
        detection_minutes_full_outage: detection_minutes(threshold, &windows, Dec::ONE),
        reset_minutes: reset_minutes(threshold, &windows, Dec::ONE),
        feasible: is_feasible(threshold),
    }
}

/// The Workbook's tiers evaluated for a target and SLO period.
pub fn recommended_alerts(target: Target, period_days: Dec) -> Vec<TierEval> {
    workbook_tiers()
        .iter()
        .map(|t| evaluate_tier(t, target, period_days))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Dec {
        Dec::parse(s).unwrap()
    }

    #[test]
    fn burn_rates_do_not_depend_on_the_target() {
        // Reference §3.4: the 7 d and 365 d columns.
        let rates = |days: i64| -> Vec<Dec> {
            workbook_tiers()
                .iter()
                .map(|t| tier_burn_rate(t.budget_fraction, Dec::int(days), t.long))
                .collect()
        };
        assert_eq!(rates(7), [d("3.36"), d("1.4"), d("0.7"), Dec::ratio(7, 30)]);
        assert_eq!(
            rates(365),
            [d("175.2"), d("73"), d("36.5"), Dec::ratio(73, 6)]
        );
        let a = recommended_alerts(Target::parse("99").unwrap(), Dec::int(30));
        let b = recommended_alerts(Target::parse("99.99").unwrap(), Dec::int(30));
        assert!(a.iter().zip(&b).all(|(x, y)| x.burn_rate == y.burn_rate));
    }

    #[test]
    fn detection_and_reset_table_30d() {
        // Reference §3.4, "Detection and reset with the 30-day parameters".
        let tiers = recommended_alerts(Target::parse("99.9").unwrap(), Dec::int(30));
        let rows = [
            ["0.864", "5.76", "8.64", "0.02", "4.928", "4.52"],
            ["2.16", "14.4", "21.6", "0.05", "29.82", "28.8"],
            ["4.32", "28.8", "43.2", "0.1", "119.64", "117.6"],
            ["4.32", "28.8", "43.2", "0.1", "359.64", "357.6"],
        ];
        for (tier, row) in tiers.iter().zip(rows) {
            let [full, e15, e10, spent, reset_full, reset15] = row.map(d);
            assert_eq!(
                tier.detection_minutes_full_outage,
                Some(full),
                "{}",
                tier.name
            );
            assert_eq!(
                tier.detection_minutes_at(d("0.15")),
                Some(e15),
                "{}",
                tier.name
            );
            assert_eq!(
                tier.detection_minutes_at(d("0.10")),
                Some(e10),
                "{}",
                tier.name
            );
            assert_eq!(tier.budget_consumed, spent, "{}", tier.name);
            assert_eq!(tier.reset_minutes, Some(reset_full), "{}", tier.name);
            assert_eq!(
                tier.reset_minutes_at(d("0.15")),
                Some(reset15),
                "{}",
                tier.name
            );
        }
    }

    #[test]
    fn fig_5_6_long_window_alone() {
        // A 15% error ratio: the 1h window alone would clear after 54.24 min.
        let theta = d("0.0144");
        assert_eq!(
            reset_minutes(theta, &[Window::hours(1)], d("0.15")),
            Some(d("54.24"))
        );
    }

    #[test]
    fn never_fires_at_or_below_the_threshold() {
        let theta = d("0.0144");
        let w = [Window::hours(1), Window::minutes(5)];
        assert_eq!(detection_minutes(theta, &w, theta), None);
        assert_eq!(reset_minutes(theta, &w, d("0.01")), None);
        assert_eq!(detection_minutes(theta, &[], Dec::ONE), None);
        assert!(!is_feasible(Dec::ONE));
        assert!(is_feasible(d("0.9999")));
    }

    #[test]
    fn severity_names() {
        assert_eq!(Severity::Page.as_str(), "page");
        assert_eq!(
            serde_json::to_string(&Severity::Ticket).unwrap(),
            "\"ticket\""
        );
    }
}
