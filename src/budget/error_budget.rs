//! The error budget itself (reference §10.3, F1-F3 and F12): how much
//! badness a target allows, in minutes per window, minutes per year and
//! failed events.

use super::decimal::Dec;
use super::target::Target;

pub const MINUTES_PER_DAY: Dec = Dec::int(1440);

/// The default year, as in the SRE book's Appendix A and the Calculus paper
/// (525,600 minutes).
pub const DAYS_PER_YEAR: Dec = Dec::int(365);

/// The year of the third-party CRE-spreadsheet port (525,960 minutes).
pub const JULIAN_DAYS_PER_YEAR: Dec = Dec::ratio(1461, 4);

/// F1: the budget as a fraction, `b = 1 - T`.
pub fn budget_fraction(target: Target) -> Dec {
    Dec::ONE - target.fraction()
}

/// Minutes in `days` days.
pub fn days_to_minutes(days: Dec) -> Dec {
    days * MINUTES_PER_DAY
}

/// F2: allowed bad minutes in a window, `b x window_min`.
pub fn window_budget_minutes(target: Target, window_days: Dec) -> Dec {
    budget_fraction(target) * days_to_minutes(window_days)
}

/// F2: allowed bad minutes per year, `B_y = b x days_per_year x 1440`.
pub fn yearly_budget_minutes(target: Target, days_per_year: Dec) -> Dec {
    window_budget_minutes(target, days_per_year)
}

/// F3: the budget in events.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct EventBudget {
    /// `b x N`, not rounded (7.2 for 7,200 requests at 99.9%).
    pub allowed: Dec,
    /// `floor(b x N)`: whole failures allowed (7).
    pub whole_failures: i128,
}

/// F3: allowed bad events out of `eligible_events`, `b x N`.
pub fn event_budget(target: Target, eligible_events: Dec) -> EventBudget {
    let allowed = budget_fraction(target) * eligible_events;
    EventBudget {
        allowed,
        whole_failures: allowed.floor(),
    }
}

/// F3: the share of the event budget that `failures` failed events spend
/// (one failure of a 7.2-event budget spends 1/7.2). `None` if the budget is zero.
pub fn event_budget_spent(target: Target, eligible_events: Dec, failures: Dec) -> Option<Dec> {
    failures.checked_div(event_budget(target, eligible_events).allowed)
}

/// F12: expected bad minutes in an SLO window from a yearly figure,
/// `BM_y x window_days / days_per_year`.
pub fn expected_window_bad_minutes(
    bad_minutes_per_year: Dec,
    window_days: Dec,
    days_per_year: Dec,
) -> Dec {
    bad_minutes_per_year * window_days / days_per_year
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Target {
        Target::parse(s).unwrap()
    }

    #[test]
    fn budget_fraction_is_exact() {
        assert_eq!(budget_fraction(t("99.9")), Dec::ratio(1, 1000));
        assert_eq!(budget_fraction(t("0.999")), Dec::ratio(1, 1000));
        assert_eq!(budget_fraction(t("90")), Dec::ratio(1, 10));
    }

    #[test]
    fn reference_budget_table() {
        // Reference §2, "Allowed bad minutes per window", every cell.
        let table = [
            ("99", ["403.2", "432", "1296", "5256", "5259.6"]),
            ("99.5", ["201.6", "216", "648", "2628", "2629.8"]),
            ("99.9", ["40.32", "43.2", "129.6", "525.6", "525.96"]),
            ("99.95", ["20.16", "21.6", "64.8", "262.8", "262.98"]),
            ("99.99", ["4.032", "4.32", "12.96", "52.56", "52.596"]),
            ("99.999", ["0.4032", "0.432", "1.296", "5.256", "5.2596"]),
        ];
        let windows = [
            Dec::int(28),
            Dec::int(30),
            Dec::int(90),
            DAYS_PER_YEAR,
            JULIAN_DAYS_PER_YEAR,
        ];
        for (target, cells) in table {
            for (w, want) in windows.iter().zip(cells) {
                let got = window_budget_minutes(t(target), *w);
                assert_eq!(got, Dec::parse(want).unwrap(), "{target} over {w} d");
            }
        }
        assert_eq!(
            yearly_budget_minutes(t("99.9"), DAYS_PER_YEAR),
            Dec::parse("525.6").unwrap()
        );
    }

    #[test]
    fn event_budget_and_floor() {
        let e = event_budget(t("99.9"), Dec::int(7200));
        assert_eq!(e.allowed, Dec::parse("7.2").unwrap());
        assert_eq!(e.whole_failures, 7);
        assert_eq!(event_budget(t("99.9"), Dec::ZERO).whole_failures, 0);
        assert_eq!(event_budget_spent(t("99.9"), Dec::ZERO, Dec::ONE), None);
    }

    #[test]
    fn expected_window_minutes_scale_linearly() {
        assert_eq!(
            expected_window_bad_minutes(Dec::int(365), Dec::int(30), DAYS_PER_YEAR),
            Dec::int(30)
        );
    }
}
