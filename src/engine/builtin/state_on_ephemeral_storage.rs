//! DATA-004 (Kubernetes side): a datastore whose data directory is on an
//! emptyDir, a hostPath, a generic ephemeral volume or the container's own
//! filesystem, so a reschedule, an eviction or (for the container
//! filesystem) a mere container restart deletes the data. Also Strimzi
//! `ephemeral` storage and ECK data volumes replaced by an emptyDir.
//!
//! Compose side: a service running a datastore (by its image, or the base
//! image of the Dockerfile it builds) with no named volume or bind mount on
//! its data directory: on tmpfs (critical), in an anonymous volume (its own
//! `- /var/lib/mysql` or the image's `VOLUME`: survives restarts, not
//! `docker compose down` or a new host; two levels lower), or in the
//! container's writable layer (critical). A named volume or bind mount
//! elsewhere (the data directory moved there), caches (persistence off, an
//! evicting policy, named `cache`), client commands and one-shot services
//! are not reported; development stacks are info.

use super::compose_support::{for_environment, services, who};
use crate::engine::{Ctx, Hit};
use crate::model::compose::{self, MountKind};
use crate::model::datastore::{self, Engine, Mount, VolumeKind, int, is_within};
use crate::model::graph::Workload;
use crate::yaml::Node;

pub struct Check;

impl super::BuiltinCheck for Check {
    fn slug(&self) -> &'static str {
        "state-on-ephemeral-storage"
    }

    fn run(&self, ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
        workloads(ctx, hits);
        strimzi(ctx, hits);
        elasticsearch(ctx, hits);
        compose_services(ctx, hits);
    }
}

/// Mount paths that hold scratch files, configuration or logs, never the
/// data of a store whose data directory is unknown.
fn scratch(path: &str) -> bool {
    const SCRATCH: &[&str] = &[
        "/tmp",
        "/var/tmp",
        "/run",
        "/var/run",
        "/dev/shm",
        "/docker-entrypoint-initdb.d",
        "/etc",
        "/conf",
        "/config",
        "/scripts",
        "/var/log",
        "/logs",
        "/certs",
        "/secrets",
    ];
    SCRATCH.iter().any(|s| is_within(path, s))
}

enum Verdict<'m> {
    Safe,
    OnVolume(&'m Mount, String),
    ContainerFs(String),
}

fn judge<'m>(mounts: &'m [Mount], dirs: &[String]) -> Verdict<'m> {
    let data: Vec<&Mount> = mounts
        .iter()
        .filter(|m| m.kind != VolumeKind::Other)
        .filter(|m| {
            if dirs.is_empty() {
                !scratch(&m.path)
            } else {
                dirs.iter()
                    .any(|d| is_within(d, &m.path) || is_within(&m.path, d))
            }
        })
        .collect();
    if data
        .iter()
        .any(|m| m.kind.persistent() || m.kind == VolumeKind::Unknown)
    {
        return Verdict::Safe;
    }
    if let Some(m) = data.first() {
        // The data directory itself when the mount is at or above it, else
        // the mount (below a data directory).
        let dir = dirs
            .iter()
            .filter(|d| is_within(d, &m.path))
            .max_by_key(|d| d.len())
            .cloned()
            .unwrap_or_else(|| m.path.clone());
        return Verdict::OnVolume(m, dir);
    }
    // A claim mounted elsewhere: the data directory is most likely moved
    // there by configuration we cannot see.
    if mounts
        .iter()
        .any(|m| (m.kind.persistent() || m.kind == VolumeKind::Unknown) && !scratch(&m.path))
    {
        return Verdict::Safe;
    }
    Verdict::ContainerFs(dirs.first().cloned().unwrap_or_default())
}

fn replicated(engine: &Engine, replicas: Option<i64>) -> bool {
    engine.quorum && replicas.is_some_and(|n| n >= 3)
}

