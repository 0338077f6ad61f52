//! Datastore knowledge: which container images run a stateful system (and
//! where it keeps its data), where a pod keeps a path (a claim, an emptyDir,
//! a hostPath or the container's own filesystem), and what the operators'
//! custom resources (CloudNativePG, Zalando, Strimzi) say about instances and
//! backups. Shared by SPOF-012, DATA-001, DATA-004, DATA-008 and DATA-009.

use super::graph::{Graph, Workload};
use super::k8s::{Container, ImageRef, WorkloadKind};
use super::{Inventory, Resource, ResourceId};
use crate::yaml::Node;

/// A stateful system recognised by its image.
#[derive(Debug)]
pub struct Engine {
    /// Name shown in messages (`PostgreSQL`).
    pub display: &'static str,
    /// Image name tokens that identify it (`postgres`, `postgis`...).
    tokens: &'static [&'static str],
    /// Needs a majority of members (3 to survive the loss of one).
    pub quorum: bool,
    /// Commonly run as a cache whose data can be rebuilt (Redis & co.).
    pub cache_like: bool,
    /// Default data directories of the official and Bitnami images.
    pub data_dirs: &'static [&'static str],
}

pub static ENGINES: &[Engine] = &[
    Engine {
        display: "PostgreSQL",
        tokens: &[
            "postgres",
            "postgresql",
            "postgis",
            "timescaledb",
            "spilo",
            "pgvector",
        ],
        quorum: false,
        cache_like: false,
        data_dirs: &[
            "/var/lib/postgresql/data",
            "/var/lib/postgresql",
            "/bitnami/postgresql",
            "/var/lib/pgsql/data",
            "/home/postgres/pgdata",
        ],
    },
    Engine {
        display: "MySQL",
        tokens: &["mysql", "mysqldb", "percona", "xtradb"],
        quorum: false,
        cache_like: false,
        data_dirs: &["/var/lib/mysql", "/bitnami/mysql"],
    },
    Engine {
        display: "MariaDB",
        tokens: &["mariadb"],
        quorum: false,
        cache_like: false,
        data_dirs: &["/var/lib/mysql", "/bitnami/mariadb"],
    },
    Engine {
        display: "MongoDB",
        tokens: &["mongo", "mongodb"],
        quorum: true,
        cache_like: false,
        data_dirs: &["/data/db", "/bitnami/mongodb", "/data/configdb"],
    },
    Engine {
        display: "Redis",
        tokens: &["redis", "redisslave", "redismod", "valkey", "keydb"],
        quorum: false,
        cache_like: true,
        data_dirs: &[
            "/data",
            "/bitnami/redis/data",
            "/bitnami/valkey/data",
            "/var/lib/redis",
        ],
    },
    Engine {
        display: "Elasticsearch",
        tokens: &["elasticsearch", "opensearch"],
        quorum: true,
        cache_like: false,
        data_dirs: &[
            "/usr/share/elasticsearch/data",
            "/usr/share/opensearch/data",
            "/bitnami/elasticsearch/data",
            "/data",
        ],
    },
    Engine {
        display: "Kafka",
        tokens: &["kafka"],
        quorum: true,
        cache_like: false,
        data_dirs: &[
            "/var/lib/kafka",
            "/bitnami/kafka",
            "/kafka",
            "/opt/kafka/data",
            "/tmp/kafka-logs",
            "/tmp/kraft-combined-logs",
        ],
    },
    Engine {
        display: "ZooKeeper",
        tokens: &["zookeeper"],
        quorum: true,
        cache_like: false,
        data_dirs: &[
            "/data",
            "/datalog",
            "/var/lib/zookeeper",
            "/bitnami/zookeeper",
        ],
    },
    Engine {
        display: "etcd",
        tokens: &["etcd"],
        quorum: true,
        cache_like: false,
        data_dirs: &[
            "/var/lib/etcd",
            "/bitnami/etcd",
            "/etcd-data",
            "/var/run/etcd",
        ],
    },
    Engine {
        display: "RabbitMQ",
        tokens: &["rabbitmq"],
        quorum: true,
        cache_like: false,
        data_dirs: &["/var/lib/rabbitmq", "/bitnami/rabbitmq"],
    },
    Engine {
        display: "Cassandra",
        tokens: &["cassandra", "scylla"],
        quorum: true,
        cache_like: false,
        data_dirs: &[
            "/var/lib/cassandra",
            "/cassandra_data",
            "/bitnami/cassandra",
            "/var/lib/scylla",
        ],
    },
    Engine {
        display: "CockroachDB",
        tokens: &["cockroach", "cockroachdb"],
        quorum: true,
        cache_like: false,
        data_dirs: &["/cockroach/cockroach-data"],
    },
    Engine {
        display: "Consul",
        tokens: &["consul"],
        quorum: true,
        cache_like: false,
        data_dirs: &["/consul/data", "/bitnami/consul"],
    },
    Engine {
        display: "ClickHouse",
        tokens: &["clickhouse"],
        quorum: false,
        cache_like: false,
        data_dirs: &["/var/lib/clickhouse", "/bitnami/clickhouse"],
    },
    Engine {
        display: "InfluxDB",
        tokens: &["influxdb"],
        quorum: false,
        cache_like: false,
        data_dirs: &["/var/lib/influxdb", "/var/lib/influxdb2", "/data"],
    },
    Engine {
        display: "MinIO",
        tokens: &["minio"],
        quorum: false,
        cache_like: false,
        data_dirs: &["/data", "/export", "/bitnami/minio/data"],
    },
    Engine {
        display: "SQL Server",
        tokens: &["mssql", "sqlserver"],
        quorum: false,
        cache_like: false,
        data_dirs: &["/var/opt/mssql"],
    },
    Engine {
        display: "RethinkDB",
        tokens: &["rethinkdb"],
        quorum: true,
        cache_like: false,
        data_dirs: &["/data"],
    },
    Engine {
        display: "CouchDB",
        tokens: &["couchdb"],
        quorum: false,
        cache_like: false,
        data_dirs: &["/opt/couchdb/data", "/bitnami/couchdb"],
    },
    Engine {
        display: "Neo4j",
        tokens: &["neo4j"],
        quorum: false,
        cache_like: false,
        data_dirs: &["/data"],
    },
];

