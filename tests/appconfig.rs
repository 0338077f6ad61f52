//! Application config as users see it in the JSON report: which config
//! files belong to which service, how they were linked, and which profile
//! the review used.

mod support;

use support::{creview, repo};

const APP: &str = "spring:
  application:
    name: orders
  datasource:
    url: jdbc:postgresql://orders-db:5432/orders
";

const PROD: &str = "spring:
  datasource:
    hikari:
      maximum-pool-size: 20
";

const MANIFESTS: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: orders
spec:
  replicas: 2
  selector:
    matchLabels: {app: orders}
  template:
    metadata:
      labels: {app: orders}
    spec:
      containers:
        - name: orders
          image: example/orders:1.0
          env:
            - name: SPRING_PROFILES_ACTIVE
              value: prod
---
apiVersion: v1
kind: Service
metadata:
  name: orders
spec:
  selector: {app: orders}
  ports: [{port: 80, targetPort: 8080}]
";

#[test]
fn each_service_lists_its_config_files_and_profile() {
    let r = repo(&[
        ("orders/src/main/resources/application.yml", APP),
        ("orders/src/main/resources/application-prod.yml", PROD),
        ("orders/k8s/orders.yaml", MANIFESTS),
    ]);
    let out = creview()
        .args(["scan", ".", "--format", "json", "--quiet"])
        .current_dir(r.path())
        .output()
        .expect("runs");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let services = v["services"].as_array().expect("services");
    let orders = services
        .iter()
        .find(|s| s["name"] == "orders")
        .unwrap_or_else(|| panic!("service orders: {v}"));
    let config = orders["config"].as_array().expect("config links");
    assert_eq!(config.len(), 1, "{config:?}");
    let link = &config[0];
    assert_eq!(link["app"], "orders");
    assert!(
        link["name_source"]
            .as_str()
            .is_some_and(|s| s.contains("spring.application.name")),
        "{link}"
    );
    assert_eq!(link["profiles"], serde_json::json!(["prod"]), "{link}");
    let files: Vec<&str> = link["files"]
        .as_array()
        .expect("files")
        .iter()
        .filter_map(|f| f.as_str())
        .collect();
    assert!(
        files.contains(&"orders/src/main/resources/application.yml")
            && files.contains(&"orders/src/main/resources/application-prod.yml"),
        "{files:?}"
    );
}
