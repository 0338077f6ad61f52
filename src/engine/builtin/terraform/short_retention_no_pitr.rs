//! DATA-005: backups kept for less than a week, or no point-in-time
//! recovery. RDS instances whose `backup_retention_period` is 1-6 or unset
//! (the RDS API then keeps one day), Aurora clusters under 7 days (the
//! default is 1), Cloud SQL with backups on but fewer than 7 retained
//! backups or without PITR (`point_in_time_recovery_enabled` for
//! PostgreSQL/SQL Server, `binary_log_enabled` for MySQL), Azure flexible
//! servers with `backup_retention_days` under 7, and the same through the
//! rds, rds-aurora and sql-db modules. No backups at all is DATA-001.

use super::common::{self, hit, unknown};
use crate::engine::{Ctx, Hit};
use crate::model::Resource;
use crate::model::ResourceId;
use crate::model::terraform::facts::{self, Fact};
use crate::model::terraform::modules::Known;
use crate::yaml::Node;

const MIN_DAYS: i64 = 7;

pub fn run(ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
    for (id, r) in facts::of_kind(ctx, "aws_db_instance") {
        if common::is_aurora_engine(r) || !matches!(common::is_replica(r), Ok(false)) {
            continue;
        }
        retention(hits, id, r, Fact::of(r.node.get("backup_retention_period")), 1, "/backup_retention_period", &format!("RDS instance `{}`", common::name(r)));
    }
    for (id, r) in facts::of_kind(ctx, "aws_rds_cluster") {
        if !matches!(common::is_replica(r), Ok(false)) {
            continue;
        }
        retention(hits, id, r, Fact::of(r.node.get("backup_retention_period")), 1, "/backup_retention_period", &format!("RDS cluster `{}`", common::name(r)));
    }
    for (k, default_days) in [(Known::AwsRds, 1), (Known::AwsAurora, 7)] {
        for (id, r) in common::modules_of(ctx, k) {
            if common::module_disabled(r, k) || !matches!(common::module_is_replica(r, k), Ok(false)) {
                continue;
            }
            let input = facts::input(r, k, "backup_retention_period");
            retention(hits, id, r, common::input_fact(&input), default_days, "/backup_retention_period", &format!("module `{}` ({})", common::name(r), k.name()));
        }
    }
    for (id, r) in common::all_of(ctx, &["azurerm_postgresql_flexible_server", "azurerm_mysql_flexible_server"]) {
        retention(hits, id, r, Fact::of(r.node.get("backup_retention_days")), 7, "/backup_retention_days", &format!("`{}`", common::name(r)));
    }
    for (id, r) in facts::of_kind(ctx, "google_sql_database_instance") {
        if !matches!(common::is_replica(r), Ok(false)) {
            continue;
        }
        let version = r.node.get("database_version").and_then(Node::as_str).unwrap_or("").to_string();
        let Some(cfg) = r.node.pointer("/settings/backup_configuration") else {
            continue;
        };
        cloud_sql(hits, id, r, cfg, &version, "/settings/backup_configuration", &format!("Cloud SQL instance `{}`", common::name(r)));
    }
    for (id, r) in common::modules_of(ctx, Known::GoogleSqlDb) {
        let input = facts::input(r, Known::GoogleSqlDb, "backup_configuration");
        let Some(cfg) = input.node() else {
            continue;
        };
        let version = r.node.get("database_version").and_then(Node::as_str).unwrap_or("").to_string();
        let source = r.node.get("source").and_then(Node::as_str).unwrap_or("");
        let version = if version.is_empty() && source.contains("mysql") { "MYSQL".to_string() } else { version };
        cloud_sql(hits, id, r, cfg, &version, "/backup_configuration", &format!("module `{}`", common::name(r)));
    }
}

fn retention(
    hits: &mut Vec<Hit>,
    id: ResourceId,
    r: &Resource,
    fact: Fact<'_>,
    default_days: i64,
    pointer: &str,
    what: &str,
) {
    match fact.int() {
        // Zero is no backup at all: DATA-001.
        Ok(Some(0)) => {}
        Ok(Some(d)) if d >= MIN_DAYS => {}
        Ok(None) if default_days >= MIN_DAYS => {}
        Ok(d) => hits.push(hit(
            r,
            id,
            pointer,
            format!(
                "{what} keeps automated backups for {}: corruption or a bad migration found after that (often days later) can no longer be undone from a backup",
                match d {
                    Some(d) => format!("{d} day{}", if d == 1 { "" } else { "s" }),
                    None => format!("{default_days} day{} (the setting is left unset or null, so the service default applies)", if default_days == 1 { "" } else { "s" }),
                }
            ),
        )),
        Err(o) => hits.push(unknown(r, id, pointer, "how long backups are kept", &o)),
    }
}

fn cloud_sql(hits: &mut Vec<Hit>, id: ResourceId, r: &Resource, cfg: &Node, version: &str, base: &str, what: &str) {
    // Backups off is DATA-001.
    if Fact::of(cfg.get("enabled")).bool() != Ok(Some(true)) {
        return;
    }
    let retained = cfg
        .path(&["backup_retention_settings", "retained_backups"])
        .or_else(|| cfg.get("retained_backups"));
    match Fact::of(retained).int() {
        Ok(Some(n)) if n < MIN_DAYS => hits.push(hit(
            r,
            id,
            base,
            format!("{what} keeps {n} daily backup{}: corruption found later than that cannot be undone from a backup", if n == 1 { "" } else { "s" }),
        )),
        Ok(_) => {}
        Err(o) => hits.push(unknown(r, id, base, "how many backups are kept", &o)),
    }
    let mysql = version.to_ascii_uppercase().starts_with("MYSQL");
    let field = if mysql { "binary_log_enabled" } else { "point_in_time_recovery_enabled" };
    match Fact::of(cfg.get(field)).bool() {
        Ok(Some(true)) => {}
        Ok(_) => hits.push(hit(
            r,
            id,
            &format!("{base}/{field}"),
            format!(
                "{what} takes daily backups without point-in-time recovery ({field} is not true): a restore goes back to the last backup, up to a day of writes lost"
            ),
        )),
        Err(o) => hits.push(unknown(r, id, &format!("{base}/{field}"), "whether point-in-time recovery is on", &o)),
    }
}