/// An image named like a database (`ledger-db`, `user-db`) without saying
/// which one: its data directory is unknown.
pub static GENERIC_DATABASE: Engine = Engine {
    display: "database",
    tokens: &["db", "database"],
    quorum: false,
    cache_like: false,
    data_dirs: &[],
};

/// Image name tokens of tools that talk to a datastore without being one
/// (`redis_exporter`, `mysql-router`, `kafka-ui`), of applications named
/// after their store (`hello-app-redis`), and of local emulators.
const NOT_A_DATASTORE: &[&str] = &[
    "exporter",
    "operator",
    "proxy",
    "router",
    "client",
    "cli",
    "ui",
    "commander",
    "express",
    "admin",
    "init",
    "backup",
    "backups",
    "restore",
    "sentinel",
    "connect",
    "rest",
    "registry",
    "bootstrap",
    "agent",
    "loader",
    "config",
    "manager",
    "dashboard",
    "dashboards",
    "web",
    "tools",
    "tool",
    "metrics",
    "gateway",
    "bouncer",
    "pgbouncer",
    "pgpool",
    "curator",
    "fluentd",
    "fluent",
    "beat",
    "filebeat",
    "kibana",
    "app",
    "sidecar",
    "shell",
    "migrate",
    "migration",
    "migrations",
    "schema",
    "flyway",
    "liquibase",
    "local",
    "emulator",
    "monitor",
    "insight",
    "browser",
    "healthcheck",
    "wildfly",
    "tomcat",
    "javaee7",
    "etl",
    "adapter",
    "controller",
    "webhook",
    "console",
    "gui",
    "studio",
    "viewer",
    "explorer",
    "provisioner",
    "snapshotter",
    "dump",
    "importer",
    "seed",
    "loadgen",
];

/// The stateful system an image runs, if it is a known one.
pub fn engine_of_image(image: &ImageRef) -> Option<&'static Engine> {
    let repo = image.repository.to_ascii_lowercase();
    let last = repo.rsplit('/').next().unwrap_or(&repo);
    let tokens = |s: &str| -> Vec<String> {
        s.split(['-', '_', '.', '/'])
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect()
    };
    let last_tokens = tokens(last);
    if last_tokens
        .iter()
        .any(|t| NOT_A_DATASTORE.contains(&t.as_str()))
    {
        return None;
    }
    let find = |toks: &[String]| {
        ENGINES
            .iter()
            .find(|e| toks.iter().any(|t| e.tokens.contains(&t.as_str())))
    };
    if let Some(e) = find(&last_tokens) {
        return Some(e);
    }
    // `mcr.microsoft.com/mssql/server`: the engine is in the path.
    let all = tokens(&repo);
    if all.iter().any(|t| NOT_A_DATASTORE.contains(&t.as_str())) {
        return None;
    }
    if let Some(e) = find(&all) {
        return Some(e);
    }
    last_tokens
        .last()
        .filter(|t| GENERIC_DATABASE.tokens.contains(&t.as_str()))
        .map(|_| &GENERIC_DATABASE)
}

/// Programs that make a datastore image a client (`psql`, `redis-cli`,
/// `sleep` in a debug pod) instead of the server.
const CLIENT_PROGRAMS: &[&str] = &[
    "sleep",
    "psql",
    "pg_dump",
    "pg_dumpall",
    "pg_restore",
    "pg_isready",
    "pg_basebackup",
    "mysql",
    "mysqldump",
    "mysqladmin",
    "mysqlsh",
    "mongo",
    "mongosh",
    "mongodump",
    "mongorestore",
    "mongoimport",
    "redis-cli",
    "redis-benchmark",
    "valkey-cli",
    "cqlsh",
    "etcdctl",
    "rabbitmqctl",
    "rabbitmqadmin",
    "kafka-topics",
    "kafka-topics.sh",
    "kafka-console-consumer",
    "kafka-console-consumer.sh",
    "kafka-console-producer",
    "kafka-console-producer.sh",
    "kafka-configs",
    "kafka-configs.sh",
    "zkcli.sh",
    "zkCli.sh",
    "curl",
    "wget",
    "tail",
    "true",
    "echo",
    "cat",
    "cockroach-init",
];

