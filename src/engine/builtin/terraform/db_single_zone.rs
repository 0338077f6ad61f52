//! SPOF-005: a primary database in one zone. RDS instances without
//! `multi_az`, Aurora clusters with fewer than two instances (or all pinned
//! to one zone), Cloud SQL instances that are not `REGIONAL`, Azure flexible
//! servers without zone-redundant HA, and the same through the rds,
//! rds-aurora and sql-db modules. Read replicas, Multi-AZ DB clusters and
//! Aurora Serverless v1 are not reported.

use super::common::{self, hit, unknown};
use crate::engine::{Ctx, Hit};
use crate::finding::Severity;
use crate::model::terraform::facts::{self, Fact, ZoneCount};
use crate::model::terraform::modules::Known;
use crate::yaml::{Node, Value};

pub fn run(ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
    rds_instances(ctx, hits);
    aurora_clusters(ctx, hits);
    cloud_sql(ctx, hits);
    azure(ctx, hits);
    modules(ctx, hits);
}

fn rds_instances(ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
    for (id, r) in facts::of_kind(ctx, "aws_db_instance") {
        if common::is_aurora_engine(r) {
            continue;
        }
        match common::is_replica(r) {
            Ok(true) => continue,
            Ok(false) => {}
            Err(o) => {
                hits.push(unknown(r, id, "/replicate_source_db", "whether it is a read replica or a primary that needs Multi-AZ", &o));
                continue;
            }
        }
        match Fact::of(r.node.get("multi_az")).bool() {
            Ok(Some(true)) => {}
            Ok(v) => hits.push(hit(
                r,
                id,
                "/multi_az",
                format!(
                    "RDS instance `{}` {}: one instance in one zone, so a zone outage or a host failure stops every write until it is replaced, and maintenance restarts it",
                    common::name(r),
                    if v.is_some() { "sets multi_az = false" } else { "does not set multi_az (default false)" }
                ),
            )),
            Err(o) => hits.push(unknown(r, id, "/multi_az", "whether the database is Multi-AZ", &o)),
        }
    }
}

fn aurora_clusters(ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
    for (id, r) in facts::of_kind(ctx, "aws_rds_cluster") {
        // A Multi-AZ DB cluster (non-Aurora) is HA by construction.
        if r.node.get("db_cluster_instance_class").is_some_and(|n| !n.is_null()) {
            continue;
        }
        if r.node.get("engine_mode").and_then(Node::as_str) == Some("serverless") {
            continue;
        }
        match common::is_replica(r) {
            Ok(true) => continue,
            Ok(false) => {}
            Err(o) => {
                hits.push(unknown(r, id, "/replication_source_identifier", "whether it is a replica cluster", &o));
                continue;
            }
        }
        let mut count = 0usize;
        let mut unknown_count = None;
        let mut zones = facts::Zones {
            placements: Some(0),
            ..Default::default()
        };
        let mut any_zone_missing = false;
        let literal_id = r.node.get("cluster_identifier").and_then(Node::as_str).map(str::to_string);
        for (_, inst) in common::same_config(ctx, r, "aws_rds_cluster_instance") {
            let cid = inst.node.get("cluster_identifier");
            let matches = common::value_refers_to(cid, &r.name)
                || (literal_id.is_some() && cid.and_then(Node::as_str) == literal_id.as_deref());
            if !matches {
                continue;
            }
            match facts::instances(inst) {
                Ok(n) => count += n,
                Err(o) => unknown_count = Some(o),
            }
            for az in facts::per_instance(inst, "availability_zone") {
                match az {
                    Some(n) if !n.is_null() => {
                        let z = facts::zones(inst, Some(n), true);
                        zones.merge(&z);
                    }
                    _ => any_zone_missing = true,
                }
            }
        }
        if let Some(o) = unknown_count {
            if count < 2 {
                hits.push(unknown(r, id, "", "how many instances the Aurora cluster has", &o));
            }
            continue;
        }
        if count == 0 {
            hits.push(
                Hit::resource(
                    id,
                    "",
                    format!(
                        "no aws_rds_cluster_instance in this configuration names Aurora cluster `{}`, so creview cannot tell how many instances it has",
                        common::name(r)
                    ),
                )
                .with_severity(Severity::Low, "its instances are not in the input"),
            );
            continue;
        }
        if count < 2 {
            hits.push(hit(
                r,
                id,
                "",
                format!(
                    "Aurora cluster `{}` has a single instance: there is no reader to promote, so a zone outage or an instance failure stops the database until a new instance is created (typically 10 minutes or more)",
                    common::name(r)
                ),
            ));
            continue;
        }
        if !any_zone_missing && zones.count() == ZoneCount::One {
            hits.push(hit(
                r,
                id,
                "",
                format!(
                    "all {count} instances of Aurora cluster `{}` are pinned to one availability zone ({}): a zone outage takes the writer and every reader down together",
                    common::name(r),
                    zones.describe()
                ),
            ));
        }
    }
}

