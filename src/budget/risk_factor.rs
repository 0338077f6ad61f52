//! Risk factors (reference §5 and §10.3, F11): deficiencies that make every
//! risk worse, such as no alerting (later detection), no playbooks (slower
//! repair) or no postmortem follow-up (more incidents). They adjust the other
//! risks instead of adding their own minutes, so nothing is counted twice.

use super::decimal::Dec;
use super::risk::{Frequency, Risk, bad_minutes_per_year, incidents_per_year};
use serde::Serialize;

/// A cross-cutting modifier applied to every risk.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RiskFactor {
    pub id: String,
    /// `+DeltaD`: minutes added to every ETTD.
    pub ettd_add_min: Dec,
    /// `+DeltaR`: minutes added to every ETTR.
    pub ettr_add_min: Dec,
    /// `phi`: relative increase in frequency (0.1 = 10% more incidents).
    pub freq_increase: Dec,
}

impl RiskFactor {
    /// One factor with the effect of several: minutes add up, frequency
    /// increases compound (`(1 + phi1)(1 + phi2) - 1`).
    pub fn combine(id: &str, factors: &[RiskFactor]) -> RiskFactor {
        let growth: Dec = factors.iter().map(|f| Dec::ONE + f.freq_increase).product();
        RiskFactor {
            id: id.to_string(),
            ettd_add_min: factors.iter().map(|f| f.ettd_add_min).sum(),
            ettr_add_min: factors.iter().map(|f| f.ettr_add_min).sum(),
            freq_increase: growth - Dec::ONE,
        }
    }
}

/// F11: the extra bad minutes per year a factor causes across a risk set,
/// `DeltaBM = (1 + phi)(DeltaD + DeltaR) x sum(n_i x impact_i) + phi x sum(BM_i)`.
pub fn risk_factor_delta(risks: &[Risk], factor: &RiskFactor, days_per_year: Dec) -> Dec {
    let exposure: Dec = risks
        .iter()
        .map(|r| incidents_per_year(r.frequency, days_per_year) * r.impact)
        .sum();
    let base: Dec = risks
        .iter()
        .map(|r| bad_minutes_per_year(r, days_per_year))
        .sum();
    let phi = factor.freq_increase;
    (Dec::ONE + phi) * (factor.ettd_add_min + factor.ettr_add_min) * exposure + phi * base
}

/// F11 applied: the risks as the factor leaves them. ETTD and ETTR grow by
/// the added minutes, frequency by `(1 + phi)` (an ETTF shrinks by it).
/// Re-pricing the result differs from the original by exactly
/// [`risk_factor_delta`].
pub fn apply_risk_factor(risks: &[Risk], factor: &RiskFactor) -> Vec<Risk> {
    let growth = Dec::ONE + factor.freq_increase;
    risks
        .iter()
        .map(|r| Risk {
            ettd_min: r.ettd_min + factor.ettd_add_min,
            ettr_min: r.ettr_min + factor.ettr_add_min,
            frequency: match r.frequency {
                Frequency::PerYear(n) => Frequency::PerYear(n * growth),
                Frequency::EttfDays(d) => Frequency::EttfDays(d / growth),
            },
            ..r.clone()
        })
        .collect()
}

/// The multiplicative form of the check catalog (§2.1, `m_TTD`, `m_TTR`):
/// every ETTD is multiplied by `ettd_factor` and every ETTR by
/// `ettr_factor` (1 leaves it unchanged).
pub fn scale_detection_and_repair(risks: &[Risk], ettd_factor: Dec, ettr_factor: Dec) -> Vec<Risk> {
    risks
        .iter()
        .map(|r| Risk {
            ettd_min: r.ettd_min * ettd_factor,
            ettr_min: r.ettr_min * ettr_factor,
            ..r.clone()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::budget::error_budget::{DAYS_PER_YEAR, JULIAN_DAYS_PER_YEAR};

    fn d(s: &str) -> Dec {
        Dec::parse(s).unwrap()
    }

    fn risks() -> Vec<Risk> {
        vec![
            Risk {
                id: "a".into(),
                name: "a".into(),
                ettd_min: d("10"),
                ettr_min: d("20"),
                impact: d("0.5"),
                frequency: Frequency::PerYear(d("4")),
                accepted: false,
            },
            Risk {
                id: "b".into(),
                name: "b".into(),
                ettd_min: d("1440"),
                ettr_min: d("30"),
                impact: d("0.02"),
                frequency: Frequency::EttfDays(d("90")),
                accepted: true,
            },
        ]
    }

    fn total(risks: &[Risk], year: Dec) -> Dec {
        risks.iter().map(|r| bad_minutes_per_year(r, year)).sum()
    }

    #[test]
    fn applying_a_factor_adds_exactly_the_f11_delta() {
        let factor = RiskFactor {
            id: "no-playbooks".into(),
            ettd_add_min: d("15"),
            ettr_add_min: d("45"),
            freq_increase: d("0.2"),
        };
        for year in [DAYS_PER_YEAR, JULIAN_DAYS_PER_YEAR] {
            let before = total(&risks(), year);
            let after = total(&apply_risk_factor(&risks(), &factor), year);
            assert_eq!(after - before, risk_factor_delta(&risks(), &factor, year));
        }
    }

    #[test]
    fn a_neutral_factor_changes_nothing() {
        let none = RiskFactor::default();
        assert_eq!(apply_risk_factor(&risks(), &none), risks());
        assert_eq!(risk_factor_delta(&risks(), &none, DAYS_PER_YEAR), Dec::ZERO);
        assert_eq!(
            scale_detection_and_repair(&risks(), Dec::ONE, Dec::ONE),
            risks()
        );
    }

    #[test]
    fn combined_factors() {
        let a = RiskFactor {
            ettd_add_min: d("30"),
            freq_increase: d("0.1"),
            ..RiskFactor::default()
        };
        let b = RiskFactor {
            ettd_add_min: d("10"),
            ettr_add_min: d("5"),
            freq_increase: d("0.1"),
            ..RiskFactor::default()
        };
        let c = RiskFactor::combine("both", &[a.clone(), b.clone()]);
        assert_eq!(c.ettd_add_min, d("40"));
        assert_eq!(c.ettr_add_min, d("5"));
        assert_eq!(c.freq_increase, d("0.21"));
        assert_eq!(
            apply_risk_factor(&risks(), &c),
            apply_risk_factor(&apply_risk_factor(&risks(), &a), &b)
        );
    }

    #[test]
    fn multipliers_scale_times() {
        let scaled = scale_detection_and_repair(&risks(), d("3"), d("2"));
        assert_eq!(scaled[0].ettd_min, d("30"));
        assert_eq!(scaled[0].ettr_min, d("40"));
        assert_eq!(scaled[0].frequency, risks()[0].frequency);
    }
}
