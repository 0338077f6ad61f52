//! The command line as users and CI pipelines see it: exit codes, stdin,
//! the JSON contract, colours, outputs. Each test builds a small repository
//! in a temporary folder, typos-style.

mod support;

use predicates::prelude::*;
use serde_json::Value;
use std::path::Path;
use support::{creview, repo};

const SINGLE_REPLICA: &str = "apiVersion: apps/v1
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
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports: [{port: 80}]
";

const BROKEN: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata: [oops\n";

fn json_of(out: &[u8]) -> Value {
    serde_json::from_slice(out).expect("valid JSON")
}

fn paths_of(v: &Value) -> Vec<&str> {
    v["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .map(|f| f["location"]["path"].as_str().expect("path"))
        .collect()
}

fn checks_of(v: &Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .map(|f| f["check"].as_str().expect("check id").to_string())
        .collect()
}

#[test]
fn exit_codes_follow_fail_on() {
    let r = repo(&[("k8s/web.yaml", SINGLE_REPLICA)]);
    // SPOF-001 is high: not a failure with the default --fail-on critical.
    creview()
        .args(["scan", "--select", "SPOF-001"])
        .arg(r.path())
        .assert()
        .code(0);
    creview()
        .args(["scan", "--select", "SPOF-001", "--fail-on", "high"])
        .arg(r.path())
        .assert()
        .code(1);
    let broken = repo(&[("bad.yaml", BROKEN)]);
    creview().arg("scan").arg(broken.path()).assert().code(1);
    creview()
        .args(["scan", "--fail-on", "none"])
        .arg(broken.path())
        .assert()
        .code(0);
}

#[test]
fn usage_and_missing_paths_exit_2() {
    creview().args(["scan", "--no-such-flag"]).assert().code(2);
    creview()
        .args(["scan", "/definitely/not/here"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no such file"));
}

#[test]
fn stdin_is_read_with_dash() {
    let out = creview()
        .args(["scan", "-", "--format", "json", "--select", "SPOF-001"])
        .write_stdin(SINGLE_REPLICA)
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let v = json_of(&out);
    assert_eq!(checks_of(&v), ["SPOF-001"]);
    assert_eq!(v["findings"][0]["location"]["path"], "<stdin>");
    assert_eq!(v["findings"][0]["location"]["line"], 6);
}

#[test]
fn json_contract() {
    let r = repo(&[("k8s/web.yaml", SINGLE_REPLICA), ("bad.yaml", BROKEN)]);
    let out = creview()
        .args(["scan", "--format", "json"])
        .arg(r.path())
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let v = json_of(&out);
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["tool"]["name"], "creview");
    assert!(v["tool"]["version"].is_string());
    assert!(v["services"].is_array());
    assert!(v["summary"]["findings"].as_u64().unwrap() >= 2);
    let findings = v["findings"].as_array().unwrap();
    for f in findings {
        for key in [
            "check",
            "slug",
            "severity",
            "category",
            "message",
            "location",
            "resource",
            "service",
            "remediation",
            "fingerprint",
        ] {
            assert!(f.get(key).is_some(), "finding lacks `{key}`: {f}");
        }
        assert!(f["location"]["line"].as_u64().unwrap() >= 1);
        assert!(f["location"]["column"].as_u64().unwrap() >= 1);
    }
    // Sorted by path, line, column, check.
    let keys: Vec<(String, u64, u64, String)> = findings
        .iter()
        .map(|f| {
            (
                f["location"]["path"].as_str().unwrap().to_string(),
                f["location"]["line"].as_u64().unwrap(),
                f["location"]["column"].as_u64().unwrap(),
                f["check"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    // Paths are relative to the scan root.
    assert!(keys.iter().any(|k| k.0 == "k8s/web.yaml"));
    let spof = findings.iter().find(|f| f["check"] == "SPOF-001").unwrap();
    assert_eq!(spof["resource"]["kind"], "Deployment");
    assert_eq!(spof["resource"]["namespace"], "default");
    assert_eq!(spof["resource"]["name"], "web");
    assert_eq!(spof["service"], "web");
    assert_eq!(spof["location"]["line"], 6);
    assert_eq!(spof["location"]["column"], 3);
}

#[test]
fn a_syntax_error_mid_stream_does_not_hide_the_other_documents() {
    let stream = format!(
        "{SINGLE_REPLICA}---\nkind: [broken\n---\n{}",
        SINGLE_REPLICA
            .replace("name: web", "name: api")
            .replace("app: web", "app: api")
    );
    let out = creview()
        .args(["scan", "-", "--format", "json"])
        .write_stdin(stream)
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let v = json_of(&out);
    let names: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["check"] == "SPOF-001")
        .map(|f| f["resource"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["web", "api"]);
    let input = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check"] == "INPUT-001")
        .expect("the broken document is reported");
    assert_eq!(input["location"]["line"], 25);
}

#[test]
fn colour_honours_no_color_and_the_flag() {
    let r = repo(&[("web.yaml", SINGLE_REPLICA)]);
    let plain = creview()
        .args(["scan", "--color", "auto"])
        .arg(r.path())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(
        !plain.stdout.contains(&0x1b),
        "NO_COLOR output has escape codes"
    );
    let coloured = creview()
        .args(["scan", "--color", "always"])
        .arg(r.path())
        .output()
        .unwrap();
    assert!(
        coloured.stdout.contains(&0x1b),
        "--color always has no escape codes"
    );
    let never = creview()
        .args(["scan", "--color", "never"])
        .arg(r.path())
        .output()
        .unwrap();
    assert!(!never.stdout.contains(&0x1b));
}

#[test]
fn human_output_has_code_frames_and_fixes() {
    let r = repo(&[("web.yaml", SINGLE_REPLICA)]);
    creview()
        .args(["scan", "--color", "never"])
        .arg(r.path())
        .assert()
        .stdout(predicate::str::contains("high[SPOF-001]"))
        .stdout(predicate::str::contains("web.yaml:6:3"))
        .stdout(predicate::str::contains("replicas: 1"))
        .stdout(predicate::str::contains("help: Run at least two replicas"));
}

#[test]
fn output_file() {
    let r = repo(&[("web.yaml", SINGLE_REPLICA)]);
    let out = r.path().join("report.json");
    creview()
        .args(["scan", "--format", "json", "--output"])
        .arg(&out)
        .arg(r.path().join("web.yaml"))
        .assert()
        .stdout(predicate::str::is_empty());
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert!(checks_of(&v).contains(&"SPOF-001".to_string()));
}

#[test]
fn dash_as_the_output_file_is_stdout() {
    let r = repo(&[("web.yaml", SINGLE_REPLICA)]);
    let cases: [&[&str]; 2] = [
        &["--format", "json", "--output", "-"],
        &["--format", "sarif=-"],
    ];
    for args in cases {
        let out = creview()
            .current_dir(r.path())
            .args(["scan", "--fail-on", "none"])
            .args(args)
            .arg("web.yaml")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        let v = json_of(&out.stdout);
        assert!(
            v.get("findings").is_some() || v.get("runs").is_some(),
            "{args:?}: {v}"
        );
        assert!(
            !r.path().join("-").exists(),
            "{args:?} wrote a file named -"
        );
    }
}

#[test]
fn exclude_gitignore_and_creviewignore() {
    let r = repo(&[
        ("keep/web.yaml", SINGLE_REPLICA),
        ("vendor/web.yaml", SINGLE_REPLICA),
        ("generated/web.yaml", SINGLE_REPLICA),
        ("tmp/web.yaml", SINGLE_REPLICA),
        (".gitignore", "tmp/\n"),
        (".creviewignore", "generated/\n"),
    ]);
    let out = creview()
        .args([
            "scan",
            "--format",
            "json",
            "--select",
            "SPOF-001",
            "--exclude",
            "vendor/**",
        ])
        .arg(r.path())
        .output()
        .unwrap();
    let v = json_of(&out.stdout);
    let paths = paths_of(&v);
    assert_eq!(paths, ["keep/web.yaml"]);
}

#[test]
fn helm_templates_are_reported_once_never_as_parse_errors() {
    let r = repo(&[
        (
            "chart/Chart.yaml",
            "apiVersion: v2\nname: web\nversion: 0.1.0\n",
        ),
        ("chart/values.yaml", "replicaCount: 1\n"),
        (
            "chart/templates/deployment.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  {{- if .Values.x }}\n  replicas: {{ .Values.replicaCount }}\n  {{- end }}\n",
        ),
        (
            "chart/templates/_helpers.tpl",
            "{{- define \"x\" -}}{{- end -}}\n",
        ),
    ]);
    let out = creview()
        .args(["scan", "--format", "json"])
        .arg(r.path())
        .output()
        .unwrap();
    let v = json_of(&out.stdout);
    assert_eq!(checks_of(&v), ["INPUT-002"]);
    let f = &v["findings"][0];
    assert_eq!(f["location"]["path"], "chart/Chart.yaml");
    assert!(f["message"].as_str().unwrap().contains("helm template"));
    assert_eq!(out.status.code(), Some(0));
}

#[cfg(unix)]
#[test]
fn symlinks_never_leave_the_root_and_loops_end() {
    let outside = repo(&[("secret/web.yaml", SINGLE_REPLICA)]);
    let r = repo(&[("in/web.yaml", SINGLE_REPLICA)]);
    std::os::unix::fs::symlink(outside.path().join("secret"), r.path().join("escape")).unwrap();
    std::os::unix::fs::symlink(r.path().join("in"), r.path().join("in/loop")).unwrap();
    let out = creview()
        .args(["scan", "--format", "json", "--select", "SPOF-001"])
        .arg(r.path())
        .timeout(std::time::Duration::from_secs(30))
        .output()
        .unwrap();
    let v = json_of(&out.stdout);
    let paths = paths_of(&v);
    assert_eq!(paths, ["in/web.yaml"]);
    let notes = v["notes"].to_string();
    assert!(notes.contains("outside the scan root"), "{notes}");
}

#[test]
fn checks_and_explain() {
    creview()
        .arg("checks")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("SPOF-001"))
        .stdout(predicate::str::contains("k8s-single-replica"));
    creview()
        .args(["explain", "SPOF-001"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("## Why"))
        .stdout(predicate::str::contains("## Fix"))
        .stdout(predicate::str::contains("bad min/yr"));
    creview().args(["explain", "NOPE-999"]).assert().code(2);
}

#[test]
fn user_checks_load_and_broken_ones_point_into_the_file() {
    let checks = repo(&[(
        "team/OPS-901-needs-team-label.yaml",
        "id: OPS-901\nslug: needs-team-label\ntitle: Workloads carry a team label\ncategory: OPS\nseverity: low\ntargets: [Deployment]\nrule: has(object.metadata.labels) && 'team' in object.metadata.labels\nfieldPath: metadata.labels\nmessage: no team label\ndocs: {why: ownership, example: x, fix: add a team label}\n",
    )]);
    let r = repo(&[("web.yaml", SINGLE_REPLICA)]);
    let out = creview()
        .args([
            "scan", "--format", "json", "--select", "OPS-901", "--checks",
        ])
        .arg(checks.path())
        .arg(r.path())
        .output()
        .unwrap();
    assert_eq!(checks_of(&json_of(&out.stdout)), ["OPS-901"]);

    let broken = repo(&[(
        "bad.yaml",
        "id: OPS-902\nslug: bad\ntitle: Bad\ncategory: OPS\nseverity: low\ntargets: [Deployment]\nrule: objet.spec.replicas > 1\nmessage: x\ndocs: {why: a, example: b, fix: c}\n",
    )]);
    creview()
        .args(["scan", "--checks"])
        .arg(broken.path())
        .arg(r.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bad.yaml:7:7"))
        .stderr(predicate::str::contains("objet"));
}

#[test]
fn the_bundled_example_runs() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/shop");
    let out = creview()
        .args(["scan", "--format", "json", "--fail-on", "none"])
        .arg(&example)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v = json_of(&out.stdout);
    assert!(v["summary"]["services"].as_u64().unwrap() >= 4);
    assert!(checks_of(&v).contains(&"SPOF-001".to_string()));
}

#[test]
fn config_mistakes_point_into_creview_toml() {
    let r = repo(&[
        ("web.yaml", SINGLE_REPLICA),
        (
            "creview.toml",
            "[scan]\nfail-on = \"high\"\ncolour = \"red\"\n",
        ),
    ]);
    creview()
        .arg("scan")
        .arg(r.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("creview.toml:3:1"))
        .stderr(predicate::str::contains("colour"));
    let r = repo(&[
        ("web.yaml", SINGLE_REPLICA),
        (
            "creview.toml",
            "[checks]\nignore = [\"SPOF-001\", \"SPOF-0O2\"]\n",
        ),
    ]);
    creview()
        .arg("scan")
        .arg(r.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("creview.toml:2:23"))
        .stderr(predicate::str::contains("unknown check `SPOF-0O2`"));
    // --isolated ignores the broken file.
    creview()
        .args(["scan", "--isolated", "--select", "SPOF-001"])
        .arg(r.path())
        .assert()
        .code(0);
}

#[test]
fn config_tunes_the_scan() {
    let r = repo(&[
        ("web.yaml", SINGLE_REPLICA),
        (
            "creview.toml",
            "[scan]\nfail-on = \"high\"\n[checks]\nselect = [\"SPOF-001\"]\n[checks.params.\"SPOF-001\"]\nminReplicas = 1\n",
        ),
    ]);
    // minReplicas = 1: a single replica passes.
    let out = creview()
        .args(["scan", "--format", "json"])
        .arg(r.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(checks_of(&json_of(&out.stdout)).is_empty());
    // The command line wins over the file.
    let r = repo(&[
        ("web.yaml", SINGLE_REPLICA),
        ("ci/creview.toml", "[scan]\nfail-on = \"high\"\n"),
    ]);
    creview()
        .args(["scan", "--select", "SPOF-001", "--config"])
        .arg(r.path().join("ci/creview.toml"))
        .arg(r.path())
        .assert()
        .code(1);
    creview()
        .args([
            "scan",
            "--select",
            "SPOF-001",
            "--fail-on",
            "critical",
            "--config",
        ])
        .arg(r.path().join("ci/creview.toml"))
        .arg(r.path())
        .assert()
        .code(0);
    let out = creview()
        .args([
            "scan",
            "--format",
            "json",
            "--select",
            "SPOF-001",
            "--severity",
            "SPOF-001=critical",
        ])
        .arg(r.path().join("web.yaml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v = json_of(&out.stdout);
    assert_eq!(v["findings"][0]["severity"], "critical");
}

fn finding<'a>(v: &'a Value, check: &str) -> &'a Value {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check"] == check)
        .unwrap_or_else(|| panic!("no {check} in {}", v["findings"]))
}

#[test]
fn suppressions_keep_findings_marked_and_out_of_the_exit_code() {
    let annotated = SINGLE_REPLICA.replacen(
        "  name: web\n",
        "  name: web\n  annotations:\n    creview.io/ignore: \"SPOF-001=blue/green pair, the other half is web-b\"\n",
        1,
    );
    let commented = SINGLE_REPLICA
        .replace("name: web", "name: api")
        .replace("app: web", "app: api")
        .replace(
            "  replicas: 1\n",
            "  replicas: 1  # creview: ignore[SPOF-001] stateless cache warmer\n",
        );
    let r = repo(&[
        ("a.yaml", &annotated),
        ("b.yaml", &commented),
        ("c.yaml", SINGLE_REPLICA.replace("web", "shop").as_str()),
    ]);
    std::fs::write(
        r.path().join("creview.toml"),
        "[[waiver]]\ncheck = \"SPOF-001\"\nresource = \"default/Deployment/shop\"\nreason = \"migrating to an HPA\"\nowner = \"team-shop\"\nexpires = 2999-01-01\n",
    )
    .unwrap();
    let out = creview()
        .args([
            "scan",
            "--format",
            "json",
            "--select",
            "SPOF-001",
            "--fail-on",
            "high",
        ])
        .arg(r.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "all three are suppressed");
    let v = json_of(&out.stdout);
    let by: Vec<(&str, &str)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["check"] == "SPOF-001")
        .map(|f| {
            (
                f["suppressed"]["by"].as_str().unwrap(),
                f["suppressed"]["reason"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        by,
        [
            ("annotation", "blue/green pair, the other half is web-b"),
            ("comment", "stateless cache warmer"),
            ("waiver", "migrating to an HPA"),
        ]
    );
    assert_eq!(v["summary"]["suppressed"], 3);
    assert_eq!(v["summary"]["findings"], 0);
    // The human summary counts them.
    creview()
        .args(["scan", "--select", "SPOF-001", "--color", "never"])
        .arg(r.path())
        .assert()
        .stdout(predicate::str::contains("3 finding(s) suppressed"));
}

#[test]
fn expired_waivers_stop_suppressing_and_are_reported() {
    let r = repo(&[
        ("web.yaml", SINGLE_REPLICA),
        (
            "creview.toml",
            "[[waiver]]\ncheck = \"SPOF-001\"\nresource = \"*.yaml\"\nreason = \"until the HPA lands\"\nowner = \"team-web\"\nexpires = 2020-01-31\n",
        ),
    ]);
    let out = creview()
        .args([
            "scan",
            "--format",
            "json",
            "--select",
            "SPOF-001",
            "--fail-on",
            "medium",
        ])
        .arg(r.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v = json_of(&out.stdout);
    assert!(finding(&v, "SPOF-001")["suppressed"].is_null());
    let expired = finding(&v, "INPUT-003");
    assert_eq!(expired["location"]["path"], "creview.toml");
    assert_eq!(expired["location"]["line"], 2);
    assert!(expired["message"].as_str().unwrap().contains("2020-01-31"));
}

#[test]
fn non_production_is_lowered_and_says_why() {
    let dev = SINGLE_REPLICA.replace("  name: web\n", "  name: web\n  namespace: shop-dev\n");
    let r = repo(&[
        ("overlays/staging/web.yaml", SINGLE_REPLICA),
        ("overlays/production/web.yaml", SINGLE_REPLICA),
        ("dev.yaml", &dev),
    ]);
    let out = creview()
        .args(["scan", "--format", "json", "--select", "SPOF-001"])
        .arg(r.path())
        .output()
        .unwrap();
    let v = json_of(&out.stdout);
    let sev = |path: &str| {
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["location"]["path"] == path)
            .map(|f| {
                (
                    f["severity"].as_str().unwrap().to_string(),
                    f["severity_reasons"].to_string(),
                )
            })
            .unwrap()
    };
    assert_eq!(sev("overlays/production/web.yaml").0, "high");
    let (s, why) = sev("overlays/staging/web.yaml");
    assert_eq!(s, "medium");
    assert!(why.contains("staging"), "{why}");
    let (s, why) = sev("dev.yaml");
    assert_eq!(s, "medium");
    assert!(why.contains("shop-dev"), "{why}");
    // Declared for the whole scan.
    let out = creview()
        .args([
            "scan",
            "--format",
            "json",
            "--select",
            "SPOF-001",
            "--environment",
            "dev",
        ])
        .arg(r.path().join("overlays/production"))
        .output()
        .unwrap();
    assert_eq!(json_of(&out.stdout)["findings"][0]["severity"], "medium");
}

#[test]
fn init_writes_a_starter_config_listing_the_services() {
    let r = repo(&[("k8s/web.yaml", SINGLE_REPLICA)]);
    creview()
        .arg("init")
        .arg(r.path())
        .assert()
        .code(0)
        .stdout(predicate::str::contains("1 service(s) found"));
    let text = std::fs::read_to_string(r.path().join("creview.toml")).unwrap();
    assert!(text.contains("name = \"web\""), "{text}");
    assert!(text.contains("labels = { \"app\" = \"web\" }"), "{text}");
    // The starter file is valid configuration.
    creview()
        .args(["scan", "--select", "SPOF-001"])
        .arg(r.path())
        .assert()
        .code(0);
    // It is not overwritten by accident.
    creview().arg("init").arg(r.path()).assert().code(2);
    creview()
        .args(["init", "--force"])
        .arg(r.path())
        .assert()
        .code(0);
}
