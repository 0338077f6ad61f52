//! GitLab Code Quality report: a JSON array of issues the merge request
//! widget shows.

use crate::Report;
use crate::finding::Severity;
use serde_json::json;

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "blocker",
        Severity::High => "critical",
        Severity::Medium => "major",
        Severity::Low => "minor",
        Severity::Info => "info",
    }
}

pub fn render(report: &Report) -> String {
    let issues: Vec<serde_json::Value> = report
        .findings
        .iter()
        .filter(|f| f.is_active())
        .map(|f| {
            json!({
                "type": "issue",
                "check_name": format!("{} {}", f.check, f.slug),
                "description": format!("{}: {}", f.check, f.message),
                "content": {"body": f.remediation},
                "categories": ["Bug Risk"],
                "severity": severity(f.severity),
                "fingerprint": f.fingerprint,
                "location": {"path": f.location.path, "lines": {"begin": f.location.line.max(1)}},
            })
        })
        .collect();
    let mut out = serde_json::to_string_pretty(&issues).unwrap_or_default();
    out.push('\n');
    out
}