fn workloads(ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
    let g = ctx.graph;
    for w in &g.workloads {
        let rid = w.resource;
        let r = &ctx.inv.resources[rid];
        if datastore::derived_data(r, Some(w)) {
            continue;
        }
        let mut reported: Vec<String> = Vec::new();
        for (c, engine) in datastore::datastore_containers(r, w) {
            if datastore::is_cache(ctx.inv, g, rid, w, c, engine) || datastore::is_replica(r, w, c)
            {
                continue;
            }
            let Some(node) = r.node.pointer(&c.pointer) else {
                continue;
            };
            let mounts = datastore::mounts(r, w, c);
            let dirs = datastore::data_dirs(node, engine, &c.image);
            let (runs, data) = if engine.display == "database" {
                (
                    format!("a database (image `{}`)", c.image.repository),
                    "database".to_string(),
                )
            } else {
                (engine.display.to_string(), engine.display.to_string())
            };
            let hit = match judge(&mounts, &dirs) {
                Verdict::Safe => continue,
                Verdict::OnVolume(m, dir) => {
                    let Some(vp) = &m.volume_pointer else {
                        continue;
                    };
                    let (field, text, hostpath) = match m.kind {
                        VolumeKind::EmptyDir { memory: true } => (
                            "emptyDir",
                            format!("on emptyDir volume `{}` in memory (medium: Memory)", m.name),
                            false,
                        ),
                        VolumeKind::EmptyDir { memory: false } => (
                            "emptyDir",
                            format!("on emptyDir volume `{}`", m.name),
                            false,
                        ),
                        VolumeKind::HostPath => {
                            ("hostPath", format!("on hostPath volume `{}`", m.name), true)
                        }
                        VolumeKind::Ephemeral => (
                            "ephemeral",
                            format!(
                                "on generic ephemeral volume `{}`, a claim deleted with the pod",
                                m.name
                            ),
                            false,
                        ),
                        _ => continue,
                    };
                    let pointer = format!("{vp}/{field}");
                    if reported.contains(&pointer) {
                        continue;
                    }
                    reported.push(pointer.clone());
                    let consequence = if hostpath {
                        "the data stays on one node: when the pod is rescheduled elsewhere or the node is replaced, the database starts empty"
                    } else {
                        "the data is deleted whenever the pod is deleted, evicted or rescheduled, which every node drain and cluster upgrade does"
                    };
                    let hit = Hit::resource(
                        rid,
                        pointer,
                        format!(
                            "{} `{}` keeps its {data} data ({dir}) {text}: {consequence}",
                            r.kind, r.name
                        ),
                    );
                    if hostpath {
                        hit.lowered(1, "a hostPath survives pod restarts on the same node")
                    } else {
                        hit
                    }
                }
                Verdict::ContainerFs(dir) => {
                    let at = if !dir.is_empty() {
                        format!(" at its data directory ({dir})")
                    } else if mounts.is_empty() {
                        String::new()
                    } else {
                        let paths: Vec<&str> = mounts.iter().map(|m| m.path.as_str()).collect();
                        format!(" for its data (only {})", paths.join(", "))
                    };
                    Hit::resource(
                        rid,
                        format!("{}/image", c.pointer),
                        format!(
                            "{} `{}` runs {runs} in container `{}` with no volume{at}: the data lives in the container's writable layer and is lost on every container restart, eviction or reschedule",
                            r.kind, r.name, c.name
                        ),
                    )
                }
            };
            hits.push(adjust(hit, ctx, w, engine));
        }
    }
}

fn adjust(mut hit: Hit, ctx: &Ctx<'_>, w: &Workload, engine: &Engine) -> Hit {
    let replicas = ctx.graph.effective_min_replicas(ctx.inv, w);
    let members = datastore::cluster_members(ctx.inv, ctx.graph, w, engine);
    if replicated(engine, replicas) || members >= 3 {
        hit = hit.lowered(
            1,
            "a replicated cluster of 3 or more members: one lost member re-syncs from its peers; losing several at once (zone outage, cluster rebuild) loses the data",
        );
    }
    if engine.cache_like {
        hit = hit.lowered(
            1,
            "Redis-like stores are often caches; if this data can be rebuilt, annotate the workload creview.io/derived-data: \"true\"",
        );
    }
    hit
}

