//! CPU quantities as Kubernetes writes them (`500m`, `0.5`, `2`), in
//! millicores. Shared by the checks that compare CPU requests and limits.

use crate::yaml::Node;

/// Millicores of a CPU quantity node, or `None` when it is not a number
/// (a Helm placeholder, a typo).
pub fn cpu_millis(node: &Node) -> Option<f64> {
    if let Some(i) = node.as_i64() {
        return Some(i as f64 * 1000.0);
    }
    if let Some(f) = node.as_f64() {
        return Some(f * 1000.0);
    }
    parse_cpu(node.as_str()?)
}

pub fn parse_cpu(text: &str) -> Option<f64> {
    let t = text.trim();
    let v = match t.strip_suffix('m') {
        Some(m) => m.trim().parse::<f64>().ok()?,
        None => t.parse::<f64>().ok()? * 1000.0,
    };
    (v.is_finite() && v >= 0.0).then_some(v)
}

/// `500m`, `1.5` or `2` cores, as a person would write it back.
pub fn format_cpu(millis: f64) -> String {
    if millis >= 1000.0 && (millis % 1000.0).abs() < f64::EPSILON {
        format!("{}", (millis / 1000.0) as i64)
    } else if millis >= 1000.0 {
        format!("{}", millis / 1000.0)
    } else {
        format!("{}m", millis.round() as i64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_cpu_quantities() {
        assert_eq!(parse_cpu("500m"), Some(500.0));
        assert_eq!(parse_cpu("0.25"), Some(250.0));
        assert_eq!(parse_cpu("2"), Some(2000.0));
        assert_eq!(parse_cpu("{{ .Values.cpu }}"), None);
        assert_eq!(format_cpu(500.0), "500m");
        assert_eq!(format_cpu(2000.0), "2");
        assert_eq!(format_cpu(1500.0), "1.5");
    }
}
