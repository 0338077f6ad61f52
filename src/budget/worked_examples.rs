//! The worked examples E1-E12 of `reference/error-budget-math.md` §11, as
//! oracles. Exact values are compared as `Dec`; values the reference gives
//! rounded are compared as strings rounded half away from zero to the places
//! it shows (minutes 2 dp, percentages 4 dp, burn rates 4 dp unless the
//! reference prints more).

use super::alert_tiers::{
    budget_consumed_at_fire, detection_minutes, error_ratio_threshold, is_feasible,
    recommended_alerts, reset_minutes,
};
use super::availability::{
    Dependency, DependencyKind, assess_availability, dependencies_within_half_budget,
    dependency_bad_minutes_per_year, gap, has_extra_nine, mttf_availability, own_availability,
    unavailable_minutes_per_year, with_dependencies,
};
use super::burn_rate::{
    burn_rate, exhaustion_minutes, exhaustion_minutes_at_burn_rate, incident_budget_spent,
};
use super::decimal::Dec;
use super::error_budget::{
    DAYS_PER_YEAR, JULIAN_DAYS_PER_YEAR, event_budget, event_budget_spent,
    expected_window_bad_minutes, window_budget_minutes, yearly_budget_minutes,
};
use super::lints::{Level, infeasible_paging, weak_dependency};
use super::redundancy::{
    beta_factor_availability, beta_factor_unavailability, k_of_n, parallel, serial, zone_colocated,
    zone_spread,
};
use super::risk::{
    Frequency, Policy, Risk, RiskClass, assess_risks, bad_minutes_per_year, incidents_per_year,
};
use super::risk_factor::{RiskFactor, apply_risk_factor, risk_factor_delta};
use super::target::Target;
use super::window::Window;

fn d(s: &str) -> Dec {
    Dec::parse(s).unwrap()
}

fn t(s: &str) -> Target {
    Target::parse(s).unwrap()
}

/// A percentage of a fraction, rounded.
fn pct(x: Dec, places: u32) -> String {
    x.percent().round_str(places)
}

#[test]
fn e1_time_budgets() {
    assert_eq!(window_budget_minutes(t("99.9"), Dec::int(30)), d("43.2"));
    assert_eq!(window_budget_minutes(t("99.9"), Dec::int(28)), d("40.32"));
    assert_eq!(window_budget_minutes(t("99.95"), Dec::int(28)), d("20.16"));
    assert_eq!(yearly_budget_minutes(t("99.99"), DAYS_PER_YEAR), d("52.56"));
    let five_nines = window_budget_minutes(t("99.999"), Dec::int(30));
    assert_eq!(five_nines, d("0.432"));
    assert_eq!(five_nines * Dec::int(60), d("25.92"));
    assert_eq!(window_budget_minutes(t("99.5"), Dec::int(90)), d("648"));
    assert_eq!(
        yearly_budget_minutes(t("99.9"), JULIAN_DAYS_PER_YEAR),
        d("525.96")
    );
    assert_eq!(yearly_budget_minutes(t("99.9"), DAYS_PER_YEAR), d("525.6"));
    // Printed and serialized without float noise.
    assert_eq!(
        window_budget_minutes(t("99.9"), Dec::int(30))
            .to_f64()
            .to_string(),
        "43.2"
    );
}

#[test]
fn e2_event_budgets_and_low_traffic() {
    assert_eq!(
        event_budget(t("99.9"), Dec::int(1_000_000)).allowed,
        Dec::int(1000)
    );
    assert_eq!(
        event_budget(t("99.99"), Dec::int(2_500_000)).allowed,
        Dec::int(250)
    );
    // 10 req/h over 30 days.
    let requests = Dec::int(10) * Dec::int(24 * 30);
    assert_eq!(requests, Dec::int(7200));
    let budget = event_budget(t("99.9"), requests);
    assert_eq!(budget.allowed, d("7.2"));
    assert_eq!(budget.whole_failures, 7);
    let one = event_budget_spent(t("99.9"), requests, Dec::ONE).unwrap();
    assert_eq!(one, Dec::ONE / d("7.2"));
    assert_eq!(pct(one, 4), "13.8889");
    // One failure of 10 requests in an hour: burn rate 100 (not the Workbook's 1,000).
    assert_eq!(burn_rate(Dec::ratio(1, 10), t("99.9")), Dec::int(100));
}

