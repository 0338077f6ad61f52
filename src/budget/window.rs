//! Lengths of time: SLO windows (`28d`, `30d`, `4w`) and alert windows
//! (`5m`, `1h`, `3d`). A [`Window`] is held as whole milliseconds, so it
//! compares exactly and prints back the way Prometheus writes it; the math
//! reads it as an exact number of minutes or days.

use super::decimal::Dec;
use serde::{Serialize, Serializer};
use std::fmt;

const MS_PER_MINUTE: i128 = 60_000;
const MINUTES_PER_DAY: i64 = 1440;

/// A length of time, exact to the millisecond.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Window {
    ms: u64,
}

/// Why a window did not parse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WindowError {
    #[error("`{0}` is not a duration (expected e.g. `30d`, `4w`, `1h`, `5m`)")]
    Junk(String),
    #[error("`{0}` is empty: a window must be longer than zero")]
    Zero(String),
}

impl Window {
    pub const fn minutes(n: u64) -> Window {
        Window { ms: n * 60_000 }
    }

    pub const fn hours(n: u64) -> Window {
        Window::minutes(n * 60)
    }

    pub const fn days(n: u64) -> Window {
        Window::minutes(n * 1440)
    }

    pub const fn from_millis(ms: u64) -> Window {
        Window { ms }
    }

    pub fn as_millis(self) -> u64 {
        self.ms
    }

    /// The length in minutes, exact (`30s` is 1/2).
    pub fn as_minutes(self) -> Dec {
        Dec::ratio(i128::from(self.ms), MS_PER_MINUTE)
    }

    /// The length in days, exact (`6h` is 1/4).
    pub fn as_days(self) -> Dec {
        self.as_minutes() / Dec::int(MINUTES_PER_DAY)
    }

    /// Parses a Prometheus duration: one or more `<integer><unit>` parts, units
    /// `ms`, `s`, `m`, `h`, `d`, `w`, `y` (365 d), largest first (`1h30m`).
    /// Zero is allowed here (`0s`); SLO windows reject it.
    pub fn parse(s: &str) -> Result<Window, WindowError> {
        parse_duration(s, false)
    }
}

/// Parses an SLO window into days: `28d` -> 28, `4w` -> 28, `90d` -> 90.
/// Besides the Prometheus units it accepts the calendar shorthands of
/// OpenSLO: `M` (a month, counted as 30 d, as the reference's §10.1 says for
/// projections), `Q` (90 d) and `Y` (365 d). Rejects zero, bare numbers and junk.
pub fn parse_window_days(s: &str) -> Result<Dec, WindowError> {
    let w = parse_duration(s, true)?;
    if w.ms == 0 {
        return Err(WindowError::Zero(s.trim().to_string()));
    }
    Ok(w.as_days())
}

fn unit_millis(unit: &str, calendar: bool) -> Option<u64> {
    const DAY: u64 = 86_400_000;
    Some(match unit {
        "ms" => 1,
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => DAY,
        "w" => 7 * DAY,
        "y" => 365 * DAY,
        "M" if calendar => 30 * DAY,
        "Q" if calendar => 90 * DAY,
        "Y" if calendar => 365 * DAY,
        _ => return None,
    })
}

fn parse_duration(s: &str, calendar: bool) -> Result<Window, WindowError> {
    let text = s.trim();
    let junk = || WindowError::Junk(text.to_string());
    let mut rest = text;
    let mut total: u64 = 0;
    let mut last_unit = u64::MAX;
    if rest.is_empty() {
        return Err(junk());
    }
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(junk());
        }
        let n: u64 = rest[..digits].parse().map_err(|_| junk())?;
        rest = &rest[digits..];
        let unit_len = rest.bytes().take_while(|b| b.is_ascii_alphabetic()).count();
        let unit = unit_millis(&rest[..unit_len], calendar).ok_or_else(junk)?;
        // Units must shrink from left to right, as Prometheus requires.
        if unit >= last_unit {
            return Err(junk());
        }
        last_unit = unit;
        rest = &rest[unit_len..];
        total = n
            .checked_mul(unit)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(junk)?;
    }
    Ok(Window { ms: total })
}

/// Prints the way Prometheus writes durations: `5m`, `1h`, `3d`, `1h30m`.
/// Weeks are printed as days (`7d`), as Sloth and the Workbook do.
impl fmt::Display for Window {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ms == 0 {
            return f.write_str("0s");
        }
        let mut rest = self.ms;
        for (unit, len) in [
            ("d", 86_400_000),
            ("h", 3_600_000),
            ("m", 60_000),
            ("s", 1_000),
            ("ms", 1),
        ] {
            if rest >= len {
                write!(f, "{}{unit}", rest / len)?;
                rest %= len;
            }
        }
        Ok(())
    }
}

impl Serialize for Window {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn days(s: &str) -> Dec {
        parse_window_days(s).unwrap()
    }

    #[test]
    fn slo_windows_in_days() {
        assert_eq!(days("28d"), Dec::int(28));
        assert_eq!(days("30d"), Dec::int(30));
        assert_eq!(days("4w"), Dec::int(28));
        assert_eq!(days("90d"), Dec::int(90));
        assert_eq!(days(" 7d "), Dec::int(7));
        assert_eq!(days("1M"), Dec::int(30));
        assert_eq!(days("1Q"), Dec::int(90));
        assert_eq!(days("1Y"), Dec::int(365));
        assert_eq!(days("36h"), Dec::ratio(3, 2));
        assert_eq!(days("1w2d"), Dec::int(9));
    }

    #[test]
    fn slo_windows_reject_zero_and_junk() {
        for bad in [
            "",
            "0d",
            "30",
            "d",
            "30x",
            "-30d",
            "30.5d",
            "30 d",
            "1m1h",
            "1d1d",
            "abc",
            "99999999999999999999d",
        ] {
            assert!(
                parse_window_days(bad).is_err(),
                "{bad:?} should be rejected"
            );
        }
        assert_eq!(
            parse_window_days("0w"),
            Err(WindowError::Zero("0w".to_string()))
        );
        // Calendar shorthands are for SLO windows only; `M` is not minutes.
        assert!(Window::parse("1M").is_err());
    }

    #[test]
    fn alert_windows_parse_and_print() {
        for (text, minutes) in [
            ("5m", Dec::int(5)),
            ("30m", Dec::int(30)),
            ("1h", Dec::int(60)),
            ("6h", Dec::int(360)),
            ("1d", Dec::int(1440)),
            ("3d", Dec::int(4320)),
            ("1h30m", Dec::int(90)),
            ("30s", Dec::ratio(1, 2)),
        ] {
            let w = Window::parse(text).unwrap();
            assert_eq!(w.as_minutes(), minutes, "{text}");
            assert_eq!(w.to_string(), text);
        }
        assert_eq!(Window::parse("24h").unwrap().to_string(), "1d");
        assert_eq!(Window::parse("1w").unwrap().to_string(), "7d");
        assert_eq!(Window::parse("0s").unwrap().to_string(), "0s");
        assert_eq!(Window::hours(6).as_days(), Dec::ratio(1, 4));
        assert!(Window::minutes(5) < Window::hours(1));
    }

    #[test]
    fn serializes_as_a_duration_string() {
        let json = serde_json::to_string(&[Window::hours(1), Window::minutes(5), Window::days(3)])
            .unwrap();
        assert_eq!(json, r#"["1h","5m","3d"]"#);
    }
}
