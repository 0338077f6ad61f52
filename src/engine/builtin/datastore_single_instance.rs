//! SPOF-012: a datastore that runs one instance (or, for a quorum system,
//! fewer than three members), so a node drain, a node failure or a zone
//! outage stops it for every client. Reads the operators' own resources
//! (CloudNativePG, Zalando, Strimzi, MongoDB, ECK) and workloads whose image
//! is a known datastore.

use crate::engine::{Ctx, Hit};
use crate::finding::Severity;
use crate::model::datastore::{self, int};
use crate::model::{Resource, ResourceId};
use crate::yaml::Node;

pub struct Check;

impl super::BuiltinCheck for Check {
    fn slug(&self) -> &'static str {
        "datastore-single-instance"
    }

    fn run(&self, ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
        cnpg(ctx, hits);
        zalando(ctx, hits);
        strimzi(ctx, hits);
        mongodb(ctx, hits);
        elasticsearch(ctx, hits);
        workloads(ctx, hits);
    }
}

fn of<'a>(ctx: &'a Ctx<'_>, kind: &str, group: &str) -> Vec<(ResourceId, &'a Resource)> {
    ctx.graph
        .of_kind(kind)
        .iter()
        .map(|&id| (id, &ctx.inv.resources[id]))
        .filter(|(_, r)| r.group() == group)
        .collect()
}