fn words(node: Option<&Node>) -> Vec<String> {
    node.map(Node::items)
        .unwrap_or_default()
        .iter()
        .filter_map(Node::scalar_text)
        .collect()
}

/// The container runs a client or a one-off command of a datastore image,
/// not the server (`command: [sleep, "3600"]`, `psql -c ...`).
pub fn runs_client(container: &Node) -> bool {
    let command = words(container.get("command"));
    let args = words(container.get("args"));
    let argv: Vec<&String> = command.iter().chain(args.iter()).collect();
    let Some(first) = argv.first() else {
        return false;
    };
    let program = |s: &str| s.rsplit('/').next().unwrap_or(s).to_string();
    let first = program(first);
    if CLIENT_PROGRAMS.contains(&first.as_str()) {
        return true;
    }
    // `sh -c "psql ..."` / `bash -c "sleep infinity"`.
    if matches!(first.as_str(), "sh" | "bash" | "ash" | "dash")
        && let Some(at) = argv
            .iter()
            .position(|a| a.starts_with('-') && !a.starts_with("--") && a.ends_with('c'))
        && let Some(script) = argv.get(at + 1)
    {
        let script_first = script
            .split_whitespace()
            .next()
            .map(program)
            .unwrap_or_default();
        return CLIENT_PROGRAMS.contains(&script_first.as_str());
    }
    false
}

/// Container names of helpers that reuse a datastore image (a Redis
/// Sentinel, a backup sidecar, a client shell).
fn helper_name(name: &str) -> bool {
    const HELPERS: &[&str] = &[
        "sentinel",
        "exporter",
        "metrics",
        "backup",
        "restore",
        "client",
        "cli",
        "init",
        "proxy",
        "dump",
        "migrate",
        "migration",
        "seed",
        "loader",
        "tools",
        "toolbox",
        "shell",
        "debug",
    ];
    name.to_ascii_lowercase()
        .split(['-', '_', '.'])
        .any(|t| HELPERS.contains(&t))
}

/// The server containers of a workload that run a known datastore: app
/// containers (not init containers) of long-running workloads.
pub fn datastore_containers<'w>(
    r: &Resource,
    w: &'w Workload,
) -> Vec<(&'w Container, &'static Engine)> {
    if w.kind.is_batch() {
        return Vec::new();
    }
    if w.kind == WorkloadKind::Pod {
        let restart = r
            .node
            .path(&["spec", "restartPolicy"])
            .and_then(Node::as_str)
            .unwrap_or("Always");
        if restart != "Always" {
            return Vec::new();
        }
    }
    w.containers
        .iter()
        .filter(|c| !c.init && !helper_name(&c.name))
        .filter_map(|c| {
            let engine = engine_of_image(&c.image)?;
            let node = r.node.pointer(&c.pointer)?;
            (!runs_client(node)).then_some((c, engine))
        })
        .collect()
}

/// The datastore a workload runs as a primary store: its first datastore
/// container that is neither a cache nor a read replica.
pub fn primary_store(inv: &Inventory, g: &Graph, w: &Workload) -> Option<&'static Engine> {
    let r = &inv.resources[w.resource];
    datastore_containers(r, w)
        .into_iter()
        .find(|(c, e)| !is_cache(inv, g, w.resource, w, c, e) && !is_replica(r, w, c))
        .map(|(_, e)| e)
}

/// The annotation owners set on a datastore whose data can be rebuilt from
/// a source of truth (a cache, a search index).
pub const DERIVED_DATA_ANNOTATION: &str = "creview.io/derived-data";

/// The workload says its data is derived (on the object or its pod template).
pub fn derived_data(r: &Resource, w: Option<&Workload>) -> bool {
    let is_true = |n: Option<&Node>| {
        n.and_then(|a| a.get(DERIVED_DATA_ANNOTATION))
            .and_then(Node::scalar_text)
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    };
    is_true(r.node.path(&["metadata", "annotations"]))
        || w.is_some_and(|w| {
            is_true(
                r.node
                    .pointer(&format!("{}/metadata/annotations", w.template)),
            )
        })
}

/// Where a pod keeps a volume.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VolumeKind {
    /// A PersistentVolumeClaim (by claim name).
    Claim(String),
    /// A StatefulSet volumeClaimTemplate (by template name).
    ClaimTemplate(String),
    /// `emptyDir` (`memory` when backed by tmpfs).
    EmptyDir {
        memory: bool,
    },
    HostPath,
    /// A generic ephemeral volume: a claim deleted with the pod.
    Ephemeral,
    /// Config, secrets, projected and other volumes that hold no data.
    Other,
    /// Named by a mount but declared nowhere.
    Unknown,
}

