//! DATA-001, Terraform side: datastores with no automated backup.
//! - `aws_db_instance` with `backup_retention_period = 0` (read replicas
//!   and Aurora instances excepted). Unset is not reported here: Terraform
//!   then leaves the period to the RDS API, whose default is one day, which
//!   DATA-005 reports as too short.
//! - `google_sql_database_instance` whose `settings.backup_configuration`
//!   is absent or not enabled (replicas excepted), and the sql-db module's
//!   `backup_configuration` (disabled by default).
//! - `aws_dynamodb_table` (and the dynamodb-table module) without point-in-
//!   time recovery and not named by an `aws_backup_selection`.
//! - `aws_efs_file_system` without a backup policy or AWS Backup selection.
//!
//! A configuration with AWS Backup selections by tag may cover resources
//! creview cannot match: such findings are lowered one level.

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
        match Fact::of(r.node.get("backup_retention_period")).int() {
            Ok(Some(0)) => hits.push(aws_backup(
                ctx,
                r,
                hit(
                    r,
                    id,
                    "/backup_retention_period",
                    format!(
                        "RDS instance `{}` sets backup_retention_period = 0: no automated backups and no point-in-time recovery, so a bad migration, a dropped table or a deleted instance loses the data for good",
                        common::name(r)
                    ),
                ),
            )),
            Ok(_) => {}
            Err(o) => hits.push(unknown(r, id, "/backup_retention_period", "whether automated backups are on", &o)),
        }
    }
    for (id, r) in common::modules_of(ctx, Known::AwsRds) {
        if common::module_disabled(r, Known::AwsRds)
            || !matches!(common::module_is_replica(r, Known::AwsRds), Ok(false))
        {
            continue;
        }
        match facts::input(r, Known::AwsRds, "backup_retention_period").int() {
            Ok(Some(0)) => hits.push(aws_backup(
                ctx,
                r,
                hit(
                    r,
                    id,
                    "/backup_retention_period",
                    format!(
                        "module `{}` creates an RDS instance with backup_retention_period = 0: no automated backups and no point-in-time recovery",
                        common::name(r)
                    ),
                ),
            )),
            Ok(_) => {}
            Err(o) => hits.push(unknown(r, id, "/backup_retention_period", "whether automated backups are on", &o)),
        }
    }
    for (id, r) in facts::of_kind(ctx, "google_sql_database_instance") {
        if !matches!(common::is_replica(r), Ok(false)) {
            continue;
        }
        let pointer = "/settings/backup_configuration/enabled";
        match Fact::of(r.node.pointer(pointer)).bool() {
            Ok(Some(true)) => {}
            Ok(_) => hits.push(hit(
                r,
                id,
                if r.node.pointer("/settings/backup_configuration").is_some() {
                    pointer
                } else {
                    "/settings"
                },
                format!(
                    "Cloud SQL instance `{}` has no automated backups (settings.backup_configuration.enabled is not true): a bad migration or a deleted database cannot be restored",
                    common::name(r)
                ),
            )),
            Err(o) => hits.push(unknown(r, id, pointer, "whether automated backups are on", &o)),
        }
    }
    for (id, r) in common::modules_of(ctx, Known::GoogleSqlDb) {
        let input = facts::input(r, Known::GoogleSqlDb, "backup_configuration");
        let Some(cfg) = input.node() else {
            continue;
        };
        match Fact::of(cfg.get("enabled")).bool() {
            Ok(Some(true)) => {}
            Ok(_) => hits.push(hit(
                r,
                id,
                "/backup_configuration",
                format!(
                    "module `{}` ({}) creates a Cloud SQL instance without automated backups ({}): a bad migration or a deleted database cannot be restored",
                    common::name(r),
                    Known::GoogleSqlDb.name(),
                    if input.is_default() { "backup_configuration is not set and the module disables backups by default" } else { "backup_configuration.enabled is not true" }
                ),
            )),
            Err(o) => hits.push(unknown(r, id, "/backup_configuration", "whether automated backups are on", &o)),
        }
    }
    for (id, r) in facts::of_kind(ctx, "aws_dynamodb_table") {
        if selected_by_backup(ctx, r) {
            continue;
        }
        match common::bool_or(r.node.pointer("/point_in_time_recovery/enabled"), false) {
            Ok(true) => {}
            Ok(false) => hits.push(aws_backup(
                ctx,
                r,
                hit(
                    r,
                    id,
                    if r.node.get("point_in_time_recovery").is_some() { "/point_in_time_recovery/enabled" } else { "" },
                    format!(
                        "DynamoDB table `{}` has no point-in-time recovery and no AWS Backup selection names it: a bad write or a deleted table cannot be restored",
                        common::name(r)
                    ),
                ),
            )),
            Err(o) => hits.push(unknown(r, id, "/point_in_time_recovery/enabled", "whether point-in-time recovery is on", &o)),
        }
    }
    for (id, r) in common::modules_of(ctx, Known::AwsDynamodb) {
        if selected_by_backup(ctx, r) {
            continue;
        }
        let input = facts::input(r, Known::AwsDynamodb, "point_in_time_recovery_enabled");
        match input.bool() {
            Ok(Some(true)) => {}
            Ok(_) => hits.push(aws_backup(
                ctx,
                r,
                hit(
                    r,
                    id,
                    "/point_in_time_recovery_enabled",
                    format!(
                        "module `{}` ({}) creates a DynamoDB table without point-in-time recovery{}: a bad write or a deleted table cannot be restored",
                        common::name(r),
                        Known::AwsDynamodb.name(),
                        if input.is_default() { " (point_in_time_recovery_enabled defaults to false)" } else { "" }
                    ),
                ),
            )),
            Err(o) => hits.push(unknown(r, id, "/point_in_time_recovery_enabled", "whether point-in-time recovery is on", &o)),
        }
    }
    for (id, r) in facts::of_kind(ctx, "aws_efs_file_system") {
        if selected_by_backup(ctx, r) {
            continue;
        }
        let policy = common::referencing(ctx, r, "aws_efs_backup_policy", "/file_system_id").any(
            |(_, p)| {
                p.node
                    .pointer("/backup_policy/status")
                    .and_then(Node::as_str)
                    == Some("ENABLED")
            },
        );
        if policy {
            continue;
        }
        hits.push(
            aws_backup(
                ctx,
                r,
                hit(
                    r,
                    id,
                    "",
                    format!(
                        "EFS file system `{}` has no backup policy and no AWS Backup selection names it: deleted or corrupted files cannot be restored",
                        common::name(r)
                    ),
                ),
            )
            .lowered(1, "creview cannot tell whether it holds application data"),
        );
    }
}

/// Named (by reference) in the `resources` of an `aws_backup_selection`
/// of the same configuration.
fn selected_by_backup(ctx: &Ctx<'_>, r: &Resource) -> bool {
    common::referencing(ctx, r, "aws_backup_selection", "/resources")
        .next()
        .is_some()
}

/// AWS Backup selections by tag or condition may cover the resource.
fn aws_backup(ctx: &Ctx<'_>, r: &Resource, h: Hit) -> Hit {
    let by_tag = common::same_config(ctx, r, "aws_backup_selection").any(|(_, s)| {
        s.node.get("selection_tag").is_some()
            || s.node.get("condition").is_some()
            || s.node.get("resources").is_some_and(|n| {
                n.items()
                    .iter()
                    .any(|i| i.as_str().is_some_and(|t| t.contains('*')))
            })
    });
    if by_tag {
        h.lowered(
            1,
            "an AWS Backup selection by tag or wildcard in this configuration may cover it",
        )
    } else {
        h
    }
}
