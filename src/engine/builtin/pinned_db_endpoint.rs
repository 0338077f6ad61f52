//! DEPEND-007: a client pinned to one instance of a datastore or broker.
//! Server-side high availability is useless when the client connects to a
//! fixed address: failover moves the primary, and a literal IP, a pod's own
//! DNS name or an instance endpoint does not follow.
//!
//! Reported, for datastore and broker connections in application config
//! and environment (`spring.datasource.url`, `DATABASE_URL`, Mongo URIs,
//! Redis, RabbitMQ and Kafka hosts):
//! - a literal IP address (loopback is left alone: a local proxy);
//! - a StatefulSet pod's DNS name (`db-0.db-headless`) when the StatefulSet
//!   runs several replicas, or a Service that selects one pod by
//!   `statefulset.kubernetes.io/pod-name`;
//! - an Aurora instance endpoint that a Terraform `aws_rds_cluster_instance`
//!   names (instead of the cluster endpoint);
//! - a single-host MongoDB URI without `replicaSet` to a replica set of the
//!   input;
//! - a JVM DNS cache without expiry (`-Dsun.net.inetaddr.ttl=-1`,
//!   `networkaddress.cache.ttl=-1`) on an application with such connections.
//!
//! A Kubernetes Service name, a host of a known proxy or pooler (PgBouncer,
//! ProxySQL, Cloud SQL Auth Proxy, RDS Proxy...) and a cluster endpoint are
//! what clients should use and are never reported.

use super::appconfig_support::{Adjust, Emitter};
use super::container_env::service_for_host;
use crate::engine::{Ctx, Hit};
use crate::model::appconfig::is_local_host;
use crate::model::appconfig::spring::{self, Endpoint};
use crate::model::appconfig::view::App;
use crate::yaml::Node;

pub struct Check;

impl super::BuiltinCheck for Check {
    fn slug(&self) -> &'static str {
        "pinned-db-endpoint"
    }

    fn run(&self, ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
        let apps = ctx.derived.apps(true);
        let mut out = Emitter::default();
        for app in &apps.apps {
            let endpoints = spring::endpoints(app);
            for e in &endpoints {
                endpoint(ctx, app, e, &mut out);
            }
            if !endpoints.is_empty() {
                dns_cache(app, &mut out);
            }
        }
        out.finish(hits);
    }
}

/// Host names of proxies and poolers: a single address is right for them.
const PROXIES: &[&str] = &[
    "pgbouncer",
    "pgpool",
    "proxysql",
    "cloudsql-proxy",
    "cloud-sql-proxy",
    "cloudsqlproxy",
    "maxscale",
    "odyssey",
    "pgcat",
    "haproxy",
    "envoy",
    "twemproxy",
    "rds-proxy",
    "vitess",
    "vtgate",
];

fn is_proxy(host: &str) -> bool {
    PROXIES.iter().any(|p| host.contains(p)) || host.contains(".proxy-")
}

fn namespace(ctx: &Ctx<'_>, app: &App) -> String {
    app.workloads
        .first()
        .map(|w| {
            ctx.inv.resources[ctx.graph.workloads[*w].resource]
                .namespace
                .clone()
        })
        .unwrap_or_else(|| "default".into())
}

fn endpoint(ctx: &Ctx<'_>, app: &App, e: &Endpoint<'_>, out: &mut Emitter) {
    let ns = namespace(ctx, app);
    let from = app
        .workloads
        .first()
        .map(|w| ctx.graph.workloads[*w].resource)
        .unwrap_or(e.setting.rid);
    let value = crate::model::appconfig::redact::text(&e.value);
    let at = app.at(e.setting);
    for (host, _) in &e.hosts {
        if is_local_host(host) || is_proxy(host) {
            continue;
        }
        let problem = if host.parse::<std::net::IpAddr>().is_ok() {
            Some(format!(
                "the literal IP address `{host}`: when the {} fails over, is replaced or moves, the new instance has another address and the client keeps connecting to the old one until someone edits the config and restarts it",
                e.system
            ))
        } else if let Some(p) = pod_of_replicated_set(ctx, host, &ns, from) {
            Some(p)
        } else {
            aurora_instance(ctx, host)
        };
        if let Some(problem) = problem {
            out.at(
                app,
                e.setting,
                format!(
                    "{at} (`{value}`) pins the {} connection to {problem}; connect through a Service, a cluster or writer endpoint, or a proxy that follows failover",
                    e.system
                ),
                Adjust::none(),
            );
            return;
        }
    }
    if e.system == "MongoDB" && e.hosts.len() == 1 {
        let lower = e.value.to_ascii_lowercase();
        if lower.starts_with("mongodb+srv://") || lower.contains("replicaset=") {
            return;
        }
        let host = &e.hosts[0].0;
        if let Some(set) = mongo_replica_set(ctx, host, &ns, from) {
            out.at(
                app,
                e.setting,
                format!(
                    "{at} (`{value}`) connects to the MongoDB replica set `{set}` through one address without `replicaSet`: the driver talks to whichever member that address reaches as a standalone server, so writes fail when it is a secondary and nothing follows an election; list the members and set `replicaSet` (or use a `mongodb+srv://` URI)",
                ),
                Adjust::none(),
            );
        }
    }
}

