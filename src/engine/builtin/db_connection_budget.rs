//! CAPACITY-006 (Kubernetes side): the connection pools of every workload
//! that talks straight to an in-repo PostgreSQL or MySQL, at their largest
//! scale (autoscaler ceiling or replicas, plus the rollout surge), add up to
//! more than the database's `max_connections`. Past that, new connections
//! fail with "too many connections" for every service on the database, not
//! only the one that scaled. A pooler (PgBouncer, Pgpool-II, ProxySQL) in
//! between is fine; the Cloud SQL Auth Proxy does not pool.
//!
//! App side: a client's datasource URL and Hikari pool size may come from
//! the Spring config linked to the workload (`spring.datasource.url`,
//! `spring.datasource.hikari.maximum-pool-size`, relaxed binding, active
//! profile), under the container's environment, which wins.

use super::container_env::{self, EnvVar};
use crate::engine::{Ctx, Hit};
use crate::model::appconfig::keys::squash;
use crate::model::graph::{Workload, WorkloadId, autoscaler_max_of};
use crate::model::k8s::{Container, WorkloadKind, int_or_percent};
use crate::model::{Inventory, Resource, ResourceId};
use crate::yaml::Node;
use std::collections::HashMap;

pub struct Check;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Engine {
    Postgres,
    MySql,
}

impl Engine {
    fn name(self) -> &'static str {
        match self {
            Engine::Postgres => "PostgreSQL",
            Engine::MySql => "MySQL",
        }
    }

    /// `max_connections` when nothing sets it.
    fn default_max(self) -> i64 {
        match self {
            Engine::Postgres => 100,
            Engine::MySql => 151,
        }
    }

    /// Slots only superusers may use (`superuser_reserved_connections`).
    fn reserved(self) -> i64 {
        match self {
            Engine::Postgres => 3,
            Engine::MySql => 0,
        }
    }
}

/// Image names of tools around a database that are not the database.
const NOT_A_SERVER: &[&str] = &[
    "exporter",
    "client",
    "proxy",
    "router",
    "operator",
    "backup",
    "bouncer",
    "pgpool",
    "adminer",
    "admin",
    "cli",
    "migrat",
    "flyway",
    "liquibase",
    "tools",
];
const POOLERS: &[&str] = &[
    "pgbouncer",
    "pgpool",
    "proxysql",
    "odyssey",
    "pgcat",
    "supavisor",
    "pgdog",
    "maxscale",
];

fn image_name(c: &Container) -> String {
    c.image
        .repository
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase()
}

fn is_pooler(c: &Container) -> bool {
    let name = image_name(c);
    POOLERS.iter().any(|p| name.contains(p))
}

/// The database engine a container runs: by image name, or by the port and
/// environment of the official images when the image is a custom build.
fn engine_of(c: &Container, env: &[EnvVar]) -> Option<Engine> {
    if c.init || c.sidecar {
        return None;
    }
    let name = image_name(c);
    if NOT_A_SERVER.iter().any(|n| name.contains(n)) {
        return None;
    }
    if ["postgres", "postgis", "timescale", "pgvector", "spilo"]
        .iter()
        .any(|n| name.contains(n))
    {
        return Some(Engine::Postgres);
    }
    if ["mysql", "mariadb", "percona"]
        .iter()
        .any(|n| name.contains(n))
    {
        return Some(Engine::MySql);
    }
    let port = |p: i64| c.ports.iter().any(|(_, n)| *n == p);
    let env_prefix = |prefixes: &[&str]| {
        env.iter()
            .any(|e| prefixes.iter().any(|p| e.name.starts_with(p)))
    };
    if port(5432) && env_prefix(&["POSTGRES_", "PGDATA"]) {
        return Some(Engine::Postgres);
    }
    if port(3306) && env_prefix(&["MYSQL_", "MARIADB_"]) {
        return Some(Engine::MySql);
    }
    None
}

/// `max_connections=N` (or `max-connections`) in a text.
fn max_connections_in(text: &str) -> Option<i64> {
    static RE: std::sync::OnceLock<Option<regex::Regex>> = std::sync::OnceLock::new();
    let re = RE
        .get_or_init(|| regex::Regex::new(r"(?m)max[_-]connections\s*[= ]\s*'?(\d+)").ok())
        .as_ref()?;
    re.captures_iter(text)
        .filter_map(|c| c[1].parse::<i64>().ok())
        .last()
}

