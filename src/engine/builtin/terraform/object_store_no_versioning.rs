//! DATA-007: a bucket where an overwrite or a delete is final. S3 buckets
//! without versioning (`aws_s3_bucket_versioning` with status `Enabled`, or
//! the legacy `versioning` block), Object Lock or replication; GCS buckets
//! without `versioning` (lowered while soft delete still keeps deleted
//! objects for a week); the s3-bucket module's `versioning`. Log, website,
//! build, cache and artefact buckets are not reported; buckets nothing else in the
//! configuration refers to (no policy, task or app config names them) are
//! lowered one level, as creview cannot tell that they hold application
//! data.

use super::common::{self, hit, unknown};
use crate::engine::{Ctx, Hit};
use crate::model::Resource;
use crate::model::terraform::facts::{self, Fact};
use crate::model::terraform::modules::Known;
use crate::yaml::Node;
use std::collections::HashSet;

pub fn run(ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
    let referenced = referenced_addresses(ctx);
    for (id, r) in facts::of_kind(ctx, "aws_s3_bucket") {
        if skip_by_purpose(ctx, r) {
            continue;
        }
        let status = versioning_status(ctx, r);
        let protected = r.node.get("object_lock_enabled").and_then(Node::as_bool) == Some(true)
            || common::referencing(ctx, r, "aws_s3_bucket_object_lock_configuration", "/bucket").next().is_some()
            || common::referencing(ctx, r, "aws_s3_bucket_replication_configuration", "/bucket").next().is_some();
        if protected {
            continue;
        }
        let h = match status {
            Ok(true) => continue,
            Ok(false) => hit(
                r,
                id,
                if r.node.get("versioning").is_some() { "/versioning" } else { "" },
                format!(
                    "S3 bucket `{}` keeps no object versions (no aws_s3_bucket_versioning with status Enabled, no Object Lock, no replication): an overwrite, a delete or a buggy deploy writing garbage destroys the data for good",
                    common::name(r)
                ),
            ),
            Err(o) => unknown(r, id, "", "whether versioning is enabled", &o),
        };
        hits.push(app_data(h, r, &referenced));
    }
    for (id, r) in facts::of_kind(ctx, "google_storage_bucket") {
        if skip_by_purpose(ctx, r) {
            continue;
        }
        match common::bool_or(r.node.pointer("/versioning/enabled"), false) {
            Ok(true) => continue,
            Ok(false) => {}
            Err(o) => {
                hits.push(unknown(r, id, "/versioning/enabled", "whether versioning is enabled", &o));
                continue;
            }
        }
        let soft_delete_off = r
            .node
            .pointer("/soft_delete_policy/retention_duration_seconds")
            .and_then(Node::as_i64)
            == Some(0);
        let mut h = hit(
            r,
            id,
            if r.node.get("versioning").is_some() { "/versioning" } else { "" },
            format!(
                "GCS bucket `{}` keeps no object versions{}: an overwrite, a delete or a buggy deploy writing garbage {}",
                common::name(r),
                if soft_delete_off { " and has soft delete turned off" } else { "" },
                if soft_delete_off { "destroys the data for good" } else { "is recoverable only while soft delete keeps the old object (7 days by default)" }
            ),
        );
        if !soft_delete_off {
            h = h.lowered(1, "soft delete keeps deleted and overwritten objects for 7 days");
        }
        hits.push(app_data(h, r, &referenced));
    }
    for (id, r) in common::modules_of(ctx, Known::AwsS3) {
        if matches!(common::bool_or(r.node.get("create_bucket"), true), Ok(false)) || skip_by_purpose(ctx, r) {
            continue;
        }
        if r.node.get("object_lock_enabled").and_then(Node::as_bool) == Some(true)
            || r.node.get("replication_configuration").is_some_and(|n| !n.entries().is_empty())
            || r.node.get("website").is_some_and(|n| !n.entries().is_empty())
        {
            continue;
        }
        let input = facts::input(r, Known::AwsS3, "versioning");
        let Some(v) = input.node() else {
            continue;
        };
        if let Some(o) = facts::unknown_origin(v) {
            hits.push(unknown(r, id, "/versioning", "whether versioning is enabled", &o));
            continue;
        }
        let on = v.get("enabled").and_then(|n| Fact::of(Some(n)).bool().ok().flatten()) == Some(true)
            || v.get("status")
                .and_then(|n| n.scalar_text())
                .is_some_and(|s| s.eq_ignore_ascii_case("enabled") || s == "true");
        if on {
            continue;
        }
        let h = hit(
            r,
            id,
            "/versioning",
            format!(
                "module `{}` ({}) creates a bucket without versioning: an overwrite or a delete destroys the data for good",
                common::name(r),
                Known::AwsS3.name()
            ),
        );
        hits.push(app_data(h, r, &referenced));
    }
}

