//! Composite availability (reference §7 and §10.3, F17-F19): chains,
//! redundant groups, failure domains and common-cause failures. Components
//! are independent unless a formula says otherwise; availabilities are
//! fractions.

use super::decimal::Dec;

/// Serial composition, every component needed: the product of the
/// availabilities (the product behind F14; 1 for an empty chain).
pub fn serial(availabilities: &[Dec]) -> Dec {
    availabilities.iter().product()
}

/// F17: parallel, any one of n enough: `1 - prod(1 - a_i)` (0 for none).
pub fn parallel(availabilities: &[Dec]) -> Dec {
    Dec::ONE
        - availabilities
            .iter()
            .map(|a| Dec::ONE - *a)
            .product::<Dec>()
}

/// The binomial coefficient `C(n, k)`, exact (0 when `k > n`).
pub fn binomial(n: u32, k: u32) -> Dec {
    if k > n {
        return Dec::ZERO;
    }
    let k = k.min(n - k);
    (0..k).fold(Dec::ONE, |c, i| {
        c * Dec::int(i64::from(n - i)) / Dec::int(i64::from(i + 1))
    })
}

/// F17: at least `k` of `n` identical replicas up, each with availability
/// `r`: `sum_{i=k..n} C(n,i) r^i (1-r)^(n-i)`. 1 when `k = 0`, 0 when `k > n`.
pub fn k_of_n(k: u32, n: u32, r: Dec) -> Dec {
    (k..=n)
        .map(|i| binomial(n, i) * r.pow(i) * (Dec::ONE - r).pow(n - i))
        .sum()
}

/// F18: `n` replicas co-located in one zone of availability `z`: the zone is
/// a serial factor in front of the group, `z x kofn(k, n, r)`.
pub fn zone_colocated(k: u32, n: u32, r: Dec, zone: Dec) -> Dec {
    zone * k_of_n(k, n, r)
}

/// F18: `n` replicas spread one per zone: each replica is up only when its
/// zone is, so the group is a k-of-n over `z x r`.
pub fn zone_spread(k: u32, n: u32, r: Dec, zone: Dec) -> Dec {
    k_of_n(k, n, zone * r)
}

/// F18: a regional common mode is one more serial factor.
pub fn with_region(availability: Dec, region: Dec) -> Dec {
    availability * region
}

/// F19: unavailability of a 1-of-n group with common-cause failures (beta
/// factor, rare-event approximation): `U = ((1 - beta) Q)^n + beta Q`, where
/// `Q` is one unit's unavailability and `beta` the common-cause fraction.
pub fn beta_factor_unavailability(q: Dec, beta: Dec, n: u32) -> Dec {
    ((Dec::ONE - beta) * q).pow(n) + beta * q
}

/// F19: `1 - U` of [`beta_factor_unavailability`].
pub fn beta_factor_availability(q: Dec, beta: Dec, n: u32) -> Dec {
    Dec::ONE - beta_factor_unavailability(q, beta, n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Dec {
        Dec::parse(s).unwrap()
    }

    #[test]
    fn binomials() {
        assert_eq!(binomial(4, 2), Dec::int(6));
        assert_eq!(binomial(5, 0), Dec::ONE);
        assert_eq!(binomial(5, 5), Dec::ONE);
        assert_eq!(binomial(3, 4), Dec::ZERO);
        assert_eq!(binomial(60, 30), Dec::ratio(118_264_581_564_861_424, 1));
    }

    #[test]
    fn reference_section_7_numbers() {
        let r = d("0.99");
        assert_eq!(parallel(&[r, r, r]), d("0.999999"));
        assert_eq!(parallel(&[d("0.995"), d("0.995")]), d("0.999975"));
        assert_eq!(k_of_n(3, 3, r), d("0.970299"));
        assert_eq!(k_of_n(2, 2, r), d("0.9801"));
        assert_eq!(k_of_n(3, 3, r), serial(&[r, r, r]));
        // 2-of-3 inside one zone; regional common mode 99.99%.
        let z = d("0.999");
        assert_eq!(
            zone_colocated(2, 3, r, z).percent().round_str(6),
            "99.87023"
        );
        assert_eq!(
            with_region(zone_colocated(1, 3, r, z), d("0.9999"))
                .percent()
                .round_str(5),
            "99.88991"
        );
        assert_eq!(
            with_region(zone_spread(1, 3, r, z), d("0.9999"))
                .percent()
                .round_str(5),
            "99.98987"
        );
        // Beta factor, n = 3, and the 1 - beta Q ceiling.
        let (q, beta) = (d("0.01"), d("0.1"));
        assert_eq!(
            beta_factor_availability(q, beta, 3).percent().round_str(6),
            "99.899927"
        );
        assert!(beta_factor_availability(q, beta, 10) < d("0.999"));
    }

    #[test]
    fn edge_cases() {
        assert_eq!(serial(&[]), Dec::ONE);
        assert_eq!(parallel(&[]), Dec::ZERO);
        assert_eq!(k_of_n(0, 3, d("0.5")), Dec::ONE);
        assert_eq!(k_of_n(4, 3, d("0.5")), Dec::ZERO);
        assert_eq!(k_of_n(1, 1, d("0.9")), d("0.9"));
    }
}