/// A database of the input.
struct Database {
    workload: WorkloadId,
    engine: Engine,
    max_connections: i64,
    /// Where the limit comes from, for the message.
    source: String,
    /// Pointer of the finding: the setting, else the container.
    pointer: String,
    /// Pods a Service balances over (several instances each take the limit).
    instances: i64,
}

fn find_database(ctx: &Ctx<'_>, wid: WorkloadId, w: &Workload) -> Option<Database> {
    let inv = ctx.inv;
    let r = &inv.resources[w.resource];
    for c in &w.containers {
        // The environment only matters for a database container (or one
        // that might be, by its port): most containers are not, and reading
        // the environment (envFrom ConfigMaps) is the expensive part.
        let by_image = engine_of(c, &[]);
        let maybe = by_image.is_some() || c.ports.iter().any(|(_, p)| *p == 5432 || *p == 3306);
        if !maybe {
            continue;
        }
        let env = container_env::container_env(inv, ctx.graph, w.resource, &c.pointer);
        let Some(engine) = by_image.or_else(|| engine_of(c, &env)) else {
            continue;
        };
        let node = r.node.pointer(&c.pointer);
        let mut found: Option<(i64, String, String)> = None;
        // Command line: `-c max_connections=200`, `--max_connections=500`.
        for field in ["command", "args"] {
            for (i, a) in node
                .and_then(|n| n.get(field))
                .map(Node::items)
                .unwrap_or_default()
                .iter()
                .enumerate()
            {
                if let Some(n) = a.scalar_text().as_deref().and_then(max_connections_in) {
                    found = Some((
                        n,
                        format!("its {field}"),
                        format!("{}/{field}/{i}", c.pointer),
                    ));
                }
            }
        }
        // The Bitnami images' environment.
        if found.is_none()
            && let Some(n) = env
                .iter()
                .filter(|e| {
                    matches!(
                        e.name.as_str(),
                        "POSTGRESQL_MAX_CONNECTIONS"
                            | "MYSQL_MAX_CONNECTIONS"
                            | "MARIADB_MAX_CONNECTIONS"
                    )
                })
                .find_map(|e| e.value.as_deref()?.trim().parse::<i64>().ok())
        {
            found = Some((n, "its environment".into(), c.pointer.clone()));
        }
        // A mounted ConfigMap with postgresql.conf or my.cnf.
        if found.is_none() {
            found = config_map_setting(ctx, w, r)
                .map(|(n, cm)| (n, format!("ConfigMap `{cm}`"), c.pointer.clone()));
        }
        let (max_connections, source, pointer) = match found {
            Some((n, src, p)) => (n, format!(" from {src}"), p),
            None => (
                engine.default_max(),
                ", the engine default (estimated)".to_string(),
                format!("{}/image", c.pointer),
            ),
        };
        let instances = if w.kind.has_replicas() {
            w.replicas.unwrap_or(1).max(1)
        } else {
            1
        };
        return Some(Database {
            workload: wid,
            engine,
            max_connections,
            source,
            pointer,
            instances,
        });
    }
    None
}

/// `max_connections` in a ConfigMap the pod mounts.
fn config_map_setting(ctx: &Ctx<'_>, w: &Workload, r: &Resource) -> Option<(i64, String)> {
    let spec = r.node.pointer(&w.pod_spec_pointer())?;
    for v in spec.get("volumes").map(Node::items).unwrap_or_default() {
        let Some(name) = v.path(&["configMap", "name"]).and_then(Node::scalar_text) else {
            continue;
        };
        let Some(id) = ctx.graph.find(&r.namespace, "ConfigMap", &name, w.resource) else {
            continue;
        };
        for e in ctx.inv.resources[id]
            .node
            .get("data")
            .map(Node::entries)
            .unwrap_or_default()
        {
            if let Some(n) = e.value.as_str().and_then(max_connections_in) {
                return Some((n, name));
            }
        }
    }
    None
}

