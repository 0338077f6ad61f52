//! Properties of the error-budget math that must hold for any input, not
//! only for the worked examples: budgets shrink as targets rise, redundancy
//! never hurts, shares add up, a chain is no stronger than its weakest link.

use creview::budget::alert_tiers::recommended_alerts;
use creview::budget::decimal::Dec;
use creview::budget::error_budget::{
    DAYS_PER_YEAR, JULIAN_DAYS_PER_YEAR, window_budget_minutes, yearly_budget_minutes,
};
use creview::budget::redundancy::{k_of_n, parallel, serial, zone_spread};
use creview::budget::risk::{Frequency, Policy, Risk, assess_risks};
use creview::budget::risk_factor::{RiskFactor, apply_risk_factor, risk_factor_delta};
use creview::budget::target::Target;
use creview::budget::window::Window;
use proptest::prelude::*;

/// Targets from 0.001% to 99.999%, in steps of 0.001 percentage points.
fn target() -> impl Strategy<Value = Target> {
    (1i128..100_000).prop_map(|n| Target::from_fraction(Dec::ratio(n, 100_000)).unwrap())
}

/// Availabilities from 0 to 1 in steps of 0.0001.
fn availability() -> impl Strategy<Value = Dec> {
    (0i128..=10_000).prop_map(|n| Dec::ratio(n, 10_000))
}

/// A risk with realistic inputs. ETTFs are the usual round figures, which
/// keeps every sum exact in i128.
fn risk() -> impl Strategy<Value = Risk> {
    let frequency = prop_oneof![
        (0i128..=1000).prop_map(|n| Frequency::PerYear(Dec::ratio(n, 10))),
        prop::sample::select(vec![7i64, 14, 30, 45, 60, 90, 120, 180, 365, 730])
            .prop_map(|d| Frequency::EttfDays(Dec::int(d))),
    ];
    (
        0i64..=2880,
        0i64..=2880,
        0i128..=100,
        frequency,
        any::<bool>(),
    )
        .prop_map(|(ettd, ettr, impact, frequency, accepted)| Risk {
            id: "r".into(),
            name: "risk".into(),
            ettd_min: Dec::int(ettd),
            ettr_min: Dec::int(ettr),
            impact: Dec::ratio(impact, 100),
            frequency,
            accepted,
        })
}

