//! DATA-002: a stateful resource one mistaken `terraform destroy` (or a
//! rename) deletes. RDS instances and clusters without
//! `deletion_protection`, DynamoDB tables without
//! `deletion_protection_enabled`, Cloud SQL instances with Terraform's
//! `deletion_protection = false` and no API-level protection, GKE clusters
//! with `deletion_protection = false`, internet-facing load balancers
//! without `enable_deletion_protection` (low); the same through the rds,
//! rds-aurora, dynamodb-table, sql-db and kubernetes-engine modules. A
//! `lifecycle { prevent_destroy = true }` also counts as protection. Read
//! replicas are not reported.

use super::common::{self, hit, unknown};
use crate::engine::{Ctx, Hit};
use crate::finding::Severity;
use crate::model::Resource;
use crate::model::terraform::facts;
use crate::model::terraform::modules::Known;
use crate::yaml::Node;

fn prevent_destroy(r: &Resource) -> bool {
    r.node.pointer("/lifecycle/prevent_destroy").and_then(Node::as_bool) == Some(true)
}

const CONSEQUENCE: &str =
    "a mistaken destroy, a resource rename or a replacement forced by a changed attribute deletes it, and the data with it";

pub fn run(ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
    for (kind, field, what) in [
        ("aws_db_instance", "deletion_protection", "RDS instance"),
        ("aws_rds_cluster", "deletion_protection", "RDS cluster"),
        ("aws_dynamodb_table", "deletion_protection_enabled", "DynamoDB table"),
    ] {
        for (id, r) in facts::of_kind(ctx, kind) {
            if prevent_destroy(r) || !matches!(common::is_replica(r), Ok(false)) {
                continue;
            }
            if kind == "aws_db_instance" && common::is_aurora_engine(r) {
                continue;
            }
            match common::bool_or(r.node.get(field), false) {
                Ok(true) => {}
                Ok(false) => hits.push(hit(
                    r,
                    id,
                    &format!("/{field}"),
                    format!("{what} `{}` has no {field}: {CONSEQUENCE}", common::name(r)),
                )),
                Err(o) => hits.push(unknown(r, id, &format!("/{field}"), "whether deletion protection is on", &o)),
            }
        }
    }
    for (id, r) in facts::of_kind(ctx, "google_sql_database_instance") {
        if prevent_destroy(r) || !matches!(common::is_replica(r), Ok(false)) {
            continue;
        }
        let terraform_level = common::bool_or(r.node.get("deletion_protection"), true);
        let api_level = common::bool_or(r.node.pointer("/settings/deletion_protection_enabled"), false);
        match (terraform_level, api_level) {
            (_, Ok(true)) | (Ok(true), _) => {}
            (Ok(false), Ok(false)) => hits.push(hit(
                r,
                id,
                "/deletion_protection",
                format!(
                    "Cloud SQL instance `{}` sets deletion_protection = false and no settings.deletion_protection_enabled: {CONSEQUENCE}",
                    common::name(r)
                ),
            )),
            (Err(o), _) | (_, Err(o)) => {
                hits.push(unknown(r, id, "/deletion_protection", "whether deletion protection is on", &o))
            }
        }
    }
    for (id, r) in facts::of_kind(ctx, "google_container_cluster") {
        if prevent_destroy(r) {
            continue;
        }
        match common::bool_or(r.node.get("deletion_protection"), true) {
            Ok(true) => {}
            Ok(false) => hits.push(hit(
                r,
                id,
                "/deletion_protection",
                format!(
                    "GKE cluster `{}` sets deletion_protection = false: a mistaken destroy deletes the cluster with every workload on it (Spotify deleted production clusters this way twice)",
                    common::name(r)
                ),
            )),
            Err(o) => hits.push(unknown(r, id, "/deletion_protection", "whether deletion protection is on", &o)),
        }
    }
    for (id, r) in common::all_of(ctx, &["aws_lb", "aws_alb"]) {
        if prevent_destroy(r) || r.node.get("internal").and_then(Node::as_bool) == Some(true) {
            continue;
        }
        if let Ok(false) = common::bool_or(r.node.get("enable_deletion_protection"), false) {
            hits.push(
                hit(
                    r,
                    id,
                    "/enable_deletion_protection",
                    format!(
                        "internet-facing load balancer `{}` has no enable_deletion_protection: deleting it changes the public DNS name clients and records point at",
                        common::name(r)
                    ),
                )
                .with_severity(Severity::Low, "a load balancer holds no data; recreating it is quick but its DNS name changes"),
            );
        }
    }
    modules(ctx, hits);
}

fn modules(ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
    for (k, field, what) in [
        (Known::AwsRds, "deletion_protection", "an RDS instance"),
        (Known::AwsAurora, "deletion_protection", "an Aurora cluster"),
        (Known::AwsDynamodb, "deletion_protection_enabled", "a DynamoDB table"),
    ] {
        for (id, r) in common::modules_of(ctx, k) {
            if common::module_disabled(r, k) || !matches!(common::module_is_replica(r, k), Ok(false)) {
                continue;
            }
            let input = facts::input(r, k, field);
            match input.bool() {
                Ok(Some(true)) => {}
                Ok(_) => hits.push(hit(
                    r,
                    id,
                    &format!("/{field}"),
                    format!(
                        "module `{}` ({}) creates {what} without deletion protection ({}): {CONSEQUENCE}",
                        common::name(r),
                        k.name(),
                        if input.is_default() { format!("{field} is not set and defaults to off") } else { format!("{field} = false") }
                    ),
                )),
                Err(o) => hits.push(unknown(r, id, &format!("/{field}"), "whether deletion protection is on", &o)),
            }
        }
    }
    for (id, r) in common::modules_of(ctx, Known::GoogleSqlDb) {
        let tf = facts::input(r, Known::GoogleSqlDb, "deletion_protection").bool();
        let api = facts::input(r, Known::GoogleSqlDb, "deletion_protection_enabled").bool();
        match (tf, api) {
            (Ok(Some(true)), _) | (_, Ok(Some(true))) => {}
            (Ok(_), Ok(_)) => hits.push(hit(
                r,
                id,
                "/deletion_protection",
                format!(
                    "module `{}` ({}) creates a Cloud SQL instance with deletion_protection = false and no deletion_protection_enabled: {CONSEQUENCE}",
                    common::name(r),
                    Known::GoogleSqlDb.name()
                ),
            )),
            (Err(o), _) | (_, Err(o)) => hits.push(unknown(r, id, "/deletion_protection", "whether deletion protection is on", &o)),
        }
    }
    for k in [Known::GoogleGke, Known::GoogleGkeAutopilot] {
        for (id, r) in common::modules_of(ctx, k) {
            match facts::input(r, k, "deletion_protection").bool() {
                Ok(Some(false)) => hits.push(hit(
                    r,
                    id,
                    "/deletion_protection",
                    format!(
                        "module `{}` ({}) sets deletion_protection = false: a mistaken destroy deletes the cluster with every workload on it",
                        common::name(r),
                        k.name()
                    ),
                )),
                Ok(_) => {}
                Err(o) => hits.push(unknown(r, id, "/deletion_protection", "whether deletion protection is on", &o)),
            }
        }
    }
}
