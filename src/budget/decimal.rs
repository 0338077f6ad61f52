//! Exact decimal arithmetic for the budget math. SLO targets and risk
//! parameters are decimals written by people (`99.95`, `0.5`); computing with
//! them in f64 prints `43.199999999` where a CRE expects `43.2`. `Dec` is an
//! exact rational (i128 numerator and denominator, always reduced), converted
//! to f64 only at the very end, where the nearest f64 prints as the short
//! decimal people wrote.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::cmp::Ordering;
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Dec {
    num: i128,
    den: i128,
}

const fn gcd(mut a: i128, mut b: i128) -> i128 {
    a = a.abs();
    b = b.abs();
    while b != 0 {
        (a, b) = (b, a % b);
    }
    if a > 1 { a } else { 1 }
}

/// Compares `a/b` with `c/d` (`b`, `d` > 0) exactly, without multiplying
/// (so without overflow): compare the integer parts, then the reciprocals of
/// the fractional parts, which reverses the order (a continued fraction).
fn cmp_fractions(mut a: i128, mut b: i128, mut c: i128, mut d: i128) -> Ordering {
    let mut flipped = false;
    loop {
        let (q1, r1) = (a.div_euclid(b), a.rem_euclid(b));
        let (q2, r2) = (c.div_euclid(d), c.rem_euclid(d));
        let ord = match (q1.cmp(&q2), r1 == 0, r2 == 0) {
            (Ordering::Equal, true, true) => Ordering::Equal,
            (Ordering::Equal, true, false) => Ordering::Less,
            (Ordering::Equal, false, true) => Ordering::Greater,
            (Ordering::Equal, false, false) => {
                // r1/b vs r2/d, both in (0, 1): compare d/r2 with b/r1.
                (a, b, c, d) = (b, r1, d, r2);
                flipped = !flipped;
                continue;
            }
            (o, _, _) => o,
        };
        return if flipped { ord.reverse() } else { ord };
    }
}

impl Dec {
    pub const ZERO: Dec = Dec { num: 0, den: 1 };
    pub const ONE: Dec = Dec { num: 1, den: 1 };

    /// `num / den`, reduced. A zero denominator gives zero (never a panic).
    pub const fn ratio(num: i128, den: i128) -> Dec {
        if den == 0 {
            return Dec::ZERO;
        }
        let g = gcd(num, den);
        let sign = if den < 0 { -1 } else { 1 };
        Dec {
            num: sign * num / g,
            den: sign * den / g,
        }
    }

    pub const fn int(i: i64) -> Dec {
        Dec {
            num: i as i128,
            den: 1,
        }
    }

    /// Parses `99.95`, `-0.5`, `1e-3`, `12`. Returns `None` for anything else.
    pub fn parse(s: &str) -> Option<Dec> {
        let s = s.trim();
        let (mantissa, exp) = match s.find(['e', 'E']) {
            Some(i) => (&s[..i], s[i + 1..].parse::<i32>().ok()?),
            None => (s, 0),
        };
        let (neg, digits) = match mantissa.strip_prefix('-') {
            Some(d) => (true, d),
            None => (false, mantissa.strip_prefix('+').unwrap_or(mantissa)),
        };
        let (int_part, frac_part) = digits.split_once('.').unwrap_or((digits, ""));
        if int_part.is_empty() && frac_part.is_empty() {
            return None;
        }
        if !int_part
            .bytes()
            .chain(frac_part.bytes())
            .all(|b| b.is_ascii_digit())
        {
            return None;
        }
        if int_part.len() + frac_part.len() > 30 {
            return None;
        }
        let mut num: i128 = format!("{int_part}{frac_part}").parse().unwrap_or(0);
        if neg {
            num = -num;
        }
        let scale = exp - frac_part.len() as i32;
        if scale.unsigned_abs() > 30 {
            return None;
        }
        let pow = 10i128.checked_pow(scale.unsigned_abs())?;
        Some(if scale >= 0 {
            Dec::ratio(num.checked_mul(pow)?, 1)
        } else {
            Dec::ratio(num, pow)
        })
    }

    /// The exact decimal an f64 prints as (its shortest round-trip form).
    pub fn from_f64(f: f64) -> Option<Dec> {
        if !f.is_finite() {
            return None;
        }
        Dec::parse(&format!("{f}"))
    }

    pub fn to_f64(self) -> f64 {
        // Divide in f64 only once, from the exact integers.
        (self.num as f64) / (self.den as f64)
    }

    pub fn is_zero(self) -> bool {
        self.num == 0
    }

    pub fn is_negative(self) -> bool {
        self.num < 0
    }

    pub fn is_positive(self) -> bool {
        self.num > 0
    }

    /// Whether the value is a whole number.
    pub fn is_integer(self) -> bool {
        self.den == 1
    }

    pub fn abs(self) -> Dec {
        Dec::ratio(self.num.abs(), self.den)
    }

    /// The largest integer not above the value (`7.2` gives 7, `-0.5` gives -1).
    pub fn floor(self) -> i128 {
        self.num.div_euclid(self.den)
    }

