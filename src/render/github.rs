//! GitHub Actions workflow commands: an annotation per finding on the line
//! it points at (`::error file=...,line=...,col=...,title=...::message`).

use crate::Report;
use crate::finding::Severity;
use std::fmt::Write;

/// Escapes workflow-command data (`%`, CR, LF).
fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow-command property (also `:` and `,`).
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    for f in report.findings.iter().filter(|f| f.is_active()) {
        let command = match f.severity {
            Severity::Critical | Severity::High => "error",
            Severity::Medium => "warning",
            Severity::Low | Severity::Info => "notice",
        };
        let _ = writeln!(
            out,
            "::{command} file={},line={},col={},title={}::{}",
            property(&f.location.path),
            f.location.line.max(1),
            f.location.column.max(1),
            property(&format!("{} {} ({})", f.check, f.slug, f.severity)),
            data(&format!("{}\nFix: {}", f.message, f.remediation))
        );
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn escaping() {
        assert_eq!(super::data("a%b\nc"), "a%25b%0Ac");
        assert_eq!(super::property("x:y,z"), "x%3Ay%2Cz");
    }
}
