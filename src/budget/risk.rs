//! The CRE risk catalog (reference §5 and §10.3, F8-F10): each risk costs
//! `incidents/yr x (ETTD + ETTR) x impact` bad minutes a year; risks are
//! stack-ranked by that cost and compared with the yearly budget.

use super::decimal::Dec;
use super::error_budget::{DAYS_PER_YEAR, yearly_budget_minutes};
use super::target::Target;
use serde::Serialize;

/// How often a risk happens.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Frequency {
    /// Incidents per year.
    #[serde(rename = "freq_per_year")]
    PerYear(Dec),
    /// Estimated time to (next) failure, in days (the spreadsheet's ETTF).
    #[serde(rename = "ettf_days")]
    EttfDays(Dec),
}

/// One row of the risk catalog.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Risk {
    pub id: String,
    pub name: String,
    /// Estimated time to detect, minutes.
    pub ettd_min: Dec,
    /// Estimated time to repair after detection, minutes.
    pub ettr_min: Dec,
    /// Fraction of users or requests affected while it lasts, 0-1.
    pub impact: Dec,
    pub frequency: Frequency,
    /// Accepted risks are the ones the team lives with; their shares must fit.
    pub accepted: bool,
}

/// Why a risk's numbers make no sense.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RiskError {
    #[error("risk `{id}`: {field} must not be negative (got {value})")]
    Negative {
        id: String,
        field: &'static str,
        value: Dec,
    },
    #[error("risk `{id}`: impact must be between 0 and 1 (got {value})")]
    Impact { id: String, value: Dec },
    #[error("risk `{id}`: ettf_days must be above 0 (got {value})")]
    Ettf { id: String, value: Dec },
}

impl Risk {
    /// Checks the inputs: times and frequency not negative, impact in
    /// [0, 1], ETTF above zero.
    pub fn validate(&self) -> Result<(), RiskError> {
        let negative = |field, value: Dec| {
            if value.is_negative() {
                Err(RiskError::Negative {
                    id: self.id.clone(),
                    field,
                    value,
                })
            } else {
                Ok(())
            }
        };
        negative("ettd_min", self.ettd_min)?;
        negative("ettr_min", self.ettr_min)?;
        if self.impact.is_negative() || self.impact > Dec::ONE {
            return Err(RiskError::Impact {
                id: self.id.clone(),
                value: self.impact,
            });
        }
        match self.frequency {
            Frequency::PerYear(n) => negative("freq_per_year", n),
            Frequency::EttfDays(d) if !d.is_positive() => Err(RiskError::Ettf {
                id: self.id.clone(),
                value: d,
            }),
            Frequency::EttfDays(_) => Ok(()),
        }
    }
}

/// Classes of F10.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RiskClass {
    /// The risk alone spends more than the whole yearly budget: must fix.
    ExceedsBudget,
    /// Above the per-risk threshold: too big to accept.
    TooBig,
    Acceptable,
}

impl RiskClass {
    pub fn as_str(self) -> &'static str {
        match self {
            RiskClass::ExceedsBudget => "EXCEEDS_BUDGET",
            RiskClass::TooBig => "TOO_BIG",
            RiskClass::Acceptable => "ACCEPTABLE",
        }
    }
}

/// The knobs of the risk model (reference §10.2 `policy`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Policy {
    /// The largest share of the yearly budget one risk may take (25%).
    pub per_risk_threshold: Dec,
    /// 365 by default; 365.25 to match the spreadsheet port.
    pub days_per_year: Dec,
}

impl Default for Policy {
    fn default() -> Policy {
        Policy {
            per_risk_threshold: Dec::ratio(1, 4),
            days_per_year: DAYS_PER_YEAR,
        }
    }
}

/// F8: incidents per year, `n = freq_per_year` or `days_per_year / ettf_days`.
/// A non-positive ETTF gives 0 (see [`Risk::validate`]).
pub fn incidents_per_year(frequency: Frequency, days_per_year: Dec) -> Dec {
    match frequency {
        Frequency::PerYear(n) => n,
        Frequency::EttfDays(d) => days_per_year / d,
    }
}

/// F9: bad minutes per year, `BM_y = n x (ettd + ettr) x impact`.
pub fn bad_minutes_per_year(risk: &Risk, days_per_year: Dec) -> Dec {
    incidents_per_year(risk.frequency, days_per_year)
        * (risk.ettd_min + risk.ettr_min)
        * risk.impact
}

