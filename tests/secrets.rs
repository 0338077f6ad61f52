//! Secrets in application config and manifests never reach the output:
//! not in messages, not in code frames, in no format. The repository below
//! puts a password, a token and URLs with credentials right on the lines
//! the app-config checks report (DEPEND-001, DEPEND-007 at a literal IP).

mod support;

use support::{creview, repo};

const PASSWORD: &str = "Hunter2-db-pass";
const URL_PASSWORD: &str = "UrlPass-9f8e7d";
const TOKEN: &str = "tok_live_51HqZExampleSecretToken";
const ENV_PASSWORD: &str = "EnvPass-4c3b2a";

fn app_yml() -> String {
    format!(
        "spring:
  application:
    name: orders
  datasource:
    url: jdbc:postgresql://orders:{URL_PASSWORD}@10.0.0.12:5432/orders
    username: orders
    password: {PASSWORD}
  rabbitmq:
    host: 10.0.0.13
    password: {PASSWORD}
billing:
  api-token: {TOKEN}
  url: https://svc:{URL_PASSWORD}@billing.example.com/api
"
    )
}

fn deployment() -> String {
    format!(
        "apiVersion: apps/v1
kind: Deployment
metadata:
  name: orders
spec:
  replicas: 2
  selector:
    matchLabels: {{app: orders}}
  template:
    metadata:
      labels: {{app: orders}}
    spec:
      containers:
        - name: orders
          image: example/orders:1.0
          env:
            - name: SPRING_DATASOURCE_PASSWORD
              value: {ENV_PASSWORD}
            - name: DATABASE_URL
              value: postgres://orders:{ENV_PASSWORD}@10.0.0.14:5432/orders
            - name: API_TOKEN
              value: {TOKEN}
"
    )
}

#[test]
fn no_format_prints_a_secret() {
    let r = repo(&[
        ("orders/src/main/resources/application.yml", &app_yml()),
        ("orders/k8s/deployment.yaml", &deployment()),
    ]);
    let mut saw_findings = false;
    for format in [
        "human", "json", "sarif", "html", "markdown", "junit", "github", "gitlab",
    ] {
        let out = creview()
            .args(["scan", ".", "--format", format, "--quiet"])
            .current_dir(r.path())
            .env("NO_COLOR", "1")
            .output()
            .expect("runs");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        for secret in [PASSWORD, URL_PASSWORD, TOKEN, ENV_PASSWORD] {
            assert!(
                !text.contains(secret),
                "--format {format} prints the secret {secret}:\n{text}"
            );
        }
        if format == "json" {
            let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
            let checks: Vec<&str> = v["findings"]
                .as_array()
                .expect("findings")
                .iter()
                .filter_map(|f| f["check"].as_str())
                .collect();
            // The secrets sit on the reported lines: the test means something.
            assert!(checks.contains(&"DEPEND-007"), "{checks:?}");
            assert!(checks.contains(&"DEPEND-001"), "{checks:?}");
            saw_findings = true;
        }
    }
    assert!(saw_findings);
}
