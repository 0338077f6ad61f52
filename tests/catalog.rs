//! The catalog contract: every check file parses and compiles, carries its
//! docs and risk defaults, and has a fixture that fires (with the expected
//! lines) and one that must not.
//!
//! Fixtures live in `tests/fixtures/<ID>/` as `fail.yaml` / `pass.yaml`, or
//! as `fail/` / `pass/` folders when a check needs several files. A finding
//! is expected on every line that carries a marker comment:
//!
//! ```yaml
//!   replicas: 1  # expect: SPOF-001
//!   # expect-next-line: SPOF-001@info
//! ```
//!
//! `@severity` also asserts the severity the finding gets. A fixture that
//! needs other checks to run beside the one under test (INPUT-004 reports
//! suppressions of checks that ran) names them in a comment:
//! `# fixture-select: SPOF-001, ROLLOUT-002`.

use creview::audit;
use creview::engine::registry::Registry;
use creview::settings::{Request, prepare};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Checks whose risk is not expressed in minutes (input problems; SLO
/// governance findings the catalog marks "n/a").
const NO_RISK: &[&str] = &[
    "INPUT-001",
    "INPUT-002",
    "INPUT-003",
    "INPUT-004",
    "SLO-001",
    "SLO-003",
    "SLO-005",
    "ALERT-011",
];

fn fixture(id: &str, kind: &str) -> Option<PathBuf> {
    let dir = fixtures().join(id);
    [dir.join(format!("{kind}.yaml")), dir.join(kind)]
        .into_iter()
        .find(|p| p.exists())
}

fn files_under(p: &Path) -> Vec<PathBuf> {
    if p.is_file() {
        return vec![p.to_path_buf()];
    }
    let mut out = Vec::new();
    let mut stack = vec![p.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let path = e.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// (file name relative to the fixture, line, severity if asserted)
type Expected = BTreeSet<(String, u32, Option<String>)>;

fn markers(root: &Path, id: &str) -> Expected {
    let base = if root.is_file() {
        root.parent().unwrap()
    } else {
        root
    };
    let mut out = BTreeSet::new();
    for file in files_under(root) {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        let rel = file
            .strip_prefix(base)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        for (i, line) in text.lines().enumerate() {
            for (marker, offset) in [("# expect-next-line:", 1), ("# expect:", 0)] {
                let Some(at) = line.find(marker) else {
                    continue;
                };
                for item in line[at + marker.len()..].split(',') {
                    let item = item.trim();
                    let (check, sev) = match item.split_once('@') {
                        Some((c, s)) => (c.trim(), Some(s.trim().to_string())),
                        None => (item, None),
                    };
                    if check == id {
                        out.insert((rel.clone(), i as u32 + 1 + offset, sev));
                    }
                }
                break;
            }
        }
    }
    out
}

fn findings(root: &Path, id: &str) -> Result<Expected, String> {
    let base = if root.is_file() {
        root.parent().unwrap()
    } else {
        root
    };
    // Fixtures sit under `tests/`, which environment awareness would take
    // for a non-production folder: declare production so severities are the
    // checks' own. A fixture folder may carry its own creview.toml.
    let mut select = vec![id.to_string()];
    for file in files_under(root) {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        for line in text.lines() {
            if let Some(at) = line.find("# fixture-select:") {
                select.extend(line[at + 17..].split(',').map(|s| s.trim().to_string()));
            }
        }
    }
    let request = Request {
        paths: vec![root.to_string_lossy().into_owned()],
        select,
        environment: Some("production".into()),
        ..Request::default()
    };
    let prepared = prepare(&request).map_err(|e| e.to_string())?;
    let report = audit(&prepared.settings, &prepared.registry).map_err(|e| e.to_string())?;
    Ok(report
        .findings
        .iter()
        .filter(|f| f.check == id)
        .map(|f| {
            let full = if root.is_dir() {
                root.join(&f.location.path)
            } else {
                PathBuf::from(&f.location.path)
            };
            let rel = full
                .strip_prefix(base)
                .unwrap_or(&full)
                .to_string_lossy()
                .replace('\\', "/");
            (rel, f.location.line, Some(f.severity.to_string()))
        })
        .collect())
}

/// Compares, ignoring the severity where the marker does not assert one.
fn compare(expected: &Expected, got: &Expected) -> bool {
    if expected.len() != got.len() {
        return false;
    }
    expected.iter().all(|(file, line, sev)| {
        got.iter()
            .any(|(f, l, s)| f == file && l == line && (sev.is_none() || sev == s))
    })
}

#[test]
fn every_check_has_docs_risk_and_both_fixtures() {
    let reg = Registry::builtin().expect("the built-in catalog compiles");
    let mut problems = Vec::new();
    for c in &reg.checks {
        let id = &c.spec.id;
        if c.spec.risk.is_none() && !NO_RISK.contains(&id.as_str()) {
            problems.push(format!("{id}: no risk defaults"));
        }
        for kind in ["fail", "pass"] {
            if fixture(id, kind).is_none() {
                problems.push(format!("{id}: no {kind} fixture in tests/fixtures/{id}/"));
            }
        }
        let expected_name = format!("{}-{}.yaml", c.spec.id, c.spec.slug);
        if !c
            .spec
            .origin
            .ends_with(&format!("checks/{}/{expected_name}", c.spec.category))
        {
            problems.push(format!(
                "{id}: file should be checks/{}/{expected_name}, is {}",
                c.spec.category, c.spec.origin
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn fixtures_fire_exactly_where_marked() {
    let reg = Registry::builtin().expect("the built-in catalog compiles");
    let mut problems = Vec::new();
    for c in &reg.checks {
        let id = &c.spec.id;
        if let Some(fail) = fixture(id, "fail") {
            let expected = markers(&fail, id);
            if expected.is_empty() {
                problems.push(format!(
                    "{id}: the fail fixture marks no line with `# expect: {id}`"
                ));
            }
            match findings(&fail, id) {
                Ok(got) if compare(&expected, &got) => {}
                Ok(got) => problems.push(format!(
                    "{id}: fail fixture\n  expected {expected:?}\n  got      {got:?}"
                )),
                Err(e) => problems.push(format!("{id}: {e}")),
            }
        }
        if let Some(pass) = fixture(id, "pass") {
            match findings(&pass, id) {
                Ok(got) if got.is_empty() => {}
                Ok(got) => problems.push(format!("{id}: pass fixture fires: {got:?}")),
                Err(e) => problems.push(format!("{id}: {e}")),
            }
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn the_readme_lists_every_check() {
    let reg = Registry::builtin().expect("the built-in catalog compiles");
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let missing: Vec<&str> = reg
        .checks
        .iter()
        .map(|c| c.spec.id.as_str())
        .filter(|id| !readme.contains(&format!("| {id} |")))
        .collect();
    assert!(
        missing.is_empty(),
        "README.md's catalog table lacks {missing:?}"
    );
}
