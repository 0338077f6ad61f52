//! CAPACITY-003: an autoscaler scaling on CPU or memory utilization of
//! containers that declare no request for that resource. Utilization is a
//! percentage of the request, so the metric is undefined and the workload,
//! which looks autoscaled, never scales.

use crate::engine::{Ctx, Hit};
use crate::model::k8s::Container;
use crate::yaml::Node;

pub struct Check;

/// A utilization metric of an HPA: the resource, the container it is limited
/// to (ContainerResource), and its pointer.
struct Metric {
    resource: String,
    container: Option<String>,
    pointer: String,
}

fn utilization_metrics(hpa: &Node) -> Vec<Metric> {
    let spec = hpa.get("spec");
    // autoscaling/v1
    if spec
        .and_then(|s| s.get("targetCPUUtilizationPercentage"))
        .is_some()
    {
        return vec![Metric {
            resource: "cpu".into(),
            container: None,
            pointer: "/spec/targetCPUUtilizationPercentage".into(),
        }];
    }
    let Some(metrics) = spec.and_then(|s| s.get("metrics")) else {
        // v2 without metrics: the API defaults to 80% average CPU utilization.
        return vec![Metric {
            resource: "cpu".into(),
            container: None,
            pointer: "/spec".into(),
        }];
    };
    let mut out = Vec::new();
    for (i, m) in metrics.items().iter().enumerate() {
        let (field, container) = match m.get("type").and_then(Node::as_str) {
            Some("Resource") => ("resource", None),
            Some("ContainerResource") => (
                "containerResource",
                m.path(&["containerResource", "container"])
                    .and_then(Node::scalar_text),
            ),
            _ => continue,
        };
        let Some(body) = m.get(field) else { continue };
        let utilization = body
            .path(&["target", "type"])
            .and_then(Node::as_str)
            .map(|t| t == "Utilization")
            // autoscaling/v2beta1 spelled it targetAverageUtilization.
            .unwrap_or_else(|| body.get("targetAverageUtilization").is_some());
        if !utilization {
            continue;
        }
        if let Some(resource) = body.get("name").and_then(Node::scalar_text) {
            out.push(Metric {
                resource,
                container,
                pointer: format!("/spec/metrics/{i}"),
            });
        }
    }
    out
}

impl super::BuiltinCheck for Check {
    fn slug(&self) -> &'static str {
        "hpa-metric-without-request"
    }

    fn run(&self, ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
        let g = ctx.graph;
        for &aid in g.of_kind("HorizontalPodAutoscaler") {
            let Some(Some(wid)) = g.autoscaler_target.get(&aid) else {
                continue;
            };
            let hpa = &ctx.inv.resources[aid];
            let w = &g.workloads[*wid];
            let r = &ctx.inv.resources[w.resource];
            let defaults = g.limit_defaults(w.resource, &r.namespace);
            let metrics_count = hpa
                .node
                .path(&["spec", "metrics"])
                .map(|m| m.items().len())
                .unwrap_or(1);
            for metric in utilization_metrics(&hpa.node) {
                let by_namespace = match metric.resource.as_str() {
                    "cpu" => defaults.request_cpu,
                    "memory" => defaults.request_memory,
                    _ => false,
                };
                if by_namespace {
                    continue;
                }
                let lacking: Vec<&Container> = w
                    .containers
                    .iter()
                    .filter(|c| !c.init || c.sidecar)
                    .filter(|c| metric.container.as_ref().is_none_or(|n| *n == c.name))
                    .filter(|c| {
                        // A limit without a request becomes the request.
                        let res = r.node.pointer(&c.pointer).and_then(|n| n.get("resources"));
                        ["requests", "limits"]
                            .iter()
                            .all(|k| res.and_then(|x| x.path(&[k, &metric.resource])).is_none())
                    })
                    .collect();
                if lacking.is_empty() {
                    continue;
                }
                let names: Vec<&str> = lacking.iter().map(|c| c.name.as_str()).collect();
                let consequence = if metrics_count > 1 {
                    "that metric is undefined, so the autoscaler scales only on its other metrics"
                        .to_string()
                } else {
                    "utilization is undefined and the workload never scales".to_string()
                };
                hits.push(Hit::resource(
                    aid,
                    &metric.pointer,
                    format!(
                        "HorizontalPodAutoscaler `{}` scales {} `{}` on {} utilization, but container(s) {} declare no {} request: {consequence}",
                        hpa.name,
                        r.kind,
                        r.name,
                        metric.resource,
                        names.join(", "),
                        metric.resource
                    ),
                ));
            }
        }
    }
}
