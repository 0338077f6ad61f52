//! DATA-001: datastores with no automated backup. Kubernetes side here:
//! operator-managed PostgreSQL clusters with no
//! automated backup. CloudNativePG takes base backups only when a Backup or
//! ScheduledBackup asks for one, and archives WAL only with `spec.backup`
//! or a backup plugin; the Zalando operator backs up through WAL-G/WAL-E
//! settings (cluster environment, pod environment ConfigMap or operator
//! configuration) or logical backups. The Terraform side (RDS, Cloud SQL,
//! DynamoDB, EFS) is in `terraform/backups.rs`.

use crate::engine::{Ctx, Hit};
use crate::model::datastore;

pub struct Check;

impl super::BuiltinCheck for Check {
    fn slug(&self) -> &'static str {
        "no-automated-backups"
    }

    fn run(&self, ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
        let g = ctx.graph;
        for &id in g.of_kind("Cluster") {
            let r = &ctx.inv.resources[id];
            if !datastore::is_cnpg_cluster(r) || datastore::derived_data(r, None) {
                continue;
            }
            let b = datastore::cnpg_backup(ctx.inv, g, id);
            // A volumeSnapshot or plugin schedule needs no barmanObjectStore.
            if b.target.is_none()
                && matches!(
                    b.schedule_method.as_deref(),
                    Some("volumeSnapshot" | "plugin")
                )
            {
                continue;
            }
            let mut hit = match (&b.target, &b.schedule) {
                (Some(_), Some(_)) => continue,
                (None, None) => Hit::resource(
                    id,
                    "/spec/backup",
                    format!(
                        "CloudNativePG Cluster `{}` has no backup: no spec.backup, no backup plugin and no active ScheduledBackup names it, so a bad migration, a deleted volume or a corrupted primary loses the data for good",
                        r.name
                    ),
                ),
                (Some(target), None) => Hit::resource(
                    id,
                    "/spec/backup",
                    format!(
                        "CloudNativePG Cluster `{}` sends backups to {target}, but no ScheduledBackup takes base backups: WAL archives alone cannot be restored, and the operator never starts a base backup by itself",
                        r.name
                    ),
                )
                .lowered(1, "backups have a destination; only the schedule is missing from the input"),
                (None, Some(schedule)) => Hit::resource(
                    id,
                    "/spec/backup",
                    format!(
                        "CloudNativePG Cluster `{}` is named by {schedule} but has no spec.backup or backup plugin: with the default barmanObjectStore method the scheduled backups fail, so nothing is backed up",
                        r.name
                    ),
                )
                .lowered(1, "a schedule exists; only the destination is missing"),
            };
            if datastore::cnpg_replica_cluster(r) {
                hit = hit.lowered(
                    1,
                    "a replica cluster: the source cluster's backups hold the same data",
                );
            }
            hits.push(hit);
        }
        for &id in g.of_kind("postgresql") {
            let r = &ctx.inv.resources[id];
            if !datastore::is_zalando_postgresql(r) || datastore::derived_data(r, None) {
                continue;
            }
            let seen = match datastore::zalando_backup(ctx.inv, g, id) {
                Ok(_) => continue,
                Err(seen) => seen,
            };
            let mut hit = Hit::resource(
                id,
                "/spec/enableLogicalBackup",
                if seen {
                    format!(
                        "Zalando postgresql `{}` has no backup: the operator configuration in the input sets no WAL bucket, and the cluster sets no WAL-G environment and no enableLogicalBackup, so a deleted volume or a bad migration loses the data for good",
                        r.name
                    )
                } else {
                    format!(
                        "Zalando postgresql `{}` shows no backup: no WAL-G/WAL-E environment and no enableLogicalBackup, and no operator configuration with a WAL bucket is in the input",
                        r.name
                    )
                },
            );
            if !seen {
                hit = hit.lowered(
                    1,
                    "the operator configuration is not in the input: WAL-G backups may be configured there",
                );
            }
            if r.node.path(&["spec", "standby"]).is_some() {
                hit = hit.lowered(
                    1,
                    "a standby cluster: the source cluster's backups hold the same data",
                );
            }
            hits.push(hit);
        }
        #[cfg(feature = "terraform")]
        super::terraform::backups::run(ctx, hits);
    }
}
