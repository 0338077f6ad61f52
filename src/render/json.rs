//! The JSON report: the stable contract for machines. Field names and meaning
//! only change with `schema_version`.

use super::summary::{Counts, tally};
use crate::Report;
use crate::finding::{Finding, Note};
use serde::Serialize;

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct Json<'a> {
    schema_version: u32,
    tool: Tool,
    root: String,
    findings: &'a [Finding],
    services: Vec<ServiceJson<'a>>,
    notes: &'a [Note],
    summary: Summary,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
    checks: usize,
}

#[derive(Serialize)]
struct ServiceJson<'a> {
    #[serde(flatten)]
    budget: &'a crate::budget::services::ServiceBudget,
    findings: Counts,
    /// The alert rules and SLOs linked to the service, with the evidence.
    #[serde(skip_serializing_if = "Option::is_none")]
    alerting: Option<&'a crate::model::alert_coverage::ServiceLinks>,
    /// The application config files linked to the service, and how.
    config: Vec<&'a crate::model::appconfig::view::ConfigLink>,
}

#[derive(Serialize)]
struct Summary {
    /// Findings that count: neither suppressed nor in the baseline.
    findings: usize,
    suppressed: usize,
    baseline: usize,
    by_severity: Counts,
    files: usize,
    documents: usize,
    resources: usize,
    services: usize,
    checks: usize,
}

pub fn render(report: &Report) -> String {
    let t = tally(report);
    let services = report
        .budgets
        .iter()
        .map(|b| ServiceJson {
            budget: b,
            findings: t
                .by_service
                .get(&Some(b.name.clone()))
                .cloned()
                .unwrap_or_default(),
            alerting: report.alerting.iter().find(|l| l.service == b.name),
            config: report
                .config
                .iter()
                .filter(|l| l.service == b.name)
                .collect(),
        })
        .collect();
    let json = Json {
        schema_version: SCHEMA_VERSION,
        tool: Tool {
            name: "creview",
            version: env!("CARGO_PKG_VERSION"),
            checks: report.stats.checks,
        },
        root: report.root.to_string_lossy().replace('\\', "/"),
        findings: &report.findings,
        services,
        notes: &report.notes,
        summary: Summary {
            findings: report.findings.len() - t.suppressed - t.baseline,
            suppressed: t.suppressed,
            baseline: t.baseline,
            by_severity: t.all,
            files: report.stats.files,
            documents: report.stats.documents,
            resources: report.stats.resources,
            services: report.budgets.len(),
            checks: report.stats.checks,
        },
    };
    let mut out =
        serde_json::to_string_pretty(&json).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    out.push('\n');
    out
}
