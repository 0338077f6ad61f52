//! The error-budget views from the command line: `creview budget` and the
//! reliability-gap section of `creview scan`.

mod support;

use predicates::prelude::*;
use serde_json::Value;
use support::{creview, repo};

#[test]
fn budget_json_is_exact() {
    let out = creview()
        .args([
            "budget", "--slo", "99.9", "--window", "30d", "--format", "json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    // No float noise anywhere.
    assert!(!text.contains("99999"), "{text}");
    assert!(!text.contains("00000001"), "{text}");
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["slo"]["target"], 0.999);
    assert_eq!(v["slo"]["window_days"], 30);
    assert_eq!(v["error_budget"]["window_minutes"], 43.2);
    assert_eq!(v["error_budget"]["year_minutes"], 525.6);
    let tiers = v["burn_rate_alerts"].as_array().unwrap();
    let rates: Vec<f64> = tiers
        .iter()
        .map(|t| t["burn_rate"].as_f64().unwrap())
        .collect();
    assert_eq!(rates, [14.4, 6.0, 3.0, 1.0]);
    assert_eq!(tiers[0]["long_window"], "1h");
    assert_eq!(tiers[0]["short_window"], "5m");
    assert_eq!(tiers[0]["detection_minutes_full_outage"], 0.864);
    assert_eq!(tiers[0]["reset_minutes"], 4.928);
    assert_eq!(tiers[0]["feasible"], true);
}

#[test]
fn budget_28_days_matches_sloth_and_flags_infeasible_tiers() {
    let out = creview()
        .args([
            "budget", "--slo", "0.999", "--window", "28d", "--format", "json",
        ])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rates: Vec<String> = v["burn_rate_alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["burn_rate"].to_string())
        .collect();
    assert_eq!(rates[..3], ["13.44", "5.6", "2.8"]);
    assert!(rates[3].starts_with("0.9333"), "{rates:?}");
    // 90% over 30 days: the fast page would need 144% errors.
    creview()
        .args(["budget", "--slo", "90", "--window", "30d"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("NO"))
        .stdout(predicate::str::contains("can never fire"));
    creview().args(["budget", "--slo", "100"]).assert().code(2);
    creview()
        .args(["budget", "--slo", "99.9", "--window", "30"])
        .assert()
        .code(2);
}

const DEPLOY: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: payments
  labels: {team: payments}
spec:
  replicas: 1
  selector:
    matchLabels: {app: payments}
  template:
    metadata:
      labels: {app: payments}
    spec:
      containers:
        - name: payments
          image: registry.example.com/payments:1.0.0
          ports: [{containerPort: 8080}]
          readinessProbe: {httpGet: {path: /ready, port: 8080}}
          livenessProbe: {httpGet: {path: /live, port: 8080}, failureThreshold: 6}
          resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {memory: 256Mi}}
          lifecycle: {preStop: {sleep: {seconds: 10}}}
---
apiVersion: v1
kind: Service
metadata:
  name: payments
spec:
  selector: {app: payments}
  ports: [{port: 80, targetPort: 8080}]
";

fn scan_json(dir: &std::path::Path, extra: &[&str]) -> (Value, Option<i32>) {
    let out = creview()
        .args(["scan", "--format", "json", "--select", "SPOF-001"])
        .args(extra)
        .arg(dir)
        .output()
        .unwrap();
    (
        serde_json::from_slice(&out.stdout).unwrap(),
        out.status.code(),
    )
}

#[test]
fn services_carry_their_slo_risks_and_gap() {
    let r = repo(&[
        ("k8s/payments.yaml", DEPLOY),
        (
            "creview.toml",
            "[[service]]\nname = \"payments\"\nslo = 99.99\nwindow = \"28d\"\n\n[[risk]]\nservice = \"payments\"\ntitle = \"Card processor outage\"\nfrequency-per-year = 2\nttd-minutes = 5\nttr-minutes = 60\nimpact = 0.5\n",
        ),
    ]);
    let (v, _) = scan_json(r.path(), &[]);
    let s = &v["services"][0];
    assert_eq!(s["name"], "payments");
    assert_eq!(s["slo"]["target"], 0.9999);
    assert_eq!(s["slo"]["window_days"], 28);
    assert_eq!(s["slo"]["source"], "creview.toml");
    assert_eq!(s["error_budget"]["window_minutes"], 4.032);
    assert_eq!(s["error_budget"]["year_minutes"], 52.56);
    let risks = s["risks"].as_array().unwrap();
    // Ranked: the manual risk (2 x 65 x 0.5 = 65 min) first.
    assert_eq!(risks[0]["source"], "manual");
    assert_eq!(risks[0]["check"], Value::Null);
    assert_eq!(risks[0]["bad_minutes_per_year"], 65);
    assert_eq!(risks[0]["class"], "EXCEEDS_BUDGET");
    let spof: Vec<&Value> = risks.iter().filter(|r| r["check"] == "SPOF-001").collect();
    assert_eq!(spof.len(), 2, "one row per event of SPOF-001");
    let total: f64 = risks
        .iter()
        .map(|r| r["bad_minutes_per_year"].as_f64().unwrap())
        .sum();
    assert!((total - 87.0).abs() < 1e-9, "65 + 4 + 18 = {total}");
    assert_eq!(s["expected_bad_minutes_per_year"], 87);
    assert_eq!(s["meets_slo"], false);
    assert!(s["gap_pp"].as_f64().unwrap() > 0.0);
    assert!(s["assumptions"].to_string().contains("SPOF-001"));
    // The finding is priced against 99.99%: 22 / 52.56 = 41.9% -> at least high.
    let f = &v["findings"][0];
    assert_eq!(f["risk"]["bad_minutes_per_year"], 22);
    assert_eq!(f["severity"], "high");
}

#[test]
fn budget_share_raises_severity_and_fail_on_gap_gates() {
    // At 99.999% a single replica (22 min/yr) is 419% of the yearly budget.
    let r = repo(&[
        ("k8s/payments.yaml", DEPLOY),
        (
            "creview.toml",
            "[[service]]\nname = \"payments\"\nslo = 99.999\n",
        ),
    ]);
    let (v, code) = scan_json(r.path(), &[]);
    let f = &v["findings"][0];
    assert_eq!(f["severity"], "critical");
    assert!(
        f["severity_reasons"]
            .to_string()
            .contains("raised to critical"),
        "{f}"
    );
    assert_eq!(code, Some(1));
    // A relaxed SLO meets the gap gate.
    let ok = repo(&[
        ("k8s/payments.yaml", DEPLOY),
        (
            "creview.toml",
            "[[service]]\nname = \"payments\"\nslo = 99\n",
        ),
    ]);
    let (_, code) = scan_json(ok.path(), &["--fail-on-gap", "--fail-on", "none"]);
    assert_eq!(code, Some(0));
    let (_, code) = scan_json(r.path(), &["--fail-on-gap", "--fail-on", "none"]);
    assert_eq!(code, Some(1));
}

#[test]
fn default_slo_is_marked_assumed_and_declared_only_services_are_reported() {
    let r = repo(&[
        ("k8s/payments.yaml", DEPLOY),
        (
            "creview.toml",
            "[[service]]\nname = \"ledger\"\nslo = 99.95\n",
        ),
    ]);
    let (v, _) = scan_json(r.path(), &[]);
    let names: Vec<&str> = v["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["payments", "ledger"]);
    assert!(
        v["services"][0]["slo"]["source"]
            .as_str()
            .unwrap()
            .contains("assumed")
    );
    assert_eq!(v["services"][1]["meets_slo"], true);
    assert_eq!(v["services"][1]["slo"]["target"], 0.9995);
}

#[test]
fn risk_defaults_override_a_check() {
    let r = repo(&[
        ("k8s/payments.yaml", DEPLOY),
        (
            "creview.toml",
            "[risk-defaults.\"SPOF-001\"]\nfrequency-per-year = 1\nttd-minutes = 0\nttr-minutes = 10\nimpact = 1\n",
        ),
    ]);
    let (v, _) = scan_json(r.path(), &[]);
    // Both events now cost 1 x 10 x 1.
    assert_eq!(v["findings"][0]["risk"]["bad_minutes_per_year"], 20);
    assert!(
        v["services"][0]["assumptions"]
            .to_string()
            .contains("overridden")
    );
}

#[test]
fn the_human_report_has_the_gap_line() {
    let r = repo(&[
        ("k8s/payments.yaml", DEPLOY),
        (
            "creview.toml",
            "[[service]]\nname = \"payments\"\nslo = 99.99\n",
        ),
    ]);
    creview()
        .args(["scan", "--color", "never", "--select", "SPOF-001"])
        .arg(r.path())
        .assert()
        .stdout(predicate::str::contains(
            "payments: 99.99% promised, 99.9958% projected as built",
        ))
        .stdout(predicate::str::contains("budget ["));
}

#[test]
fn a_dependency_on_a_scanned_service_uses_its_projection() {
    let r = repo(&[
        ("k8s/payments.yaml", DEPLOY),
        ("k8s/gateway.yaml", &DEPLOY.replace("payments", "gateway")),
        (
            "creview.toml",
            "[[service]]\nname = \"gateway\"\nslo = 99.9\ndependencies = [{ name = \"payments\" }, { name = \"ledger\" }]\n",
        ),
    ]);
    let (v, _) = scan_json(r.path(), &[]);
    let service = |name: &str| {
        v["services"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .unwrap_or_else(|| panic!("no service {name}: {v}"))
            .clone()
    };
    let (gateway, payments) = (service("gateway"), service("payments"));
    let projected = payments["projected_availability"].as_f64().unwrap();
    assert!(
        projected < 1.0,
        "the single replica costs payments: {payments}"
    );
    let deps = gateway["dependencies"].as_array().unwrap();
    assert_eq!(
        deps.len(),
        1,
        "ledger is not scanned and has no availability"
    );
    assert_eq!(deps[0]["name"], "payments");
    assert_eq!(deps[0]["availability"].as_f64(), Some(projected));
    // A hard dependency caps what gateway can achieve.
    assert!(gateway["projected_availability"].as_f64().unwrap() <= projected);
    assert!(
        gateway["assumptions"]
            .to_string()
            .contains("dependency `ledger` has no availability"),
        "{gateway}"
    );
}