impl VolumeKind {
    pub fn persistent(&self) -> bool {
        matches!(self, VolumeKind::Claim(_) | VolumeKind::ClaimTemplate(_))
    }
}

/// A container's mount, resolved to its volume.
#[derive(Clone, Debug)]
pub struct Mount {
    pub name: String,
    pub path: String,
    pub sub_path: Option<String>,
    pub kind: VolumeKind,
    /// JSON Pointer of the volume definition (`.../volumes/2`), or of the
    /// volumeClaimTemplate.
    pub volume_pointer: Option<String>,
}

/// The mounts of a container, each resolved against the pod's volumes and
/// the StatefulSet's volumeClaimTemplates.
pub fn mounts(r: &Resource, w: &Workload, c: &Container) -> Vec<Mount> {
    let pod_spec_ptr = w.pod_spec_pointer();
    let pod_spec = r.node.pointer(&pod_spec_ptr);
    let volumes = pod_spec
        .and_then(|s| s.get("volumes"))
        .map(Node::items)
        .unwrap_or_default();
    let templates = r
        .node
        .path(&["spec", "volumeClaimTemplates"])
        .map(Node::items)
        .unwrap_or_default();
    let Some(container) = r.node.pointer(&c.pointer) else {
        return Vec::new();
    };
    container
        .get("volumeMounts")
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .filter_map(|m| {
            let name = m.get("name").and_then(Node::scalar_text)?;
            let path = m.get("mountPath").and_then(Node::scalar_text)?;
            let sub_path = m
                .get("subPath")
                .or_else(|| m.get("subPathExpr"))
                .and_then(Node::scalar_text);
            let (kind, volume_pointer) =
                if let Some((i, v)) = volumes.iter().enumerate().find(|(_, v)| {
                    v.get("name").and_then(Node::scalar_text).as_deref() == Some(&name)
                }) {
                    (volume_kind(v), Some(format!("{pod_spec_ptr}/volumes/{i}")))
                } else if let Some(i) = templates.iter().position(|t| {
                    t.path(&["metadata", "name"])
                        .and_then(Node::scalar_text)
                        .as_deref()
                        == Some(&name)
                }) {
                    (
                        VolumeKind::ClaimTemplate(name.clone()),
                        Some(format!("/spec/volumeClaimTemplates/{i}")),
                    )
                } else {
                    (VolumeKind::Unknown, None)
                };
            Some(Mount {
                name,
                path,
                sub_path,
                kind,
                volume_pointer,
            })
        })
        .collect()
}

fn volume_kind(v: &Node) -> VolumeKind {
    if let Some(c) = v.get("persistentVolumeClaim") {
        return VolumeKind::Claim(
            c.get("claimName")
                .and_then(Node::scalar_text)
                .unwrap_or_default(),
        );
    }
    if let Some(e) = v.get("emptyDir") {
        return VolumeKind::EmptyDir {
            memory: e.get("medium").and_then(Node::as_str) == Some("Memory"),
        };
    }
    if v.get("hostPath").is_some() {
        return VolumeKind::HostPath;
    }
    if v.get("ephemeral").is_some() {
        return VolumeKind::Ephemeral;
    }
    // In-tree and CSI network disks (gcePersistentDisk, awsElasticBlockStore,
    // nfs, csi...) outlive the pod: treat them as persistent claims.
    const NETWORK: &[&str] = &[
        "gcePersistentDisk",
        "awsElasticBlockStore",
        "azureDisk",
        "azureFile",
        "nfs",
        "iscsi",
        "rbd",
        "cephfs",
        "glusterfs",
        "cinder",
        "fc",
        "flexVolume",
        "portworxVolume",
        "vsphereVolume",
        "quobyte",
        "scaleIO",
        "storageos",
    ];
    if NETWORK.iter().any(|k| v.get(k).is_some()) {
        return VolumeKind::Claim(String::new());
    }
    // Inline CSI volumes (secrets stores, image volumes), configMap,
    // secret, projected, downwardAPI: no data of the store's own.
    VolumeKind::Other
}

/// Normalises a path for comparison (`/data/` -> `/data`).
fn clean(p: &str) -> &str {
    let t = p.trim_end_matches('/');
    if t.is_empty() { "/" } else { t }
}

/// `a` is `b` or one of its parents.
pub fn is_within(child: &str, parent: &str) -> bool {
    let (c, p) = (clean(child), clean(parent));
    c == p || p == "/" || c.strip_prefix(p).is_some_and(|r| r.starts_with('/'))
}