proptest! {
    #[test]
    fn budget_is_non_increasing_in_the_target(
        a in target(),
        b in target(),
        days in 1i64..=400,
    ) {
        let (low, high) = if a <= b { (a, b) } else { (b, a) };
        let w = Dec::int(days);
        prop_assert!(window_budget_minutes(low, w) >= window_budget_minutes(high, w));
        for year in [DAYS_PER_YEAR, JULIAN_DAYS_PER_YEAR] {
            prop_assert!(yearly_budget_minutes(low, year) >= yearly_budget_minutes(high, year));
        }
        // A stricter target never gets a lower error-ratio threshold.
        let tl = recommended_alerts(low, w);
        let th = recommended_alerts(high, w);
        for (x, y) in tl.iter().zip(&th) {
            prop_assert!(x.error_ratio_threshold >= y.error_ratio_threshold);
            prop_assert_eq!(x.burn_rate, y.burn_rate);
        }
    }

    #[test]
    fn a_redundant_replica_never_lowers_parallel_availability(
        group in prop::collection::vec(availability(), 0..6),
        extra in availability(),
    ) {
        let mut bigger = group.clone();
        bigger.push(extra);
        prop_assert!(parallel(&bigger) >= parallel(&group));
        prop_assert!(parallel(&bigger) <= Dec::ONE);
    }

    #[test]
    fn a_redundant_replica_never_lowers_k_of_n_availability(
        n in 1u32..=6,
        k_seed in 0u32..6,
        r in availability(),
        zone in availability(),
    ) {
        let k = 1 + k_seed % n;
        // Exact while the rationals fit in i128; past that (high powers of
        // availabilities with long decimals) `Dec` falls back to f64, whose
        // rounding can make one more replica "lose" about 1e-16. Found by
        // this test: n = 6, k = 5, r = 0.4512, zone = 0.0014.
        let rounding = Dec::ratio(1, 1_000_000_000_000);
        prop_assert!(k_of_n(k, n + 1, r) + rounding >= k_of_n(k, n, r));
        prop_assert!(
            zone_spread(k, n + 1, r, zone) + rounding >= zone_spread(k, n, r, zone)
        );
        let a = k_of_n(k, n, r);
        prop_assert!(a >= Dec::ZERO && a <= Dec::ONE);
    }

    #[test]
    fn shares_add_up_to_the_total_share(
        risks in prop::collection::vec(risk(), 0..8),
        slo in target(),
        julian in any::<bool>(),
    ) {
        let policy = Policy {
            days_per_year: if julian { JULIAN_DAYS_PER_YEAR } else { DAYS_PER_YEAR },
            ..Policy::default()
        };
        let a = assess_risks(&risks, slo, &policy);
        let shares: Dec = a.risks.iter().map(|r| r.share).sum();
        prop_assert_eq!(shares, a.total_share);
        let accepted: Dec = a.risks.iter().filter(|r| r.accepted).map(|r| r.share).sum();
        prop_assert_eq!(accepted, a.accepted_share);
        prop_assert_eq!(a.overcommitted, accepted > Dec::ONE);
        // Ranked costliest first, numbered from 1.
        for (i, pair) in a.risks.windows(2).enumerate() {
            prop_assert!(pair[0].bad_minutes_per_year >= pair[1].bad_minutes_per_year);
            prop_assert_eq!(pair[0].rank, i + 1);
        }
    }

    #[test]
    fn serial_availability_never_exceeds_its_weakest_component(
        chain in prop::collection::vec(availability(), 1..7),
    ) {
        let weakest = *chain.iter().min().unwrap();
        prop_assert!(serial(&chain) <= weakest);
        prop_assert!(serial(&chain) >= Dec::ZERO);
    }

    #[test]
    fn a_risk_factor_adds_exactly_its_f11_delta(
        risks in prop::collection::vec(risk(), 0..6),
        ettd in 0i64..=120,
        ettr in 0i64..=120,
        phi in 0i128..=100,
    ) {
        let factor = RiskFactor {
            id: "f".into(),
            ettd_add_min: Dec::int(ettd),
            ettr_add_min: Dec::int(ettr),
            freq_increase: Dec::ratio(phi, 100),
        };
        let slo = Target::parse("99.9").unwrap();
        let policy = Policy::default();
        let before = assess_risks(&risks, slo, &policy).total_bad_minutes;
        let after = assess_risks(&apply_risk_factor(&risks, &factor), slo, &policy).total_bad_minutes;
        prop_assert_eq!(after - before, risk_factor_delta(&risks, &factor, DAYS_PER_YEAR));
    }

    #[test]
    fn windows_print_back_as_they_parse(minutes in 1u64..=200_000) {
        let w = Window::minutes(minutes);
        prop_assert_eq!(Window::parse(&w.to_string()), Ok(w));
    }

    #[test]
    fn percent_and_fraction_targets_agree(n in 1i128..100_000) {
        let fraction = Dec::ratio(n, 100_000);
        let as_percent = fraction.percent().round_str(10);
        let as_fraction = fraction.round_str(10);
        let p = Target::parse(&as_percent);
        let f = Target::parse(&as_fraction).unwrap();
        // Percent forms of at most 1 (1% and below) read as fractions instead.
        if fraction.percent() > Dec::ONE {
            prop_assert_eq!(p.unwrap(), f);
        }
        prop_assert_eq!(Target::parse(&format!("{as_percent}%")).unwrap(), f);
    }
}
