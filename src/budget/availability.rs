//! What a service can achieve (reference §6-7 and §10.3, F13-F16, F20):
//! its own availability from the risk catalog, capped by its dependencies,
//! the gap to the target, and the Calculus paper's rule of the extra nine.

use super::decimal::Dec;
use super::error_budget::{budget_fraction, days_to_minutes};
use super::target::Target;
use serde::Serialize;

/// How a dependency's outage reaches the service (reference §6, S8).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase", tag = "kind")]
pub enum DependencyKind {
    /// Its outage is the service's outage.
    Hard,
    /// No impact when the service is built well (best-effort logging).
    Soft,
    /// Its outage hurts a fraction `degraded_impact` of the service.
    Degraded { degraded_impact: Dec },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Dependency {
    pub name: String,
    /// As a fraction (0.9995).
    pub availability: Dec,
    #[serde(flatten)]
    pub kind: DependencyKind,
}

/// F13: the service's own achievable availability from its risks,
/// `A_own = 1 - sum(BM_y) / (days_per_year x 1440)`, never below 0.
pub fn own_availability(total_bad_minutes_per_year: Dec, days_per_year: Dec) -> Dec {
    (Dec::ONE - total_bad_minutes_per_year / days_to_minutes(days_per_year)).max(Dec::ZERO)
}

/// F14: the factor one dependency puts on the service: `A_d` if hard, 1 if
/// soft, `1 - d x (1 - A_d)` if degraded with impact `d`.
pub fn dependency_factor(dep: &Dependency) -> Dec {
    match dep.kind {
        DependencyKind::Hard => dep.availability,
        DependencyKind::Soft => Dec::ONE,
        DependencyKind::Degraded { degraded_impact } => {
            Dec::ONE - degraded_impact * (Dec::ONE - dep.availability)
        }
    }
}

/// F14: the ceiling the dependencies put on the service, the product of
/// their factors (1 with none).
pub fn dependency_ceiling(deps: &[Dependency]) -> Dec {
    deps.iter().map(dependency_factor).product()
}

/// F14: `A = A_own x prod_hard A_d x prod_degraded (1 - d x (1 - A_d))`.
pub fn with_dependencies(own: Dec, deps: &[Dependency]) -> Dec {
    own * dependency_ceiling(deps)
}

/// F15: how far an availability falls short of a target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Gap {
    /// `(T - A) x 100`, in percentage points; negative when the target is met.
    pub percentage_points: Dec,
    /// `(T - A) x days_per_year x 1440`: the overspend in minutes per year.
    pub minutes_per_year: Dec,
}

/// F15: the gap between target and achievable availability.
pub fn gap(target: Target, availability: Dec, days_per_year: Dec) -> Gap {
    let short = target.fraction() - availability;
    Gap {
        percentage_points: short.percent(),
        minutes_per_year: short * days_to_minutes(days_per_year),
    }
}

/// F15: nines of an availability, `-log10(1 - A)` (3 for 99.9%). Infinite
/// at 100%. Computed in f64: it is for display only.
pub fn nines(availability: Dec) -> f64 {
    -(Dec::ONE - availability).to_f64().log10()
}

/// Minutes per year an availability leaves the service down, `(1 - A) x year`.
pub fn unavailable_minutes_per_year(availability: Dec, days_per_year: Dec) -> Dec {
    (Dec::ONE - availability) * days_to_minutes(days_per_year)
}

/// F16: the availability a hard dependency needs under the rule of the
/// extra nine, `1 - b / 10` (99.99% for a 99.9% target).
pub fn extra_nine_floor(target: Target) -> Dec {
    Dec::ONE - budget_fraction(target) / Dec::int(10)
}

/// F16: whether a dependency is one nine better than the target.
pub fn has_extra_nine(dependency_availability: Dec, target: Target) -> bool {
    dependency_availability >= extra_nine_floor(target)
}

/// F16: the unavailability the dependencies bring, `sum(1 - factor)`: the
/// full `1 - A_d` of each hard dependency, `d x (1 - A_d)` of a degraded one.
pub fn dependency_unavailability(deps: &[Dependency]) -> Dec {
    deps.iter().map(|d| Dec::ONE - dependency_factor(d)).sum()
}

/// F16: the dependencies' unavailability in minutes per year (26.28 for five
/// 99.999% dependencies).
pub fn dependency_bad_minutes_per_year(deps: &[Dependency], days_per_year: Dec) -> Dec {
    dependency_unavailability(deps) * days_to_minutes(days_per_year)
}