/// The data directories of a datastore container: the engine's defaults
/// plus what its environment and arguments say (`PGDATA`, `--datadir`,
/// `--dbpath`, `--data-dir`, `--dir`, `minio server /export`).
///
/// The first directory is the one the container most likely uses: an
/// override, else the image family's default (`/bitnami/...` for Bitnami
/// images).
pub fn data_dirs(container: &Node, engine: &Engine, image: &ImageRef) -> Vec<String> {
    let mut dirs: Vec<String> = Vec::new();
    for env in container.get("env").map(Node::items).unwrap_or_default() {
        let name = env.get("name").and_then(Node::as_str).unwrap_or_default();
        let Some(value) = env.get("value").and_then(Node::scalar_text) else {
            continue;
        };
        if matches!(
            name,
            "PGDATA"
                | "POSTGRESQL_DATA_DIR"
                | "MYSQL_DATADIR"
                | "MARIADB_DATA_DIR"
                | "ETCD_DATA_DIR"
                | "ZOO_DATA_DIR"
                | "ZOO_DATA_LOG_DIR"
                | "RABBITMQ_MNESIA_BASE"
                | "MINIO_VOLUMES"
                | "KAFKA_LOG_DIRS"
                | "KAFKA_CFG_LOG_DIRS"
                | "COCKROACH_STORE"
        ) && value.starts_with('/')
        {
            dirs.extend(
                value
                    .split([',', ' '])
                    .filter(|v| v.starts_with('/'))
                    .map(str::to_string),
            );
        }
    }
    let argv: Vec<String> = words(container.get("command"))
        .into_iter()
        .chain(words(container.get("args")))
        .flat_map(|a| a.split_whitespace().map(str::to_string).collect::<Vec<_>>())
        .collect();
    const FLAGS: &[&str] = &[
        "--datadir",
        "--dbpath",
        "--data-dir",
        "--dir",
        "--store",
        "--data",
        "--path.data",
        "-Epath.data",
    ];
    let mut it = argv.iter().peekable();
    let mut after_server = false;
    while let Some(a) = it.next() {
        let (flag, inline) = match a.split_once('=') {
            Some((f, v)) => (f, Some(v.to_string())),
            None => (a.as_str(), None),
        };
        if FLAGS.contains(&flag) {
            let value = inline.or_else(|| it.peek().map(|v| v.to_string()));
            if let Some(v) = value {
                // CockroachDB: --store=path=/cockroach/data,size=...
                let v = v.strip_prefix("path=").unwrap_or(&v);
                let v = v.split(',').next().unwrap_or(v);
                if v.starts_with('/') {
                    dirs.push(v.to_string());
                }
            }
            continue;
        }
        // `minio server /export`, `redis-server --dir /data` handled above.
        if engine.display == "MinIO" {
            if a == "server" {
                after_server = true;
            } else if after_server && a.starts_with('/') {
                dirs.push(a.trim_end_matches("...").to_string());
            }
        }
    }
    let bitnami = image.repository.contains("bitnami");
    let (mut first, rest): (Vec<&str>, Vec<&str>) = engine
        .data_dirs
        .iter()
        .partition(|d| d.starts_with("/bitnami") == bitnami);
    first.extend(rest);
    dirs.extend(first.into_iter().map(str::to_string));
    let mut seen = std::collections::HashSet::new();
    dirs.retain(|d| seen.insert(d.clone()));
    dirs
}

/// Redis & co. with persistence switched off (`--save ""` without
/// `--appendonly yes`), or with an eviction policy that drops keys: a cache.
pub fn persistence_disabled(
    inv: &Inventory,
    g: &Graph,
    r: &Resource,
    rid: ResourceId,
    w: &Workload,
    c: &Container,
) -> bool {
    let Some(node) = r.node.pointer(&c.pointer) else {
        return false;
    };
    let argv: Vec<String> = words(node.get("command"))
        .into_iter()
        .chain(words(node.get("args")))
        .collect();
    let mut text = String::new();
    for a in &argv {
        text.push_str(if a.is_empty() { "\"\"" } else { a });
        text.push(' ');
    }
    for env in node.get("env").map(Node::items).unwrap_or_default() {
        let name = env.get("name").and_then(Node::as_str).unwrap_or_default();
        let value = env
            .get("value")
            .and_then(Node::scalar_text)
            .unwrap_or_default();
        match (name, value.to_ascii_lowercase().as_str()) {
            ("REDIS_RDB_POLICY_DISABLED" | "VALKEY_RDB_POLICY_DISABLED", "yes" | "true") => {
                text.push_str(" --save \"\" ");
            }
            ("REDIS_AOF_ENABLED" | "VALKEY_AOF_ENABLED", "no" | "false") => {
                text.push_str(" --appendonly no ");
            }
            ("REDIS_ARGS" | "REDIS_EXTRA_FLAGS" | "VALKEY_EXTRA_FLAGS", _) => {
                text.push(' ');
                text.push_str(&value);
                text.push(' ');
            }
            _ => {}
        }
    }
    // Configuration files from mounted ConfigMaps (redis.conf).
    for m in mounts(r, w, c) {
        let Some(vp) = &m.volume_pointer else {
            continue;
        };
        let Some(cm_name) = r
            .node
            .pointer(vp)
            .and_then(|v| v.path(&["configMap", "name"]))
            .and_then(Node::scalar_text)
        else {
            continue;
        };
        if let Some(cm) = g.find(&r.namespace, "ConfigMap", &cm_name, rid) {
            for e in inv.resources[cm]
                .node
                .get("data")
                .map(Node::entries)
                .unwrap_or_default()
            {
                if e.key.ends_with(".conf")
                    && let Some(v) = e.value.as_str()
                {
                    for line in v.lines() {
                        let line = line.trim();
                        if !line.starts_with('#') {
                            text.push_str(" --");
                            text.push_str(line);
                            text.push(' ');
                        }
                    }
                }
            }
        }
    }
    let t = text.replace('\'', "\"");
    let lru =
        t.contains("allkeys-lru") || t.contains("allkeys-lfu") || t.contains("allkeys-random");
    let save_off = t.contains("--save \"\"") || t.contains("save \"\"");
    let aof_on = t.contains("--appendonly yes") || t.contains("appendonly yes");
    lru || (save_off && !aof_on)
}