/// F10: the share of the yearly budget, `BM_y / B_y` (a fraction; 1 = all of it).
pub fn share_of_budget(bad_minutes_per_year: Dec, yearly_budget_minutes: Dec) -> Dec {
    bad_minutes_per_year / yearly_budget_minutes
}

/// F10: `EXCEEDS_BUDGET` above 1, `TOO_BIG` above the per-risk threshold,
/// `ACCEPTABLE` otherwise (a share equal to a bound is still below it).
pub fn classify(share: Dec, per_risk_threshold: Dec) -> RiskClass {
    if share > Dec::ONE {
        RiskClass::ExceedsBudget
    } else if share > per_risk_threshold {
        RiskClass::TooBig
    } else {
        RiskClass::Acceptable
    }
}

/// F10: the set is overcommitted when the accepted shares add up past 100%.
pub fn is_overcommitted(accepted_shares: &[Dec]) -> bool {
    accepted_shares.iter().sum::<Dec>() > Dec::ONE
}

/// One risk, priced.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RiskRow {
    pub id: String,
    pub name: String,
    pub incidents_per_year: Dec,
    pub bad_minutes_per_year: Dec,
    pub share: Dec,
    pub class: RiskClass,
    /// 1 = the costliest risk.
    pub rank: usize,
    pub accepted: bool,
}

/// Prices one risk (F8-F10) against a yearly budget; `rank` is left at 0.
pub fn price_risk(risk: &Risk, yearly_budget_minutes: Dec, policy: &Policy) -> RiskRow {
    let bad = bad_minutes_per_year(risk, policy.days_per_year);
    let share = share_of_budget(bad, yearly_budget_minutes);
    RiskRow {
        id: risk.id.clone(),
        name: risk.name.clone(),
        incidents_per_year: incidents_per_year(risk.frequency, policy.days_per_year),
        bad_minutes_per_year: bad,
        share,
        class: classify(share, policy.per_risk_threshold),
        rank: 0,
        accepted: risk.accepted,
    }
}

/// Stack rank: sorts by bad minutes per year, largest first, and numbers
/// the rows 1, 2, 3... Ties keep their input order (the sort is stable).
pub fn stack_rank(mut rows: Vec<RiskRow>) -> Vec<RiskRow> {
    rows.sort_by_key(|r| std::cmp::Reverse(r.bad_minutes_per_year));
    for (i, row) in rows.iter_mut().enumerate() {
        row.rank = i + 1;
    }
    rows
}

/// The whole catalog against one target: the stack-rank sheet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RiskAssessment {
    pub yearly_budget_minutes: Dec,
    /// The per-risk threshold in minutes (`B_y x threshold`).
    pub threshold_minutes: Dec,
    /// Ranked, costliest first.
    pub risks: Vec<RiskRow>,
    pub total_bad_minutes: Dec,
    pub total_share: Dec,
    pub accepted_bad_minutes: Dec,
    pub accepted_share: Dec,
    /// `B_y - accepted`; negative when overcommitted.
    pub unallocated_minutes: Dec,
    pub overcommitted: bool,
}

