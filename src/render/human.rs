//! The human report: each finding with a code frame and its fix, then a
//! summary by severity and by service.

use super::summary::tally;
use super::table;
use crate::Report;
use crate::finding::{Finding, Severity};
use crate::source::SourceFile;
use annotate_snippets::renderer::DecorStyle;
use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use std::collections::HashMap;
use std::fmt::Write;

pub struct HumanOptions {
    /// Emit ANSI colours (the caller decides from `--color`, NO_COLOR, tty).
    pub color: bool,
    /// Findings below this are counted but not printed in full.
    pub min_severity: Severity,
}

fn level(s: Severity) -> Level<'static> {
    match s {
        Severity::Critical | Severity::High => Level::ERROR.with_name(s.as_str()),
        Severity::Medium => Level::WARNING.with_name(s.as_str()),
        Severity::Low => Level::NOTE.with_name(s.as_str()),
        Severity::Info => Level::INFO.with_name(s.as_str()),
    }
}

/// Byte range of the token starting at a column (a key, a value, an item).
fn token_range(line: &str, column: u32) -> std::ops::Range<usize> {
    let start = line
        .char_indices()
        .nth(column.saturating_sub(1) as usize)
        .map(|(i, _)| i)
        .unwrap_or(line.len());
    let rest = &line[start..];
    let len = rest
        .char_indices()
        .find(|(_, c)| matches!(c, ':' | ' ' | '\t' | ',' | ']' | '}'))
        .map(|(i, _)| i)
        .unwrap_or(rest.len());
    let end = if len == 0 {
        rest.chars().next().map_or(start, |c| start + c.len_utf8())
    } else {
        start + len
    };
    start..end
}

fn render_finding(f: &Finding, file: Option<&SourceFile>, renderer: &Renderer, out: &mut String) {
    let title = level(f.severity)
        .primary_title(f.message.as_str())
        .id(f.check.as_str());
    let mut group: Group = match file.filter(|s| !s.text.is_empty() && f.location.line > 0) {
        Some(src) => {
            let line = f.location.line;
            let first = line.saturating_sub(1).max(1);
            let mut window = String::new();
            let mut offset = 0;
            for l in first..=line {
                if l == line {
                    offset = window.len();
                }
                window.push_str(src.line_text(l));
                window.push('\n');
            }
            let text = src.line_text(line);
            let r = token_range(text, f.location.column);
            let span = offset + r.start..offset + r.end;
            title.element(
                Snippet::source(window)
                    .line_start(first as usize)
                    .path(f.location.path.as_str())
                    .annotation(AnnotationKind::Primary.span(span).label(f.slug.as_str())),
            )
        }
        None => title.element(
            annotate_snippets::Origin::path(f.location.path.as_str())
                .line(f.location.line as usize)
                .char_column(f.location.column.saturating_sub(1) as usize),
        ),
    };
    if let Some(r) = &f.resource {
        let svc = f
            .service
            .as_deref()
            .map(|s| format!(" (service {s})"))
            .unwrap_or_default();
        group = group.element(Level::NOTE.message(format!("{r}{svc}")));
    }
    for reason in &f.severity_reasons {
        group = group.element(Level::NOTE.message(format!("severity {}: {reason}", f.severity)));
    }
    group = group.element(Level::HELP.message(f.remediation.as_str()));
    out.push_str(&renderer.render(&[group]));
    out.push_str("\n\n");
}

pub fn render(report: &Report, opts: &HumanOptions) -> String {
    let renderer = if opts.color {
        Renderer::styled()
    } else {
        Renderer::plain()
    }
    .decor_style(DecorStyle::Unicode);
    let files: HashMap<&str, &SourceFile> = report
        .inventory
        .files
        .iter()
        .map(|f| (f.display.as_str(), f))
        .collect();
    let mut out = String::new();
    let mut hidden = 0;
    for f in &report.findings {
        if !f.is_active() {
            continue;
        }
        if f.severity < opts.min_severity {
            hidden += 1;
            continue;
        }
        render_finding(
            f,
            files.get(f.location.path.as_str()).copied(),
            &renderer,
            &mut out,
        );
    }
    for n in &report.notes {
        let at = match (n.path.is_empty(), n.line) {
            (true, _) => String::new(),
            (false, Some(l)) => format!("{}:{l}: ", n.path),
            (false, None) => format!("{}: ", n.path),
        };
        let _ = writeln!(out, "note: {at}{}", n.message);
    }
    if !report.notes.is_empty() {
        out.push('\n');
    }
    let t = tally(report);
    out.push_str(&table::summary_table(&t, opts.color));
    out.push('\n');
    out.push_str(&super::budget::gap_section(&report.budgets));
    let _ = writeln!(
        out,
        "\n{} finding(s) in {} file(s), {} object(s), {} service(s); {} check(s) run in {:.2}s",
        report.findings.len() - t.suppressed - t.baseline,
        report.stats.files,
        report.stats.resources,
        report.budgets.len(),
        report.stats.checks,
        report.stats.duration.as_secs_f64()
    );
    if t.suppressed > 0 {
        let _ = writeln!(
            out,
            "{} finding(s) suppressed by annotations, comments or waivers (listed with their reasons in --format json)",
            t.suppressed
        );
    }
    if t.baseline > 0 {
        let _ = writeln!(
            out,
            "{} finding(s) already in the baseline, not shown (marked \"baseline\": true in --format json)",
            t.baseline
        );
    }
    if hidden > 0 {
        let _ = writeln!(
            out,
            "{hidden} finding(s) below {} not shown (use --show-all, or --format json)",
            opts.min_severity
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens() {
        assert_eq!(token_range("  replicas: 1", 3), 2..10);
        assert_eq!(token_range("- name: web", 3), 2..6);
        assert_eq!(token_range("  image: nginx", 10), 9..14);
        assert_eq!(token_range("x", 5), 1..1);
    }
}