/// A read replica (follower) of a primary that holds the data: the
/// workload, container, role label or image says so, or the server is
/// started with `--replicaof` / `--slaveof`. Its data is a copy.
pub fn is_replica(r: &Resource, w: &Workload, c: &Container) -> bool {
    const ROLES: &[&str] = &[
        "replica",
        "replicas",
        "follower",
        "slave",
        "slaves",
        "secondary",
        "standby",
        "redisslave",
        "read",
        "reader",
        "readonly",
    ];
    let names = [
        Some(r.name.as_str()),
        Some(c.name.as_str()),
        w.label("role"),
        w.label("app.kubernetes.io/component"),
        w.label("tier"),
        c.image.repository.rsplit('/').next(),
    ];
    let named = names.into_iter().flatten().any(|n| {
        n.to_ascii_lowercase()
            .split(['-', '_', '.'])
            .any(|t| ROLES.contains(&t))
    });
    named
        || r.node.pointer(&c.pointer).is_some_and(|n| {
            words(n.get("command"))
                .iter()
                .chain(words(n.get("args")).iter())
                .any(|a| a.contains("--replicaof") || a.contains("--slaveof"))
        })
}

/// Replicas of the datastore behind the workload's Services: its own and
/// those of other workloads the same Services select that run the same
/// engine (a Galera node per ReplicationController behind one Service).
pub fn cluster_members(inv: &Inventory, g: &Graph, w: &Workload, engine: &Engine) -> i64 {
    // Identities, not resources: the same object defined in several files
    // of one folder (an all-in-one manifest beside the split ones) is one
    // member, not several.
    let mut seen: Vec<String> = vec![inv.resources[w.resource].identity()];
    let mut total = g.effective_min_replicas(inv, w).unwrap_or(0);
    for sid in &w.services {
        for &other in g
            .service_targets
            .get(sid)
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            let o = &g.workloads[other];
            let identity = inv.resources[o.resource].identity();
            if seen.contains(&identity) {
                continue;
            }
            // Read replicas copy a primary; they do not share its load of
            // writes, so they are not members that can take over.
            let or = &inv.resources[o.resource];
            let same = datastore_containers(or, o)
                .iter()
                .any(|(c, e)| std::ptr::eq(*e, engine) && !is_replica(or, o, c));
            if same {
                seen.push(identity);
                total += g.effective_min_replicas(inv, o).unwrap_or(0);
            }
        }
    }
    total
}

/// A name that says the workload is a cache (`cache`, `session-cache`).
pub fn named_like_cache(r: &Resource, w: &Workload) -> bool {
    let names = [
        Some(r.name.as_str()),
        w.label("app.kubernetes.io/name"),
        w.label("app"),
        w.label("app.kubernetes.io/component"),
    ];
    names.into_iter().flatten().any(|n| {
        n.to_ascii_lowercase()
            .split(['-', '_', '.'])
            .any(|t| t == "cache" || t == "memorystore")
    })
}

/// A Redis-like container used as a cache: persistence off, an evicting
/// policy, or a workload named `cache`.
pub fn is_cache(
    inv: &Inventory,
    g: &Graph,
    rid: ResourceId,
    w: &Workload,
    c: &Container,
    engine: &Engine,
) -> bool {
    let r = &inv.resources[rid];
    engine.cache_like && (named_like_cache(r, w) || persistence_disabled(inv, g, r, rid, w, c))
}

// ---------------------------------------------------------------------------
// Operator custom resources.

/// CloudNativePG `Cluster` (not Cluster API's or kind's).
pub fn is_cnpg_cluster(r: &Resource) -> bool {
    r.kind == "Cluster" && r.group() == "postgresql.cnpg.io"
}

/// Zalando postgres-operator `postgresql`.
pub fn is_zalando_postgresql(r: &Resource) -> bool {
    r.kind == "postgresql" && r.group() == "acid.zalan.do"
}

