//! The JSON report: the stable contract for machines. Field names and meaning
//! only change with `schema_version`.

use super::pretty;
use super::summary::{Counts, tally};
use crate::Report;
use crate::model::alert_coverage::ServiceLinks;
use crate::model::appconfig::view::ConfigLink;
use serde::Serialize;
use std::collections::HashMap;

pub const SCHEMA_VERSION: u32 = 1;

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
    alerting: Option<&'a ServiceLinks>,
    /// The application config files linked to the service, and how.
    config: Vec<&'a ConfigLink>,
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
    let mut out = Vec::new();
    match write(report, &mut out) {
        Ok(()) => String::from_utf8(out).unwrap_or_else(|e| {
            // serde_json writes only UTF-8; keep the text if that ever changes.
            String::from_utf8_lossy(e.as_bytes()).into_owned()
        }),
        Err(e) => format!("{{\"error\": \"{e}\"}}\n"),
    }
}

/// Writes the report to `out`. Everything is rendered before the first byte
/// is written (a serialization error writes nothing), but the long arrays
/// are written chunk by chunk: on a large repository they are tens of
/// megabytes, which put together in one buffer cost a copy and its page
/// faults.
pub fn write(report: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let doc = document(report).map_err(std::io::Error::other)?;
    out.write_all(&doc.head)?;
    doc.findings.write_to(out)?;
    out.write_all(&doc.between)?;
    doc.services.write_to(out)?;
    out.write_all(&doc.tail)
}

/// The report rendered, in the order it is written.
struct Document {
    head: Vec<u8>,
    findings: pretty::Array,
    between: Vec<u8>,
    services: pretty::Array,
    tail: Vec<u8>,
}

/// The report as pretty JSON, field by field in the order of the schema
/// (`schema_version`, `tool`, `root`, `findings`, `services`, `notes`,
/// `summary`); the two long arrays are rendered in parallel.
fn document(report: &Report) -> serde_json::Result<Document> {
    let t = tally(report);
    let alerting: HashMap<&str, &ServiceLinks> = report
        .alerting
        .iter()
        .rev()
        .map(|l| (l.service.as_str(), l))
        .collect();
    let mut config: HashMap<&str, Vec<&ConfigLink>> = HashMap::new();
    for l in &report.config {
        config.entry(l.service.as_str()).or_default().push(l);
    }
    let services: Vec<ServiceJson> = report
        .budgets
        .iter()
        .map(|b| ServiceJson {
            budget: b,
            findings: t
                .by_service
                .get(&Some(b.name.clone()))
                .cloned()
                .unwrap_or_default(),
            alerting: alerting.get(b.name.as_str()).copied(),
            config: config.get(b.name.as_str()).cloned().unwrap_or_default(),
        })
        .collect();
    let tool = Tool {
        name: "creview",
        version: env!("CARGO_PKG_VERSION"),
        checks: report.stats.checks,
    };
    let summary = Summary {
        findings: report.findings.len() - t.suppressed - t.baseline,
        suppressed: t.suppressed,
        baseline: t.baseline,
        by_severity: t.all,
        files: report.stats.files,
        documents: report.stats.documents,
        resources: report.stats.resources,
        services: report.budgets.len(),
        checks: report.stats.checks,
    };
    let (findings, services) = rayon::join(
        || pretty::Array::of(&report.findings, 1),
        || pretty::Array::of(&services, 1),
    );
    let (findings, services) = (findings?, services?);
    // `,\n  "name": `: every field but the first, which opens the document.
    let key = |out: &mut Vec<u8>, name: &str| {
        out.extend_from_slice(b",\n  \"");
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b"\": ");
    };
    let mut head = b"{\n  \"schema_version\": ".to_vec();
    pretty::write_at(&mut head, &SCHEMA_VERSION, 1)?;
    key(&mut head, "tool");
    pretty::write_at(&mut head, &tool, 1)?;
    key(&mut head, "root");
    pretty::write_at(
        &mut head,
        &report.root.to_string_lossy().replace('\\', "/"),
        1,
    )?;
    key(&mut head, "findings");
    let mut between = Vec::new();
    key(&mut between, "services");
    let mut tail = Vec::new();
    key(&mut tail, "notes");
    pretty::write_at(&mut tail, &report.notes, 1)?;
    key(&mut tail, "summary");
    pretty::write_at(&mut tail, &summary, 1)?;
    tail.extend_from_slice(b"\n}\n");
    Ok(Document {
        head,
        findings,
        between,
        services,
        tail,
    })
}
