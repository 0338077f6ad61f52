//! DATA-004 (Kubernetes side): a datastore whose data directory is on an
//! emptyDir, a hostPath, a generic ephemeral volume or the container's own
//! filesystem, so a reschedule, an eviction or (for the container
//! filesystem) a mere container restart deletes the data. Also Strimzi
//! `ephemeral` storage and ECK data volumes replaced by an emptyDir.

use crate::engine::{Ctx, Hit};
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
