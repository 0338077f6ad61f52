//! CONFIG-001: traffic sent to nothing. A Service whose selector matches no
//! pod template, a target port no selected container declares, an Ingress
//! backend naming a Service (or a Service port) that does not exist, a
//! workload whose selector does not match its own template. Each is a
//! deterministic outage of that route as soon as it ships.

use crate::engine::{Ctx, Hit};
use crate::finding::Severity;
use crate::model::ResourceId;
use crate::model::selector::LabelSelector;
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
    "postgres-operator.crunchydata.com/",
];

/// Custom resources (API group, kind) whose operator creates pods.
const OPERATOR_KINDS: &[(&str, &str)] = &[
    ("monitoring.coreos.com", "Prometheus"),
    ("monitoring.coreos.com", "Alertmanager"),
    ("monitoring.coreos.com", "ThanosRuler"),
    ("kafka.strimzi.io", "Kafka"),
    ("kafka.strimzi.io", "KafkaNodePool"),
    ("postgresql.cnpg.io", "Cluster"),
    ("acid.zalan.do", "postgresql"),
    ("postgres-operator.crunchydata.com", "PostgresCluster"),
    ("elasticsearch.k8s.elastic.co", "Elasticsearch"),
    ("kibana.k8s.elastic.co", "Kibana"),
    ("rabbitmq.com", "RabbitmqCluster"),
    ("mongodbcommunity.mongodb.com", "MongoDBCommunity"),
    ("databases.spotahome.com", "RedisFailover"),
];

impl super::BuiltinCheck for Check {
    fn slug(&self) -> &'static str {
        "service-selects-nothing"
    }

    fn run(&self, ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
        services(ctx, hits);
        ingresses(ctx, hits);
        own_selectors(ctx, hits);
    }
}

/// Whether an operator in the Service's namespace may create the pods.
fn operator_managed(ctx: &Ctx<'_>, namespace: &str, selector: &[String]) -> bool {
    selector
        .iter()
        .any(|s| OPERATOR_KEYS.iter().any(|k| s.contains(k)))
        || OPERATOR_KINDS.iter().any(|(group, kind)| {
            ctx.graph.of_kind(kind).iter().any(|o| {
                let r = &ctx.inv.resources[*o];
                r.namespace == namespace && r.group() == *group
            })
        })
}

