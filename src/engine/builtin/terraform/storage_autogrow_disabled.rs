//! CAPACITY-009: a primary database whose disk cannot grow by itself. RDS
//! instances without `max_allocated_storage` (storage autoscaling is off
//! when it is unset or 0), Cloud SQL with `disk_autoresize = false`, and
//! the same through the rds and sql-db modules. Aurora storage grows by
//! itself; read replicas follow their primary. Lowered one level when a
//! CloudWatch alarm on FreeStorageSpace watches the instance (fixed size by
//! policy, with alerting).

use super::common::{self, hit, unknown};
use crate::engine::{Ctx, Hit};
use crate::model::Resource;
use crate::model::terraform::facts::{self, Fact};
use crate::model::terraform::modules::Known;
use crate::yaml::Node;

pub fn run(ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
    for (id, r) in facts::of_kind(ctx, "aws_db_instance") {
        if common::is_aurora_engine(r) || !matches!(common::is_replica(r), Ok(false)) {
            continue;
        }
        match Fact::of(r.node.get("max_allocated_storage")).int() {
            Ok(Some(n)) if n > 0 => {}
            Ok(n) => hits.push(alarmed(
                ctx,
                r,
                hit(
                    r,
                    id,
                    "/max_allocated_storage",
                    format!(
                        "RDS instance `{}` has storage autoscaling off ({}): when the disk fills, writes stop, and growing it under pressure takes time",
                        common::name(r),
                        if n.is_some() { "max_allocated_storage = 0" } else { "max_allocated_storage is not set" }
                    ),
                ),
            )),
            Err(o) => hits.push(unknown(r, id, "/max_allocated_storage", "whether storage autoscaling is on", &o)),
        }
    }
    for (id, r) in common::modules_of(ctx, Known::AwsRds) {
        if common::module_disabled(r, Known::AwsRds) || !matches!(common::module_is_replica(r, Known::AwsRds), Ok(false)) {
            continue;
        }
        let input = facts::input(r, Known::AwsRds, "max_allocated_storage");
        match input.int() {
            Ok(Some(n)) if n > 0 => {}
            Ok(_) => hits.push(alarmed(
                ctx,
                r,
                hit(
                    r,
                    id,
                    "/max_allocated_storage",
                    format!(
                        "module `{}` ({}) creates an RDS instance with storage autoscaling off ({}): when the disk fills, writes stop",
                        common::name(r),
                        Known::AwsRds.name(),
                        if input.is_default() { "max_allocated_storage defaults to 0" } else { "max_allocated_storage = 0" }
                    ),
                ),
            )),
            Err(o) => hits.push(unknown(r, id, "/max_allocated_storage", "whether storage autoscaling is on", &o)),
        }
    }
    for (id, r) in facts::of_kind(ctx, "google_sql_database_instance") {
        if !matches!(common::is_replica(r), Ok(false)) {
            continue;
        }
        match common::bool_or(r.node.pointer("/settings/disk_autoresize"), true) {
            Ok(true) => {}
            Ok(false) => hits.push(hit(
                r,
                id,
                "/settings/disk_autoresize",
                format!(
                    "Cloud SQL instance `{}` sets disk_autoresize = false: when the disk fills the instance stops accepting writes",
                    common::name(r)
                ),
            )),
            Err(o) => hits.push(unknown(r, id, "/settings/disk_autoresize", "whether the disk grows by itself", &o)),
        }
    }
    for (id, r) in common::modules_of(ctx, Known::GoogleSqlDb) {
        match facts::input(r, Known::GoogleSqlDb, "disk_autoresize").bool() {
            Ok(Some(false)) => hits.push(hit(
                r,
                id,
                "/disk_autoresize",
                format!(
                    "module `{}` ({}) sets disk_autoresize = false: when the disk fills the instance stops accepting writes",
                    common::name(r),
                    Known::GoogleSqlDb.name()
                ),
            )),
            Ok(_) => {}
            Err(o) => hits.push(unknown(r, id, "/disk_autoresize", "whether the disk grows by itself", &o)),
        }
    }
}

/// A FreeStorageSpace alarm on the instance: fixed size by policy, watched.
fn alarmed(ctx: &Ctx<'_>, r: &Resource, h: Hit) -> Hit {
    let watched = common::same_config(ctx, r, "aws_cloudwatch_metric_alarm").any(|(_, a)| {
        a.node.get("metric_name").and_then(Node::as_str) == Some("FreeStorageSpace")
            && common::mentions(a.node.get("dimensions"), r)
    });
    if watched {
        h.lowered(1, "a FreeStorageSpace alarm watches it")
    } else {
        h
    }
}