fn instances(n: i64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

const OUTAGE: &str = "a node drain, node failure or zone outage stops the database for every client until the pod is back, and a zonal volume cannot follow it to another zone";

fn cnpg(ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
    for (id, r) in of(ctx, "Cluster", "postgresql.cnpg.io") {
        let spec = r.node.get("spec");
        let n = int(spec.and_then(|s| s.get("instances"))).unwrap_or(1);
        let sync_required = {
            let legacy = int(spec.and_then(|s| s.get("minSyncReplicas"))).unwrap_or(0) >= 1;
            let sync = spec.and_then(|s| s.path(&["postgresql", "synchronous"]));
            let modern = sync.is_some_and(|s| {
                int(s.get("number")).unwrap_or(0) >= 1
                    && s.get("dataDurability").and_then(Node::as_str) != Some("preferred")
            });
            legacy || modern
        };
        let mut hit = if n < 2 {
            Hit::resource(
                id,
                "/spec/instances",
                format!(
                    "CloudNativePG Cluster `{}` runs {}: there is no standby to fail over to, so {OUTAGE}",
                    r.name,
                    instances(n, "instance")
                ),
            )
        } else if n < 3 && sync_required {
            Hit::resource(
                id,
                "/spec/instances",
                format!(
                    "CloudNativePG Cluster `{}` runs {} with required synchronous replication: when its only standby is drained or lost, every commit waits for a replica that is not there and writes stop",
                    r.name,
                    instances(n, "instance")
                ),
            )
        } else {
            continue;
        };
        if datastore::cnpg_replica_cluster(r) {
            hit = hit.lowered(1, "a replica cluster: a standby copy of another cluster, not the primary serving writes");
        } else if datastore::cnpg_backup(ctx.inv, ctx.graph, id).none() {
            hit = hit.with_severity(
                Severity::Critical,
                "no backup is configured either (DATA-001): losing its only volume loses the data",
            );
        }
        hits.push(hit);
    }
}

fn zalando(ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
    for (id, r) in of(ctx, "postgresql", "acid.zalan.do") {
        let n = int(r.node.path(&["spec", "numberOfInstances"])).unwrap_or(1);
        if n >= 2 {
            continue;
        }
        let mut hit = Hit::resource(
            id,
            "/spec/numberOfInstances",
            format!(
                "Zalando postgresql `{}` runs {}: Patroni has no replica to promote, so {OUTAGE}",
                r.name,
                instances(n, "instance")
            ),
        );
        if r.node.path(&["spec", "standby"]).is_some() {
            hit = hit.lowered(
                1,
                "a standby cluster: a copy of another cluster, not the primary serving writes",
            );
        } else if datastore::zalando_backup(ctx.inv, ctx.graph, id) == Err(true) {
            hit = hit.with_severity(
                Severity::Critical,
                "the operator configuration in the input sets no WAL backup bucket and the cluster enables no logical backup (DATA-001): losing its only volume loses the data",
            );
        }
        hits.push(hit);
    }
}

fn strimzi(ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
    for (id, r) in of(ctx, "Kafka", "kafka.strimzi.io") {
        let node_pools = r
            .annotation("strimzi.io/node-pools")
            .is_some_and(|v| v == "enabled");
        if !node_pools {
            if let Some(n) = int(r.node.path(&["spec", "kafka", "replicas"]))
                && n < 3
            {
                hits.push(Hit::resource(
                    id,
                    "/spec/kafka/replicas",
                    format!(
                        "Strimzi Kafka `{}` runs {}: {}",
                        r.name,
                        instances(n, "broker"),
                        brokers_consequence(n)
                    ),
                ));
            }
        } else {
            let pools = node_pools_of(ctx, id, r);
            let count = |role: &str| -> (i64, Vec<(ResourceId, i64)>) {
                let with_role: Vec<(ResourceId, i64)> = pools
                    .iter()
                    .filter(|(pid, _)| has_role(&ctx.inv.resources[*pid], role))
                    .copied()
                    .collect();
                (with_role.iter().map(|(_, n)| n).sum(), with_role)
            };
            let (brokers, broker_pools) = count("broker");
            let (controllers, controller_pools) = count("controller");
            let mut reported = Vec::new();
            if !broker_pools.is_empty() && brokers < 3 {
                let (pid, _) = broker_pools[0];
                reported.push(pid);
                let also_controllers = !controller_pools.is_empty()
                    && controllers < 3
                    && controller_pools.iter().all(|(p, _)| *p == pid);
                hits.push(Hit::resource(
                    pid,
                    "/spec/replicas",
                    format!(
                        "Strimzi Kafka `{}` has {} in its node pools{}: {}",
                        r.name,
                        instances(brokers, "broker"),
                        if also_controllers {
                            format!(
                                " and {} in its KRaft quorum, which tolerates no loss",
                                instances(controllers, "controller")
                            )
                        } else {
                            String::new()
                        },
                        brokers_consequence(brokers)
                    ),
                ));
            }
            if !controller_pools.is_empty()
                && controllers < 3
                && let Some((pid, _)) = controller_pools.iter().find(|(p, _)| !reported.contains(p))
            {
                hits.push(Hit::resource(
                    *pid,
                    "/spec/replicas",
                    format!(
                        "Strimzi Kafka `{}` has {} in its KRaft quorum: with fewer than 3, losing one controller stops metadata changes, leader elections and new partitions",
                        r.name,
                        instances(controllers, "controller")
                    ),
                ));
            }
        }
        if let Some(n) = int(r.node.path(&["spec", "zookeeper", "replicas"]))
            && n < 3
        {
            hits.push(Hit::resource(
                id,
                "/spec/zookeeper/replicas",
                format!(
                    "Strimzi Kafka `{}` runs {}: the ensemble needs a majority, so losing one node stops the cluster's controller and metadata changes",
                    r.name,
                    instances(n, "ZooKeeper node")
                ),
            ));
        }
    }
}

fn brokers_consequence(n: i64) -> &'static str {
    if n <= 1 {
        "every broker restart, node drain or node failure stops all producers and consumers, and no partition can have a second copy"
    } else {
        "topics cannot be replicated 3 times, and producers that need 2 in-sync replicas stop whenever one broker restarts"
    }
}

/// KafkaNodePools of a Kafka cluster (label `strimzi.io/cluster`), the
/// closest ones when several overlays define them.
pub fn node_pools_of(ctx: &Ctx<'_>, kafka: ResourceId, r: &Resource) -> Vec<(ResourceId, i64)> {
    let candidates = ctx
        .graph
        .of_kind("KafkaNodePool")
        .iter()
        .copied()
        .filter(|&p| {
            let pool = &ctx.inv.resources[p];
            pool.namespace == r.namespace
                && pool
                    .labels()
                    .any(|(k, v)| k == "strimzi.io/cluster" && v == r.name)
        });
    let near = ctx.graph.closest(kafka, candidates);
    near.into_iter()
        .map(|p| {
            let n = int(ctx.inv.resources[p].node.path(&["spec", "replicas"])).unwrap_or(0);
            (p, n)
        })
        .collect()
}

