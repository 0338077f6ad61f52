//! SLO targets. People write them as percentages (`99.95`, Sloth's
//! `objective`, Pyrra's `target`) or as fractions (`0.9995`, OpenSLO's
//! `target`, GCP's `goal`); a [`Target`] is always the fraction, strictly
//! between 0 and 1, parsed exactly so `1 - T` is never float noise.

use super::decimal::Dec;
use serde::{Serialize, Serializer};
use std::fmt;

/// An SLO target as an exact fraction, `0 < T < 1`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Target(Dec);

/// Why a target was rejected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    #[error("`{0}` is not a number (expected a target such as `99.9` or `0.999`)")]
    Junk(String),
    #[error("target `{0}` must be above 0")]
    NotPositive(String),
    #[error("target `{0}` is 100% or more: it leaves no error budget")]
    TooHigh(String),
}

impl Target {
    /// A target given as a fraction, `0 < f < 1`.
    pub fn from_fraction(f: Dec) -> Result<Target, TargetError> {
        if !f.is_positive() {
            Err(TargetError::NotPositive(f.to_string()))
        } else if f >= Dec::ONE {
            Err(TargetError::TooHigh(f.to_string()))
        } else {
            Ok(Target(f))
        }
    }

    /// A target given as a percentage, `0 < p < 100`.
    pub fn from_percent(p: Dec) -> Result<Target, TargetError> {
        Target::from_fraction(p / Dec::int(100)).map_err(|e| match e {
            TargetError::NotPositive(_) => TargetError::NotPositive(p.to_string()),
            _ => TargetError::TooHigh(p.to_string()),
        })
    }

    /// A number as written in a spec: above 1 it is a percentage (`99.9`),
    /// otherwise a fraction (`0.999`). Exactly `1` reads as the fraction 1,
    /// i.e. 100%, and is rejected: nobody means a 1% SLO.
    pub fn from_number(v: Dec) -> Result<Target, TargetError> {
        if v > Dec::ONE {
            Target::from_percent(v)
        } else {
            Target::from_fraction(v)
        }
    }

    /// Parses `99.95` (percent, because > 1), `0.9995` (fraction) or
    /// `99.95%` (explicit percent). Rejects 0, negatives, 100% or more, junk.
    pub fn parse(s: &str) -> Result<Target, TargetError> {
        let text = s.trim();
        let junk = || TargetError::Junk(text.to_string());
        match text.strip_suffix('%') {
            Some(p) => {
                Target::from_percent(Dec::parse(p).ok_or_else(junk)?).map_err(|e| relabel(e, text))
            }
            None => Target::from_number(Dec::parse(text).ok_or_else(junk)?)
                .map_err(|e| relabel(e, text)),
        }
    }

    /// The target as a fraction (`0.999`).
    pub fn fraction(self) -> Dec {
        self.0
    }

    /// The target as a percentage (`99.9`).
    pub fn percent(self) -> Dec {
        self.0.percent()
    }
}

/// Errors quote the text as the user wrote it.
fn relabel(e: TargetError, text: &str) -> TargetError {
    match e {
        TargetError::Junk(_) => TargetError::Junk(text.to_string()),
        TargetError::NotPositive(_) => TargetError::NotPositive(text.to_string()),
        TargetError::TooHigh(_) => TargetError::TooHigh(text.to_string()),
    }
}

/// Shown as a percentage: `99.95%`.
impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}%", self.percent().round_str(6))
    }
}

/// Serialized as the fraction (`0.999`), the unit the reference uses internally.
impl Serialize for Target {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frac(s: &str) -> Dec {
        Target::parse(s).unwrap().fraction()
    }

    #[test]
    fn percent_and_fraction_forms_agree() {
        assert_eq!(frac("99.95"), Dec::ratio(9995, 10_000));
        assert_eq!(frac("0.9995"), Dec::ratio(9995, 10_000));
        assert_eq!(frac("99.95%"), Dec::ratio(9995, 10_000));
        assert_eq!(frac(" 99.9 "), Dec::ratio(999, 1000));
        assert_eq!(frac("0.5"), Dec::ratio(1, 2));
        assert_eq!(frac("90"), Dec::ratio(9, 10));
        assert_eq!(frac("0.5%"), Dec::ratio(1, 200));
        // The budget is exact: no 0.0009999999999999432.
        assert_eq!(Dec::ONE - frac("99.9"), Dec::ratio(1, 1000));
    }

    #[test]
    fn rejects_zero_full_and_junk() {
        assert!(matches!(
            Target::parse("0"),
            Err(TargetError::NotPositive(_))
        ));
        assert!(matches!(
            Target::parse("-99.9"),
            Err(TargetError::NotPositive(_))
        ));
        assert!(matches!(
            Target::parse("0%"),
            Err(TargetError::NotPositive(_))
        ));
        assert!(matches!(Target::parse("100"), Err(TargetError::TooHigh(_))));
        assert!(matches!(
            Target::parse("100.0"),
            Err(TargetError::TooHigh(_))
        ));
        assert!(matches!(Target::parse("1"), Err(TargetError::TooHigh(_))));
        assert!(matches!(Target::parse("1.0"), Err(TargetError::TooHigh(_))));
        assert!(matches!(Target::parse("150"), Err(TargetError::TooHigh(_))));
        assert!(matches!(
            Target::parse("100%"),
            Err(TargetError::TooHigh(_))
        ));
        for junk in ["", "abc", "99.9.9", "99,9", "%", "nan", "inf", "99.9%%"] {
            assert!(
                matches!(Target::parse(junk), Err(TargetError::Junk(_))),
                "{junk:?}"
            );
        }
        assert_eq!(
            Target::parse("100").unwrap_err().to_string(),
            "target `100` is 100% or more: it leaves no error budget"
        );
    }

    #[test]
    fn displays_as_percent_and_serializes_as_fraction() {
        let t = Target::parse("99.95").unwrap();
        assert_eq!(t.to_string(), "99.95%");
        assert_eq!(t.percent(), Dec::ratio(19_990, 200));
        assert_eq!(serde_json::to_string(&t).unwrap(), "0.9995");
    }
}
