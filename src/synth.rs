//! Synthetic repositories for benchmarks: N apps, each a Deployment,
//! Service, HorizontalPodAutoscaler, PodDisruptionBudget, ConfigMap and
//! PrometheusRule, with defects seeded deterministically (about one app in
//! three has each kind of problem), spread over folders like a monorepo.

use std::fmt::Write;
use std::path::Path;

/// Writes `apps` apps under `dir` (`team-XX/app-NNNNN/*.yaml`). Returns the
/// number of files and bytes written.
pub fn generate(dir: &Path, apps: usize) -> std::io::Result<(usize, u64)> {
    let mut files = 0;
    let mut bytes = 0u64;
    for i in 0..apps {
        let folder = dir
            .join(format!("team-{:02}", i % 40))
            .join(format!("app-{i:05}"));
        std::fs::create_dir_all(&folder)?;
        for (name, text) in app(i) {
            bytes += text.len() as u64;
            std::fs::write(folder.join(name), text)?;
            files += 1;
        }
    }
    Ok((files, bytes))
}

/// The files of app `i`.
pub fn app(i: usize) -> Vec<(&'static str, String)> {
    let name = format!("app-{i:05}");
    let ns = format!("team-{:02}", i % 40);
    // Seeded defects: a pseudo-random but reproducible mix per app.
    let h = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32;
    let single_replica = h.is_multiple_of(3);
    let no_probe = h.is_multiple_of(5);
    let latest = h.is_multiple_of(7);
    let no_requests = h.is_multiple_of(4);
    let pdb_blocks = h.is_multiple_of(11);
    let selector_typo = h.is_multiple_of(13);
    let rule_without_for = h.is_multiple_of(6);

    let mut deploy = String::new();
    let _ = write!(
        deploy,
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  namespace: {ns}\n  labels:\n    app.kubernetes.io/name: {name}\n    team: {ns}\nspec:\n"
    );
    if single_replica {
        deploy.push_str("  replicas: 1\n");
    }
    let _ = write!(
        deploy,
        "  selector:\n    matchLabels:\n      app.kubernetes.io/name: {name}\n  template:\n    metadata:\n      labels:\n        app.kubernetes.io/name: {name}\n      annotations:\n        checksum/config: \"{h:x}\"\n    spec:\n      topologySpreadConstraints:\n        - maxSkew: 1\n          topologyKey: kubernetes.io/hostname\n          whenUnsatisfiable: ScheduleAnyway\n          labelSelector:\n            matchLabels:\n              app.kubernetes.io/name: {name}\n      containers:\n        - name: app\n          image: registry.example.com/{ns}/{name}:{}\n          ports:\n            - name: http\n              containerPort: 8080\n          envFrom:\n            - configMapRef:\n                name: {name}-config\n",
        if latest {
            "latest".to_string()
        } else {
            format!("1.{}.{}", i % 17, i % 5)
        }
    );
    if !no_probe {
        deploy.push_str("          readinessProbe:\n            httpGet: {path: /ready, port: http}\n          livenessProbe:\n            httpGet: {path: /live, port: http}\n            failureThreshold: 6\n");
    }
    if !no_requests {
        deploy.push_str("          resources:\n            requests: {cpu: 100m, memory: 128Mi}\n            limits: {memory: 256Mi}\n");
    }
    deploy.push_str(
        "          lifecycle:\n            preStop:\n              sleep: {seconds: 5}\n",
    );

    let service = format!(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n  selector:\n    app.kubernetes.io/name: {}\n  ports:\n    - name: http\n      port: 80\n      targetPort: http\n",
        if selector_typo {
            format!("{name}-x")
        } else {
            name.clone()
        }
    );
    let hpa = format!(
        "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n  scaleTargetRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    name: {name}\n  minReplicas: {}\n  maxReplicas: 10\n  metrics:\n    - type: Resource\n      resource:\n        name: cpu\n        target: {{type: Utilization, averageUtilization: 70}}\n",
        if single_replica { 1 } else { 3 }
    );
    let pdb = format!(
        "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n  {}\n  selector:\n    matchLabels:\n      app.kubernetes.io/name: {name}\n",
        if pdb_blocks {
            "maxUnavailable: 0"
        } else {
            "maxUnavailable: 1"
        }
    );
    let config = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}-config\n  namespace: {ns}\ndata:\n  LOG_LEVEL: info\n  UPSTREAM_URL: http://app-{:05}.{ns}.svc.cluster.local\n  FEATURE_FLAGS: \"a,b,c\"\n",
        (i + 1) % 100_000
    );
    let rule = format!(
        "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n  name: {name}\n  namespace: {ns}\n  labels:\n    release: prometheus\nspec:\n  groups:\n    - name: {name}.rules\n      rules:\n        - alert: {}HighErrorRate\n          expr: sum(rate(http_requests_total{{job=\"{name}\",code=~\"5..\"}}[5m])) / sum(rate(http_requests_total{{job=\"{name}\"}}[5m])) > 0.01\n{}          labels:\n            severity: page\n          annotations:\n            summary: High error rate on {name}\n            runbook_url: https://runbooks.example.com/{name}\n",
        name.replace('-', "_"),
        if rule_without_for {
            ""
        } else {
            "          for: 5m\n"
        }
    );
    vec![
        ("deployment.yaml", deploy),
        ("service.yaml", service),
        ("hpa.yaml", hpa),
        ("pdb.yaml", pdb),
        ("configmap.yaml", config),
        ("alerts.yaml", rule),
    ]
}

#[cfg(test)]
mod tests {
    #[test]
    fn apps_are_valid_yaml_and_deterministic() {
        for i in [0, 1, 13, 99] {
            let a = super::app(i);
            assert_eq!(a, super::app(i));
            for (name, text) in a {
                let s = crate::yaml::parse_stream(&text, &Default::default());
                assert!(s.problems.is_empty(), "app {i} {name}: {:?}", s.problems);
            }
        }
    }
}
