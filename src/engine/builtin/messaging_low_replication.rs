//! DATA-008 (Kubernetes side): Strimzi Kafka clusters and topics whose
//! replication cannot survive the loss of one broker: a replication factor
//! below 3, or `min.insync.replicas` below 2 (acknowledged writes that only
//! one broker holds). Kafka's own defaults are a replication factor of 1
//! and `min.insync.replicas` 1, so leaving them unset is a finding too.

use super::datastore_single_instance::{has_role, node_pools_of};
use crate::engine::{Ctx, Hit};
use crate::model::datastore::int;
use crate::model::{Resource, ResourceId};
use crate::yaml::{Node, escape_segment};

pub struct Check;

impl super::BuiltinCheck for Check {
    fn slug(&self) -> &'static str {
        "messaging-low-replication"
    }

    fn run(&self, ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
        for &id in ctx.graph.of_kind("Kafka") {
            let r = &ctx.inv.resources[id];
            if r.group() == "kafka.strimzi.io" {
                kafka(ctx, id, r, hits);
            }
        }
        for &id in ctx.graph.of_kind("KafkaTopic") {
            let r = &ctx.inv.resources[id];
            if r.group() == "kafka.strimzi.io" {
                topic(ctx, id, r, hits);
            }
        }
    }
}

/// (setting, minimum, Kafka's default)
const SETTINGS: &[(&str, i64, i64)] = &[
    ("default.replication.factor", 3, 1),
    ("min.insync.replicas", 2, 1),
    ("offsets.topic.replication.factor", 3, 3),
    ("transaction.state.log.replication.factor", 3, 3),
    ("transaction.state.log.min.isr", 2, 2),
];

/// Brokers of a Strimzi cluster: `spec.kafka.replicas`, or the broker node
/// pools when node pools are enabled (None when they are not in the input).
fn brokers(ctx: &Ctx<'_>, id: ResourceId, r: &Resource) -> Option<i64> {
    if r.annotation("strimzi.io/node-pools") == Some("enabled") {
        let pools = node_pools_of(ctx, id, r);
        let brokers: Vec<i64> = pools
            .iter()
            .filter(|(p, _)| has_role(&ctx.inv.resources[*p], "broker"))
            .map(|(_, n)| *n)
            .collect();
        (!brokers.is_empty()).then(|| brokers.iter().sum())
    } else {
        int(r.node.path(&["spec", "kafka", "replicas"]))
    }
}

fn few_brokers(hit: Hit, brokers: Option<i64>) -> Hit {
    match brokers {
        Some(n) if n < 3 => hit.lowered(
            1,
            format!(
                "the cluster has {n} broker(s), so replication cannot be higher; SPOF-012 reports the broker count"
            ),
        ),
        _ => hit,
    }
}

