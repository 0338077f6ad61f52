//! The review a CRE hands over, as one model: the executive summary, a
//! section per service (its SLO, budget, ranked risks and findings), the
//! findings outside any service, the checks cited and the assumptions the
//! numbers rest on. The HTML and Markdown reports both render it, so they
//! never disagree; it only selects and orders what the report holds.

use super::summary::{Counts, Tally, tally};
use crate::Report;
use crate::budget::decimal::Dec;
use crate::budget::services::{Basis, RiskRow, ServiceBudget};
use crate::engine::catalog::CheckSpec;
use crate::engine::registry::Registry;
use crate::finding::Finding;
use crate::source::SourceFile;
use std::collections::{BTreeMap, HashMap, HashSet};

/// How many risks the executive summary names.
pub const TOP_RISKS: usize = 3;
/// Lines shown above and below a finding's line in a code frame.
const FRAME_CONTEXT: u32 = 2;

pub struct Review<'a> {
    /// The reviewed folder's name.
    pub repository: String,
    pub date: &'a str,
    pub version: &'static str,
    pub files: usize,
    pub checks_run: usize,
    pub tally: Tally,
    pub services: Vec<ServiceReview<'a>>,
    /// Services whose design as written meets their SLO.
    pub meeting: usize,
    /// Unsuppressed findings that belong to no service.
    pub other_findings: Vec<&'a Finding>,
    /// Findings a suppression covers, with its reason.
    pub suppressed: Vec<&'a Finding>,
    /// Every check with a finding, by id: the targets of the per-check links.
    pub checks: Vec<&'a CheckSpec>,
    pub basis: &'a Basis,
    /// The risk parameters of every check priced in this report.
    pub risk_defaults: Vec<RiskDefault<'a>>,
    files_by_path: HashMap<&'a str, &'a SourceFile>,
}

pub struct ServiceReview<'a> {
    pub budget: &'a ServiceBudget,
    /// A fragment id, unique in the document.
    pub anchor: String,
    /// Unsuppressed findings, most severe first.
    pub findings: Vec<&'a Finding>,
    pub counts: Counts,
}

pub struct RankedRisk<'a> {
    pub service: &'a ServiceReview<'a>,
    pub risk: &'a RiskRow,
}

/// One priced event of a check, as the numbers were used.
pub struct RiskDefault<'a> {
    pub check: &'a str,
    pub event: &'a str,
    pub events_per_year: Dec,
    pub ttd_minutes: Dec,
    pub ttr_minutes: Dec,
    pub impact: Dec,
    /// Where they come from.
    pub basis: String,
    /// For a modifier: minutes it adds to other incidents' TTD and TTR.
    pub modifies: Option<(Dec, Dec)>,
}

/// Source lines around a finding.
pub struct Frame<'a> {
    pub first_line: u32,
    pub lines: Vec<&'a str>,
    /// The finding's line.
    pub mark: u32,
}

impl<'a> Review<'a> {
    pub fn new(report: &'a Report, registry: &'a Registry) -> Review<'a> {
        let t = tally(report);
        let mut by_service: HashMap<&str, Vec<&Finding>> = HashMap::new();
        let mut other_findings = Vec::new();
        let mut suppressed = Vec::new();
        let names: HashSet<&str> = report.budgets.iter().map(|b| b.name.as_str()).collect();
        for f in &report.findings {
            if f.suppressed.is_some() {
                suppressed.push(f);
                continue;
            }
            match f.service.as_deref().filter(|s| names.contains(s)) {
                Some(s) => by_service.entry(s).or_default().push(f),
                None => other_findings.push(f),
            }
        }
        let mut anchors = HashSet::new();
        let services: Vec<ServiceReview> = report
            .budgets
            .iter()
            .map(|b| {
                let mut findings = by_service.remove(b.name.as_str()).unwrap_or_default();
                sort_findings(&mut findings);
                ServiceReview {
                    budget: b,
                    anchor: unique_anchor(&mut anchors, "service", &b.name),
                    counts: t
                        .by_service
                        .get(&Some(b.name.clone()))
                        .cloned()
                        .unwrap_or_default(),
                    findings,
                }
            })
            .collect();
        sort_findings(&mut other_findings);
        let mut cited: Vec<&str> = report.findings.iter().map(|f| f.check.as_str()).collect();
        cited.sort_unstable();
        cited.dedup();
        let checks = cited
            .iter()
            .filter_map(|id| registry.get(id).map(|c| &c.spec))
            .collect::<Vec<_>>();
        let basis = &report.budget_basis;
        let risk_defaults = risk_defaults(&checks, basis);
        Review {
            repository: repository_name(&report.root),
            date: &report.date,
            version: env!("CARGO_PKG_VERSION"),
            files: report.stats.files,
            checks_run: report.stats.checks,
            tally: t,
            meeting: report.budgets.iter().filter(|b| b.meets_slo).count(),
            services,
            other_findings,
            suppressed,
            checks,
            basis,
            risk_defaults,
            files_by_path: report
                .inventory
                .files
                .iter()
                .map(|f| (f.display.as_str(), f))
                .collect(),
        }
    }

    /// The costliest risks not yet accepted, across the repository.
    pub fn top_risks(&self) -> Vec<RankedRisk<'_>> {
        let mut all: Vec<RankedRisk> = self
            .services
            .iter()
            .flat_map(|s| {
                s.budget
                    .risks
                    .iter()
                    .filter(|r| !r.accepted)
                    .map(move |r| RankedRisk {
                        service: s,
                        risk: r,
                    })
            })
            .collect();
        all.sort_by(|a, b| {
            b.risk
                .bad_minutes_per_year
                .cmp(&a.risk.bad_minutes_per_year)
                .then_with(|| b.risk.budget_share.cmp(&a.risk.budget_share))
        });
        all.truncate(TOP_RISKS);
        all
    }

    /// The lines around a finding, when its file was read.
    pub fn frame(&self, f: &Finding) -> Option<Frame<'a>> {
        let src = self.files_by_path.get(f.location.path.as_str())?;
        let line = f.location.line;
        if src.text.is_empty() || line == 0 || line as usize > src.line_count() {
            return None;
        }
        let first = line.saturating_sub(FRAME_CONTEXT).max(1);
        let last = (line + FRAME_CONTEXT).min(src.line_count() as u32);
        Some(Frame {
            first_line: first,
            lines: (first..=last).map(|l| src.line_text(l)).collect(),
            mark: line,
        })
    }

    /// The fragment id of a check's entry.
    pub fn check_anchor(id: &str) -> String {
        format!("check-{}", slug(id))
    }

    /// The fragment id of a service's section, if it has one.
    pub fn service_anchor(&self, name: &str) -> Option<&str> {
        self.services
            .iter()
            .find(|s| s.budget.name == name)
            .map(|s| s.anchor.as_str())
    }
}

