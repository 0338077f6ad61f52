//! DATA-003: one destroy removes the database and every backup of it:
//! `skip_final_snapshot = true` while `delete_automated_backups` is unset
//! or true (its default) on `aws_db_instance` and `aws_rds_cluster`, and
//! the same inputs of the rds and rds-aurora modules. Read replicas are not
//! reported.

use super::common::{self, hit, unknown};
use crate::engine::{Ctx, Hit};
use crate::model::Resource;
use crate::model::ResourceId;
use crate::model::terraform::facts::{self, Fact};
use crate::model::terraform::modules::Known;

pub fn run(ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
    for (kind, what) in [("aws_db_instance", "RDS instance"), ("aws_rds_cluster", "RDS cluster")] {
        for (id, r) in facts::of_kind(ctx, kind) {
            if !matches!(common::is_replica(r), Ok(false)) {
                continue;
            }
            if kind == "aws_db_instance" && common::is_aurora_engine(r) {
                continue;
            }
            decide(
                hits,
                id,
                r,
                Fact::of(r.node.get("skip_final_snapshot")),
                Fact::of(r.node.get("delete_automated_backups")),
                &format!("{what} `{}`", common::name(r)),
            );
        }
    }
    for k in [Known::AwsRds, Known::AwsAurora] {
        for (id, r) in common::modules_of(ctx, k) {
            if common::module_disabled(r, k) || !matches!(common::module_is_replica(r, k), Ok(false)) {
                continue;
            }
            let skip = facts::input(r, k, "skip_final_snapshot");
            let delete = facts::input(r, k, "delete_automated_backups");
            decide(
                hits,
                id,
                r,
                common::input_fact(&skip),
                common::input_fact(&delete),
                &format!("module `{}` ({})", common::name(r), k.name()),
            );
        }
    }
}

fn decide(hits: &mut Vec<Hit>, id: ResourceId, r: &Resource, skip: Fact<'_>, delete: Fact<'_>, what: &str) {
    match skip.bool() {
        Ok(Some(true)) => {}
        Ok(_) => return,
        Err(o) => {
            hits.push(unknown(r, id, "/skip_final_snapshot", "whether a final snapshot is taken on destroy", &o));
            return;
        }
    }
    match delete.bool() {
        Ok(Some(false)) => {}
        Ok(v) => hits.push(hit(
            r,
            id,
            "/skip_final_snapshot",
            format!(
                "{what} sets skip_final_snapshot = true and {}: a mistaken destroy or a replacement deletes the database and every automated backup of it, leaving nothing to restore",
                if v.is_some() { "delete_automated_backups = true" } else { "keeps the default delete_automated_backups = true" }
            ),
        )),
        Err(o) => hits.push(unknown(r, id, "/delete_automated_backups", "whether automated backups survive a destroy", &o)),
    }
}
