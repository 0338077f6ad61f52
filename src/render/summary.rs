//! Counts shared by every renderer: findings per severity and per service.

use crate::Report;
use crate::finding::Severity;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct Counts {
    pub critical: usize,
    pub high: usize,
    pub medium: usize,
    pub low: usize,
    pub info: usize,
}

impl Counts {
    pub fn add(&mut self, s: Severity) {
        *self.slot(s) += 1;
    }

    fn slot(&mut self, s: Severity) -> &mut usize {
        match s {
            Severity::Critical => &mut self.critical,
            Severity::High => &mut self.high,
            Severity::Medium => &mut self.medium,
            Severity::Low => &mut self.low,
            Severity::Info => &mut self.info,
        }
    }

    pub fn get(&self, s: Severity) -> usize {
        match s {
            Severity::Critical => self.critical,
            Severity::High => self.high,
            Severity::Medium => self.medium,
            Severity::Low => self.low,
            Severity::Info => self.info,
        }
    }

    pub fn total(&self) -> usize {
        self.critical + self.high + self.medium + self.low + self.info
    }
}

/// Findings counted overall and per service (`None` = not part of a
/// service). Suppressed findings are counted apart.
pub struct Tally {
    pub all: Counts,
    pub by_service: BTreeMap<Option<String>, Counts>,
    pub suppressed: usize,
    /// Known from the baseline (not new).
    pub baseline: usize,
}

pub fn tally(report: &Report) -> Tally {
    let mut all = Counts::default();
    let mut by_service: BTreeMap<Option<String>, Counts> = BTreeMap::new();
    for s in &report.services.list {
        by_service.entry(Some(s.name.clone())).or_default();
    }
    let mut suppressed = 0;
    let mut baseline = 0;
    for f in &report.findings {
        if f.suppressed.is_some() {
            suppressed += 1;
            continue;
        }
        if f.baseline {
            baseline += 1;
            continue;
        }
        all.add(f.severity);
        by_service
            .entry(f.service.clone())
            .or_default()
            .add(f.severity);
    }
    Tally {
        all,
        by_service,
        suppressed,
        baseline,
    }
}