    /// The value times 100, for showing a fraction as a percentage.
    pub fn percent(self) -> Dec {
        self * Dec::int(100)
    }

    /// `self` raised to a whole power (`x^0 = 1`). Exact while it fits in
    /// i128, then falls back to f64 like the other operators.
    pub fn pow(self, exp: u32) -> Dec {
        let mut result = Dec::ONE;
        let mut base = self;
        let mut e = exp;
        while e > 0 {
            if e & 1 == 1 {
                result = result * base;
            }
            e >>= 1;
            if e > 0 {
                base = base * base;
            }
        }
        result
    }

    pub fn checked_sub(self, o: Dec) -> Option<Dec> {
        self.checked_add(-o)
    }

    pub fn checked_add(self, o: Dec) -> Option<Dec> {
        let g = gcd(self.den, o.den);
        let den = (self.den / g).checked_mul(o.den)?;
        let num = self
            .num
            .checked_mul(o.den / g)?
            .checked_add(o.num.checked_mul(self.den / g)?)?;
        Some(Dec::ratio(num, den))
    }

    pub fn checked_mul(self, o: Dec) -> Option<Dec> {
        let g1 = gcd(self.num, o.den);
        let g2 = gcd(o.num, self.den);
        let num = (self.num / g1).checked_mul(o.num / g2)?;
        let den = (self.den / g2).checked_mul(o.den / g1)?;
        Some(Dec::ratio(num, den))
    }

    pub fn checked_div(self, o: Dec) -> Option<Dec> {
        if o.num == 0 {
            return None;
        }
        self.checked_mul(Dec::ratio(o.den, o.num))
    }

    /// Rounded half away from zero to `places` decimals, trailing zeros trimmed.
    pub fn round_str(self, places: u32) -> String {
        let scale = 10i128.pow(places);
        let scaled = self.num.saturating_mul(scale);
        let q = scaled / self.den;
        let r = scaled % self.den;
        let rounded = if r.abs() * 2 >= self.den {
            q + self.num.signum()
        } else {
            q
        };
        let neg = rounded < 0;
        let abs = rounded.unsigned_abs();
        let int = abs / scale as u128;
        let frac = abs % scale as u128;
        let mut s = if neg { "-".to_string() } else { String::new() };
        s.push_str(&int.to_string());
        if places > 0 && frac != 0 {
            let f = format!("{:0width$}", frac, width = places as usize);
            s.push('.');
            s.push_str(f.trim_end_matches('0'));
        }
        s
    }
}

impl std::ops::Add for Dec {
    type Output = Dec;
    fn add(self, o: Dec) -> Dec {
        self.checked_add(o)
            .unwrap_or_else(|| Dec::from_f64(self.to_f64() + o.to_f64()).unwrap_or(Dec::ZERO))
    }
}

impl std::ops::Sub for Dec {
    type Output = Dec;
    fn sub(self, o: Dec) -> Dec {
        self + Dec::ratio(-o.num, o.den)
    }
}

/// Zero.
impl Default for Dec {
    fn default() -> Dec {
        Dec::ZERO
    }
}

impl std::ops::Neg for Dec {
    type Output = Dec;
    fn neg(self) -> Dec {
        Dec::ratio(-self.num, self.den)
    }
}

impl std::iter::Sum for Dec {
    fn sum<I: Iterator<Item = Dec>>(iter: I) -> Dec {
        iter.fold(Dec::ZERO, |acc, x| acc + x)
    }
}

impl<'a> std::iter::Sum<&'a Dec> for Dec {
    fn sum<I: Iterator<Item = &'a Dec>>(iter: I) -> Dec {
        iter.copied().sum()
    }
}

impl std::iter::Product for Dec {
    fn product<I: Iterator<Item = Dec>>(iter: I) -> Dec {
        iter.fold(Dec::ONE, |acc, x| acc * x)
    }
}

impl<'a> std::iter::Product<&'a Dec> for Dec {
    fn product<I: Iterator<Item = &'a Dec>>(iter: I) -> Dec {
        iter.copied().product()
    }
}

impl std::ops::Mul for Dec {
    type Output = Dec;
    fn mul(self, o: Dec) -> Dec {
        self.checked_mul(o)
            .unwrap_or_else(|| Dec::from_f64(self.to_f64() * o.to_f64()).unwrap_or(Dec::ZERO))
    }
}

impl std::ops::Div for Dec {
    type Output = Dec;
    fn div(self, o: Dec) -> Dec {
        self.checked_div(o).unwrap_or(Dec::ZERO)
    }
}

impl Ord for Dec {
    fn cmp(&self, o: &Dec) -> Ordering {
        match (self.num.checked_mul(o.den), o.num.checked_mul(self.den)) {
            (Some(a), Some(b)) => a.cmp(&b),
            _ => cmp_fractions(self.num, self.den, o.num, o.den),
        }
    }
}

impl PartialOrd for Dec {
    fn partial_cmp(&self, o: &Dec) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

impl fmt::Display for Dec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.round_str(6))
    }
}