/// F16 (proposed default): the dependencies may use at most half of the
/// budget, `sum(1 - A_d) <= b / 2`.
pub fn dependencies_within_half_budget(deps: &[Dependency], target: Target) -> bool {
    dependency_unavailability(deps) <= budget_fraction(target) / Dec::int(2)
}

/// F20: `MTTR = TTD + TTR`: an outage lasts from its start until repaired.
pub fn mttr(ttd: Dec, ttr: Dec) -> Dec {
    ttd + ttr
}

/// F20: availability of a repairable component, `MTTF / (MTTF + MTTR)`
/// (any unit, the same for both). 0 if both are zero.
pub fn mttf_availability(mttf: Dec, mttr: Dec) -> Dec {
    mttf / (mttf + mttr)
}

/// F13-F15 for one service, as the report shows it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AvailabilityAssessment {
    pub target: Target,
    /// F13.
    pub own: Dec,
    /// F14: product of the dependency factors.
    pub dependency_ceiling: Dec,
    /// F14: `own x ceiling`.
    pub achievable: Dec,
    /// F15.
    pub gap: Gap,
    /// F15, of `achievable`.
    pub nines: f64,
}

/// F13-F15: own availability from the yearly bad minutes, capped by the
/// dependencies, and the gap to the target.
pub fn assess_availability(
    target: Target,
    total_bad_minutes_per_year: Dec,
    deps: &[Dependency],
    days_per_year: Dec,
) -> AvailabilityAssessment {
    let own = own_availability(total_bad_minutes_per_year, days_per_year);
    let ceiling = dependency_ceiling(deps);
    let achievable = own * ceiling;
    AvailabilityAssessment {
        target,
        own,
        dependency_ceiling: ceiling,
        achievable,
        gap: gap(target, achievable, days_per_year),
        nines: nines(achievable),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::budget::error_budget::DAYS_PER_YEAR;

    fn d(s: &str) -> Dec {
        Dec::parse(s).unwrap()
    }

    fn dep(availability: &str, kind: DependencyKind) -> Dependency {
        Dependency {
            name: "dep".into(),
            availability: d(availability),
            kind,
        }
    }

    #[test]
    fn dependency_kinds() {
        assert_eq!(
            dependency_factor(&dep("0.99", DependencyKind::Hard)),
            d("0.99")
        );
        assert_eq!(
            dependency_factor(&dep("0.99", DependencyKind::Soft)),
            Dec::ONE
        );
        let cache = dep(
            "0.99",
            DependencyKind::Degraded {
                degraded_impact: d("0.3"),
            },
        );
        assert_eq!(dependency_factor(&cache), d("0.997"));
        assert_eq!(dependency_ceiling(&[]), Dec::ONE);
        assert_eq!(
            dependency_unavailability(std::slice::from_ref(&cache)),
            d("0.003")
        );
        let json = serde_json::to_string(&cache).unwrap();
        assert_eq!(
            json,
            r#"{"name":"dep","availability":0.99,"kind":"degraded","degraded_impact":0.3}"#
        );
    }

    #[test]
    fn own_availability_never_negative() {
        assert_eq!(
            own_availability(Dec::int(600_000), DAYS_PER_YEAR),
            Dec::ZERO
        );
        assert_eq!(own_availability(Dec::ZERO, DAYS_PER_YEAR), Dec::ONE);
    }

    #[test]
    fn nines_of_common_targets() {
        assert!((nines(d("0.999")) - 3.0).abs() < 1e-9);
        assert!((nines(d("0.99995")) - 4.30103).abs() < 1e-5);
        assert!(nines(Dec::ONE).is_infinite());
    }

    #[test]
    fn mttf_and_mttr() {
        assert_eq!(mttr(d("5"), d("25")), d("30"));
        assert_eq!(mttf_availability(Dec::ZERO, Dec::ZERO), Dec::ZERO);
        assert_eq!(
            mttf_availability(d("2160"), d("0.5"))
                .percent()
                .round_str(6),
            "99.976857"
        );
    }

    #[test]
    fn a_met_target_has_a_negative_gap() {
        let t = Target::parse("99.9").unwrap();
        let g = gap(t, d("0.9995"), DAYS_PER_YEAR);
        assert_eq!(g.percentage_points, d("-0.05"));
        assert_eq!(g.minutes_per_year, d("-262.8"));
    }
}