fn ephemeral_type(storage: Option<&Node>, base: &str) -> Vec<String> {
    let Some(s) = storage else { return Vec::new() };
    match s.get("type").and_then(Node::as_str) {
        Some("ephemeral") => vec![format!("{base}/type")],
        Some("jbod") => s
            .get("volumes")
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .enumerate()
            .filter(|(_, v)| v.get("type").and_then(Node::as_str) == Some("ephemeral"))
            .map(|(i, _)| format!("{base}/volumes/{i}/type"))
            .collect(),
        _ => Vec::new(),
    }
}

fn strimzi(ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
    let kafka_engine = datastore::ENGINES.iter().find(|e| e.display == "Kafka");
    for &id in ctx.graph.of_kind("Kafka") {
        let r = &ctx.inv.resources[id];
        if r.group() != "kafka.strimzi.io" || datastore::derived_data(r, None) {
            continue;
        }
        // With node pools, the pools' storage applies, not spec.kafka's.
        let node_pools = r.annotation("strimzi.io/node-pools") == Some("enabled");
        for (part, what) in [("kafka", "broker logs"), ("zookeeper", "ZooKeeper data")] {
            if part == "kafka" && node_pools {
                continue;
            }
            let replicas = int(r.node.path(&["spec", part, "replicas"]));
            for pointer in ephemeral_type(
                r.node.path(&["spec", part, "storage"]),
                &format!("/spec/{part}/storage"),
            ) {
                let mut hit = Hit::resource(
                    id,
                    pointer,
                    format!(
                        "Strimzi Kafka `{}` keeps its {what} on ephemeral storage (emptyDir): every pod restart, eviction or reschedule deletes that data, and a rolling restart of the whole cluster can lose every message",
                        r.name
                    ),
                );
                if kafka_engine.is_some_and(|e| replicated(e, replicas)) {
                    hit = hit.lowered(
                        1,
                        "3 or more members: one restarted member re-syncs from its peers",
                    );
                }
                hits.push(hit);
            }
        }
    }
    for &id in ctx.graph.of_kind("KafkaNodePool") {
        let r = &ctx.inv.resources[id];
        if r.group() != "kafka.strimzi.io" || datastore::derived_data(r, None) {
            continue;
        }
        let replicas = int(r.node.path(&["spec", "replicas"]));
        for pointer in ephemeral_type(r.node.path(&["spec", "storage"]), "/spec/storage") {
            let mut hit = Hit::resource(
                id,
                pointer,
                format!(
                    "KafkaNodePool `{}` keeps its logs and metadata on ephemeral storage (emptyDir): every pod restart, eviction or reschedule deletes them",
                    r.name
                ),
            );
            if kafka_engine.is_some_and(|e| replicated(e, replicas)) {
                hit = hit.lowered(
                    1,
                    "3 or more members: one restarted member re-syncs from its peers",
                );
            }
            hits.push(hit);
        }
    }
}