/// `Ok(true)` when versioning is on, from the bucket's own block or an
/// `aws_s3_bucket_versioning` naming it.
fn versioning_status(ctx: &Ctx<'_>, r: &Resource) -> Result<bool, String> {
    if let Some(v) = r.node.get("versioning") {
        match common::bool_or(v.get("enabled"), false) {
            Ok(true) => return Ok(true),
            Ok(false) => {}
            Err(o) => return Err(o),
        }
    }
    let mut result = Ok(false);
    for (_, v) in common::referencing(ctx, r, "aws_s3_bucket_versioning", "/bucket") {
        match Fact::of(v.node.pointer("/versioning_configuration/status")).text() {
            Ok(Some(s)) if s == "Enabled" => return Ok(true),
            Ok(_) => {}
            Err(o) => result = Err(o),
        }
    }
    result
}

const NOT_DATA: &[&str] = &[
    "log", "logs", "logging", "accesslogs", "cloudtrail", "flowlogs", "artifact", "artifacts", "artefact",
    "artefacts", "build", "builds", "cache", "tmp", "temp", "scratch", "website", "static",
];

/// Log targets, websites and artefact buckets are rebuilt or expendable.
fn skip_by_purpose(ctx: &Ctx<'_>, r: &Resource) -> bool {
    let name_words = |s: &str| {
        s.to_ascii_lowercase()
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|p| NOT_DATA.contains(&p))
    };
    if name_words(&r.name)
        || r.node.get("bucket").and_then(Node::as_str).is_some_and(name_words)
        || r.node.get("name").and_then(Node::as_str).is_some_and(name_words)
        || r.node.get("website").is_some()
    {
        return true;
    }
    common::referencing(ctx, r, "aws_s3_bucket_website_configuration", "/bucket").next().is_some()
        || common::referencing(ctx, r, "aws_s3_bucket_logging", "/target_bucket").next().is_some()
}

/// Addresses referred to by resources that are not the bucket's own
/// configuration (policies, tasks, app config): evidence of app data.
fn referenced_addresses(ctx: &Ctx<'_>) -> HashSet<(String, String)> {
    let mut out = HashSet::new();
    for r in ctx.inv.resources.iter().filter(|r| facts::is_terraform(r)) {
        if r.kind.starts_with("aws_s3_bucket") || r.kind.starts_with("google_storage_bucket") {
            continue;
        }
        for t in facts::references(&r.node) {
            if let Some((_, a)) = facts::ref_address(&t) {
                out.insert((r.namespace.clone(), a));
            }
            // A module's output (module.bucket.s3_bucket_id).
            if let Some(rest) = t.strip_prefix("module.") {
                let name: String = rest.chars().take_while(|c| *c != '.' && *c != '[').collect();
                out.insert((r.namespace.clone(), format!("module.{name}")));
            }
        }
    }
    out
}

fn app_data(h: Hit, r: &Resource, referenced: &HashSet<(String, String)>) -> Hit {
    if referenced.contains(&(r.namespace.clone(), r.name.clone())) {
        h
    } else {
        h.lowered(1, "nothing else in the configuration refers to the bucket: creview cannot tell that it holds application data")
    }
}
