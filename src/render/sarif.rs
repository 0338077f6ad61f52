//! SARIF 2.1.0 for GitHub code scanning and other SARIF consumers: one rule
//! per check used, one result per finding, paths relative to the scan root
//! (`%SRCROOT%`), stable partial fingerprints, suppressions and baseline
//! state carried over.

use crate::Report;
use crate::engine::registry::Registry;
use crate::finding::{Finding, Severity};
use serde_json::{Value, json};
use std::collections::BTreeMap;

pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
pub const INFORMATION_URI: &str = "https://github.com/creview/creview";

pub fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// `k8s-single-replica` -> `K8sSingleReplica` (SARIF rule names are PascalCase).
fn pascal(slug: &str) -> String {
    slug.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn rule(reg: &Registry, f: &Finding) -> Value {
    let spec = reg.get(&f.check).map(|c| &c.spec);
    let (why, fix, tags) = match spec {
        Some(s) => (
            s.docs.why.trim().to_string(),
            s.docs.fix.trim().to_string(),
            vec![s.category.clone(), "reliability".to_string()],
        ),
        None => (
            f.title.clone(),
            f.remediation.clone(),
            vec![f.category.clone()],
        ),
    };
    json!({
        "id": f.check,
        "name": pascal(&f.slug),
        "shortDescription": {"text": f.title},
        "fullDescription": {"text": why},
        "help": {
            "text": format!("{fix}\n\nMore: creview explain {}", f.check),
            "markdown": format!("{fix}\n\nRun `creview explain {}` for the example and the risk defaults.", f.check),
        },
        "defaultConfiguration": {"level": level(spec.map_or(f.severity, |s| s.severity))},
        "properties": {"tags": tags},
    })
}

fn result(f: &Finding, rule_index: usize) -> Value {
    let mut r = json!({
        "ruleId": f.check,
        "ruleIndex": rule_index,
        "level": level(f.severity),
        "message": {"text": format!("{}.\nFix: {}", f.message, f.remediation)},
        "locations": [{
            "physicalLocation": {
                "artifactLocation": {"uri": f.location.path, "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": f.location.line.max(1), "startColumn": f.location.column.max(1)},
            },
            "logicalLocations": f.resource.as_ref().map(|r| vec![json!({
                "name": r.name, "kind": "resource", "fullyQualifiedName": r.to_string(),
            })]).unwrap_or_default(),
        }],
        "partialFingerprints": {"creview/v1": f.fingerprint},
        "properties": {
            "severity": f.severity.as_str(),
            "service": f.service,
            "risk": f.risk,
        },
    });
    if let Some(s) = &f.suppressed {
        r["suppressions"] = json!([{
            "kind": if s.by == "waiver" { "external" } else { "inSource" },
            "justification": s.reason,
        }]);
    }
    if f.baseline {
        r["baselineState"] = json!("unchanged");
    }
    r
}

pub fn render(report: &Report, reg: &Registry) -> String {
    let mut rule_index: BTreeMap<&str, usize> = BTreeMap::new();
    let mut rules = Vec::new();
    for f in &report.findings {
        if !rule_index.contains_key(f.check.as_str()) {
            rule_index.insert(&f.check, rules.len());
            rules.push(rule(reg, f));
        }
    }
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| result(f, rule_index[f.check.as_str()]))
        .collect();
    let root = std::fs::canonicalize(&report.root)
        .map(|p| format!("file://{}/", p.to_string_lossy().trim_end_matches('/')))
        .unwrap_or_default();
    let doc = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "creview",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "informationUri": INFORMATION_URI,
                "rules": rules,
            }},
            "originalUriBaseIds": {"%SRCROOT%": {"uri": root}},
            "results": results,
            "columnKind": "unicodeCodePoints",
        }],
    });
    let mut out = serde_json::to_string_pretty(&doc).unwrap_or_default();
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn rule_names() {
        assert_eq!(super::pascal("k8s-single-replica"), "K8sSingleReplica");
        assert_eq!(super::level(crate::finding::Severity::Medium), "warning");
    }
}