/// Environment variables that size a client's pool.
const POOL_VARS: &[&str] = &[
    "SPRING_DATASOURCE_HIKARI_MAXIMUM_POOL_SIZE",
    "SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE",
    "DB_POOL_SIZE",
    "DATABASE_POOL",
    "DATABASE_POOL_SIZE",
    "DB_POOL_MAX",
];
const LAZY_VARS: &[&str] = &[
    "SPRING_DATASOURCE_HIKARI_MINIMUM_IDLE",
    "SPRING_DATASOURCE_HIKARI_MINIMUMIDLE",
];
/// Variables that name the database host without a URL.
const HOST_SUFFIXES: &[&str] = &[
    "DB_HOST",
    "DATABASE_HOST",
    "POSTGRES_HOST",
    "POSTGRESQL_HOST",
    "PGHOST",
    "MYSQL_HOST",
    "DB_SERVER",
    "DATABASE_ADDR",
    "DB_ADDR",
];
const URL_SCHEMES: &[&str] = &[
    "jdbc:postgresql://",
    "jdbc:mysql://",
    "jdbc:mariadb://",
    "postgres://",
    "postgresql://",
    "mysql://",
    "mysql2://",
    "mariadb://",
    "postgresql+",
    "mysql+",
];

/// How one container of a client connects.
struct Client {
    host: String,
    /// Pool size, or `None` when the environment does not say.
    pool: Option<i64>,
    /// The pool was defaulted (Hikari's 10).
    defaulted: bool,
    lazy: bool,
}

fn client_of(env: &[EnvVar]) -> Option<Client> {
    let value = |e: &EnvVar| e.value.clone().unwrap_or_default();
    let url = env.iter().find(|e| {
        let v = value(e).to_ascii_lowercase();
        URL_SCHEMES.iter().any(|s| v.trim_start().starts_with(s))
    });
    let (host, jdbc) = match url {
        Some(e) => {
            let v = value(e);
            // `postgresql+psycopg2://` (SQLAlchemy): drop the driver.
            let v = match v.split_once("://") {
                Some((scheme, rest)) if scheme.contains('+') => format!("db://{rest}"),
                _ => v,
            };
            (
                container_env::endpoint(&v)?.0,
                v.trim_start().starts_with("jdbc:"),
            )
        }
        None => {
            let e = env.iter().find(|e| {
                HOST_SUFFIXES
                    .iter()
                    .any(|s| e.name == *s || e.name.ends_with(&format!("_{s}")))
            })?;
            (container_env::endpoint(&value(e))?.0, false)
        }
    };
    let pool = env
        .iter()
        .filter(|e| POOL_VARS.contains(&e.name.as_str()))
        .find_map(|e| e.value.as_deref()?.trim().parse::<i64>().ok());
    let sqlalchemy = env
        .iter()
        .find(|e| e.name == "SQLALCHEMY_POOL_SIZE")
        .and_then(|e| e.value.as_deref()?.trim().parse::<i64>().ok())
        .map(|size| {
            let overflow = env
                .iter()
                .find(|e| e.name == "SQLALCHEMY_MAX_OVERFLOW")
                .and_then(|e| e.value.as_deref()?.trim().parse::<i64>().ok())
                .unwrap_or(10);
            size + overflow
        });
    let lazy = pool.is_some_and(|max| {
        env.iter()
            .filter(|e| LAZY_VARS.contains(&e.name.as_str()))
            .filter_map(|e| e.value.as_deref()?.trim().parse::<i64>().ok())
            .any(|min| min < max)
    });
    let (pool, defaulted) = match pool.or(sqlalchemy) {
        Some(p) => (Some(p), false),
        None if jdbc => (Some(10), true),
        None => (None, false),
    };
    Some(Client {
        host,
        pool,
        defaulted,
        lazy,
    })
}

/// Pods at the workload's largest scale: autoscaler ceiling (else
/// replicas) plus the pods a rolling update adds on top.
fn peak_pods(inv: &Inventory, w: &Workload, r: &Resource) -> (i64, i64, String) {
    let ceiling = w
        .autoscalers
        .iter()
        .filter_map(|a| autoscaler_max_of(&inv.resources[*a]))
        .max();
    let (base, what) = match ceiling {
        Some(m) => (m, "autoscaler maxReplicas"),
        None => (w.replicas.unwrap_or(1), "replicas"),
    };
    let surge = match w.kind {
        WorkloadKind::Deployment | WorkloadKind::Rollout | WorkloadKind::DeploymentConfig => {
            let strategy = r.node.path(&["spec", "strategy"]);
            let recreate =
                strategy.and_then(|s| s.get("type")).and_then(Node::as_str) == Some("Recreate");
            if recreate {
                0
            } else {
                let field = strategy.and_then(|s| {
                    s.path(&["rollingUpdate", "maxSurge"])
                        .or_else(|| s.path(&["canary", "maxSurge"]))
                        .or_else(|| s.path(&["rollingParams", "maxSurge"]))
                });
                field
                    .and_then(|f| int_or_percent(f, base, true))
                    .unwrap_or(base.saturating_mul(25).saturating_add(99) / 100)
            }
        }
        _ => 0,
    };
    (base, surge, what.to_string())
}

