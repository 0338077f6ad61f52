//! CI formats: SARIF (checked against the SARIF 2.1.0 required structure),
//! JUnit, GitHub and GitLab annotations, Markdown, the JSON schema of the
//! stable contract, several outputs in one run, baselines, and packaging.

mod support;

use predicates::prelude::*;
use serde_json::{Value, json};
use std::path::Path;
use support::{creview, repo, schema};

fn example() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/shop")
}

fn output(args: &[&str], dir: &Path) -> (Vec<u8>, Option<i32>) {
    let out = creview().args(args).arg(dir).output().expect("runs");
    (out.stdout, out.status.code())
}

#[test]
fn the_json_report_matches_its_schema() {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/report.schema.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let (out, _) = output(&["scan", "--format", "json", "--show-all"], &example());
    let report: Value = serde_json::from_slice(&out).unwrap();
    assert!(report["findings"].as_array().unwrap().len() > 10);
    let errors = schema::validate(&schema, &report);
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    // A report with suppressions, a baseline and manual risks too.
    let r = repo(&[
        (
            "k8s/app.yaml",
            &std::fs::read_to_string(example().join("k8s/checkout.yaml")).unwrap(),
        ),
        (
            "creview.toml",
            "[[waiver]]\ncheck = \"SPOF-001\"\nresource = \"k8s/**\"\nreason = \"known\"\nowner = \"team\"\nexpires = 2999-01-01\n[[service]]\nname = \"checkout\"\nslo = 99.95\ndependencies = [{ name = \"db\", availability = 99.99 }]\n[[risk]]\nservice = \"checkout\"\ntitle = \"PSP outage\"\nettf-days = 180\nttd-minutes = 5\nttr-minutes = 60\nimpact = 1\n",
        ),
    ]);
    let (out, _) = output(&["scan", "--format", "json"], r.path());
    let report: Value = serde_json::from_slice(&out).unwrap();
    let errors = schema::validate(&schema, &report);
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    assert!(report["findings"].to_string().contains("\"by\":\"waiver\""));
}

/// The SARIF 2.1.0 schema's required structure for what creview emits.
fn sarif_schema() -> Value {
    json!({
        "type": "object",
        "required": ["version", "runs"],
        "properties": {
            "version": {"const": "2.1.0"},
            "$schema": {"type": "string"},
            "runs": {"type": "array", "items": {"$ref": "#/$defs/run"}}
        },
        "$defs": {
            "message": {"type": "object", "required": ["text"], "properties": {"text": {"type": "string"}}},
            "run": {
                "type": "object",
                "required": ["tool"],
                "properties": {
                    "tool": {"type": "object", "required": ["driver"], "properties": {"driver": {"$ref": "#/$defs/toolComponent"}}},
                    "results": {"type": "array", "items": {"$ref": "#/$defs/result"}},
                    "columnKind": {"enum": ["utf16CodeUnits", "unicodeCodePoints"]}
                }
            },
            "toolComponent": {
                "type": "object",
                "required": ["name"],
                "properties": {
                    "name": {"type": "string"},
                    "version": {"type": "string"},
                    "informationUri": {"type": "string"},
                    "rules": {"type": "array", "items": {"$ref": "#/$defs/reportingDescriptor"}}
                }
            },
            "reportingDescriptor": {
                "type": "object",
                "required": ["id"],
                "properties": {
                    "id": {"type": "string"},
                    "name": {"type": "string"},
                    "shortDescription": {"$ref": "#/$defs/message"},
                    "fullDescription": {"$ref": "#/$defs/message"},
                    "help": {"$ref": "#/$defs/message"},
                    "defaultConfiguration": {"type": "object", "properties": {"level": {"enum": ["none", "note", "warning", "error"]}}},
                    "properties": {"type": "object", "properties": {"tags": {"type": "array", "items": {"type": "string"}}}}
                }
            },
            "result": {
                "type": "object",
                "required": ["message"],
                "properties": {
                    "ruleId": {"type": "string"},
                    "ruleIndex": {"type": "integer", "minimum": 0},
                    "level": {"enum": ["none", "note", "warning", "error"]},
                    "message": {"$ref": "#/$defs/message"},
                    "locations": {"type": "array", "items": {"$ref": "#/$defs/location"}},
                    "partialFingerprints": {"type": "object"},
                    "suppressions": {"type": "array", "items": {"type": "object", "required": ["kind"], "properties": {"kind": {"enum": ["inSource", "external"]}}}},
                    "baselineState": {"enum": ["new", "unchanged", "updated", "absent"]}
                }
            },
            "location": {
                "type": "object",
                "properties": {
                    "physicalLocation": {
                        "type": "object",
                        "properties": {
                            "artifactLocation": {"type": "object", "required": ["uri"], "properties": {"uri": {"type": "string"}}},
                            "region": {"type": "object", "properties": {"startLine": {"type": "integer", "minimum": 1}, "startColumn": {"type": "integer", "minimum": 1}}}
                        }
                    }
                }
            }
        }
    })
}

