//! `creview generate alerts`: its output parses back through creview's own
//! readers and passes creview's own alert and SLO checks.

use creview::audit;
use creview::generate::{AlertsOptions, alerts};
use creview::model::promql;
use creview::settings::{Request, prepare};
use std::path::Path;

const SPECS: &str = r#"
version: "prometheus/v1"
service: checkout
slos:
  - name: requests-availability
    objective: 99.9
    sli:
      events:
        error_query: sum(rate(http_requests_total{job="checkout",code=~"5.."}[{{.window}}]))
        total_query: sum(rate(http_requests_total{job="checkout"}[{{.window}}]))
    alerting:
      page_alert: {disable: true}
      ticket_alert: {disable: true}
  - name: home-wifi
    objective: 90
    sli:
      raw:
        error_ratio_query: 1 - avg_over_time(wifi_client_satisfaction_ratio[{{.window}}])
---
apiVersion: pyrra.dev/v1alpha1
kind: ServiceLevelObjective
metadata:
  name: payments-latency
  namespace: shop
  labels: {prometheus: k8s}
spec:
  target: "99"
  window: 28d
  indicator:
    latency:
      success: {metric: 'http_request_duration_seconds_bucket{job="payments",le="0.5"}'}
      total: {metric: 'http_request_duration_seconds_count{job="payments"}'}
  alerting:
    burnrates: false
---
apiVersion: openslo/v1
kind: SLO
metadata:
  name: search-availability
spec:
  service: search
  indicator:
    metadata: {name: search-ok}
    spec:
      ratioMetric:
        counter: true
        good: {metricSource: {type: Prometheus, spec: {query: 'sum(rate(search_requests_total{job="search",code!~"5.."}[5m]))'}}}
        total: {metricSource: {type: Prometheus, spec: {query: 'sum(rate(search_requests_total{job="search"}[5m]))'}}}
  timeWindow: [{duration: 7d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{displayName: ok, target: 0.995}]
---
# OpenSLO v1alpha, as Sloth reads it: the ratio is on the objective.
apiVersion: openslo/v1alpha
kind: SLO
metadata:
  name: catalog-availability
spec:
  service: catalog
  budgetingMethod: Occurrences
  objectives:
    - ratioMetrics:
        good:
          source: prometheus
          queryType: promql
          query: sum(rate(catalog_requests_total{job="catalog",code!~"5.."}[{{.window}}]))
        total:
          source: prometheus
          queryType: promql
          query: sum(rate(catalog_requests_total{job="catalog"}[{{.window}}]))
      target: 0.999
  timeWindows:
    - count: 30
      unit: Day
"#;

const PROMETHEUS: &str = r#"
apiVersion: monitoring.coreos.com/v1
kind: Prometheus
metadata: {name: k8s, namespace: monitoring}
spec:
  ruleSelector:
    matchLabels: {prometheus: k8s}
  ruleNamespaceSelector: {}
  alerting:
    alertmanagers: [{name: alertmanager-main, namespace: monitoring, port: web}]
"#;

fn scan(dir: &Path, select: &[&str]) -> creview::Report {
    let request = Request {
        paths: vec![dir.to_string_lossy().into_owned()],
        select: select.iter().map(|s| s.to_string()).collect(),
        environment: Some("production".into()),
        isolated: true,
        ..Request::default()
    };
    let prepared = prepare(&request).unwrap();
    audit(&prepared.settings, &prepared.registry).unwrap()
}

fn generated(plain: bool) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("slos.yaml"), SPECS).unwrap();
    std::fs::write(dir.path().join("prometheus.yaml"), PROMETHEUS).unwrap();
    let request = Request {
        paths: vec![dir.path().to_string_lossy().into_owned()],
        isolated: true,
        ..Request::default()
    };
    let text = alerts(
        &request,
        &AlertsOptions {
            plain,
            ..AlertsOptions::default()
        },
    )
    .unwrap();
    (dir, text)
}

#[test]
fn generated_alerts_parse_back_and_pass_the_checks() {
    for plain in [false, true] {
        let (dir, text) = generated(plain);
        assert!(
            text.contains("CheckoutRequestsAvailabilityErrorBudgetBurn"),
            "{text}"
        );
        // 90%: the Workbook's pages can never fire; the ticket tiers can.
        assert!(text.contains("tier page-fast left out"), "{text}");
        assert!(
            text.contains("PaymentsPaymentsLatencyErrorBudgetBurn"),
            "{text}"
        );
        assert!(
            text.contains("SearchSearchAvailabilityErrorBudgetBurn"),
            "{text}"
        );
        assert!(
            text.contains("CatalogCatalogAvailabilityErrorBudgetBurn"),
            "{text}"
        );
        std::fs::write(dir.path().join("generated.yaml"), &text).unwrap();

        let report = scan(dir.path(), &["ALERT", "SLO"]);
        let rules = creview::model::alerting::rules(&report.inventory);
        let from_output: Vec<_> = rules
            .iter()
            .filter(|r| {
                report.inventory.files[report.inventory.resources[r.resource].file].display
                    == "generated.yaml"
            })
            .collect();
        assert!(
            from_output.len() > 20,
            "{} rules read back",
            from_output.len()
        );
        for r in &from_output {
            assert!(
                promql::analyze(&r.expr).error.is_none(),
                "{}: {:?}",
                r.display_name(),
                promql::analyze(&r.expr).error
            );
        }
        let on_output: Vec<String> = report
            .findings
            .iter()
            .filter(|f| f.location.path == "generated.yaml")
            .map(|f| {
                format!(
                    "{} {}:{} {}",
                    f.check, f.location.path, f.location.line, f.message
                )
            })
            .collect();
        assert!(on_output.is_empty(), "plain={plain}: {on_output:#?}");
        let still: Vec<&str> = report
            .findings
            .iter()
            .filter(|f| f.check == "SLO-002")
            .map(|f| f.message.as_str())
            .collect();
        assert!(
            still.is_empty(),
            "plain={plain}: SLOs still without alerts: {still:#?}"
        );
    }
}

#[test]
fn nothing_to_generate_for_slos_with_alerting() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("slo.yaml"),
        "version: prometheus/v1\nservice: a\nslos:\n  - name: x\n    objective: 99.9\n    sli: {raw: {error_ratio_query: 'rate(e[{{.window}}])'}}\n    alerting: {name: A}\n",
    )
    .unwrap();
    let request = Request {
        paths: vec![dir.path().to_string_lossy().into_owned()],
        isolated: true,
        ..Request::default()
    };
    let text = alerts(&request, &AlertsOptions::default()).unwrap();
    assert!(text.contains("for 0 SLO(s)"), "{text}");
    assert!(!text.contains("kind: PrometheusRule"));
}
