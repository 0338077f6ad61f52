//! Baselines: adopting creview on a repository with existing debt. A
//! baseline records today's findings by fingerprint (check + resource
//! identity + field path, list items by name), so a finding stays "known"
//! when lines move, files are reformatted or other objects change; a finding
//! whose resource is renamed is new.

use crate::finding::Finding;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::path::Path;

pub const VERSION: u32 = 1;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Baseline {
    pub version: u32,
    pub tool: String,
    pub findings: Vec<Entry>,
}

/// One recorded finding. Everything but the fingerprint is for people
/// reading the file (and reviewing its diff).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Entry {
    pub fingerprint: String,
    pub check: String,
    #[serde(default)]
    pub resource: Option<String>,
    #[serde(default)]
    pub path: String,
    #[serde(default)]
    pub message: String,
}

impl Baseline {
    /// Records the findings that count today (suppressed ones are accepted
    /// already and stay out).
    pub fn of(findings: &[Finding]) -> Baseline {
        let mut entries: Vec<Entry> = findings
            .iter()
            .filter(|f| f.suppressed.is_none())
            .map(|f| Entry {
                fingerprint: f.fingerprint.clone(),
                check: f.check.clone(),
                resource: f.resource.as_ref().map(|r| r.to_string()),
                path: f.location.path.clone(),
                message: f.message.clone(),
            })
            .collect();
        entries.sort_by(|a, b| (&a.check, &a.fingerprint).cmp(&(&b.check, &b.fingerprint)));
        entries.dedup_by(|a, b| a.fingerprint == b.fingerprint);
        Baseline {
            version: VERSION,
            tool: format!("creview {}", env!("CARGO_PKG_VERSION")),
            findings: entries,
        }
    }

    pub fn load(path: &Path) -> Result<Baseline, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read baseline {}: {e}", path.display()))?;
        let b: Baseline = serde_json::from_str(&text).map_err(|e| {
            format!(
                "{}:{}:{}: not a creview baseline: {e}",
                path.display(),
                e.line(),
                e.column()
            )
        })?;
        if b.version != VERSION {
            return Err(format!(
                "{}: baseline version {} is not supported (this creview writes version {VERSION})",
                path.display(),
                b.version
            ));
        }
        Ok(b)
    }

    pub fn write(&self, path: &Path) -> Result<(), String> {
        let mut text = serde_json::to_string_pretty(self).map_err(|e| e.to_string())?;
        text.push('\n');
        std::fs::write(path, text)
            .map_err(|e| format!("cannot write baseline {}: {e}", path.display()))
    }

    /// Marks the findings the baseline knows.
    pub fn apply(&self, findings: &mut [Finding]) -> usize {
        let known: HashSet<&str> = self
            .findings
            .iter()
            .map(|e| e.fingerprint.as_str())
            .collect();
        let mut n = 0;
        for f in findings.iter_mut() {
            if known.contains(f.fingerprint.as_str()) {
                f.baseline = true;
                n += 1;
            }
        }
        n
    }
}