#[test]
fn sarif_has_the_structure_code_scanning_requires() {
    let (out, _) = output(&["scan", "--format", "sarif"], &example());
    let sarif: Value = serde_json::from_slice(&out).unwrap();
    let errors = schema::validate(&sarif_schema(), &sarif);
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let results = run["results"].as_array().unwrap();
    assert!(!results.is_empty());
    // One rule per check used, each result pointing at its rule.
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(ids.len(), unique.len());
    for r in results {
        let i = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[i]["id"], r["ruleId"]);
        let uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap();
        assert!(uri.starts_with("k8s/"), "relative to the scan root: {uri}");
        assert!(r["partialFingerprints"]["creview/v1"].is_string());
    }
    let config001 = results
        .iter()
        .find(|r| r["ruleId"] == "CONFIG-001")
        .unwrap();
    assert_eq!(config001["level"], "error");
    let rule = rules.iter().find(|r| r["id"] == "CONFIG-001").unwrap();
    assert_eq!(rule["name"], "ServiceSelectsNothing");
    assert!(rule["help"]["text"].as_str().unwrap().contains("selector"));
    assert_eq!(rule["properties"]["tags"][0], "CONFIG");
}

#[test]
fn junit_github_gitlab_and_markdown() {
    let (xml, _) = output(&["scan", "--format", "junit"], &example());
    let xml = String::from_utf8(xml).unwrap();
    assert!(xml.starts_with("<?xml"));
    assert!(xml.contains("<testsuite name=\"creview.CONFIG\""));
    assert!(xml.contains("<failure message=\"[critical] Service `reviews`"));

    let (gh, _) = output(&["scan", "--format", "github"], &example());
    let gh = String::from_utf8(gh).unwrap();
    let line = gh
        .lines()
        .find(|l| l.contains("CONFIG-001"))
        .expect("an annotation for CONFIG-001");
    assert!(
        line.starts_with("::error file=k8s/reviews.yaml,line=30,col=3,title=CONFIG-001 service-selects-nothing (critical)::"),
        "{line}"
    );
    assert!(
        gh.lines().all(|l| l.starts_with("::")),
        "one command per line"
    );

    let (gl, _) = output(&["scan", "--format", "gitlab"], &example());
    let gl: Value = serde_json::from_slice(&gl).unwrap();
    for issue in gl.as_array().unwrap() {
        for key in [
            "description",
            "check_name",
            "fingerprint",
            "severity",
            "location",
        ] {
            assert!(issue.get(key).is_some(), "{key} in {issue}");
        }
        assert!(issue["location"]["lines"]["begin"].as_u64().unwrap() >= 1);
    }

    let (md, _) = output(&["scan", "--format", "markdown"], &example());
    let md = String::from_utf8(md).unwrap();
    assert!(md.contains("## creview reliability review"));
    assert!(md.contains("| Service | SLO |"));
    assert!(md.contains("### Critical and high"));
    assert!(md.contains("<details>"));
}

