//! docker-compose and Terraform as users see them on the command line:
//! suppression comments in HCL, and the production/development decision
//! every compose finding explains.

mod support;

use serde_json::Value;
use support::{creview, repo};

fn scan(dir: &std::path::Path, select: &str) -> Value {
    let out = creview()
        .args(["scan", "--format", "json", "--select", select])
        .arg(dir)
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).expect("valid JSON")
}

fn findings(v: &Value) -> &Vec<Value> {
    v["findings"].as_array().expect("findings array")
}

const DATABASES: &str = r#"# creview: ignore[SPOF-005] staging replica of a dev database
resource "aws_db_instance" "scratch" {
  engine         = "postgres"
  instance_class = "db.t4g.small"
  multi_az       = false
}

resource "aws_db_instance" "reports" {
  engine         = "postgres"
  instance_class = "db.t4g.small"
  multi_az       = false // creview: ignore[SPOF-005] rebuilt nightly from the warehouse
}

resource "aws_db_instance" "orders" {
  engine         = "postgres"
  instance_class = "db.m6g.large"
  multi_az       = false
}
"#;

#[test]
fn hcl_comments_suppress_the_block_or_the_line() {
    let r = repo(&[("main.tf", DATABASES)]);
    let v = scan(r.path(), "SPOF-005");
    let by_name = |name: &str| {
        findings(&v)
            .iter()
            .find(|f| f["resource"]["name"] == name)
            .unwrap_or_else(|| panic!("a finding on {name}: {v}"))
    };
    // Above the block: covers the finding on its `multi_az` line.
    let scratch = by_name("aws_db_instance.scratch");
    assert_eq!(scratch["location"]["line"], 5);
    assert_eq!(scratch["suppressed"]["by"], "comment");
    assert_eq!(
        scratch["suppressed"]["reason"],
        "staging replica of a dev database"
    );
    // `//` on the offending line.
    let reports = by_name("aws_db_instance.reports");
    assert_eq!(reports["suppressed"]["by"], "comment");
    // Nothing says anything about this one.
    assert!(by_name("aws_db_instance.orders")["suppressed"].is_null());
    // Both comments were used: no INPUT-004 for them.
    assert!(findings(&v).iter().all(|f| f["check"] != "INPUT-004"));
}

const PROD_COMPOSE: &str = "services:
  api:
    image: registry.example.com/shop/api:2024.06.3
    restart: unless-stopped
    environment:
      NODE_ENV: production
";

const DEV_COMPOSE: &str = "services:
  api:
    build: .
    command: npm run dev
    volumes:
      - .:/app
";

#[test]
fn compose_findings_say_why_production_or_development() {
    let r = repo(&[
        ("shop/docker-compose.yml", PROD_COMPOSE),
        ("web/docker-compose.yml", DEV_COMPOSE),
    ]);
    let v = scan(r.path(), "SPOF-011");
    let in_dir = |dir: &str| {
        findings(&v)
            .iter()
            .find(|f| f["location"]["path"].as_str().unwrap().starts_with(dir))
            .unwrap_or_else(|| panic!("a finding in {dir}: {v}"))
    };
    let prod = in_dir("shop/");
    assert_eq!(prod["severity"], "high");
    let why = prod["severity_reasons"].to_string();
    assert!(
        why.contains("is production") && why.contains("NODE_ENV=production"),
        "{why}"
    );
    let dev = in_dir("web/");
    assert_eq!(dev["severity"], "info");
    let why = dev["severity_reasons"].to_string();
    assert!(
        why.contains("development stack") && why.contains("npm run dev"),
        "{why}"
    );
}

#[test]
fn local_modules_missing_from_the_input_are_named_not_passed() {
    let r = repo(&[
        (
            "examples/karpenter/main.tf",
            "module \"eks\" {\n  source = \"../..\"\n}\n\nmodule \"db\" {\n  source = \"./db\"\n}\n",
        ),
        (
            "examples/karpenter/db/main.tf",
            "resource \"aws_db_instance\" \"this\" {\n  engine = \"postgres\"\n}\n",
        ),
    ]);
    let v = scan(r.path(), "SPOF-005");
    let notes: Vec<String> = v["notes"]
        .as_array()
        .expect("notes")
        .iter()
        .map(|n| n["message"].as_str().unwrap().to_string())
        .collect();
    assert!(
        notes
            .iter()
            .any(|n| n.contains("module `eks` reads `../..`") && n.contains("not reviewed")),
        "{notes:?}"
    );
    assert!(!notes.iter().any(|n| n.contains("`./db`")), "{notes:?}");
}

#[test]
fn findings_lowered_to_info_for_their_context_are_not_priced() {
    let service = "    image: shop/orders:1.4.2\n    restart: always\n    ports: [\"8080:8080\"]\n";
    let r = repo(&[
        (
            "examples/demo/docker-compose.yml",
            &format!("services:\n  demo:\n{service}"),
        ),
        (
            "deploy/docker-compose.prod.yml",
            &format!("services:\n  orders:\n{service}"),
        ),
    ]);
    let v = scan(r.path(), "SPOF-011");
    let on = |path: &str| {
        findings(&v)
            .iter()
            .find(|f| f["location"]["path"] == path)
            .unwrap_or_else(|| panic!("a SPOF-011 finding in {path}: {v}"))
    };
    let example = on("examples/demo/docker-compose.yml");
    assert_eq!(example["severity"], "info");
    assert!(
        example["risk"].is_null(),
        "an example is not priced: {example}"
    );
    let production = on("deploy/docker-compose.prod.yml");
    assert_eq!(production["severity"], "high");
    assert!(
        !production["risk"].is_null(),
        "the production finding is priced: {production}"
    );
}