impl Serialize for Dec {
    /// Whole numbers as integers (`30`, not `30.0`); others as the nearest
    /// f64, which prints as the short decimal (`43.2`).
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.den == 1
            && let Ok(i) = i64::try_from(self.num)
        {
            return s.serialize_i64(i);
        }
        s.serialize_f64(self.to_f64())
    }
}

impl<'de> Deserialize<'de> for Dec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Dec, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Dec;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a decimal number")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Dec, E> {
                Ok(Dec::int(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Dec, E> {
                Ok(Dec::ratio(i128::from(v), 1))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Dec, E> {
                Dec::from_f64(v).ok_or_else(|| E::custom("not a finite number"))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Dec, E> {
                Dec::parse(v).ok_or_else(|| E::custom(format!("`{v}` is not a decimal number")))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Dec {
        Dec::parse(s).unwrap()
    }

    #[test]
    fn exact_budget_arithmetic() {
        let b = Dec::ONE - d("99.9") / Dec::int(100);
        assert_eq!(b, Dec::ratio(1, 1000));
        assert_eq!((b * Dec::int(43_200)).round_str(2), "43.2");
        assert_eq!((b * Dec::int(43_200)).to_f64().to_string(), "43.2");
        assert_eq!(d("1e-3"), Dec::ratio(1, 1000));
        assert_eq!(d("0.5") + d("0.25"), d("0.75"));
    }

    #[test]
    fn rounding_is_half_away_from_zero() {
        assert_eq!(d("2.5").round_str(0), "3");
        assert_eq!(d("-2.5").round_str(0), "-3");
        assert_eq!(d("0.125").round_str(2), "0.13");
        assert_eq!(Dec::ratio(1, 3).round_str(4), "0.3333");
        assert_eq!(d("10").round_str(2), "10");
    }

    #[test]
    fn integer_powers() {
        assert_eq!(d("0.01").pow(3), d("0.000001"));
        assert_eq!(d("0.99").pow(2), d("0.9801"));
        assert_eq!(d("-2").pow(3), Dec::int(-8));
        assert_eq!(d("1.5").pow(0), Dec::ONE);
        assert_eq!(Dec::ZERO.pow(0), Dec::ONE);
        assert_eq!(Dec::ratio(2, 3).pow(5), Dec::ratio(32, 243));
    }

    #[test]
    fn min_max_abs_neg_floor() {
        assert_eq!(d("0.999").max(d("0.9995")), d("0.9995"));
        assert_eq!(d("0.999").min(d("0.9995")), d("0.999"));
        assert_eq!(d("-1.25").abs(), d("1.25"));
        assert_eq!(-d("1.25"), d("-1.25"));
        assert_eq!(d("7.2").floor(), 7);
        assert_eq!(d("-0.5").floor(), -1);
        assert_eq!(Dec::int(7).floor(), 7);
        assert!(d("-0.5").is_negative() && d("0.5").is_positive() && !Dec::ZERO.is_positive());
        assert!(Dec::int(3).is_integer() && !d("0.5").is_integer());
        assert_eq!(d("0.001").percent(), d("0.1"));
    }

    #[test]
    fn sums_and_products() {
        let xs = [d("0.5"), d("0.25"), d("0.125")];
        assert_eq!(xs.iter().sum::<Dec>(), d("0.875"));
        assert_eq!(xs.iter().product::<Dec>(), d("0.015625"));
        assert_eq!(Vec::<Dec>::new().into_iter().product::<Dec>(), Dec::ONE);
        assert_eq!(d("1").checked_sub(d("0.999")), Some(d("0.001")));
    }

    #[test]
    fn const_constructors() {
        const YEAR: Dec = Dec::ratio(1461, 4);
        const DAY: Dec = Dec::int(1440);
        assert_eq!(YEAR, d("365.25"));
        assert_eq!(DAY, d("1440"));
        assert_eq!(Dec::ratio(6, -4), d("-1.5"));
        assert_eq!(Dec::default(), Dec::ZERO);
    }

    #[test]
    fn ordering_is_exact_even_when_cross_products_overflow() {
        // Denominators near 1e30: cross-multiplying overflows i128, and the
        // two values are closer than f64 can tell apart.
        let big = 10i128.pow(30);
        let a = Dec::ratio(big - 1, big);
        let b = Dec::ratio(big - 3, big - 2);
        assert!(a > b);
        assert!(b < a);
        assert_eq!(a.cmp(&a), Ordering::Equal);
        let c = Dec::ratio(-(big + 1), big);
        assert!(c < Dec::ratio(-1, 1));
        // 3 + 1/big < 3 + 20/(big - 7)
        assert!(Dec::ratio(3 * big + 1, big) < Dec::ratio(3 * big - 1, big - 7));
        assert_eq!(
            cmp_fractions(1, 3, 2, 6),
            Ordering::Equal,
            "unreduced inputs still compare equal"
        );
        assert_eq!(cmp_fractions(-7, 2, -3, 1), Ordering::Less);
    }

    #[test]
    fn rejects_junk() {
        assert!(Dec::parse("").is_none());
        assert!(Dec::parse("1.2.3").is_none());
        assert!(Dec::parse("abc").is_none());
        assert!(Dec::parse("1e400").is_none());
    }
}
