//! `creview checks` and `creview explain`: the catalog as a table, as JSON,
//! and one check's documentation, all from the check files themselves.

use crate::budget::decimal::Dec;
use crate::engine::catalog::CheckSpec;
use crate::engine::registry::Registry;
use comfy_table::{ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
use serde::Serialize;
use std::fmt::Write;

pub fn table(reg: &Registry) -> String {
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(["id", "slug", "severity", "category", "title"]);
    for c in &reg.checks {
        let s = &c.spec;
        t.add_row([
            s.id.as_str(),
            s.slug.as_str(),
            s.severity.as_str(),
            s.category.as_str(),
            s.title.as_str(),
        ]);
    }
    format!("{t}\n{} checks\n", reg.checks.len())
}

#[derive(Serialize)]
struct CheckJson<'a> {
    id: &'a str,
    slug: &'a str,
    title: &'a str,
    severity: &'a str,
    category: &'a str,
    targets: &'a [String],
    engine: &'static str,
    origin: &'a str,
    docs: &'a crate::engine::catalog::Docs,
    references: &'a [String],
    risk: Option<&'a crate::engine::catalog::Risk>,
    default_bad_minutes_per_year: Option<f64>,
}

pub fn json(reg: &Registry) -> String {
    let list: Vec<CheckJson> = reg
        .checks
        .iter()
        .map(|c| {
            let s = &c.spec;
            CheckJson {
                id: &s.id,
                slug: &s.slug,
                title: &s.title,
                severity: s.severity.as_str(),
                category: &s.category,
                targets: &s.targets,
                engine: engine_name(s),
                origin: &s.origin,
                docs: &s.docs,
                references: &s.references,
                risk: s.risk.as_ref(),
                default_bad_minutes_per_year: default_minutes(s).map(Dec::to_f64),
            }
        })
        .collect();
    let mut out = serde_json::to_string_pretty(&list).unwrap_or_default();
    out.push('\n');
    out
}

fn engine_name(s: &CheckSpec) -> &'static str {
    match (s.pipeline, s.builtin) {
        (true, _) => "pipeline",
        (false, true) => "builtin",
        (false, false) => "cel",
    }
}

/// Default expected bad minutes per year: Σ events x (TTD + TTR) x impact.
pub fn default_minutes(s: &CheckSpec) -> Option<Dec> {
    let risk = s.risk.as_ref()?;
    Some(risk.events.iter().fold(Dec::ZERO, |acc, e| {
        acc + e.frequency_per_year * (e.ttd_minutes + e.ttr_minutes) * e.impact
    }))
}

pub fn explain(s: &CheckSpec) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} · {} — {}", s.id, s.slug, s.title);
    let _ = writeln!(
        out,
        "severity: {}   category: {}   engine: {}",
        s.severity,
        s.category,
        engine_name(s)
    );
    if !s.targets.is_empty() {
        let _ = writeln!(out, "applies to: {}", s.targets.join(", "));
    }
    for (head, body) in [
        ("Why", &s.docs.why),
        ("Example", &s.docs.example),
        ("Fix", &s.docs.fix),
    ] {
        let _ = writeln!(out, "\n## {head}\n\n{}", body.trim_end());
    }
    if let Some(risk) = &s.risk {
        let _ = writeln!(out, "\n## Risk defaults ({})\n", risk.model);
        for e in &risk.events {
            let minutes = e.frequency_per_year * (e.ttd_minutes + e.ttr_minutes) * e.impact;
            let _ = writeln!(
                out,
                "- {}: {}/yr x ({} + {} min) x {} = {} bad min/yr{}",
                e.name,
                e.frequency_per_year,
                e.ttd_minutes,
                e.ttr_minutes,
                e.impact,
                minutes.round_str(2),
                if e.basis.is_empty() {
                    String::new()
                } else {
                    format!("  [{}]", e.basis)
                }
            );
        }
        if let Some(total) = default_minutes(s) {
            let budget = Dec::parse("525.6").unwrap_or(Dec::ONE);
            let _ = writeln!(
                out,
                "total: {} bad min/yr = {}% of a 99.9% yearly budget (525.6 min)",
                total.round_str(2),
                (total / budget * Dec::int(100)).round_str(1)
            );
        }
    }
    if !s.references.is_empty() {
        let _ = writeln!(out, "\n## References\n");
        for r in &s.references {
            let _ = writeln!(out, "- {r}");
        }
    }
    let _ = writeln!(out, "\nsource: {}", s.origin);
    out
}
