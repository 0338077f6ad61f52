//! Durations as Spring Boot, resilience4j, Istio and ingress annotations
//! write them: `10s`, `500ms`, `1.5s`, `PT30S`, or a bare number in the
//! property's own unit (milliseconds for most Spring and Hikari settings,
//! seconds for nginx annotations).

/// Milliseconds in a unit.
pub const MS: f64 = 0.001;
pub const SECONDS: f64 = 1.0;

/// The duration in seconds; a bare number is in `bare_unit` seconds.
pub fn seconds(text: &str, bare_unit: f64) -> Option<f64> {
    let t = text.trim().trim_matches(['"', '\'']);
    if t.is_empty() {
        return None;
    }
    if let Ok(n) = t.parse::<f64>() {
        return n.is_finite().then_some(n * bare_unit);
    }
    let upper = t.to_ascii_uppercase();
    if let Some(rest) = upper.strip_prefix("PT").or_else(|| upper.strip_prefix("P")) {
        return iso8601(rest);
    }
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num.parse().ok()?;
    let factor = match unit.trim().to_ascii_lowercase().as_str() {
        "ns" => 1e-9,
        "us" | "µs" => 1e-6,
        "ms" => 1e-3,
        "s" | "sec" | "secs" | "second" | "seconds" => 1.0,
        "m" | "min" | "mins" | "minute" | "minutes" => 60.0,
        "h" | "hr" | "hour" | "hours" => 3600.0,
        "d" | "day" | "days" => 86400.0,
        _ => return None,
    };
    Some(n * factor)
}

fn iso8601(rest: &str) -> Option<f64> {
    let mut total = 0.0;
    let mut num = String::new();
    for c in rest.chars() {
        match c {
            '0'..='9' | '.' | '-' => num.push(c),
            'T' => {}
            'D' | 'H' | 'M' | 'S' => {
                let n: f64 = num.parse().ok()?;
                num.clear();
                total += n * match c {
                    'D' => 86400.0,
                    'H' => 3600.0,
                    'M' => 60.0,
                    _ => 1.0,
                };
            }
            _ => return None,
        }
    }
    num.is_empty().then_some(total)
}

/// A duration for messages: `30s`, `1.5s`, `500ms`, `2m`, `1h`.
pub fn show(secs: f64) -> String {
    if secs == 0.0 {
        return "0s".into();
    }
    if secs < 1.0 {
        return format!("{}ms", trim((secs * 1000.0 * 1000.0).round() / 1000.0));
    }
    if secs >= 3600.0 && (secs / 3600.0).fract() == 0.0 {
        return format!("{}h", trim(secs / 3600.0));
    }
    if secs >= 60.0 && (secs / 60.0).fract() == 0.0 {
        return format!("{}m", trim(secs / 60.0));
    }
    format!("{}s", trim((secs * 1000.0).round() / 1000.0))
}

fn trim(v: f64) -> String {
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        assert_eq!(seconds("10s", MS), Some(10.0));
        assert_eq!(seconds("500ms", MS), Some(0.5));
        assert_eq!(seconds("1.5s", MS), Some(1.5));
        assert_eq!(seconds("30000", MS), Some(30.0));
        assert_eq!(seconds("60", SECONDS), Some(60.0));
        assert_eq!(seconds("PT30S", MS), Some(30.0));
        assert_eq!(seconds("PT1M30S", MS), Some(90.0));
        assert_eq!(seconds("2m", MS), Some(120.0));
        assert_eq!(seconds("abc", MS), None);
        assert_eq!(seconds("${X}", MS), None);
        assert_eq!(show(30.0), "30s");
        assert_eq!(show(0.5), "500ms");
        assert_eq!(show(1.5), "1.5s");
        assert_eq!(show(120.0), "2m");
        assert_eq!(show(1800.0), "30m");
    }
}