fn services(ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
    let g = ctx.graph;
    for &sid in g.of_kind("Service") {
        let svc = &ctx.inv.resources[sid];
        let Some(targets) = g.service_targets.get(&sid) else {
            continue;
        };
        if svc.node.path(&["spec", "type"]).and_then(Node::as_str) == Some("ExternalName") {
            continue;
        }
        let selector: Vec<String> = crate::model::string_map(svc.node.path(&["spec", "selector"]))
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        if targets.is_empty() {
            let hit = Hit::resource(
                sid,
                "/spec/selector",
                format!(
                    "Service `{}` selects {} but no pod template in namespace `{}` carries those labels: it routes to nothing",
                    svc.name,
                    selector.join(","),
                    svc.namespace
                ),
            );
            hits.push(if operator_managed(ctx, &svc.namespace, &selector) {
                hit.with_severity(
                    Severity::Info,
                    "an operator in this namespace creates pods from a custom resource; their labels cannot be checked from the repository",
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
        check_target_ports(ctx, sid, targets, hits);
    }
}

/// Every Service port must reach a port of the selected containers: a named
/// target port must be declared (else the endpoints never become ready); a
/// numeric one no container declares is suspicious (containerPort is only
/// informational, so this is low).
fn check_target_ports(ctx: &Ctx<'_>, sid: ResourceId, targets: &[usize], hits: &mut Vec<Hit>) {
    let g = ctx.graph;
    let svc = &ctx.inv.resources[sid];
    let containers = || {
        targets.iter().flat_map(|w| {
            g.workloads[*w]
                .containers
                .iter()
                .filter(|c| !c.init || c.sidecar)
        })
    };
    let any_declared = containers().any(|c| !c.ports.is_empty());
    for (i, port) in svc
        .node
        .path(&["spec", "ports"])
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let target = port.get("targetPort").or_else(|| port.get("port"));
        let Some(target) = target else { continue };
        let pointer = if port.get("targetPort").is_some() {
            format!("/spec/ports/{i}/targetPort")
        } else {
            format!("/spec/ports/{i}/port")
        };
        if let Some(name) = target.as_str().filter(|s| s.parse::<i64>().is_err()) {
            let declared =
                containers().any(|c| c.ports.iter().any(|(n, _)| n.as_deref() == Some(name)));
            if !declared {
                hits.push(Hit::resource(
                    sid,
                    pointer,
                    format!(
                        "Service `{}` sends traffic to the named port `{name}`, which no container of the selected pods declares: it has no ready endpoints",
                        svc.name
                    ),
                ));
            }
        } else if let Some(number) = target.scalar_text().and_then(|t| t.parse::<i64>().ok()) {
            let declared = containers().any(|c| c.ports.iter().any(|(_, p)| *p == number));
            if any_declared && !declared {
                hits.push(
                    Hit::resource(
                        sid,
                        pointer,
                        format!(
                            "Service `{}` sends traffic to port {number}, which no container of the selected pods declares: check that the app listens there",
                            svc.name
                        ),
                    )
                    .with_severity(
                        Severity::Low,
                        "containerPort is informational, so an undeclared numeric port may still work",
                    ),
                );
            }
        }
    }
}

fn ingresses(ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
    let g = ctx.graph;
    for &iid in g.of_kind("Ingress") {
        let ing = &ctx.inv.resources[iid];
        for b in g
            .ingress_backends
            .get(&iid)
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            let Some(sid) = b.resolved else {
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
                continue;
            };
            // The backend's port must be one of the Service's ports.
            let backend = ing.node.pointer(&b.pointer);
            let wanted = backend.and_then(|n| {
                n.path(&["service", "port", "name"])
                    .or_else(|| n.path(&["service", "port", "number"]))
                    .or_else(|| n.get("servicePort"))
                    .and_then(Node::scalar_text)
            });
            let Some(wanted) = wanted else { continue };
            let svc = &ctx.inv.resources[sid];
            let ports = svc
                .node
                .path(&["spec", "ports"])
                .map(Node::items)
                .unwrap_or_default();
            let found = ports.iter().any(|p| {
                p.get("name").and_then(Node::scalar_text).as_deref() == Some(wanted.as_str())
                    || p.get("port").and_then(Node::scalar_text).as_deref() == Some(wanted.as_str())
            });
            if !found && !ports.is_empty() {
                hits.push(Hit::resource(
                    iid,
                    &b.pointer,
                    format!(
                        "Ingress `{}` routes to port `{wanted}` of Service `{}`, which has no such port",
                        ing.name, b.service
                    ),
                ));
            }
        }
    }
}

/// A Deployment-like workload whose selector does not match its own pod
/// template: the API server rejects it, or (Terraform, old API versions) it
/// manages no pods.
fn own_selectors(ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
    for w in &ctx.graph.workloads {
        if !w.kind.has_replicas() {
            continue;
        }
        let r = &ctx.inv.resources[w.resource];
        let Some(sel) = r.node.path(&["spec", "selector"]) else {
            continue;
        };
        let selector = if sel.get("matchLabels").is_some() || sel.get("matchExpressions").is_some()
        {
            LabelSelector::from_label_selector(sel)
        } else {
            // ReplicationController: a plain map.
            LabelSelector::from_map(sel)
        };
        if selector.is_empty() || selector.matches(|k| w.label(k)) {
            continue;
        }
        hits.push(Hit::resource(
            w.resource,
            "/spec/selector",
            format!(
                "{} `{}` has a selector that does not match the labels of its own pod template: the API server rejects it",
                r.kind, r.name
            ),
        ));
    }
}
