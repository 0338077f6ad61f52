//! A compact Markdown report for a pull-request comment: the summary, one
//! line per service with its gap, and the findings, the serious ones first,
//! the rest folded away; long lists are capped so the comment stays
//! readable with hundreds of findings.

use super::summary::tally;
use crate::Report;
use crate::budget::decimal::Dec;
use crate::finding::{Finding, Severity};
use std::fmt::Write;

/// Rows per table before "... and N more".
pub const CAP: usize = 50;

/// Makes text safe in a table cell.
fn cell(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('\n', " ")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn pct(d: Dec, places: u32) -> String {
    format!("{}%", d.percent().round_str(places))
}

fn table(out: &mut String, findings: &[&Finding]) {
    out.push_str("| Severity | Check | Location | Finding | Fix |\n|---|---|---|---|---|\n");
    for f in findings.iter().take(CAP) {
        let _ = writeln!(
            out,
            "| {} | `{}` {} | `{}:{}` | {} | {} |",
            f.severity,
            f.check,
            cell(&f.slug),
            cell(&f.location.path),
            f.location.line,
            cell(&f.message),
            cell(&f.remediation)
        );
    }
    if findings.len() > CAP {
        let _ = writeln!(
            out,
            "\n... and {} more; the full list is in the JSON or SARIF report.",
            findings.len() - CAP
        );
    }
}

pub fn render(report: &Report) -> String {
    let t = tally(report);
    let mut out = String::from("## creview reliability review\n\n");
    let counts: Vec<String> = Severity::ALL
        .iter()
        .filter(|s| t.all.get(**s) > 0)
        .map(|s| format!("{} {s}", t.all.get(*s)))
        .collect();
    let _ = write!(
        out,
        "**{} finding(s)**{} in {} file(s), {} service(s)",
        t.all.total(),
        if counts.is_empty() {
            String::new()
        } else {
            format!(" ({})", counts.join(", "))
        },
        report.stats.files,
        report.budgets.len()
    );
    if t.suppressed > 0 {
        let _ = write!(out, " · {} suppressed", t.suppressed);
    }
    if t.baseline > 0 {
        let _ = write!(out, " · {} in the baseline", t.baseline);
    }
    out.push_str("\n\n");

    if !report.budgets.is_empty() {
        out.push_str("| Service | SLO | Projected as built | Gap | Costliest risk |\n|---|---|---|---|---|\n");
        for b in &report.budgets {
            let gap = if b.meets_slo {
                "meets it".to_string()
            } else {
                format!(
                    "**{} pp short** ({} min/yr over)",
                    b.gap_pp.round_str(4),
                    b.gap_minutes_per_year.round_str(0)
                )
            };
            let top = b
                .risks
                .first()
                .map(|r| {
                    format!(
                        "{} ({} min/yr, {})",
                        cell(&r.title),
                        r.bad_minutes_per_year.round_str(1),
                        pct(r.budget_share, 1)
                    )
                })
                .unwrap_or_else(|| "-".into());
            let _ = writeln!(
                out,
                "| {} | {} · {} | {} | {} | {} |",
                cell(&b.name),
                pct(b.slo.target, 4),
                cell(&b.slo.source),
                pct(b.projected_availability, 4),
                gap,
                top
            );
        }
        out.push('\n');
    }

    let active: Vec<&Finding> = report.findings.iter().filter(|f| f.is_active()).collect();
    let (serious, rest): (Vec<&Finding>, Vec<&Finding>) =
        active.iter().partition(|f| f.severity >= Severity::High);
    if !serious.is_empty() {
        let _ = writeln!(out, "### Critical and high ({})\n", serious.len());
        table(&mut out, &serious);
        out.push('\n');
    }
    if !rest.is_empty() {
        let _ = writeln!(
            out,
            "<details><summary>Medium, low and info ({})</summary>\n",
            rest.len()
        );
        table(&mut out, &rest);
        out.push_str("\n</details>\n");
    }
    if active.is_empty() {
        out.push_str("No finding counts against this change.\n");
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn cells_are_escaped() {
        assert_eq!(super::cell("a|b\nc <script>"), "a\\|b c &lt;script&gt;");
    }
}