/// F8-F10 for a risk set: prices and ranks every risk, sums, and checks
/// that the accepted ones fit in the budget.
pub fn assess_risks(risks: &[Risk], target: Target, policy: &Policy) -> RiskAssessment {
    let budget = yearly_budget_minutes(target, policy.days_per_year);
    let rows = stack_rank(
        risks
            .iter()
            .map(|r| price_risk(r, budget, policy))
            .collect(),
    );
    let total_bad_minutes: Dec = rows.iter().map(|r| r.bad_minutes_per_year).sum();
    let accepted: Vec<&RiskRow> = rows.iter().filter(|r| r.accepted).collect();
    let accepted_bad_minutes: Dec = accepted.iter().map(|r| r.bad_minutes_per_year).sum();
    let accepted_shares: Vec<Dec> = accepted.iter().map(|r| r.share).collect();
    RiskAssessment {
        yearly_budget_minutes: budget,
        threshold_minutes: budget * policy.per_risk_threshold,
        total_share: share_of_budget(total_bad_minutes, budget),
        accepted_share: share_of_budget(accepted_bad_minutes, budget),
        unallocated_minutes: budget - accepted_bad_minutes,
        overcommitted: is_overcommitted(&accepted_shares),
        risks: rows,
        total_bad_minutes,
        accepted_bad_minutes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Dec {
        Dec::parse(s).unwrap()
    }

    fn risk(id: &str, n: &str, bad: &str, accepted: bool) -> Risk {
        Risk {
            id: id.into(),
            name: id.into(),
            ettd_min: Dec::ZERO,
            ettr_min: d(bad),
            impact: Dec::ONE,
            frequency: Frequency::PerYear(d(n)),
            accepted,
        }
    }

    #[test]
    fn classes_at_the_bounds() {
        let q = d("0.25");
        assert_eq!(classify(d("1.0001"), q), RiskClass::ExceedsBudget);
        assert_eq!(classify(Dec::ONE, q), RiskClass::TooBig);
        assert_eq!(classify(d("0.2501"), q), RiskClass::TooBig);
        assert_eq!(classify(q, q), RiskClass::Acceptable);
        assert_eq!(classify(Dec::ZERO, q), RiskClass::Acceptable);
        // Threshold 100%, as Coursera suggests, only flags must-fix risks.
        assert_eq!(classify(d("0.9"), Dec::ONE), RiskClass::Acceptable);
        assert_eq!(
            serde_json::to_string(&RiskClass::ExceedsBudget).unwrap(),
            "\"EXCEEDS_BUDGET\""
        );
        assert_eq!(RiskClass::TooBig.as_str(), "TOO_BIG");
    }

    #[test]
    fn ettf_uses_the_configured_year() {
        let f = Frequency::EttfDays(Dec::int(73));
        assert_eq!(incidents_per_year(f, DAYS_PER_YEAR), Dec::int(5));
        assert_eq!(
            incidents_per_year(Frequency::PerYear(d("0.5")), DAYS_PER_YEAR),
            d("0.5")
        );
    }

    #[test]
    fn ranking_is_descending_and_stable() {
        let rows = stack_rank(
            [("a", "10"), ("b", "30"), ("c", "10"), ("d", "20")]
                .iter()
                .map(|(id, bad)| {
                    price_risk(&risk(id, "1", bad, false), d("525.6"), &Policy::default())
                })
                .collect(),
        );
        let order: Vec<(&str, usize)> = rows.iter().map(|r| (r.id.as_str(), r.rank)).collect();
        assert_eq!(order, [("b", 1), ("d", 2), ("a", 3), ("c", 4)]);
    }

    #[test]
    fn overcommitted_counts_only_accepted_risks() {
        let t = Target::parse("99.9").unwrap();
        let risks = [
            risk("big", "1", "400", false),
            risk("x", "1", "200", true),
            risk("y", "1", "200", true),
        ];
        let a = assess_risks(&risks, t, &Policy::default());
        assert_eq!(a.accepted_bad_minutes, Dec::int(400));
        assert!(!a.overcommitted);
        assert_eq!(a.unallocated_minutes, d("125.6"));
        let risks = [risk("x", "1", "300", true), risk("y", "1", "300", true)];
        let a = assess_risks(&risks, t, &Policy::default());
        assert!(a.overcommitted);
        assert_eq!(a.unallocated_minutes, d("-74.4"));
        assert!(!is_overcommitted(&[]));
        assert!(!is_overcommitted(&[d("0.5"), d("0.5")]));
    }

    #[test]
    fn validation() {
        let mut r = risk("r", "1", "10", false);
        assert_eq!(r.validate(), Ok(()));
        r.impact = d("1.5");
        assert!(matches!(r.validate(), Err(RiskError::Impact { .. })));
        r.impact = Dec::ONE;
        r.ettd_min = d("-1");
        assert!(matches!(
            r.validate(),
            Err(RiskError::Negative {
                field: "ettd_min",
                ..
            })
        ));
        r.ettd_min = Dec::ZERO;
        r.frequency = Frequency::EttfDays(Dec::ZERO);
        assert_eq!(
            r.validate().unwrap_err().to_string(),
            "risk `r`: ettf_days must be above 0 (got 0)"
        );
        // Never a panic: ETTF 0 prices as no incidents.
        assert_eq!(bad_minutes_per_year(&r, DAYS_PER_YEAR), Dec::ZERO);
    }
}