pub fn has_role(pool: &Resource, role: &str) -> bool {
    pool.node
        .path(&["spec", "roles"])
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .any(|r| r.as_str() == Some(role))
}

fn mongodb(ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
    let community = of(ctx, "MongoDBCommunity", "mongodbcommunity.mongodb.com");
    let enterprise = of(ctx, "MongoDB", "mongodb.com")
        .into_iter()
        .filter(|(_, r)| {
            r.node.path(&["spec", "type"]).and_then(Node::as_str) == Some("ReplicaSet")
        });
    for (id, r) in community.into_iter().chain(enterprise) {
        let n = int(r.node.path(&["spec", "members"])).unwrap_or(1);
        if n >= 3 {
            continue;
        }
        hits.push(Hit::resource(
            id,
            "/spec/members",
            format!(
                "{} `{}` runs a replica set of {}: electing a primary needs a majority, so {}",
                r.kind,
                r.name,
                instances(n, "member"),
                if n == 1 {
                    OUTAGE.to_string()
                } else {
                    "losing either member leaves no primary and writes stop".to_string()
                }
            ),
        ));
    }
}

fn elasticsearch(ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
    for (id, r) in of(ctx, "Elasticsearch", "elasticsearch.k8s.elastic.co") {
        let sets = r
            .node
            .path(&["spec", "nodeSets"])
            .map(Node::items)
            .unwrap_or_default();
        if sets.is_empty() {
            continue;
        }
        let total: i64 = sets.iter().map(|s| int(s.get("count")).unwrap_or(0)).sum();
        if total >= 3 {
            continue;
        }
        let pointer = if sets.len() == 1 {
            "/spec/nodeSets/0/count".to_string()
        } else {
            "/spec/nodeSets".to_string()
        };
        hits.push(Hit::resource(
            id,
            pointer,
            format!(
                "Elasticsearch `{}` runs {} in total: electing a master needs a majority of 3 master-eligible nodes, and with fewer a single restart leaves the cluster without a master or its shards without a replica",
                r.name,
                instances(total, "node")
            ),
        ));
    }
}

fn workloads(ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
    let g = ctx.graph;
    for w in &g.workloads {
        if !w.kind.has_replicas() {
            continue;
        }
        let rid = w.resource;
        let r = &ctx.inv.resources[rid];
        let Some(engine) = datastore::primary_store(ctx.inv, g, w) else {
            continue;
        };
        let Some((c, _)) = datastore::datastore_containers(r, w)
            .into_iter()
            .find(|(_, e)| std::ptr::eq(*e, engine))
        else {
            continue;
        };
        let Some(n) = g.effective_min_replicas(ctx.inv, w) else {
            continue;
        };
        // Scaled to zero on purpose: nothing runs to fail.
        if n == 0 {
            continue;
        }
        let need = if engine.quorum { 3 } else { 2 };
        if n >= need {
            continue;
        }
        // Members of one cluster run by several workloads behind a shared
        // Service (a Galera node per ReplicationController): count them all.
        let members = datastore::cluster_members(ctx.inv, g, w, engine);
        if members >= need {
            continue;
        }
        let what = if engine.display == "database" {
            format!("a database (image `{}`)", c.image.repository)
        } else {
            engine.display.to_string()
        };
        let persistent = datastore::mounts(r, w, c)
            .iter()
            .any(|m| m.kind.persistent());
        let message = if n == 1 {
            format!(
                "{} `{}` runs {what} with 1 replica: {}",
                r.kind,
                r.name,
                if persistent {
                    OUTAGE
                } else {
                    "a node drain, node failure or zone outage stops it for every client until the pod is rescheduled"
                }
            )
        } else {
            format!(
                "{} `{}` runs {what} with {n} replicas: a quorum system needs 3 members to survive the loss of one, so with {n} a single node drain or failure stops it",
                r.kind, r.name
            )
        };
        let pointer = if w.autoscaled() {
            "/spec"
        } else {
            "/spec/replicas"
        };
        let mut hit = Hit::resource(rid, pointer, message);
        if engine.cache_like && !persistent {
            hit = hit.lowered(
                1,
                "no persistent volume keeps its data, so it most likely serves as a cache that clients can rebuild",
            );
        }
        hits.push(hit);
    }
}