/// Most severe first, then by place.
fn sort_findings(list: &mut [&Finding]) {
    list.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(a.sort_key().cmp(&b.sort_key()))
    });
}

/// Lowercase letters, digits and dashes: safe in an id and a URL fragment.
fn slug(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

pub(crate) fn unique_anchor(taken: &mut HashSet<String>, prefix: &str, name: &str) -> String {
    let base = format!("{prefix}-{}", slug(name));
    let mut candidate = base.clone();
    let mut n = 2;
    while !taken.insert(candidate.clone()) {
        candidate = format!("{base}-{n}");
        n += 1;
    }
    candidate
}

/// The reviewed folder's own name (`.` says nothing in a report title).
fn repository_name(root: &std::path::Path) -> String {
    let named = |p: &std::path::Path| {
        p.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .filter(|n| !n.is_empty())
    };
    named(root)
        .filter(|n| n != "." && n != "..")
        .or_else(|| root.canonicalize().ok().as_deref().and_then(named))
        .unwrap_or_else(|| root.display().to_string())
}

/// Every event of the cited checks that carry risk defaults, with the
/// `[risk-defaults]` overrides of creview.toml applied.
fn risk_defaults<'a>(checks: &[&'a CheckSpec], basis: &Basis) -> Vec<RiskDefault<'a>> {
    let mut out = Vec::new();
    for spec in checks {
        let Some(risk) = &spec.risk else { continue };
        let ov = basis.overrides.get(&spec.id);
        let modifies = risk.modifies.as_ref().map(|m| {
            (
                m.ttd_minutes.unwrap_or(Dec::ZERO),
                m.ttr_minutes.unwrap_or(Dec::ZERO),
            )
        });
        for e in &risk.events {
            out.push(RiskDefault {
                check: &spec.id,
                event: &e.name,
                events_per_year: ov
                    .and_then(|o| o.frequency_per_year)
                    .unwrap_or(e.frequency_per_year),
                ttd_minutes: ov.and_then(|o| o.ttd_minutes).unwrap_or(e.ttd_minutes),
                ttr_minutes: ov.and_then(|o| o.ttr_minutes).unwrap_or(e.ttr_minutes),
                impact: ov.and_then(|o| o.impact).unwrap_or(e.impact),
                basis: match (ov, e.basis.is_empty()) {
                    (Some(_), _) => "overridden in creview.toml [risk-defaults]".into(),
                    (None, false) => e.basis.clone(),
                    (None, true) => "check default (no source cited)".into(),
                },
                modifies: if risk.model == "modifier" {
                    modifies
                } else {
                    None
                },
            });
        }
    }
    out
}

/// Findings per check id, for the appendix counts.
pub fn findings_per_check(report: &Report) -> BTreeMap<&str, usize> {
    let mut out = BTreeMap::new();
    for f in report.findings.iter().filter(|f| f.suppressed.is_none()) {
        *out.entry(f.check.as_str()).or_insert(0) += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_fragment_safe() {
        assert_eq!(slug("SPOF-001"), "spof-001");
        assert_eq!(
            slug("shop/<script>alert(1)</script>"),
            "shop-script-alert-1-script"
        );
        assert_eq!(slug("---"), "");
    }

    #[test]
    fn anchors_stay_unique() {
        let mut taken = HashSet::new();
        assert_eq!(unique_anchor(&mut taken, "service", "a b"), "service-a-b");
        assert_eq!(unique_anchor(&mut taken, "service", "a/b"), "service-a-b-2");
        assert_eq!(unique_anchor(&mut taken, "service", "a.b"), "service-a-b-3");
    }

    #[test]
    fn repository_name_is_the_folder() {
        assert_eq!(
            repository_name(std::path::Path::new("examples/shop")),
            "shop"
        );
        assert!(!repository_name(std::path::Path::new(".")).is_empty());
        assert_ne!(repository_name(std::path::Path::new(".")), ".");
    }
}