/// How a CloudNativePG cluster is backed up.
#[derive(Debug, Default)]
pub struct CnpgBackup {
    /// Where backups go: `spec.backup` (barmanObjectStore or volumeSnapshot)
    /// or a backup plugin (Barman Cloud).
    pub target: Option<String>,
    /// What takes base backups on a schedule: a ScheduledBackup naming it.
    pub schedule: Option<String>,
    /// The schedule's `method` (`barmanObjectStore` when unset,
    /// `volumeSnapshot`, `plugin`).
    pub schedule_method: Option<String>,
}

impl CnpgBackup {
    pub fn none(&self) -> bool {
        self.target.is_none() && self.schedule.is_none()
    }
}

pub fn cnpg_backup(inv: &Inventory, g: &Graph, cluster: ResourceId) -> CnpgBackup {
    let r = &inv.resources[cluster];
    let mut out = CnpgBackup::default();
    if let Some(b) = r.node.path(&["spec", "backup"]) {
        if b.get("barmanObjectStore").is_some() {
            out.target = Some("spec.backup.barmanObjectStore".into());
        } else if b.get("volumeSnapshot").is_some() {
            out.target = Some("spec.backup.volumeSnapshot".into());
        }
    }
    if out.target.is_none()
        && let Some(p) = r
            .node
            .path(&["spec", "plugins"])
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .filter_map(|p| p.get("name").and_then(Node::as_str))
            .find(|n| n.contains("barman") || n.contains("backup"))
    {
        out.target = Some(format!("plugin {p}"));
    }
    for &sb in g.of_kind("ScheduledBackup") {
        let s = &inv.resources[sb];
        // A schedule belongs to the Cluster of that name closest to it (one
        // per overlay or sample folder), not to every namesake.
        let names_it = s.group() == "postgresql.cnpg.io"
            && s.namespace == r.namespace
            && s.node
                .path(&["spec", "cluster", "name"])
                .and_then(Node::as_str)
                == Some(&r.name)
            && g.find(&s.namespace, "Cluster", &r.name, sb) == Some(cluster);
        if names_it && s.node.path(&["spec", "suspend"]).and_then(Node::as_bool) != Some(true) {
            out.schedule = Some(format!("ScheduledBackup `{}`", s.name));
            out.schedule_method = s
                .node
                .path(&["spec", "method"])
                .and_then(Node::as_str)
                .map(str::to_string);
            break;
        }
    }
    out
}

/// A CloudNativePG replica cluster (a continuous copy of another cluster).
pub fn cnpg_replica_cluster(r: &Resource) -> bool {
    r.node
        .path(&["spec", "replica", "enabled"])
        .and_then(Node::as_bool)
        == Some(true)
}

/// Where backups of a Zalando cluster are visible: logical backups, WAL-G /
/// WAL-E settings in the cluster's environment, or a bucket in the
/// operator's configuration. `Err(true)` when the operator configuration is
/// in the input and has no bucket, `Err(false)` when it is not in the input.
pub fn zalando_backup(inv: &Inventory, g: &Graph, cluster: ResourceId) -> Result<String, bool> {
    let r = &inv.resources[cluster];
    if r.node
        .path(&["spec", "enableLogicalBackup"])
        .and_then(Node::as_bool)
        == Some(true)
    {
        return Ok("enableLogicalBackup".into());
    }
    let backup_var = |name: &str| {
        name.starts_with("WALG_")
            || name.starts_with("WALE_")
            || matches!(
                name,
                "WAL_S3_BUCKET"
                    | "WAL_GS_BUCKET"
                    | "WAL_BUCKET_SCOPE_PREFIX"
                    | "USE_WALG_BACKUP"
                    | "AZURE_STORAGE_ACCOUNT"
                    | "BACKUP_SCHEDULE"
            )
    };
    if let Some(e) = r
        .node
        .path(&["spec", "env"])
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .filter_map(|e| e.get("name").and_then(Node::as_str))
        .find(|n| backup_var(n))
    {
        return Ok(format!("spec.env {e}"));
    }
    let bucket_keys = [
        "wal_s3_bucket",
        "wal_gs_bucket",
        "wal_az_storage_account",
        "logical_backup_s3_bucket",
    ];
    let mut seen_config = false;
    for &id in g
        .of_kind("OperatorConfiguration")
        .iter()
        .chain(g.of_kind("ConfigMap"))
    {
        let o = &inv.resources[id];
        let values: Vec<(&str, &Node)> = if o.kind == "OperatorConfiguration" {
            if o.group() != "acid.zalan.do" {
                continue;
            }
            let mut v = Vec::new();
            collect_leaves(o.node.get("configuration"), &mut v);
            v
        } else {
            // The operator's own ConfigMap (`postgres-operator`) names
            // `docker_image` and `cluster_name_label`; a pod environment
            // ConfigMap carries WAL-G variables.
            let Some(data) = o.node.get("data") else {
                continue;
            };
            let is_operator =
                data.get("cluster_name_label").is_some() || data.get("docker_image").is_some();
            let is_pod_env = data.entries().iter().any(|e| backup_var(&e.key));
            if is_pod_env {
                return Ok(format!("ConfigMap `{}`", o.name));
            }
            if !is_operator {
                continue;
            }
            data.entries()
                .iter()
                .map(|e| (e.key.as_str(), &e.value))
                .collect()
        };
        seen_config = true;
        if values.iter().any(|(k, v)| {
            (bucket_keys.contains(k) && v.scalar_text().is_some_and(|s| !s.trim().is_empty()))
                || (*k == "pod_environment_configmap"
                    && v.scalar_text().is_some_and(|s| !s.is_empty()))
        }) {
            return Ok(format!("{} `{}`", o.kind, o.name));
        }
    }
    Err(seen_config)
}