fn kafka(ctx: &Ctx<'_>, id: ResourceId, r: &Resource, hits: &mut Vec<Hit>) {
    let brokers = brokers(ctx, id, r);
    let config = r.node.path(&["spec", "kafka", "config"]);
    // (pointer, setting as written) below the minimum, and unset settings
    // whose Kafka default is below it.
    let mut low: Vec<(String, &str, i64, i64)> = Vec::new();
    let mut unset = Vec::new();
    for &(key, min, default) in SETTINGS {
        match config.and_then(|c| c.get(key)) {
            Some(v) => {
                if let Some(n) = int(Some(v))
                    && n < min
                {
                    low.push((
                        format!("/spec/kafka/config/{}", escape_segment(key)),
                        key,
                        n,
                        min,
                    ));
                }
            }
            None if default < min => unset.push((key, default)),
            None => {}
        }
    }
    let config_pointer = if config.is_some() {
        "/spec/kafka/config"
    } else {
        "/spec/kafka"
    };
    // A cluster with fewer than 3 brokers cannot do better: one finding
    // for all its settings (SPOF-012 reports the broker count).
    if let Some(n) = brokers.filter(|n| *n < 3) {
        if low.is_empty() && unset.is_empty() {
            return;
        }
        let mut settings: Vec<String> = low.iter().map(|(_, k, v, _)| format!("{k} {v}")).collect();
        settings.extend(
            unset
                .iter()
                .map(|(k, d)| format!("{k} unset (Kafka's default is {d})")),
        );
        hits.push(few_brokers(
            Hit::resource(
                id,
                config_pointer,
                format!(
                    "Strimzi Kafka `{}` runs {} with {}: a broker loss makes partitions unavailable and acknowledged writes held by one broker can be lost",
                    r.name,
                    if n == 1 { "1 broker".to_string() } else { format!("{n} brokers") },
                    settings.join(", ")
                ),
            ),
            brokers,
        ));
        return;
    }
    for (pointer, key, n, min) in low {
        let consequence = if key.contains("isr") || key.contains("insync") {
            "a write acknowledged by a single broker is lost if that broker fails before the others copy it"
        } else {
            "a single broker loss makes partitions unavailable, and loses them with its disk"
        };
        hits.push(Hit::resource(
            id,
            pointer,
            format!(
                "Strimzi Kafka `{}` sets {key} to {n} (below {min}): {consequence}",
                r.name
            ),
        ));
    }
    if !unset.is_empty() {
        hits.push(Hit::resource(
            id,
            config_pointer,
            format!(
                "Strimzi Kafka `{}` does not set {}: topics created without an explicit replication factor get one copy, and acknowledged writes may live on one broker only",
                r.name,
                unset
                    .iter()
                    .map(|(k, d)| format!("{k} (Kafka's default is {d})"))
                    .collect::<Vec<_>>()
                    .join(" or ")
            ),
        ));
    }
}

fn topic(ctx: &Ctx<'_>, id: ResourceId, r: &Resource, hits: &mut Vec<Hit>) {
    let cluster = r
        .labels()
        .find(|(k, _)| *k == "strimzi.io/cluster")
        .and_then(|(_, v)| ctx.graph.find(&r.namespace, "Kafka", v, id));
    let brokers = cluster.and_then(|c| brokers(ctx, c, &ctx.inv.resources[c]));
    let short_lived = int(r.node.path(&["spec", "config", "retention.ms"]))
        .filter(|ms| *ms > 0 && *ms <= 3_600_000);
    let adjust = |hit: Hit| {
        let hit = few_brokers(hit, brokers);
        match short_lived {
            Some(ms) => hit.lowered(
                1,
                format!(
                    "retention of {} minutes: a short-lived stream whose loss may be accepted",
                    ms / 60_000
                ),
            ),
            None => hit,
        }
    };
    let name = r
        .node
        .path(&["spec", "topicName"])
        .and_then(Node::scalar_text)
        .unwrap_or_else(|| r.name.clone());
    let replicas = int(r.node.path(&["spec", "replicas"]));
    if let Some(n) = replicas
        && n < 3
    {
        hits.push(adjust(Hit::resource(
            id,
            "/spec/replicas",
            format!(
                "KafkaTopic `{name}` keeps {n} cop{} of each partition: {}",
                if n == 1 { "y" } else { "ies" },
                if n == 1 {
                    "losing one broker makes its partitions unavailable, and loses them with its disk"
                } else {
                    "with 2 copies, producers that need 2 in-sync replicas stop whenever one broker restarts, and a second loss loses data"
                }
            ),
        )));
    }
    if replicas.is_none_or(|n| n >= 2)
        && let Some(n) = int(r.node.path(&["spec", "config", "min.insync.replicas"]))
        && n < 2
    {
        hits.push(adjust(Hit::resource(
            id,
            "/spec/config/min.insync.replicas",
            format!(
                "KafkaTopic `{name}` sets min.insync.replicas to {n}: a write acknowledged by a single broker is lost if that broker fails before the others copy it"
            ),
        )));
    }
}