fn elasticsearch(ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
    for &id in ctx.graph.of_kind("Elasticsearch") {
        let r = &ctx.inv.resources[id];
        if r.group() != "elasticsearch.k8s.elastic.co" || datastore::derived_data(r, None) {
            continue;
        }
        for (i, set) in r
            .node
            .path(&["spec", "nodeSets"])
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let volumes = set
                .path(&["podTemplate", "spec", "volumes"])
                .map(Node::items)
                .unwrap_or_default();
            for (j, v) in volumes.iter().enumerate() {
                if v.get("name").and_then(Node::as_str) == Some("elasticsearch-data")
                    && v.get("emptyDir").is_some()
                {
                    let count = int(set.get("count"));
                    let mut hit = Hit::resource(
                        id,
                        format!("/spec/nodeSets/{i}/podTemplate/spec/volumes/{j}/emptyDir"),
                        format!(
                            "Elasticsearch `{}` nodeSet `{}` replaces its data volume with an emptyDir: every pod restart, eviction or reschedule deletes that node's shards",
                            r.name,
                            set.get("name")
                                .and_then(Node::scalar_text)
                                .unwrap_or_default()
                        ),
                    );
                    if count.is_some_and(|n| n >= 3) {
                        hit = hit.lowered(1, "3 or more nodes: replica shards on the other nodes survive one restart");
                    }
                    hits.push(hit);
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Compose.

/// Official images that declare their data directory as a `VOLUME`, so
/// Docker keeps the data in an anonymous volume when nothing is mounted.
const IMAGE_VOLUMES: &[(&str, &[&str])] = &[
    ("postgres", &["/var/lib/postgresql/data"]),
    ("postgis/postgis", &["/var/lib/postgresql/data"]),
    ("timescale/timescaledb", &["/var/lib/postgresql/data"]),
    ("pgvector/pgvector", &["/var/lib/postgresql/data"]),
    ("mysql", &["/var/lib/mysql"]),
    ("mysql/mysql-server", &["/var/lib/mysql"]),
    ("mariadb", &["/var/lib/mysql"]),
    ("mongo", &["/data/db", "/data/configdb"]),
    ("redis", &["/data"]),
    ("rabbitmq", &["/var/lib/rabbitmq"]),
    ("cassandra", &["/var/lib/cassandra"]),
    ("couchdb", &["/opt/couchdb/data"]),
    ("influxdb", &["/var/lib/influxdb", "/var/lib/influxdb2"]),
    ("neo4j", &["/data"]),
    ("zookeeper", &["/data", "/datalog"]),
    ("consul", &["/consul/data"]),
    ("hashicorp/consul", &["/consul/data"]),
    ("clickhouse/clickhouse-server", &["/var/lib/clickhouse"]),
    ("confluentinc/cp-kafka", &["/var/lib/kafka/data"]),
];

/// What an image says about its data directory.
enum ImageVolumes {
    /// It declares these paths `VOLUME`.
    Declares(Vec<String>),
    /// It is known to declare none.
    None,
    /// The input does not tell.
    Unknown,
}

/// Data directories the image itself declares as `VOLUME`, for the images
/// whose Dockerfiles are known.
fn image_volumes(image: &crate::model::k8s::ImageRef) -> ImageVolumes {
    let hub = image
        .registry
        .as_deref()
        .is_none_or(|r| r == "docker.io" || r == "index.docker.io" || r == "registry-1.docker.io");
    let repo = image
        .repository
        .strip_prefix("library/")
        .unwrap_or(&image.repository);
    if hub {
        if let Some((_, dirs)) = IMAGE_VOLUMES.iter().find(|(r, _)| *r == repo) {
            return ImageVolumes::Declares(dirs.iter().map(|d| d.to_string()).collect());
        }
        // Bitnami images declare their /bitnami/<app> folder.
        if repo.starts_with("bitnami/") {
            return ImageVolumes::Declares(vec!["/bitnami".into()]);
        }
    }
    // Elastic's images keep data in the image's filesystem.
    let elastic = (hub && repo == "elasticsearch")
        || (image.registry.as_deref() == Some("docker.elastic.co")
            && repo == "elasticsearch/elasticsearch");
    if elastic {
        return ImageVolumes::None;
    }
    ImageVolumes::Unknown
}

/// A Kubernetes-shaped container node (env list, command) from a compose
/// service, for the datastore helpers.
fn container_like(service: &Node) -> Node {
    use crate::yaml::{Entry, Value};
    let pos = service.pos;
    let s = |t: String| Node {
        value: Value::Str(t),
        pos,
    };
    let env = compose::env_vars(service)
        .into_iter()
        .filter_map(|(k, v, _)| {
            Some(Node {
                value: Value::Map(vec![
                    Entry {
                        key: "name".into(),
                        key_pos: pos,
                        value: s(k),
                    },
                    Entry {
                        key: "value".into(),
                        key_pos: pos,
                        value: s(v?),
                    },
                ]),
                pos,
            })
        })
        .collect();
    let argv: Vec<Node> = compose::argv(service.get("entrypoint"))
        .unwrap_or_default()
        .into_iter()
        .chain(compose::argv(service.get("command")).unwrap_or_default())
        .map(s)
        .collect();
    Node {
        value: Value::Map(vec![
            Entry {
                key: "env".into(),
                key_pos: pos,
                value: Node {
                    value: Value::Seq(env),
                    pos,
                },
            },
            Entry {
                key: "command".into(),
                key_pos: pos,
                value: Node {
                    value: Value::Seq(argv),
                    pos,
                },
            },
        ]),
        pos,
    }
}

/// Redis-like persistence switched off, or an evicting policy: a cache.
fn compose_cache(service: &Node, container: &Node) -> bool {
    let mut text = String::new();
    for w in container
        .get("command")
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .filter_map(Node::scalar_text)
    {
        text.push_str(if w.is_empty() { "\"\"" } else { &w });
        text.push(' ');
    }
    for (k, v, _) in compose::env_vars(service) {
        let v = v.unwrap_or_default();
        match (k.as_str(), v.to_ascii_lowercase().as_str()) {
            ("REDIS_RDB_POLICY_DISABLED" | "VALKEY_RDB_POLICY_DISABLED", "yes" | "true") => {
                text.push_str(" --save \"\" ")
            }
            ("REDIS_AOF_ENABLED" | "VALKEY_AOF_ENABLED", "no" | "false") => {
                text.push_str(" --appendonly no ")
            }
            ("REDIS_ARGS" | "REDIS_EXTRA_FLAGS" | "VALKEY_EXTRA_FLAGS", _) => {
                text.push(' ');
                text.push_str(&v);
                text.push(' ');
            }
            _ => {}
        }
    }
    let t = text.replace('\'', "\"");
    let lru =
        t.contains("allkeys-lru") || t.contains("allkeys-lfu") || t.contains("allkeys-random");
    let save_off = t.contains("--save \"\"") || t.contains("--save \"\" ");
    let aof_on = t.contains("--appendonly yes");
    lru || (save_off && !aof_on)
}

fn compose_services(ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
    for (id, r, facts) in services(ctx) {
        if facts.one_shot().is_some() {
            continue;
        }
        let Some((engine, image)) = compose::engine(ctx.inv, r) else {
            continue;
        };
        let node = &r.node;
        let derived = node
            .get("labels")
            .map(|l| l.to_json().to_string())
            .is_some_and(|j| j.contains("creview.io/derived-data") && j.contains("true"));
        let container = container_like(node);
        if derived || datastore::runs_client(&container) {
            continue;
        }
        let named_cache = r
            .name
            .to_ascii_lowercase()
            .split(['-', '_', '.'])
            .any(|t| t == "cache");
        if engine.cache_like && (named_cache || compose_cache(node, &container)) {
            continue;
        }
        let dirs = datastore::data_dirs(&container, engine, &image);
        let mounts = compose::mounts(node);
        let touches = |m: &compose::Mount| {
            if dirs.is_empty() {
                !scratch(&m.target)
            } else {
                dirs.iter()
                    .any(|d| is_within(d, &m.target) || is_within(&m.target, d))
            }
        };
        let persistent =
            |m: &&compose::Mount| matches!(m.kind, MountKind::Named(_) | MountKind::Bind(_));
        let data: Vec<&compose::Mount> = mounts.iter().filter(|m| touches(m)).collect();
        if data.iter().any(persistent) {
            continue;
        }
        // A volume mounted elsewhere: the data directory was most likely
        // moved there by configuration we cannot see.
        if mounts
            .iter()
            .filter(persistent)
            .any(|m| !scratch(&m.target))
        {
            continue;
        }
        let (runs, what) = if engine.display == "database" {
            (
                format!("a database (image `{}`)", image.repository),
                "database".to_string(),
            )
        } else {
            (engine.display.to_string(), engine.display.to_string())
        };
        let dir = dirs.first().cloned().unwrap_or_default();
        let at = if dir.is_empty() {
            String::new()
        } else {
            format!(" ({dir})")
        };
        let field = if compose::builds(node) && compose::image(node).is_none() {
            "/build"
        } else {
            "/image"
        };
        let mut declared: Vec<String> = Vec::new();
        let mut known = true;
        let mut learn = |v: ImageVolumes, declared: &mut Vec<String>| match v {
            ImageVolumes::Declares(d) => declared.extend(d),
            ImageVolumes::None => {}
            ImageVolumes::Unknown => known = false,
        };
        match super::compose_support::built_dockerfile(ctx, &facts) {
            Some((_, parsed, stage)) => {
                learn(
                    image_volumes(&crate::model::k8s::ImageRef::parse(
                        parsed.base_image(stage),
                    )),
                    &mut declared,
                );
                for s in parsed.chain(stage) {
                    for ins in parsed.stages[s]
                        .instructions
                        .iter()
                        .filter(|i| i.keyword == "VOLUME")
                    {
                        let paths = ins.exec.clone().unwrap_or_else(|| {
                            ins.arguments
                                .split_whitespace()
                                .map(str::to_string)
                                .collect()
                        });
                        declared.extend(paths);
                    }
                }
            }
            None => learn(image_volumes(&image), &mut declared),
        }
        let image_volume = declared
            .iter()
            .any(|v| dirs.is_empty() || dirs.iter().any(|d| is_within(d, v) || is_within(v, d)));
        let hit = if let Some(m) = data.iter().find(|m| m.kind == MountKind::Tmpfs) {
            super::compose_support::hit(
                ctx,
                id,
                &m.pointer,
                format!(
                    "{} keeps its {what} data{at} on tmpfs (`{}`): it lives in memory and is gone whenever the container stops",
                    who(r),
                    m.target
                ),
            )
        } else if let Some(m) = data.iter().find(|m| m.kind == MountKind::Anonymous) {
            super::compose_support::hit(
                ctx,
                id,
                &m.pointer,
                format!(
                    "{} keeps its {what} data{at} in an anonymous volume (`{}`): it survives restarts, but `docker compose down` orphans it and the next `up` starts empty, and it is gone with the host",
                    who(r),
                    m.target
                ),
            )
            .lowered(2, ANONYMOUS)
        } else if image_volume {
            super::compose_support::hit(
                ctx,
                id,
                field,
                format!(
                    "{} runs {runs} with no volume for its data{at}: the image declares it a `VOLUME`, so Docker keeps it in an anonymous volume that survives restarts, but `docker compose down` orphans it and the next `up` starts empty, and it is gone with the host. Mount a named volume there",
                    who(r)
                ),
            )
            .lowered(2, ANONYMOUS)
        } else if known {
            super::compose_support::hit(
                ctx,
                id,
                field,
                format!(
                    "{} runs {runs} with no volume for its data{at}: the data lives in the container's writable layer and is lost whenever the container is recreated (a new image, a changed setting, `docker compose down`)",
                    who(r)
                ),
            )
        } else {
            super::compose_support::hit(
                ctx,
                id,
                field,
                format!(
                    "{} runs {runs} with no volume for its data{at}: unless its image declares that directory a `VOLUME`, the data lives in the container's writable layer and is lost whenever the container is recreated; if it does, an anonymous volume keeps it until `docker compose down`. Mount a named volume there",
                    who(r)
                ),
            )
            .lowered(
                1,
                "cannot tell whether the image declares its data directory a VOLUME (official images do: the data then survives restarts, not `docker compose down` or the host)",
            )
        };
        let hit = if engine.cache_like {
            hit.lowered(
                1,
                "Redis-like stores are often caches; if this data can be rebuilt, label the service creview.io/derived-data: \"true\"",
            )
        } else {
            hit
        };
        hits.push(for_environment(hit, &facts));
    }
}

const ANONYMOUS: &str = "an anonymous volume survives container restarts and recreation by compose; only `down`, a volume prune or losing the host loses it";
