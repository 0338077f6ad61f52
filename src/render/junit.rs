//! JUnit XML, so CI test views list the findings: one test suite per check
//! category, one failed test case per finding (suppressed and baseline
//! findings are reported as skipped, with the reason).

use crate::Report;
use quick_junit::{NonSuccessKind, Report as JReport, TestCase, TestCaseStatus, TestSuite};
use std::collections::BTreeMap;

pub fn render(report: &Report) -> String {
    let mut suites: BTreeMap<&str, TestSuite> = BTreeMap::new();
    for f in &report.findings {
        let suite = suites
            .entry(f.category.as_str())
            .or_insert_with(|| TestSuite::new(format!("creview.{}", f.category)));
        let name = format!(
            "{} {} {}:{}",
            f.check, f.slug, f.location.path, f.location.line
        );
        let status = if let Some(s) = &f.suppressed {
            let mut st = TestCaseStatus::skipped();
            st.set_message(format!("suppressed by {}: {}", s.by, s.reason));
            st
        } else if f.baseline {
            let mut st = TestCaseStatus::skipped();
            st.set_message("already in the baseline");
            st
        } else {
            let mut st = TestCaseStatus::non_success(NonSuccessKind::Failure);
            st.set_message(format!("[{}] {}", f.severity, f.message));
            st.set_type(f.severity.as_str());
            st.set_description(format!(
                "{}:{}:{}\n{}\nresource: {}\nfix: {}",
                f.location.path,
                f.location.line,
                f.location.column,
                f.message,
                f.resource
                    .as_ref()
                    .map(|r| r.to_string())
                    .unwrap_or_else(|| "-".into()),
                f.remediation
            ));
            st
        };
        let mut case = TestCase::new(name, status);
        case.set_classname(format!("{}.{}", f.category, f.check));
        suite.add_test_case(case);
    }
    let mut out = JReport::new("creview");
    out.add_test_suites(suites.into_values());
    out.to_string().unwrap_or_default()
}
