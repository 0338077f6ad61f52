//! The facts CEL checks see, built from the model. Facts are code: anything
//! that needs selector semantics, defaults or arithmetic over several objects
//! is computed here once, so check files stay short declarations.
//!
//! Variables (documented for check authors in `docs/checks.md`):
//! - `workload`: kind, name, namespace, replicas (as written or null),
//!   effectiveMinReplicas, serving, autoscaled, autoscalerMin/Max,
//!   leaderElected, datastore (engine run as a primary store, or null), batch, services/pdbs/autoscalers/ingresses (names),
//!   volumeClaimTemplates, spread {hostname, zone, zoneStrict, mismatched}.
//! - `container` (with `each: containers`): name, init, sidecar, serves,
//!   image, imageTag, imageDigest, imageRegistry, imageRepository,
//!   liveness/readiness/startup ({handler, toleranceSeconds} or null), jvm.
//! - `ns`: name, limitDefaults {requestCpu, requestMemory, limitMemory}.
//! - `service`: name, namespace (or null).
//! - `target` (autoscalers): the target workload's facts, or null.
//! - `selected` (Services, PDBs): list of the selected workloads' facts.

use super::cel::{Facts, string_list};
use crate::model::Inventory;
use crate::model::graph::{Graph, Workload, autoscaler_max_of, autoscaler_min};
use crate::model::k8s::{self, Container};
use crate::model::service::Services;
use crate::yaml::Node;
use cel::Value;
use std::sync::Arc;

/// `names` holds every resource's name as a CEL string, shared: a workload
/// lists the names of its Services, PDBs, autoscalers and Ingresses, and
/// thousands of PDBs over thousands of workloads must not mean millions of
/// copies.
pub fn workload(inv: &Inventory, graph: &Graph, w: &Workload, names: &[Value]) -> Value {
    let r = &inv.resources[w.resource];
    let names =
        |ids: &[usize]| Value::List(Arc::new(ids.iter().map(|i| names[*i].clone()).collect()));
    let pod_spec = r.node.pointer(&w.pod_spec_pointer());
    let spread = pod_spec
        .map(|s| k8s::spread(s, &w.labels, &r.namespace))
        .unwrap_or_default();
    let autoscaler_min = w
        .autoscalers
        .iter()
        .map(|a| autoscaler_min(&inv.resources[*a]))
        .min();
    let autoscaler_max = w
        .autoscalers
        .iter()
        .filter_map(|a| autoscaler_max_of(&inv.resources[*a]))
        .max();
    Facts::new()
        .set("kind", r.kind.as_str())
        .set("name", r.name.as_str())
        .set("namespace", r.namespace.as_str())
        .opt_int("replicas", w.replicas)
        .opt_int("effectiveMinReplicas", graph.effective_min_replicas(inv, w))
        .set("serving", w.serving())
        .set("autoscaled", w.autoscaled())
        .opt_int("autoscalerMin", autoscaler_min)
        .opt_int("autoscalerMax", autoscaler_max)
        .set("leaderElected", w.leader_elected)
        .set(
            "datastore",
            crate::model::datastore::primary_store(inv, graph, w)
                .map(|e| Value::from(e.display))
                .unwrap_or(Value::Null),
        )
        .set("batch", w.kind.is_batch())
        .set("services", names(&w.services))
        .set("pdbs", names(&w.pdbs))
        .set("autoscalers", names(&w.autoscalers))
        .set("ingresses", names(&w.ingresses))
        .set(
            "volumeClaimTemplates",
            r.node
                .path(&["spec", "volumeClaimTemplates"])
                .is_some_and(|v| !v.items().is_empty()),
        )
        .set(
            "spread",
            Facts::new()
                .set("hostname", spread.hostname)
                .set("zone", spread.zone)
                .set("zoneStrict", spread.zone_strict)
                .set("mismatched", string_list(&spread.mismatched))
                .build(),
        )
        .build()
}

fn probe(node: Option<&Node>) -> Value {
    let Some(p) = node else { return Value::Null };
    let Some(handler) = k8s::probe_handler(p) else {
        return Value::Null;
    };
    Facts::new()
        .set("handler", handler)
        .set("toleranceSeconds", k8s::probe_tolerance_seconds(p))
        .set(
            "initialDelaySeconds",
            p.get("initialDelaySeconds")
                .and_then(Node::as_i64)
                .unwrap_or(0),
        )
        .build()
}

/// Image or settings of a JVM (or .NET) runtime, which start slowly.
fn slow_runtime(node: &Node, c: &Container) -> bool {
    const HINTS: &[&str] = &[
        "java",
        "jdk",
        "jre",
        "openjdk",
        "temurin",
        "corretto",
        "spring",
        "tomcat",
        "jetty",
        "wildfly",
        "jboss",
        "keycloak",
        "elasticsearch",
        "kafka",
        "zookeeper",
        "cassandra",
        "sonarqube",
        "jenkins",
        "dotnet",
        "aspnet",
    ];
    let image = c.image.repository.to_ascii_lowercase();
    let env_hint = node
        .get("env")
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .filter_map(|e| e.get("name").and_then(Node::as_str))
        .any(|n| {
            matches!(
                n,
                "JAVA_OPTS" | "JAVA_TOOL_OPTIONS" | "JDK_JAVA_OPTIONS" | "SPRING_PROFILES_ACTIVE"
            )
        });
    env_hint || HINTS.iter().any(|h| image.contains(h))
}

pub fn container(node: &Node, c: &Container, serves: bool) -> Value {
    Facts::new()
        .set("name", c.name.as_str())
        .set("init", c.init)
        .set("sidecar", c.sidecar)
        .set("serves", serves)
        .set("image", c.image.full.as_str())
        .set("imageTag", c.image.tag.as_str())
        .set("imageDigest", c.image.digest.as_str())
        .set(
            "imageRegistry",
            c.image.registry.clone().unwrap_or_default(),
        )
        .set("imageRepository", c.image.repository.as_str())
        .set("liveness", probe(node.get("livenessProbe")))
        .set("readiness", probe(node.get("readinessProbe")))
        .set("startup", probe(node.get("startupProbe")))
        .set("jvm", slow_runtime(node, c))
        .build()
}

pub fn namespace(graph: &Graph, resource: usize, name: &str) -> Value {
    let d = graph.limit_defaults(resource, name);
    Facts::new()
        .set("name", name)
        .set(
            "limitDefaults",
            Facts::new()
                .set("requestCpu", d.request_cpu)
                .set("requestMemory", d.request_memory)
                .set("limitMemory", d.limit_memory)
                .build(),
        )
        .build()
}

pub fn service(services: &Services, id: Option<usize>) -> Value {
    match id {
        None => Value::Null,
        Some(id) => {
            let s = &services.list[id];
            Facts::new()
                .set("name", s.name.as_str())
                .set("namespace", s.namespace.as_str())
                .build()
        }
    }
}
