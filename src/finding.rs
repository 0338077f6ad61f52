//! What a check reports, and the notes the pipeline leaves for the user.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Severity, ordered from least to most severe.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// One level down (never below info).
    pub fn lowered(self, steps: u8) -> Severity {
        let mut s = self;
        for _ in 0..steps {
            s = match s {
                Severity::Critical => Severity::High,
                Severity::High => Severity::Medium,
                Severity::Medium => Severity::Low,
                Severity::Low | Severity::Info => Severity::Info,
            };
        }
        s
    }

    pub fn parse(s: &str) -> Option<Severity> {
        match s.to_ascii_lowercase().as_str() {
            "info" => Some(Severity::Info),
            "low" => Some(Severity::Low),
            "medium" => Some(Severity::Medium),
            "high" => Some(Severity::High),
            "critical" => Some(Severity::Critical),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Location {
    /// Relative to the scan root, `/`-separated.
    pub path: String,
    pub line: u32,
    pub column: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct ResourceRef {
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

impl fmt::Display for ResourceRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.namespace, self.kind, self.name)
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    pub check: String,
    pub slug: String,
    pub title: String,
    pub severity: Severity,
    pub category: String,
    pub message: String,
    pub location: Location,
    pub resource: Option<ResourceRef>,
    pub service: Option<String>,
    pub remediation: String,
    /// JSON Pointer of the offending field inside the resource ("" = whole resource).
    pub field_path: String,
    pub fingerprint: String,
    /// Why the severity differs from the check's default, if it does.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub severity_reasons: Vec<String>,
    /// Set when a suppression (annotation, comment, waiver) covers it: the
    /// finding stays in the report but never counts toward the exit code.
    pub suppressed: Option<crate::suppress::Suppressed>,
    /// Its price in error-budget terms (checks with risk defaults).
    pub risk: Option<crate::budget::services::FindingRisk>,
    /// Already recorded in the baseline given with `--baseline`: reported,
    /// but not new, so it does not count toward the exit code.
    pub baseline: bool,
}

impl Finding {
    /// Counts toward the exit code: not suppressed, not in the baseline.
    pub fn is_active(&self) -> bool {
        self.suppressed.is_none() && !self.baseline
    }

    /// Sort key of the JSON contract: path, line, column, check.
    pub fn sort_key(&self) -> (&str, u32, u32, &str) {
        (
            &self.location.path,
            self.location.line,
            self.location.column,
            &self.check,
        )
    }
}

/// Something the user should know that is not a finding: a file skipped on
/// purpose, a partial object, a symlink not followed.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Note {
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    pub message: String,
}

/// A stable fingerprint: FNV-1a 64 over the parts, as 16 hex digits. It must
/// not change between releases or platforms, so no std hasher is used.
pub fn fingerprint(parts: &[&str]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in part.bytes().chain(std::iter::once(0u8)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_order_and_lowering() {
        assert!(Severity::Critical > Severity::High);
        assert!(Severity::Info < Severity::Low);
        assert_eq!(Severity::High.lowered(1), Severity::Medium);
        assert_eq!(Severity::Low.lowered(3), Severity::Info);
    }

    #[test]
    fn fingerprints_are_stable() {
        // Pinned: a change here breaks every user's baseline file.
        assert_eq!(
            fingerprint(&["SPOF-001", "default/Deployment/web", "/spec/replicas"]),
            "ff2673ba79d5e36d"
        );
        assert_ne!(fingerprint(&["a", "bc"]), fingerprint(&["ab", "c"]));
        assert_eq!(fingerprint(&[]), "cbf29ce484222325");
    }
}
