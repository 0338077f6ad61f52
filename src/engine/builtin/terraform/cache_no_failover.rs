//! SPOF-008: a cache with no failover. ElastiCache replication groups with
//! one node, no automatic failover or no Multi-AZ (the API defaults are
//! one node, failover off, Multi-AZ off); Redis `aws_elasticache_cluster`s
//! (always one node); single-node Memcached; Memorystore `BASIC`; Azure
//! Redis `Basic`; the cloudposse elasticache-redis module. Memcached with
//! several nodes (clients shard and tolerate a node loss) and serverless
//! caches are not reported.

use super::common::{self, hit, unknown};
use crate::engine::{Ctx, Hit};
use crate::model::terraform::facts::{self, Fact};
use crate::model::terraform::modules::Known;
use crate::model::{Resource, ResourceId};
use crate::yaml::Node;

pub fn run(ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
    for (id, r) in facts::of_kind(ctx, "aws_elasticache_replication_group") {
        if r.node.get("global_replication_group_id").is_some_and(|n| !n.is_null()) {
            continue;
        }
        replication_group(
            hits,
            id,
            r,
            Nodes {
                clusters: Fact::of(r.node.get("num_cache_clusters").or_else(|| r.node.get("number_cache_clusters"))),
                replicas: Fact::of(r.node.get("replicas_per_node_group")),
                failover: Fact::of(r.node.get("automatic_failover_enabled")),
                multi_az: Fact::of(r.node.get("multi_az_enabled")),
            },
            ("/num_cache_clusters", "/automatic_failover_enabled", "/multi_az_enabled"),
            "ElastiCache replication group",
        );
    }
    for (id, r) in facts::of_kind(ctx, "aws_elasticache_cluster") {
        // A member of a replication group is covered by the group.
        if r.node.get("replication_group_id").is_some_and(|n| !n.is_null()) {
            continue;
        }
        let engine = r.node.get("engine").and_then(Node::as_str).unwrap_or("");
        if engine == "memcached" {
            match Fact::of(r.node.get("num_cache_nodes")).int() {
                Ok(Some(n)) if n >= 2 => {}
                Ok(_) => hits.push(hit(
                    r,
                    id,
                    "/num_cache_nodes",
                    format!(
                        "Memcached cluster `{}` has a single node: when it fails or is replaced every request misses the cache and falls through to the database at once",
                        common::name(r)
                    ),
                )),
                Err(o) => hits.push(unknown(r, id, "/num_cache_nodes", "how many cache nodes there are", &o)),
            }
        } else if engine == "redis" || engine == "valkey" {
            hits.push(hit(
                r,
                id,
                "/engine",
                format!(
                    "`{}` is a single-node {engine} cache (aws_elasticache_cluster has no replicas or failover): a node failure, a maintenance reboot or a zone outage loses the cache and everything that depends on it",
                    common::name(r)
                ),
            ));
        }
    }
    for (id, r) in facts::of_kind(ctx, "google_redis_instance") {
        match Fact::of(r.node.get("tier")).text() {
            Ok(Some(t)) if t == "STANDARD_HA" => {}
            Ok(t) => hits.push(hit(
                r,
                id,
                "/tier",
                format!(
                    "Memorystore instance `{}` is {}: a standalone instance with no replica, so a failure or maintenance loses it",
                    common::name(r),
                    match t {
                        Some(t) => format!("tier {t:?}"),
                        None => "BASIC (tier is not set)".into(),
                    }
                ),
            )),
            Err(o) => hits.push(unknown(r, id, "/tier", "whether the instance is STANDARD_HA", &o)),
        }
    }
    for (id, r) in facts::of_kind(ctx, "azurerm_redis_cache") {
        match Fact::of(r.node.get("sku_name")).text() {
            Ok(Some(s)) if s == "Basic" => hits.push(hit(
                r,
                id,
                "/sku_name",
                format!(
                    "Azure Cache for Redis `{}` is on the Basic tier: a single node with no replica and no SLA",
                    common::name(r)
                ),
            )),
            Ok(_) => {}
            Err(o) => hits.push(unknown(r, id, "/sku_name", "the cache's tier", &o)),
        }
    }
    for (id, r) in common::modules_of(ctx, Known::AwsRedisCloudposse) {
        if matches!(common::bool_or(r.node.get("enabled"), true), Ok(false)) {
            continue;
        }
        let size = facts::input(r, Known::AwsRedisCloudposse, "cluster_size");
        let failover = facts::input(r, Known::AwsRedisCloudposse, "automatic_failover_enabled");
        let multi_az = facts::input(r, Known::AwsRedisCloudposse, "multi_az_enabled");
        replication_group(
            hits,
            id,
            r,
            Nodes {
                clusters: common::input_fact(&size),
                replicas: if matches!(facts::input(r, Known::AwsRedisCloudposse, "cluster_mode_enabled").bool(), Ok(Some(true))) {
                    Fact::of(r.node.get("cluster_mode_replicas_per_node_group"))
                } else {
                    Fact::Default
                },
                failover: common::input_fact(&failover),
                multi_az: common::input_fact(&multi_az),
            },
            ("/cluster_size", "/automatic_failover_enabled", "/multi_az_enabled"),
            "module",
        );
    }
}

struct Nodes<'a> {
    clusters: Fact<'a>,
    replicas: Fact<'a>,
    failover: Fact<'a>,
    multi_az: Fact<'a>,
}

fn replication_group(
    hits: &mut Vec<Hit>,
    id: ResourceId,
    r: &Resource,
    n: Nodes<'_>,
    pointers: (&str, &str, &str),
    what: &str,
) {
    let name = common::name(r);
    let replicas = match n.replicas.int() {
        Ok(v) => v.unwrap_or(0),
        Err(o) => {
            hits.push(unknown(r, id, "/replicas_per_node_group", "how many replicas the cache has", &o));
            return;
        }
    };
    let nodes = match n.clusters.int() {
        Ok(v) => v.unwrap_or(1),
        Err(o) => {
            hits.push(unknown(r, id, pointers.0, "how many nodes the cache has", &o));
            return;
        }
    };
    if nodes < 2 && replicas < 1 {
        hits.push(hit(
            r,
            id,
            pointers.0,
            format!(
                "{what} `{name}` has a single node: a node failure, a maintenance reboot or a zone outage loses the cache, and sessions, rate limits or queues kept in it go with it"
            ),
        ));
        return;
    }
    match n.failover.bool() {
        Ok(Some(true)) => {}
        Ok(_) => {
            hits.push(hit(
                r,
                id,
                pointers.1,
                format!(
                    "{what} `{name}` has replicas but automatic_failover_enabled is not true: when the primary fails nobody promotes a replica, and writes stop until someone does"
                ),
            ));
            return;
        }
        Err(o) => {
            hits.push(unknown(r, id, pointers.1, "whether a replica is promoted automatically", &o));
            return;
        }
    }
    match n.multi_az.bool() {
        Ok(Some(true)) => {}
        Ok(_) => hits.push(
            hit(
                r,
                id,
                pointers.2,
                format!(
                    "{what} `{name}` fails over automatically but multi_az_enabled is not true: its replicas may share the primary's zone, so a zone outage can take them all"
                ),
            )
            .lowered(1, "automatic failover covers node failures"),
        ),
        Err(o) => hits.push(unknown(r, id, pointers.2, "whether the replicas are in other zones", &o)),
    }
}
