//! Observed burn rates (reference §10.3, F4): how fast an error ratio spends
//! the budget, when the budget runs out, and what one incident costs.

use super::decimal::Dec;
use super::error_budget::{budget_fraction, days_to_minutes};
use super::target::Target;

/// F4: the burn rate of an observed error ratio, `BR = e / b`.
pub fn burn_rate(error_ratio: Dec, target: Target) -> Dec {
    error_ratio / budget_fraction(target)
}

/// F4: the largest possible burn rate (every request failing), `1 / b`.
pub fn max_burn_rate(target: Target) -> Dec {
    Dec::ONE / budget_fraction(target)
}

/// F4: minutes until a whole window's budget is spent at a burn rate,
/// `window / BR`. `None` if nothing burns (BR <= 0).
pub fn exhaustion_minutes_at_burn_rate(burn_rate: Dec, window_days: Dec) -> Option<Dec> {
    if !burn_rate.is_positive() {
        return None;
    }
    Some(days_to_minutes(window_days) / burn_rate)
}

/// F4: minutes until a whole window's budget is spent at a constant observed
/// error ratio. `None` if the error ratio is zero (it never runs out).
pub fn exhaustion_minutes(error_ratio: Dec, target: Target, window_days: Dec) -> Option<Dec> {
    exhaustion_minutes_at_burn_rate(burn_rate(error_ratio, target), window_days)
}

/// F4 applied to one incident: the share of a window's budget spent by an
/// error ratio `e` lasting `duration_min`, `BR x duration / P`
/// (= `e x duration / (b x P)`). A 100% outage of 60 min spends 138.89% of
/// a 30-day 99.9% budget.
pub fn incident_budget_spent(
    error_ratio: Dec,
    duration_min: Dec,
    target: Target,
    window_days: Dec,
) -> Dec {
    burn_rate(error_ratio, target) * duration_min / days_to_minutes(window_days)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Dec {
        Dec::parse(s).unwrap()
    }

    #[test]
    fn workbook_table_5_4() {
        // 99.9%, 30 d: BR 1, 2, 10, 1000 -> 30 d, 15 d, 3 d, 43.2 min.
        let t = Target::parse("99.9").unwrap();
        for (e, br, minutes) in [
            ("0.001", "1", "43200"),
            ("0.002", "2", "21600"),
            ("0.01", "10", "4320"),
            ("1", "1000", "43.2"),
        ] {
            assert_eq!(burn_rate(d(e), t), d(br));
            assert_eq!(exhaustion_minutes(d(e), t, Dec::int(30)), Some(d(minutes)));
        }
        assert_eq!(max_burn_rate(t), Dec::int(1000));
    }

    #[test]
    fn no_errors_never_exhausts() {
        let t = Target::parse("99.9").unwrap();
        assert_eq!(exhaustion_minutes(Dec::ZERO, t, Dec::int(30)), None);
        assert_eq!(exhaustion_minutes_at_burn_rate(d("-1"), Dec::int(30)), None);
    }

    #[test]
    fn incident_spend() {
        let t = Target::parse("99.9").unwrap();
        assert_eq!(
            incident_budget_spent(Dec::ONE, Dec::int(60), t, Dec::int(30)),
            Dec::int(60) / d("43.2")
        );
        assert_eq!(
            incident_budget_spent(Dec::ONE, Dec::int(60), t, Dec::int(30))
                .percent()
                .round_str(4),
            "138.8889"
        );
    }
}
