//! CONFIG-001: traffic sent to nothing. A Service whose selector matches no
//! pod template, a named targetPort no selected container declares, an
//! Ingress backend naming a Service that does not exist. Each is a
//! deterministic outage of that route as soon as it ships.

use crate::engine::{Ctx, Hit};
use crate::finding::Severity;
use crate::yaml::Node;

pub struct Check;

/// Selector keys set on pods that operators create (the pod template is not
/// in the repository).
const OPERATOR_KEYS: &[&str] = &[
    "strimzi.io/",
    "cnpg.io/",
    "cluster-name=",
    "application=spilo",
    "statefulset.kubernetes.io/pod-name",
    "controller-uid",
    "batch.kubernetes.io/",
    "elasticsearch.k8s.elastic.co/",
    "rabbitmq.com/",
];

/// Custom resources whose operator creates pods (Prometheus, Kafka, ...).
const OPERATOR_KINDS: &[&str] = &[
    "Prometheus",
    "Alertmanager",
    "ThanosRuler",
    "Kafka",
    "KafkaNodePool",
    "Cluster",
    "postgresql",
    "PostgresCluster",
    "Elasticsearch",
    "Kibana",
    "RabbitmqCluster",
    "MongoDBCommunity",
    "RedisFailover",
];

impl super::BuiltinCheck for Check {
    fn slug(&self) -> &'static str {
        "service-selects-nothing"
    }

    fn run(&self, ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
        self.services(ctx, hits);
        self.ingresses(ctx, hits);
    }
}

impl Check {
    fn services(&self, ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
        let g = ctx.graph;
        for &sid in g.of_kind("Service") {
            let svc = &ctx.inv.resources[sid];
            let Some(targets) = g.service_targets.get(&sid) else {
                continue;
            };
            if svc.node.path(&["spec", "type"]).and_then(Node::as_str) == Some("ExternalName") {
                continue;
            }
            let selector: Vec<String> =
                crate::model::string_map(svc.node.path(&["spec", "selector"]))
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect();
            if targets.is_empty() {
                let hit = Hit::resource(
                    sid,
                    "/spec/selector",
                    format!(
                        "Service `{}` selects {} but no pod template in namespace `{}` carries those labels: it has no endpoints",
                        svc.name,
                        selector.join(","),
                        svc.namespace
                    ),
                );
                let operator = selector
                    .iter()
                    .any(|s| OPERATOR_KEYS.iter().any(|k| s.contains(k)))
                    || OPERATOR_KINDS.iter().any(|k| {
                        g.of_kind(k)
                            .iter()
                            .any(|o| ctx.inv.resources[*o].namespace == svc.namespace)
                    });
                hits.push(if operator {
                    hit.with_severity(
                        Severity::Info,
                        "the selector names labels an operator puts on the pods it creates; cannot tell from the repository",
                    )
                } else if g.workloads_in(&svc.namespace).is_empty() {
                    hit.with_severity(
                        Severity::Low,
                        "no workload of this namespace is in the scanned files; the pods may be deployed from elsewhere, so this cannot be confirmed",
                    )
                } else {
                    hit
                });
                continue;
            }
            // Named target ports must exist on a selected container.
            for (i, port) in svc
                .node
                .path(&["spec", "ports"])
                .map(Node::items)
                .unwrap_or_default()
                .iter()
                .enumerate()
            {
                let Some(name) = port.get("targetPort").and_then(Node::as_str) else {
                    continue;
                };
                let declared = targets.iter().any(|w| {
                    g.workloads[*w]
                        .containers
                        .iter()
                        .any(|c| c.ports.iter().any(|(n, _)| n.as_deref() == Some(name)))
                });
                if !declared {
                    hits.push(Hit::resource(
                        sid,
                        format!("/spec/ports/{i}/targetPort"),
                        format!(
                            "Service `{}` sends traffic to the named port `{name}`, which no container of the selected pods declares: the endpoints never become ready",
                            svc.name
                        ),
                    ));
                }
            }
        }
    }

    fn ingresses(&self, ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
        let g = ctx.graph;
        for &iid in g.of_kind("Ingress") {
            let ing = &ctx.inv.resources[iid];
            for b in g
                .ingress_backends
                .get(&iid)
                .map(Vec::as_slice)
                .unwrap_or_default()
            {
                if b.resolved.is_some() {
                    continue;
                }
                let hit = Hit::resource(
                    iid,
                    &b.pointer,
                    format!(
                        "Ingress `{}` routes to Service `{}`, which does not exist in namespace `{}`",
                        ing.name, b.service, ing.namespace
                    ),
                );
                let namespace_has_services = g
                    .of_kind("Service")
                    .iter()
                    .any(|s| ctx.inv.resources[*s].namespace == ing.namespace);
                hits.push(if namespace_has_services {
                    hit
                } else {
                    hit.with_severity(
                        Severity::Low,
                        "no Service of this namespace is in the scanned files; it may be deployed from elsewhere",
                    )
                });
            }
        }
    }
}