#[test]
fn e3_burn_rate_and_exhaustion() {
    let (slo, month) = (t("99.9"), Dec::int(30));
    assert_eq!(burn_rate(d("0.01"), slo), Dec::int(10));
    assert_eq!(
        exhaustion_minutes(d("0.01"), slo, month),
        Some(Dec::int(4320))
    );
    assert_eq!(burn_rate(Dec::ONE, slo), Dec::int(1000));
    assert_eq!(exhaustion_minutes(Dec::ONE, slo, month), Some(d("43.2")));
    assert_eq!(burn_rate(d("0.0005"), slo), d("0.5"));
    let lasts = exhaustion_minutes(d("0.0005"), slo, month).unwrap();
    assert_eq!(lasts / Dec::int(1440), Dec::int(60));
    // The window ends with half the budget unspent.
    let spent = incident_budget_spent(d("0.0005"), Dec::int(43_200), slo, month);
    assert_eq!(Dec::ONE - spent, d("0.5"));
}

#[test]
fn e4_recommended_tiers() {
    let rates = |days: i64| -> Vec<Dec> {
        recommended_alerts(t("99.9"), Dec::int(days))
            .iter()
            .map(|a| a.burn_rate)
            .collect()
    };
    let thresholds = |days: i64| -> Vec<String> {
        recommended_alerts(t("99.9"), Dec::int(days))
            .iter()
            .map(|a| pct(a.error_ratio_threshold, 4))
            .collect()
    };
    assert_eq!(rates(30), [d("14.4"), d("6"), d("3"), d("1")]);
    assert_eq!(thresholds(30), ["1.44", "0.6", "0.3", "0.1"]);
    // 28 d: Sloth's generated factors, exactly (no 5.6000000000000005).
    assert_eq!(
        rates(28),
        [d("13.44"), d("5.6"), d("2.8"), Dec::ratio(14, 15)]
    );
    assert_eq!(rates(28)[3].round_str(4), "0.9333");
    assert_eq!(thresholds(28), ["1.344", "0.56", "0.28", "0.0933"]);
    assert_eq!(rates(90), [d("43.2"), d("18"), d("9"), d("3")]);
    let names: Vec<String> = recommended_alerts(t("99.9"), Dec::int(30))
        .iter()
        .map(|a| {
            format!(
                "{} {} {}/{}",
                a.name,
                a.severity.as_str(),
                a.long_window,
                a.short_window
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            "page-fast page 1h/5m",
            "page-slow page 6h/30m",
            "ticket-fast ticket 1d/2h",
            "ticket-slow ticket 3d/6h"
        ]
    );
}

#[test]
fn e5_multiwindow_timing() {
    let tiers = recommended_alerts(t("99.9"), Dec::int(30));
    let fast = &tiers[0];
    assert_eq!(fast.detection_minutes_full_outage, Some(d("0.864")));
    assert_eq!(d("0.864") * Dec::int(60), d("51.84"));
    assert_eq!(fast.budget_consumed, d("0.02"));
    assert_eq!(fast.reset_minutes, Some(d("4.928")));
    assert_eq!(d("4.928") * Dec::int(60), d("295.68"));
    assert_eq!(fast.detection_minutes_at(d("0.15")), Some(d("5.76")));
    assert_eq!(fast.reset_minutes_at(d("0.15")), Some(d("4.52")));
    assert_eq!(fast.detection_minutes_at(d("0.10")), Some(d("8.64")));
    assert_eq!(fast.detection_minutes_at(d("0.0144")), None);
    assert_eq!(fast.detection_minutes_at(d("0.01")), None);
    let slow = &tiers[1];
    assert_eq!(slow.detection_minutes_full_outage, Some(d("2.16")));
    assert_eq!(slow.budget_consumed, d("0.05"));
    assert_eq!(slow.reset_minutes, Some(d("29.82")));
}

#[test]
fn e6_single_window_approaches() {
    let (slo, month) = (t("99.9"), Dec::int(30));
    // Approach 1: 10m >= b.
    let theta1 = error_ratio_threshold(Dec::ONE, slo);
    let det = detection_minutes(theta1, &[Window::minutes(10)], Dec::ONE).unwrap();
    assert_eq!(det * Dec::int(60), d("0.6"));
    let spent = incident_budget_spent(d("0.001"), Dec::int(10), slo, month);
    assert_eq!(spent, Dec::ratio(10, 43_200));
    assert_eq!(pct(spent, 4), "0.0231");
    // Approach 2: 36h > b.
    let w36 = [Window::hours(36)];
    assert_eq!(
        detection_minutes(theta1, &w36, Dec::ONE).map(|m| m * Dec::int(60)),
        Some(d("129.6"))
    );
    let reset = reset_minutes(theta1, &w36, Dec::ONE).unwrap();
    assert_eq!(reset / Dec::int(60), d("35.964"));
    // Approach 3: for: 1h.
    let full_hour = incident_budget_spent(Dec::ONE, Dec::int(60), slo, month);
    assert_eq!(pct(full_hour, 4), "138.8889");
    let spike = incident_budget_spent(Dec::ONE, Dec::int(5), slo, month);
    assert_eq!(pct(spike, 4), "11.5741");
    assert_eq!(pct(spike * Dec::int(3), 4), "34.7222");
    // Approach 4: 1h > 36b.
    let theta4 = error_ratio_threshold(Dec::int(36), slo);
    let w1 = [Window::hours(1)];
    assert_eq!(detection_minutes(theta4, &w1, Dec::ONE), Some(d("2.16")));
    assert_eq!(reset_minutes(theta4, &w1, Dec::ONE), Some(d("57.84")));
    let hours = exhaustion_minutes_at_burn_rate(Dec::int(35), month).unwrap() / Dec::int(60);
    assert_eq!(hours.round_str(4), "20.5714");
}

#[test]
fn e7_infeasible_alerts() {
    let ninety = recommended_alerts(t("90"), Dec::int(30));
    assert_eq!(ninety[0].burn_rate, d("14.4"));
    assert_eq!(ninety[0].error_ratio_threshold, d("1.44"));
    assert!(!ninety[0].feasible);
    assert!(infeasible_paging(&(&ninety[0]).into(), t("90")).is_some());
    let outage = incident_budget_spent(Dec::ONE, Dec::int(60), t("90"), Dec::int(30));
    assert_eq!(pct(outage, 4), "1.3889");

    let year = recommended_alerts(t("99"), Dec::int(365));
    assert_eq!(year[0].burn_rate, d("175.2"));
    assert_eq!(year[0].error_ratio_threshold, d("1.752"));
    assert!(!year[0].feasible);
    assert_eq!(year[1].burn_rate, d("73"));
    assert_eq!(year[1].error_ratio_threshold, d("0.73"));
    assert!(year[1].feasible);
    assert!(is_feasible(year[1].error_ratio_threshold));
    assert!(infeasible_paging(&(&year[1]).into(), t("99")).is_none());
    assert_eq!(
        budget_consumed_at_fire(year[0].burn_rate, Window::hours(1), Dec::int(365)),
        d("0.02")
    );
}

fn e8_risks() -> Vec<Risk> {
    let risk = |id: &str, name: &str, n: &str, ettd: &str, ettr: &str, impact: &str| Risk {
        id: id.into(),
        name: name.into(),
        ettd_min: d(ettd),
        ettr_min: d(ettr),
        impact: d(impact),
        frequency: Frequency::PerYear(d(n)),
        accepted: true,
    };
    vec![
        risk(
            "R1",
            "bad release, no canary, untested rollback",
            "12",
            "10",
            "50",
            "1.0",
        ),
        risk(
            "R2",
            "single-zone DB, manual failover",
            "1",
            "5",
            "115",
            "1.0",
        ),
        risk(
            "R3",
            "TLS cert expiry, no expiry alert",
            "0.5",
            "60",
            "30",
            "1.0",
        ),
        risk(
            "R4",
            "weekly peak overload drops 5% of requests for 1 h",
            "52",
            "0",
            "60",
            "0.05",
        ),
    ]
}

#[test]
fn e8_risk_catalog() {
    let slo = t("99.9");
    let policy = Policy::default();
    let a = assess_risks(&e8_risks(), slo, &policy);
    assert_eq!(a.yearly_budget_minutes, d("525.6"));
    assert_eq!(a.threshold_minutes, d("131.4"));
    let rows: Vec<(&str, Dec, String, RiskClass, usize)> = a
        .risks
        .iter()
        .map(|r| {
            (
                r.id.as_str(),
                r.bad_minutes_per_year,
                pct(r.share, 4),
                r.class,
                r.rank,
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (
                "R1",
                d("720"),
                "136.9863".to_string(),
                RiskClass::ExceedsBudget,
                1
            ),
            ("R4", d("156"), "29.6804".to_string(), RiskClass::TooBig, 2),
            (
                "R2",
                d("120"),
                "22.8311".to_string(),
                RiskClass::Acceptable,
                3
            ),
            (
                "R3",
                d("45"),
                "8.5616".to_string(),
                RiskClass::Acceptable,
                4
            ),
        ]
    );
    assert_eq!(a.total_bad_minutes, Dec::int(1041));
    assert_eq!(pct(a.total_share, 4), "198.0594");
    assert!(a.overcommitted);

    let own = own_availability(a.total_bad_minutes, DAYS_PER_YEAR);
    assert_eq!(own, Dec::ONE - Dec::ratio(1041, 525_600));
    assert_eq!(pct(own, 6), "99.801941");
    let g = gap(slo, own, DAYS_PER_YEAR);
    assert_eq!(g.percentage_points.round_str(6), "0.098059");
    assert_eq!(g.minutes_per_year, d("515.4"));
    let per_window = expected_window_bad_minutes(a.total_bad_minutes, Dec::int(30), DAYS_PER_YEAR);
    assert_eq!(per_window.round_str(4), "85.5616");
    assert_eq!(window_budget_minutes(slo, Dec::int(30)), d("43.2"));

    // Without R1.
    let rest: Vec<Risk> = e8_risks().into_iter().skip(1).collect();
    let b = assess_risks(&rest, slo, &policy);
    assert_eq!(b.total_bad_minutes, Dec::int(321));
    assert_eq!(pct(b.total_share, 4), "61.0731");
    assert!(!b.overcommitted);
    let view = assess_availability(slo, b.total_bad_minutes, &[], DAYS_PER_YEAR);
    assert_eq!(pct(view.own, 6), "99.938927");
    assert_eq!(view.gap.percentage_points.round_str(6), "-0.038927");
}

#[test]
fn e9_ettf_convention() {
    let row = |ettd: &str, ettr: &str, impact: &str| Risk {
        id: "google".into(),
        name: "example row".into(),
        ettd_min: d(ettd),
        ettr_min: d(ettr),
        impact: d(impact),
        frequency: Frequency::EttfDays(Dec::int(90)),
        accepted: false,
    };
    let release = row("1440", "30", "0.02");
    assert_eq!(
        incidents_per_year(release.frequency, DAYS_PER_YEAR).round_str(6),
        "4.055556"
    );
    let bm = bad_minutes_per_year(&release, DAYS_PER_YEAR);
    assert_eq!(bm.round_str(4), "119.2333");
    assert_eq!(bm.round_str(0), "119");
    assert_eq!(
        incidents_per_year(release.frequency, JULIAN_DAYS_PER_YEAR).round_str(6),
        "4.058333"
    );
    assert_eq!(
        bad_minutes_per_year(&release, JULIAN_DAYS_PER_YEAR),
        d("119.315")
    );

    let config = row("30", "120", "0.2");
    let bm365 = bad_minutes_per_year(&config, DAYS_PER_YEAR);
    let bm36525 = bad_minutes_per_year(&config, JULIAN_DAYS_PER_YEAR);
    assert_eq!(bm365.round_str(4), "121.6667");
    assert_eq!(bm36525, d("121.75"));
    assert_eq!(bm365.round_str(0), "122");
    assert_eq!(bm36525.round_str(0), "122");
}

#[test]
fn e10_risk_factor() {
    let risks = e8_risks();
    let exposure: Dec = risks
        .iter()
        .map(|r| incidents_per_year(r.frequency, DAYS_PER_YEAR) * r.impact)
        .sum();
    assert_eq!(exposure, d("16.1"));
    let slower = RiskFactor {
        id: "ettd+30".into(),
        ettd_add_min: Dec::int(30),
        ..RiskFactor::default()
    };
    let more = RiskFactor {
        id: "freq+10%".into(),
        freq_increase: d("0.1"),
        ..RiskFactor::default()
    };
    let both = RiskFactor {
        id: "both".into(),
        ettd_add_min: Dec::int(30),
        freq_increase: d("0.1"),
        ..RiskFactor::default()
    };
    for (factor, want) in [(&slower, "483"), (&more, "104.1"), (&both, "635.4")] {
        assert_eq!(
            risk_factor_delta(&risks, factor, DAYS_PER_YEAR),
            d(want),
            "{}",
            factor.id
        );
        // The modifier returns adjusted risks that cost exactly that much more.
        let total = |rs: &[Risk]| -> Dec {
            rs.iter()
                .map(|r| bad_minutes_per_year(r, DAYS_PER_YEAR))
                .sum()
        };
        let adjusted = apply_risk_factor(&risks, factor);
        assert_eq!(total(&adjusted) - total(&risks), d(want), "{}", factor.id);
    }
    assert_eq!(apply_risk_factor(&risks, &slower)[0].ettd_min, Dec::int(40));
}

#[test]
fn e11_dependencies_and_extra_nine() {
    let slo = t("99.9");
    let own = own_availability(Dec::int(1041), DAYS_PER_YEAR);
    let hard = |name: &str, a: &str| Dependency {
        name: name.into(),
        availability: d(a),
        kind: DependencyKind::Hard,
    };
    let deps = [hard("db", "0.9995"), hard("auth", "0.9999")];
    let a = with_dependencies(own, &deps);
    assert_eq!(pct(a, 6), "99.742064");
    assert_eq!(
        gap(slo, a, DAYS_PER_YEAR).percentage_points.round_str(6),
        "0.157936"
    );
    let view = assess_availability(slo, Dec::int(1041), &deps, DAYS_PER_YEAR);
    assert_eq!(view.achievable, a);
    assert_eq!(view.dependency_ceiling, d("0.9995") * d("0.9999"));

    // Extra nine at 99.9% needs 99.99%: DB fails (a warning, it is above T), auth passes.
    assert!(!has_extra_nine(d("0.9995"), slo));
    assert!(has_extra_nine(d("0.9999"), slo));
    assert_eq!(
        weak_dependency("db", d("0.9995"), slo).unwrap().level,
        Level::Warning
    );
    assert!(weak_dependency("auth", d("0.9999"), slo).is_none());

    // The Calculus paper: 53 / 26 / 27.
    let four_nines = t("99.99");
    let budget = yearly_budget_minutes(four_nines, DAYS_PER_YEAR);
    assert_eq!(budget, d("52.56"));
    let five: Vec<Dependency> = (0..5).map(|i| hard(&format!("d{i}"), "0.99999")).collect();
    let dep_minutes = dependency_bad_minutes_per_year(&five, DAYS_PER_YEAR);
    assert_eq!(dep_minutes, d("26.28"));
    assert_eq!(budget - dep_minutes, d("26.28"));
    assert!(dependencies_within_half_budget(&five, four_nines));
    // Three 20-minute full outages a year break four nines.
    let outages = own_availability(Dec::int(60), DAYS_PER_YEAR);
    assert_eq!(pct(outages, 6), "99.988584");
    assert!(outages < four_nines.fraction());
}

#[test]
fn e12_redundancy() {
    let chain = serial(&[d("0.9999"), d("0.9995"), d("0.999"), d("0.999")]);
    assert_eq!(chain, Dec::ratio(19_948_044_986_001, 20_000_000_000_000));
    assert_eq!(pct(chain, 6), "99.740225");
    assert_eq!(
        unavailable_minutes_per_year(chain, DAYS_PER_YEAR).round_str(2),
        "1365.38"
    );
    let r = d("0.99");
    assert_eq!(parallel(&[r, r]), d("0.9999"));
    assert_eq!(k_of_n(2, 3, r), d("0.999702"));
    assert_eq!(k_of_n(3, 4, r), d("0.99940797"));
    let z = d("0.999");
    assert_eq!(zone_colocated(1, 3, r, z), d("0.998999001"));
    let spread = zone_spread(1, 3, r, z);
    assert_eq!(spread, Dec::ONE - d("0.01099").pow(3));
    assert_eq!(pct(spread, 7), "99.9998673");
    assert_eq!(pct(zone_spread(2, 3, r, z), 7), "99.9640314");
    let (q, beta) = (d("0.01"), d("0.1"));
    assert_eq!(beta_factor_unavailability(q, beta, 2), d("0.001081"));
    assert_eq!(pct(beta_factor_availability(q, beta, 2), 4), "99.8919");
    let repairable = mttf_availability(Dec::int(719), Dec::int(1));
    assert_eq!(repairable, Dec::ratio(719, 720));
    assert_eq!(pct(repairable, 6), "99.861111");
    assert_eq!(
        unavailable_minutes_per_year(repairable, DAYS_PER_YEAR),
        Dec::int(730)
    );
}