#[test]
fn markdown_stays_readable_with_hundreds_of_findings() {
    let mut many = String::new();
    for i in 0..120 {
        many.push_str(&format!(
            "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-{i}\nspec:\n  replicas: 1\n  template:\n    metadata:\n      labels: {{app: app-{i}}}\n    spec:\n      containers:\n        - name: app\n          image: nginx\n"
        ));
    }
    let r = repo(&[("many.yaml", &many)]);
    let (md, _) = output(&["scan", "--format", "markdown"], r.path());
    let md = String::from_utf8(md).unwrap();
    assert!(md.contains("... and "), "long tables are capped");
    let rows = md.lines().filter(|l| l.starts_with("| ")).count();
    // Findings (two capped tables), services (capped) and five risk tables.
    assert!(rows < 3 * 50 + 5 * 5 + 20, "{rows} table rows");
}

#[test]
fn several_outputs_in_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let sarif = dir.path().join("out.sarif");
    let md = dir.path().join("out.md");
    creview()
        .args(["scan", "--color", "never", "--format", "human"])
        .arg("--format")
        .arg(format!("sarif={}", sarif.display()))
        .arg("--format")
        .arg(format!("markdown={}", md.display()))
        .arg(example())
        .assert()
        .stdout(predicate::str::contains("Reliability gap"));
    let s: Value = serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    assert_eq!(s["version"], "2.1.0");
    assert!(
        std::fs::read_to_string(&md)
            .unwrap()
            .starts_with("## creview")
    );
    // Two reports for stdout is a usage error.
    creview()
        .args(["scan", "--format", "json", "--format", "sarif"])
        .arg(example())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("several formats without a file"));
    creview()
        .args(["scan", "--format", "pdf"])
        .arg(example())
        .assert()
        .code(2);
}

const WEB: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:1.27.0
";

#[test]
fn baselines_survive_moves_and_reformatting_but_not_renames() {
    let r = repo(&[("k8s/web.yaml", WEB)]);
    let baseline = r.path().join("creview-baseline.json");
    creview()
        .args([
            "scan",
            "--select",
            "SPOF-001",
            "--fail-on",
            "medium",
            "--write-baseline",
        ])
        .arg(&baseline)
        .arg(r.path())
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "wrote 1 finding(s) to the baseline",
        ));
    let scan = |dir: &Path| {
        creview()
            .args([
                "scan",
                "--format",
                "json",
                "--select",
                "SPOF-001",
                "--fail-on",
                "medium",
                "--baseline",
            ])
            .arg(&baseline)
            .arg(dir)
            .output()
            .unwrap()
    };
    let out = scan(r.path());
    assert_eq!(
        out.status.code(),
        Some(0),
        "known findings do not fail the run"
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["findings"][0]["baseline"], true);
    assert_eq!(v["summary"]["baseline"], 1);
    assert_eq!(v["summary"]["findings"], 0);

    // Moved to another file, reformatted (flow style, comments, other order).
    std::fs::remove_file(r.path().join("k8s/web.yaml")).unwrap();
    std::fs::write(
        r.path().join("deploy.yaml"),
        "# moved and reformatted\nkind: Deployment\napiVersion: apps/v1\nmetadata: {name: web}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: web, image: 'nginx:1.27.0'}]}\n  replicas: 1\n",
    )
    .unwrap();
    assert_eq!(scan(r.path()).status.code(), Some(0));

    // Renamed: a new finding.
    std::fs::write(
        r.path().join("deploy.yaml"),
        WEB.replace("name: web", "name: web-v2"),
    )
    .unwrap();
    let out = scan(r.path());
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["findings"][0]["baseline"], false);

    // A broken baseline is a usage error.
    std::fs::write(&baseline, "{not json").unwrap();
    assert_eq!(scan(r.path()).status.code(), Some(2));
}