fn cloud_sql(ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
    for (id, r) in facts::of_kind(ctx, "google_sql_database_instance") {
        match common::is_replica(r) {
            Ok(true) => continue,
            Ok(false) => {}
            Err(o) => {
                hits.push(unknown(r, id, "/master_instance_name", "whether it is a read replica", &o));
                continue;
            }
        }
        let pointer = "/settings/availability_type";
        match Fact::of(r.node.pointer(pointer)).text() {
            Ok(Some(t)) if t.eq_ignore_ascii_case("REGIONAL") => {}
            Ok(t) => hits.push(hit(
                r,
                id,
                pointer,
                format!(
                    "Cloud SQL instance `{}` is {}: a single zonal instance with no standby, so a zone outage or a host failure stops it until Google recreates it",
                    common::name(r),
                    match t {
                        Some(t) => format!("availability_type = {t:?}"),
                        None => "ZONAL (availability_type is not set)".into(),
                    }
                ),
            )),
            Err(o) => hits.push(unknown(r, id, pointer, "whether the instance is REGIONAL (highly available)", &o)),
        }
    }
}

fn azure(ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
    for (id, r) in common::all_of(ctx, &["azurerm_postgresql_flexible_server", "azurerm_mysql_flexible_server"]) {
        if r.node.get("create_mode").and_then(Node::as_str) == Some("Replica")
            || r.node.get("source_server_id").is_some_and(|n| !n.is_null())
        {
            continue;
        }
        let pointer = "/high_availability/mode";
        match Fact::of(r.node.pointer(pointer)).text() {
            Ok(Some(m)) if m == "ZoneRedundant" => {}
            Ok(Some(m)) if m == "SameZone" => hits.push(
                hit(
                    r,
                    id,
                    pointer,
                    format!(
                        "`{}` has a standby in the same zone (high_availability mode SameZone): it survives a host failure but not a zone outage",
                        common::name(r)
                    ),
                )
                .lowered(2, "a same-zone standby covers host failures"),
            ),
            Ok(_) => hits.push(hit(
                r,
                id,
                if r.node.get("high_availability").is_some() { pointer } else { "/high_availability" },
                format!(
                    "`{}` has no high_availability block: one server in one zone, so a zone outage or a host failure stops the database",
                    common::name(r)
                ),
            )),
            Err(o) => hits.push(unknown(r, id, pointer, "whether the server is zone-redundant", &o)),
        }
    }
    for (id, r) in facts::of_kind(ctx, "azurerm_mssql_database") {
        let sku = r.node.get("sku_name").and_then(Node::as_str).unwrap_or("");
        let premium = sku.starts_with("P") || sku.starts_with("BC_");
        if !premium {
            continue;
        }
        match common::bool_or(r.node.get("zone_redundant"), false) {
            Ok(true) => {}
            Ok(false) => hits.push(hit(
                r,
                id,
                "/zone_redundant",
                format!(
                    "Azure SQL database `{}` ({sku}) is not zone_redundant: its replicas share one zone",
                    common::name(r)
                ),
            )),
            Err(o) => hits.push(unknown(r, id, "/zone_redundant", "whether the database is zone-redundant", &o)),
        }
    }
}