fn collect_leaves<'n>(node: Option<&'n Node>, out: &mut Vec<(&'n str, &'n Node)>) {
    for e in node.map(Node::entries).unwrap_or_default() {
        if e.value.is_map() {
            collect_leaves(Some(&e.value), out);
        } else {
            out.push((e.key.as_str(), &e.value));
        }
    }
}

/// An integer written as a number or a string (`"3"`).
pub fn int(node: Option<&Node>) -> Option<i64> {
    let n = node?;
    n.as_i64()
        .or_else(|| n.as_str().and_then(|s| s.trim().parse().ok()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engine(image: &str) -> Option<&'static str> {
        engine_of_image(&ImageRef::parse(image)).map(|e| e.display)
    }

    #[test]
    fn images() {
        assert_eq!(engine("postgres:16"), Some("PostgreSQL"));
        assert_eq!(
            engine("docker.io/bitnami/postgresql:16.2.0"),
            Some("PostgreSQL")
        );
        assert_eq!(engine("mysql/mysql-server:8.0"), Some("MySQL"));
        assert_eq!(engine("mysql/mysql-router:8.0"), None);
        assert_eq!(engine("oliver006/redis_exporter:v1.5"), None);
        assert_eq!(
            engine("quay.io/prometheuscommunity/postgres-exporter:v0.14.0"),
            None
        );
        assert_eq!(
            engine("gcr.io/google_samples/gb-redisslave:v3"),
            Some("Redis")
        );
        assert_eq!(
            engine("us-docker.pkg.dev/google-samples/containers/gke/hello-app-redis:1.0"),
            None
        );
        assert_eq!(
            engine("mcr.microsoft.com/mssql/server:2022-latest"),
            Some("SQL Server")
        );
        assert_eq!(engine("quay.io/fluentd_elasticsearch/fluentd:v2.5.2"), None);
        assert_eq!(engine("weaveworksdemos/user-db:0.3.0"), Some("database"));
        assert_eq!(engine("confluentinc/cp-kafka:7.6.0"), Some("Kafka"));
        assert_eq!(engine("cockroachdb/cockroach-k8s-init:0.2"), None);
        assert_eq!(engine("nginx:1.25"), None);
        assert_eq!(engine("amazon/dynamodb-local:1.20.0"), None);
        assert_eq!(engine("registry.k8s.io/etcd:3.5.12-0"), Some("etcd"));
    }

    fn node(text: &str) -> Node {
        crate::yaml::parse_stream(text, &Default::default())
            .documents
            .remove(0)
            .root
    }

    #[test]
    fn clients_are_not_servers() {
        assert!(runs_client(&node("command: [sleep, '3600']")));
        assert!(runs_client(&node(
            "command: [sh, -c, 'psql -h db -c select 1']"
        )));
        assert!(runs_client(&node("command: [/usr/bin/redis-cli, ping]")));
        assert!(!runs_client(&node(
            "command: [redis-server, /conf/redis.conf]"
        )));
        assert!(!runs_client(&node("args: [--save, '']")));
        assert!(!runs_client(&node("image: postgres")));
    }

    #[test]
    fn data_directories_follow_overrides_and_image_family() {
        let pg = ENGINES.iter().find(|e| e.display == "PostgreSQL").unwrap();
        let dirs = data_dirs(
            &node("env: [{name: PGDATA, value: /srv/pg/data}]"),
            pg,
            &ImageRef::parse("postgres:16"),
        );
        assert_eq!(dirs[0], "/srv/pg/data");
        assert!(dirs.contains(&"/var/lib/postgresql/data".to_string()));
        let dirs = data_dirs(
            &node("name: pg"),
            pg,
            &ImageRef::parse("bitnami/postgresql:16"),
        );
        assert_eq!(dirs[0], "/bitnami/postgresql");
        let etcd = ENGINES.iter().find(|e| e.display == "etcd").unwrap();
        let dirs = data_dirs(
            &node("command: [etcd, --data-dir=/var/lib/etcd-data]"),
            etcd,
            &ImageRef::parse("registry.k8s.io/etcd:3.5.12-0"),
        );
        assert_eq!(dirs[0], "/var/lib/etcd-data");
    }

    #[test]
    fn paths() {
        assert!(is_within("/var/lib/postgresql/data", "/var/lib/postgresql"));
        assert!(is_within("/data/", "/data"));
        assert!(!is_within("/database", "/data"));
        assert!(is_within("/anything", "/"));
    }
}
