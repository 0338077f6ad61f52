//! DATA-006: a primary database whose backups never leave its region. A
//! copy counts when the configuration has one: an
//! `aws_db_instance_automated_backups_replication` (resource or module)
//! for it, a read replica through another provider (region), an AWS Backup
//! plan with a `copy_action` and a selection covering it, an Aurora global
//! cluster, a Cloud SQL replica in another region or backups stored in a
//! multi-region location. Medium for tier-1 datastores; creview cannot tell
//! the tier from Terraform, so findings are low with the reason said.

use super::common::{self, hit};
use crate::engine::{Ctx, Hit};
use crate::model::Resource;
use crate::model::terraform::facts;
use crate::model::terraform::modules::Known;
use crate::yaml::Node;

const TIER: &str = "creview cannot tell whether this is a tier-1 datastore (medium if it is)";

pub fn run(ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
    for (id, r) in facts::of_kind(ctx, "aws_db_instance") {
        if common::is_aurora_engine(r) || !matches!(common::is_replica(r), Ok(false)) {
            continue;
        }
        if rds_copied(ctx, r) || backup_copied(ctx, r) {
            continue;
        }
        hits.push(report(r, id, "RDS instance"));
    }
    for (id, r) in facts::of_kind(ctx, "aws_rds_cluster") {
        if !matches!(common::is_replica(r), Ok(false)) {
            continue;
        }
        if r.node.get("global_cluster_identifier").is_some_and(|n| !n.is_null())
            || common::referencing(ctx, r, "aws_rds_global_cluster", "/source_db_cluster_identifier").next().is_some()
            || backup_copied(ctx, r)
        {
            continue;
        }
        hits.push(report(r, id, "RDS cluster"));
    }
    for (id, r) in facts::of_kind(ctx, "google_sql_database_instance") {
        if !matches!(common::is_replica(r), Ok(false)) {
            continue;
        }
        let region = r.node.get("region").and_then(Node::as_str);
        let remote_replica = common::referencing(ctx, r, "google_sql_database_instance", "/master_instance_name").any(|(_, rep)| {
            match (region, rep.node.get("region").and_then(Node::as_str)) {
                (Some(a), Some(b)) => a != b,
                _ => false,
            }
        });
        let location = r
            .node
            .pointer("/settings/backup_configuration/location")
            .and_then(Node::as_str)
            .unwrap_or("");
        if remote_replica || is_multi_region(location) {
            continue;
        }
        hits.push(report(r, id, "Cloud SQL instance"));
    }
    for (id, r) in common::modules_of(ctx, Known::AwsRds) {
        if common::module_disabled(r, Known::AwsRds) || !matches!(common::module_is_replica(r, Known::AwsRds), Ok(false)) {
            continue;
        }
        if rds_copied(ctx, r) || backup_copied(ctx, r) {
            continue;
        }
        hits.push(report(r, id, "module"));
    }
    for (id, r) in common::modules_of(ctx, Known::AwsAurora) {
        if common::module_disabled(r, Known::AwsAurora) || !matches!(common::module_is_replica(r, Known::AwsAurora), Ok(false)) {
            continue;
        }
        if r.node.get("global_cluster_identifier").is_some_and(|n| !n.is_null()) || backup_copied(ctx, r) {
            continue;
        }
        hits.push(report(r, id, "module"));
    }
    for (id, r) in common::modules_of(ctx, Known::GoogleSqlDb) {
        let region = r.node.get("region").and_then(Node::as_str).unwrap_or("");
        let remote = r.node.get("read_replicas").map(Node::items).unwrap_or_default().iter().any(|rep| {
            rep.get("zone")
                .and_then(Node::as_str)
                .is_some_and(|z| !region.is_empty() && !z.starts_with(region))
        });
        let location = r
            .node
            .pointer("/backup_configuration/location")
            .and_then(Node::as_str)
            .unwrap_or("");
        if remote || is_multi_region(location) {
            continue;
        }
        hits.push(report(r, id, "module"));
    }
}

fn is_multi_region(location: &str) -> bool {
    matches!(location.to_ascii_lowercase().as_str(), "us" | "eu" | "asia")
}

fn report(r: &Resource, id: usize, what: &str) -> Hit {
    // Name the copies that would count on the resource's own cloud.
    let google = r.kind.starts_with("google_")
        || facts::module(r).is_some_and(|k| k.name().contains("google"));
    let copies = if google {
        "no cross-region replica and no multi-region backup location in this configuration"
    } else {
        "no cross-region backup replication, replica or AWS Backup copy in this configuration"
    };
    hit(
        r,
        id,
        "",
        format!(
            "{what} `{}` has no copy of its backups outside its region ({copies}): a region-wide outage or a compromised account leaves nothing to restore elsewhere",
            common::name(r)
        ),
    )
    .lowered(1, TIER)
}

/// Automated-backup replication or a read replica through another
/// provider (region) for an RDS instance or module.
fn rds_copied(ctx: &Ctx<'_>, r: &Resource) -> bool {
    if common::referencing(ctx, r, "aws_db_instance_automated_backups_replication", "/source_db_instance_arn")
        .next()
        .is_some()
    {
        return true;
    }
    let via_module = facts::of_kind(ctx, "module").any(|(_, m)| {
        m.namespace == r.namespace
            && m.node
                .get("source")
                .and_then(Node::as_str)
                .is_some_and(|s| s.contains("automated_backups_replication"))
            && common::value_refers_to(m.node.get("source_db_instance_arn"), &r.name)
    });
    if via_module {
        return true;
    }
    let provider = r.node.get("provider").and_then(Node::as_str).map(str::to_string);
    let replica_elsewhere = |field: &str, kind: &str| {
        common::referencing(ctx, r, kind, field).any(|(_, rep)| {
            let p = rep.node.get("provider").and_then(Node::as_str).map(str::to_string);
            p.is_some() && p != provider
        })
    };
    replica_elsewhere("/replicate_source_db", "aws_db_instance")
        || facts::of_kind(ctx, "module").any(|(_, m)| {
            m.namespace == r.namespace
                && common::value_refers_to(m.node.get("replicate_source_db"), &r.name)
                && m.node.get("providers").is_some()
        })
}

/// An AWS Backup plan with a copy action, and a selection that covers the
/// resource (by reference, tag or wildcard).
fn backup_copied(ctx: &Ctx<'_>, r: &Resource) -> bool {
    let copy_plan = common::same_config(ctx, r, "aws_backup_plan")
        .any(|(_, p)| has_copy(p));
    if !copy_plan {
        return false;
    }
    common::same_config(ctx, r, "aws_backup_selection").any(|(_, s)| {
        common::value_refers_to(s.node.get("resources"), &r.name)
            || s.node.get("selection_tag").is_some()
            || s.node.get("condition").is_some()
            || s.node
                .get("resources")
                .is_some_and(|n| n.items().iter().any(|i| i.as_str().is_some_and(|t| t.contains('*'))))
    })
}

fn has_copy(plan: &Resource) -> bool {
    let rules = plan.node.get("rule");
    let list: Vec<&Node> = match rules {
        Some(n) if !n.items().is_empty() => n.items().iter().collect(),
        Some(n) => vec![n],
        None => Vec::new(),
    };
    list.iter().any(|rule| rule.get("copy_action").is_some())
}