fn modules(ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
    for (id, r) in common::modules_of(ctx, Known::AwsRds) {
        if common::module_disabled(r, Known::AwsRds) {
            continue;
        }
        if r.node.get("engine").and_then(Node::as_str).is_some_and(|e| e.starts_with("aurora")) {
            continue;
        }
        match common::module_is_replica(r, Known::AwsRds) {
            Ok(true) => continue,
            Ok(false) => {}
            Err(o) => {
                hits.push(unknown(r, id, "/replicate_source_db", "whether it is a read replica", &o));
                continue;
            }
        }
        let input = facts::input(r, Known::AwsRds, "multi_az");
        match input.bool() {
            Ok(Some(true)) => {}
            Ok(_) => hits.push(hit(
                r,
                id,
                "/multi_az",
                format!(
                    "module `{}` ({}) creates a single-AZ RDS instance: {}; a zone outage or a host failure stops every write",
                    common::name(r),
                    Known::AwsRds.name(),
                    if input.is_default() { "multi_az is not set and the module defaults it to false" } else { "multi_az = false" }
                ),
            )),
            Err(o) => hits.push(unknown(r, id, "/multi_az", "whether the database is Multi-AZ", &o)),
        }
    }
    for (id, r) in common::modules_of(ctx, Known::AwsAurora) {
        if common::module_disabled(r, Known::AwsAurora) {
            continue;
        }
        if r.node.get("db_cluster_instance_class").is_some_and(|n| !n.is_null())
            || r.node.get("engine_mode").and_then(Node::as_str) == Some("serverless")
        {
            continue;
        }
        match common::module_is_replica(r, Known::AwsAurora) {
            Ok(true) => continue,
            Ok(false) => {}
            Err(o) => {
                hits.push(unknown(r, id, "/replication_source_identifier", "whether it is a replica cluster", &o));
                continue;
            }
        }
        // Read replica autoscaling with a floor adds readers.
        let autoscaled_readers = matches!(common::bool_or(r.node.get("autoscaling_enabled"), false), Ok(true))
            && r.node.get("autoscaling_min_capacity").and_then(Node::as_i64).unwrap_or(0) >= 1;
        let input = facts::input(r, Known::AwsAurora, "instances");
        let Some(instances) = input.node() else {
            continue;
        };
        let n = match &instances.value {
            Value::Map(entries) => Some(entries.len()),
            Value::Seq(items) => Some(items.len()),
            _ => None,
        };
        match n {
            Some(n) if n >= 2 || autoscaled_readers => {
                let zones: Vec<&Node> = instances
                    .entries()
                    .iter()
                    .filter_map(|e| e.value.get("availability_zone"))
                    .collect();
                if zones.len() == n && n >= 2 {
                    let list = Node {
                        value: Value::Seq(zones.into_iter().cloned().collect()),
                        pos: r.node.pos,
                    };
                    let z = facts::zones(r, Some(&list), true);
                    if z.count() == ZoneCount::One {
                        hits.push(hit(
                            r,
                            id,
                            "/instances",
                            format!(
                                "all instances of module `{}` are pinned to one availability zone ({})",
                                common::name(r),
                                z.describe()
                            ),
                        ));
                    }
                }
            }
            Some(n) => hits.push(hit(
                r,
                id,
                "/instances",
                format!(
                    "module `{}` ({}) creates an Aurora cluster with {}: there is no reader to fail over to, so a zone outage or an instance failure stops the database until a new instance is created",
                    common::name(r),
                    Known::AwsAurora.name(),
                    if n == 0 { "no instances (`instances` is empty)".to_string() } else { "a single instance".to_string() }
                ),
            )),
            None => {
                let o = facts::unknown_origin(instances).unwrap_or_default();
                hits.push(unknown(r, id, "/instances", "how many instances the Aurora cluster has", &o));
            }
        }
    }
    for (id, r) in common::modules_of(ctx, Known::GoogleSqlDb) {
        let input = facts::input(r, Known::GoogleSqlDb, "availability_type");
        match input.text() {
            Ok(Some(t)) if t.eq_ignore_ascii_case("REGIONAL") => {}
            Ok(t) => hits.push(hit(
                r,
                id,
                "/availability_type",
                format!(
                    "module `{}` ({}) creates a zonal Cloud SQL instance ({}): no standby, so a zone outage or a host failure stops it",
                    common::name(r),
                    Known::GoogleSqlDb.name(),
                    if input.is_default() {
                        "availability_type is not set and defaults to ZONAL".to_string()
                    } else {
                        format!("availability_type = {:?}", t.unwrap_or_default())
                    }
                ),
            )),
            Err(o) => hits.push(unknown(r, id, "/availability_type", "whether the instance is REGIONAL", &o)),
        }
    }
}