/// `db-0.db-headless[...]` naming one pod of a StatefulSet with several
/// replicas, or a Service selecting a single pod of one.
fn pod_of_replicated_set(ctx: &Ctx<'_>, host: &str, ns: &str, from: usize) -> Option<String> {
    let g = ctx.graph;
    let labels: Vec<&str> = host.trim_end_matches('.').split('.').collect();
    let first = labels.first()?;
    if labels.len() >= 2 {
        let (sts, ordinal) = first.rsplit_once('-')?;
        if !ordinal.is_empty() && ordinal.chars().all(|c| c.is_ascii_digit()) {
            let sts_ns = labels
                .get(2)
                .filter(|l| **l != "svc")
                .copied()
                .unwrap_or(ns);
            if let Some(rid) = g.find(sts_ns, "StatefulSet", sts, from)
                && let Some(w) = g.workload(rid)
                && let Some(n) = g.effective_min_replicas(ctx.inv, w)
                && n > 1
            {
                return Some(format!(
                    "`{first}`, one pod of StatefulSet `{sts}` ({n} replicas): when that pod is down or no longer the primary, the client cannot use the others"
                ));
            }
        }
    }
    let sid = service_for_host(g, host, ns, from)?;
    let svc = &ctx.inv.resources[sid];
    let pod = svc
        .node
        .path(&["spec", "selector", "statefulset.kubernetes.io/pod-name"])
        .and_then(Node::scalar_text)?;
    let sts = pod.rsplit_once('-')?.0.to_string();
    let rid = g.find(&svc.namespace, "StatefulSet", &sts, sid)?;
    let n = g.effective_min_replicas(ctx.inv, g.workload(rid)?)?;
    (n > 1).then(|| {
        format!(
            "Service `{}`, which selects the single pod `{pod}` of StatefulSet `{sts}` ({n} replicas): when that pod is down or no longer the primary, the client cannot use the others",
            svc.name
        )
    })
}

/// An Aurora instance endpoint named by a Terraform cluster instance.
fn aurora_instance(ctx: &Ctx<'_>, host: &str) -> Option<String> {
    if !host.ends_with(".rds.amazonaws.com") || host.contains(".cluster-") {
        return None;
    }
    let first = host.split('.').next()?;
    for &rid in ctx.graph.of_kind("aws_rds_cluster_instance") {
        let r = &ctx.inv.resources[rid];
        if r.api_version != "terraform" {
            continue;
        }
        let id = r.node.get("identifier").and_then(Node::scalar_text);
        if id.as_deref() == Some(first) {
            return Some(format!(
                "the instance endpoint of Aurora instance `{first}` ({}): after a failover that instance is a reader, so writes fail until the client is reconfigured",
                r.name
            ));
        }
    }
    None
}

/// The name of a MongoDB replica set a host reaches, if the input runs one.
fn mongo_replica_set(ctx: &Ctx<'_>, host: &str, ns: &str, from: usize) -> Option<String> {
    let sid = service_for_host(ctx.graph, host, ns, from)?;
    for &w in ctx.graph.service_targets.get(&sid)? {
        let wl = &ctx.graph.workloads[w];
        let r = &ctx.inv.resources[wl.resource];
        for c in &wl.containers {
            if !c.image.repository.to_ascii_lowercase().contains("mongo") {
                continue;
            }
            let node = r.node.pointer(&c.pointer)?;
            let words: Vec<String> = ["command", "args"]
                .iter()
                .flat_map(|f| node.get(f).map(Node::items).unwrap_or_default())
                .filter_map(Node::scalar_text)
                .collect();
            let joined = words.join(" ");
            if let Some(i) = joined.find("--replSet") {
                let rest = joined[i + "--replSet".len()..].trim_start_matches(['=', ' ']);
                let name = rest.split_whitespace().next().unwrap_or("rs").to_string();
                return Some(name);
            }
        }
    }
    None
}

fn dns_cache(app: &App, out: &mut Emitter) {
    for s in app.settings.iter().filter(|s| s.from_env && s.known) {
        if !matches!(
            s.key.as_str(),
            "JAVA_OPTS" | "JAVA_TOOL_OPTIONS" | "JDK_JAVA_OPTIONS" | "JVM_OPTS" | "CATALINA_OPTS"
        ) {
            continue;
        }
        for flag in ["-Dsun.net.inetaddr.ttl=", "-Dnetworkaddress.cache.ttl="] {
            let Some(i) = s.value.find(flag) else {
                continue;
            };
            let v = s.value[i + flag.len()..]
                .split_whitespace()
                .next()
                .unwrap_or_default();
            let Ok(ttl) = v.trim_matches(['"', '\'']).parse::<i64>() else {
                continue;
            };
            if !(0..=300).contains(&ttl) {
                out.at(
                    app,
                    s,
                    format!(
                        "`{}` sets `{flag}{ttl}`: the JVM caches DNS answers {}, so after a managed database or broker fails over (which flips DNS) the app keeps connecting to the old address; keep the TTL at 60 s or less",
                        s.key,
                        if ttl < 0 { "forever".to_string() } else { format!("for {ttl} s") }
                    ),
                    Adjust::none(),
                );
                return;
            }
        }
    }
}