impl super::BuiltinCheck for Check {
    fn slug(&self) -> &'static str {
        "db-connection-budget"
    }

    fn run(&self, ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
        let g = ctx.graph;
        let inv = ctx.inv;
        let share = ctx.params.float("maxShare", 0.9);
        let mut databases: Vec<Database> = Vec::new();
        let mut poolers: Vec<WorkloadId> = Vec::new();
        for (wid, w) in g.workloads.iter().enumerate() {
            if w.containers.iter().any(|c| !c.init && is_pooler(c)) {
                poolers.push(wid);
            } else if let Some(db) = find_database(ctx, wid, w) {
                databases.push(db);
            }
        }
        if databases.is_empty() {
            return;
        }
        // Service -> database it reaches.
        let mut db_of_service: HashMap<ResourceId, usize> = HashMap::new();
        for (i, db) in databases.iter().enumerate() {
            for &s in &g.workloads[db.workload].services {
                db_of_service.insert(s, i);
            }
        }
        // Contributions per database: (workload, pool, pods, surge, what, defaulted, lazy)
        let mut counted: Vec<Vec<Contribution>> =
            (0..databases.len()).map(|_| Vec::new()).collect();
        let mut unknown: Vec<Vec<String>> = vec![Vec::new(); databases.len()];
        let apps = ctx.derived.apps(true);
        for (wid, w) in g.workloads.iter().enumerate() {
            if poolers.contains(&wid) || databases.iter().any(|d| d.workload == wid) {
                continue;
            }
            // DaemonSets scale with nodes and batch pods come and go: no
            // replica count to multiply.
            if !w.kind.has_replicas() {
                continue;
            }
            let r = &inv.resources[w.resource];
            let mut seen: Vec<usize> = Vec::new();
            for c in w.containers.iter().filter(|c| !c.init && !c.sidecar) {
                let mut env = container_env::container_env(inv, g, w.resource, &c.pointer);
                let mut pool_source: Option<String> = None;
                if let Some(app) = apps
                    .configured(wid)
                    .filter(|a| a.container.as_deref() == Some(c.pointer.as_str()))
                {
                    for (key, var) in [
                        ("spring.datasource.url", "SPRING_DATASOURCE_URL"),
                        (
                            "spring.datasource.hikari.maximum-pool-size",
                            "SPRING_DATASOURCE_HIKARI_MAXIMUM_POOL_SIZE",
                        ),
                        (
                            "spring.datasource.hikari.minimum-idle",
                            "SPRING_DATASOURCE_HIKARI_MINIMUM_IDLE",
                        ),
                    ] {
                        let Some(s) = app.get(key).filter(|s| s.known && !s.from_env) else {
                            continue;
                        };
                        if env.iter().any(|e| squash(&e.name) == squash(key)) {
                            continue;
                        }
                        if key.contains("pool-size") {
                            pool_source = Some(format!("{}, {}", s.origin, app.profile_text()));
                        }
                        env.push(EnvVar {
                            name: var.to_string(),
                            value: Some(app.resolve(&s.value)),
                        });
                    }
                }
                let Some(client) = client_of(&env) else {
                    continue;
                };
                let Some(sid) =
                    container_env::service_for_host(g, &client.host, &r.namespace, w.resource)
                else {
                    continue;
                };
                let Some(&di) = db_of_service.get(&sid) else {
                    continue;
                };
                if seen.contains(&di) {
                    continue;
                }
                seen.push(di);
                match client.pool {
                    Some(pool) => {
                        let (pods, surge, what) = peak_pods(inv, w, r);
                        counted[di].push(Contribution {
                            name: match &pool_source {
                                Some(src) => format!("{} `{}` (pool from {src})", r.kind, r.name),
                                None => format!("{} `{}`", r.kind, r.name),
                            },
                            pool,
                            pods,
                            surge,
                            what,
                            defaulted: client.defaulted,
                            lazy: client.lazy,
                        });
                    }
                    None => unknown[di].push(format!("{} `{}`", r.kind, r.name)),
                }
            }
        }
        for (di, db) in databases.iter().enumerate() {
            let parts = &counted[di];
            if parts.is_empty() {
                continue;
            }
            let total: i64 = parts
                .iter()
                .map(Contribution::connections)
                .fold(0, i64::saturating_add);
            let usable = (db.max_connections - db.engine.reserved()).saturating_mul(db.instances);
            if (total as f64) <= share * usable as f64 {
                continue;
            }
            let w = &g.workloads[db.workload];
            let r = &inv.resources[w.resource];
            let list: Vec<String> = parts
                .iter()
                .map(|p| {
                    format!(
                        "{} {}{} x ({} {}{}) = {}",
                        p.name,
                        p.pool,
                        if p.defaulted { " (Hikari default)" } else { "" },
                        p.pods,
                        if p.pods == 1 && p.what == "replicas" {
                            "replica"
                        } else {
                            p.what.as_str()
                        },
                        if p.surge > 0 {
                            format!(" + {} surge", p.surge)
                        } else {
                            String::new()
                        },
                        p.connections()
                    )
                })
                .collect();
            let instances = if db.instances > 1 {
                format!(" on each of {} instances", db.instances)
            } else {
                String::new()
            };
            let reserved = match db.engine.reserved() {
                0 => String::new(),
                n => format!(" after {n} reserved for superusers"),
            };
            let unknown_note = if unknown[di].is_empty() {
                String::new()
            } else {
                format!(
                    " ({} also connect with pools of unknown size)",
                    unknown[di].join(", ")
                )
            };
            let mut hit = Hit::resource(
                w.resource,
                &db.pointer,
                format!(
                    "{} `{}` ({}, max_connections {}{}{instances}; {usable} usable{reserved}) can be asked for {total} connections at peak scale: {}{unknown_note}. Past the limit new connections fail with \"too many connections\" for every service on this database, not only the one that scaled; put a pooler (PgBouncer, ProxySQL) in between, shrink the pools or cap maxReplicas",
                    r.kind,
                    r.name,
                    db.engine.name(),
                    db.max_connections,
                    db.source,
                    list.join("; ")
                ),
            );
            if parts.iter().all(|p| p.lazy) {
                hit = hit.lowered(
                    1,
                    "the pools open connections on demand (minimum-idle below the maximum): the limit is reached only under peak load",
                );
            }
            hits.push(hit);
        }
    }
}