#[test]
fn version_completions_and_man_page() {
    creview()
        .arg("--version")
        .assert()
        .code(0)
        .stdout(predicate::str::is_match(r"^creview \d+\.\d+\.\d+ \(\d+ checks\)\n$").unwrap());
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        creview()
            .args(["completions", shell])
            .assert()
            .code(0)
            .stdout(predicate::str::contains("scan"));
    }
    creview()
        .arg("man")
        .assert()
        .code(0)
        .stdout(predicate::str::contains(".TH creview"));
}

/// The GitHub Action and the pre-commit hook: their files parse, and the
/// commands they run work.
#[test]
fn ci_integrations_run_what_they_declare() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let action = creview::yaml::parse_stream(
        &std::fs::read_to_string(root.join("action.yml")).unwrap(),
        &Default::default(),
    );
    assert!(action.problems.is_empty(), "{:?}", action.problems);
    let a = &action.documents[0].root;
    assert_eq!(
        a.path(&["runs", "using"]).and_then(|n| n.as_str()),
        Some("composite")
    );
    let steps = a.path(&["runs", "steps"]).unwrap().items();
    let scripts: Vec<String> = steps
        .iter()
        .filter_map(|s| s.get("run").and_then(|r| r.as_str()).map(str::to_string))
        .collect();
    assert!(scripts.iter().any(|s| s.contains("cargo install")));
    let scan = scripts
        .iter()
        .find(|s| s.contains("creview\" scan"))
        .expect("a scan step");
    // Run the scan step as the runner would, with the inputs' defaults and
    // the freshly built binary in place of the installed one.
    let inputs = a.get("inputs").unwrap();
    let mut script = scan.replace(
        "\"${{ runner.temp }}/creview/bin/creview\"",
        &format!("\"{}\"", assert_cmd::cargo::cargo_bin("creview").display()),
    );
    for e in inputs.entries() {
        let default = e
            .value
            .get("default")
            .and_then(|d| d.scalar_text())
            .unwrap_or_default();
        script = script.replace(&format!("${{{{ inputs.{} }}}}", e.key), &default);
    }
    assert!(!script.contains("${{"), "unresolved expression in {script}");
    let work = tempfile::tempdir().unwrap();
    std::fs::write(work.path().join("web.yaml"), WEB).unwrap();
    let status = std::process::Command::new("bash")
        .args(["-c", &script])
        .current_dir(work.path())
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(0), "{script}");
    let sarif: Value =
        serde_json::from_str(&std::fs::read_to_string(work.path().join("creview.sarif")).unwrap())
            .unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert!(steps.iter().any(|s| {
        s.get("uses")
            .and_then(|u| u.as_str())
            .is_some_and(|u| u.starts_with("github/codeql-action/upload-sarif"))
    }));

    let hooks = creview::yaml::parse_stream(
        &std::fs::read_to_string(root.join(".pre-commit-hooks.yaml")).unwrap(),
        &Default::default(),
    );
    assert!(hooks.problems.is_empty());
    let hook = &hooks.documents[0].root.items()[0];
    assert_eq!(hook.get("id").and_then(|n| n.as_str()), Some("creview"));
    let entry = hook.get("entry").and_then(|n| n.as_str()).unwrap();
    // pre-commit runs `<entry> <files...>`.
    let mut words = entry.split_whitespace();
    assert_eq!(words.next(), Some("creview"));
    let args: Vec<&str> = words.collect();
    let r = repo(&[("a.yaml", WEB), ("b.yaml", &WEB.replace("web", "api"))]);
    // Two single-replica Deployments: high findings fail the hook.
    creview()
        .args(&args)
        .arg(r.path().join("a.yaml"))
        .arg(r.path().join("b.yaml"))
        .assert()
        .code(1)
        .stdout(predicate::str::contains("a.yaml"))
        .stdout(predicate::str::contains("b.yaml"));
}
