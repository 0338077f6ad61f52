//! The Markdown report, for a pull-request comment or a wiki page: the same
//! review as the HTML report ([`Review`]): the executive summary, the most
//! expensive risks, one line per service with its gap, the worst services'
//! risk tables, then the findings, the serious ones first and the rest
//! folded away. Long lists are capped so the comment stays readable with
//! hundreds of findings.

use super::review::{Review, ServiceReview};
use super::svg::{minutes, percent};
use crate::Report;
use crate::engine::registry::Registry;
use crate::finding::{Finding, Severity};
use std::fmt::Write;

/// Rows per table before "... and N more".
pub const CAP: usize = 50;
/// Services whose risk table is shown, the most over budget first.
const RISK_TABLES: usize = 5;
/// Risks per service table.
const RISKS_PER_TABLE: usize = 5;

/// Makes text safe in a table cell.
fn cell(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('\n', " ")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
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
    more(
        out,
        findings.len(),
        "the full list is in the JSON, SARIF or HTML report",
    );
}

fn more(out: &mut String, total: usize, where_: &str) {
    if total > CAP {
        let _ = writeln!(out, "\n... and {} more; {where_}.", total - CAP);
    }
}

fn gap(s: &ServiceReview) -> String {
    let b = s.budget;
    if b.meets_slo {
        "meets it".to_string()
    } else {
        format!(
            "**{} pp short** ({} min/yr over)",
            b.gap_pp.round_str(4),
            minutes(b.gap_minutes_per_year)
        )
    }
}

fn headline(r: &Review, out: &mut String) {
    let t = &r.tally;
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
        r.files,
        r.services.len()
    );
    if t.suppressed > 0 {
        let _ = write!(out, " · {} suppressed", t.suppressed);
    }
    if t.baseline > 0 {
        let _ = write!(out, " · {} in the baseline", t.baseline);
    }
    out.push_str("\n\n");
    if !r.services.is_empty() {
        let _ = writeln!(
            out,
            "**{} of {} service(s) meet their SLO as the design is written.**\n",
            r.meeting,
            r.services.len()
        );
    }
    let top = r.top_risks();
    if !top.is_empty() {
        let _ = writeln!(out, "The {} most expensive risks:\n", top.len());
        for (i, t) in top.iter().enumerate() {
            let _ = writeln!(
                out,
                "{}. {} in `{}`: {} bad min/yr, {} of its budget ({})",
                i + 1,
                cell(&t.risk.title),
                cell(&t.service.budget.name),
                minutes(t.risk.bad_minutes_per_year),
                percent(t.risk.budget_share, 1),
                t.risk.class.as_str()
            );
        }
        out.push('\n');
    }
}

fn services(r: &Review, out: &mut String) {
    if r.services.is_empty() {
        return;
    }
    out.push_str("| Service | SLO | Projected as built | Gap | Budget used | Costliest risk |\n|---|---|---|---|---|---|\n");
    for s in r.services.iter().take(CAP) {
        let b = s.budget;
        let top = b
            .risks
            .first()
            .map(|r| {
                format!(
                    "{} ({} min/yr, {})",
                    cell(&r.title),
                    minutes(r.bad_minutes_per_year),
                    percent(r.budget_share, 1)
                )
            })
            .unwrap_or_else(|| "-".into());
        let _ = writeln!(
            out,
            "| {} | {} · {} | {} | {} | {} | {} |",
            cell(&b.name),
            percent(b.slo.target, 4),
            cell(&b.slo.source),
            percent(b.projected_availability, 4),
            gap(s),
            percent(b.budget_share, 0),
            top
        );
    }
    more(
        out,
        r.services.len(),
        "every service is in the JSON or HTML report",
    );
    out.push('\n');

    let mut worst: Vec<&ServiceReview> = r
        .services
        .iter()
        .filter(|s| !s.budget.risks.is_empty())
        .collect();
    worst.sort_by_key(|s| std::cmp::Reverse(s.budget.budget_share));
    if worst.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "<details><summary>Risk stack rank of the {} service(s) spending the most budget</summary>\n",
        worst.len().min(RISK_TABLES)
    );
    for s in worst.iter().take(RISK_TABLES) {
        let b = s.budget;
        let _ = writeln!(
            out,
            "#### {}\n\nBudget {} min/yr; risks expected to spend {} min/yr ({}).\n\n| # | Risk | Events/yr | TTD + TTR min | Impact | Bad min/yr | Share | Class |\n|---|---|---|---|---|---|---|---|",
            cell(&b.name),
            minutes(b.error_budget.year_minutes),
            minutes(b.expected_bad_minutes_per_year),
            percent(b.budget_share, 1)
        );
        for (i, risk) in b.risks.iter().take(RISKS_PER_TABLE).enumerate() {
            let _ = writeln!(
                out,
                "| {} | {}{} | {} | {} + {} | {} | {} | {} | {} |",
                i + 1,
                cell(&risk.title),
                if risk.accepted { " (accepted)" } else { "" },
                risk.events_per_year,
                risk.ttd_minutes,
                risk.ttr_minutes,
                risk.impact,
                minutes(risk.bad_minutes_per_year),
                percent(risk.budget_share, 1),
                risk.class.as_str()
            );
        }
        if b.risks.len() > RISKS_PER_TABLE {
            let _ = writeln!(
                out,
                "\n... and {} smaller risk(s).",
                b.risks.len() - RISKS_PER_TABLE
            );
        }
        out.push('\n');
    }
    out.push_str("</details>\n\n");
}

pub fn render(report: &Report, registry: &Registry) -> String {
    let review = Review::new(report, registry);
    let mut out = String::from("## creview reliability review\n\n");
    headline(&review, &mut out);
    services(&review, &mut out);

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