struct Contribution {
    name: String,
    pool: i64,
    pods: i64,
    surge: i64,
    what: String,
    defaulted: bool,
    lazy: bool,
}

impl Contribution {
    fn connections(&self) -> i64 {
        self.pool
            .saturating_mul(self.pods.saturating_add(self.surge))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_connections_settings() {
        assert_eq!(max_connections_in("max_connections=200"), Some(200));
        assert_eq!(max_connections_in("--max-connections=500"), Some(500));
        assert_eq!(
            max_connections_in("[mysqld]\nmax_connections = 1000\n"),
            Some(1000)
        );
        assert_eq!(max_connections_in("max_connections = '300'"), Some(300));
        assert_eq!(max_connections_in("shared_buffers=1GB"), None);
    }

    #[test]
    fn clients_from_the_environment() {
        let env = |pairs: &[(&str, &str)]| -> Vec<EnvVar> {
            pairs
                .iter()
                .map(|(n, v)| EnvVar {
                    name: n.to_string(),
                    value: Some(v.to_string()),
                })
                .collect()
        };
        let c = client_of(&env(&[(
            "SPRING_DATASOURCE_URL",
            "jdbc:postgresql://orders-db:5432/orders",
        )]))
        .unwrap();
        assert_eq!(
            (c.host.as_str(), c.pool, c.defaulted),
            ("orders-db", Some(10), true)
        );
        let c = client_of(&env(&[
            (
                "DATABASE_URL",
                "postgresql+psycopg2://app:pw@db.shop.svc:5432/app",
            ),
            ("SQLALCHEMY_POOL_SIZE", "20"),
        ]))
        .unwrap();
        assert_eq!((c.host.as_str(), c.pool), ("db.shop.svc", Some(30)));
        let c = client_of(&env(&[("WORDPRESS_DB_HOST", "mysql:3306")])).unwrap();
        assert_eq!((c.host.as_str(), c.pool), ("mysql", None));
        assert!(client_of(&env(&[("LOG_LEVEL", "info")])).is_none());
    }
}
