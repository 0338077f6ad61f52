//! ALERT-010: stateful or serving infrastructure nothing alerts on. RDS
//! instances and clusters, load balancers and target groups, ElastiCache,
//! SQS queues, Cloud SQL, Memorystore and Pub/Sub subscriptions (and the
//! rds, rds-aurora and sql-db modules) with no CloudWatch alarm and no
//! Cloud Monitoring alert policy in the same configuration that refers to
//! them: by reference in `dimensions` or a `filter`, or by their literal
//! name. Prometheus rules over cloudwatch/stackdriver exporter metrics in
//! the input count as alerting for every resource of their kind. Read
//! replicas and queues used as dead-letter queues are not reported.

use super::common::{self, hit};
use crate::engine::{Ctx, Hit};
use crate::model::Resource;
use crate::model::terraform::facts;
use crate::model::terraform::modules::Known;
use crate::source::FileKind;
use crate::yaml::Node;

/// Kinds reported, with the exporter metric prefix that covers them.
const KINDS: &[(&str, &str)] = &[
    ("aws_db_instance", "aws_rds_"),
    ("aws_rds_cluster", "aws_rds_"),
    ("aws_lb", "aws_applicationelb_"),
    ("aws_alb", "aws_applicationelb_"),
    ("aws_elasticache_replication_group", "aws_elasticache_"),
    ("aws_elasticache_cluster", "aws_elasticache_"),
    ("aws_sqs_queue", "aws_sqs_"),
    ("google_sql_database_instance", "stackdriver_cloudsql_database_"),
    ("google_redis_instance", "stackdriver_redis_instance_"),
    ("google_pubsub_subscription", "stackdriver_pubsub_subscription_"),
];

pub fn run(ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
    let any = KINDS.iter().any(|(k, _)| facts::of_kind(ctx, k).next().is_some())
        || facts::of_kind(ctx, "module").next().is_some();
    if !any {
        return;
    }
    let exported = exporter_prefixes(ctx);
    for (kind, prefix) in KINDS {
        if exported.contains(prefix) {
            continue;
        }
        for (id, r) in facts::of_kind(ctx, kind) {
            if !matches!(common::is_replica(r), Ok(false)) {
                continue;
            }
            if *kind == "aws_db_instance" && common::is_aurora_engine(r) {
                continue;
            }
            if *kind == "aws_sqs_queue" && is_dead_letter_queue(ctx, r) {
                continue;
            }
            if alarmed(ctx, r) {
                continue;
            }
            hits.push(report(r, id, kind));
        }
    }
    for k in [
        Known::AwsRds,
        Known::AwsAurora,
        Known::GoogleSqlDb,
        Known::AwsAlb,
        Known::AwsRedisCloudposse,
    ] {
        let prefix = match k {
            Known::GoogleSqlDb => "stackdriver_cloudsql_database_",
            Known::AwsAlb => "aws_applicationelb_",
            Known::AwsRedisCloudposse => "aws_elasticache_",
            _ => "aws_rds_",
        };
        if exported.contains(&prefix) {
            continue;
        }
        for (id, r) in common::modules_of(ctx, k) {
            if common::module_disabled(r, k) || !matches!(common::module_is_replica(r, k), Ok(false)) {
                continue;
            }
            if alarmed(ctx, r) {
                continue;
            }
            hits.push(report(r, id, k.name()));
        }
    }
}

fn report(r: &Resource, id: usize, what: &str) -> Hit {
    // Say what would cover it on its own cloud.
    let alerting = if r.kind.starts_with("google_") || what.contains("google") {
        "Cloud Monitoring alert policy"
    } else {
        "CloudWatch alarm"
    };
    hit(
        r,
        id,
        "",
        format!(
            "`{}` ({what}) has no {alerting} in this configuration: when it {}, the first to notice are the users",
            common::name(r),
            symptoms(what)
        ),
    )
}

/// What goes wrong unseen, by kind of resource (`what` is the resource
/// type or the module's registry name).
fn symptoms(what: &str) -> &'static str {
    if what.contains("_lb") || what.contains("alb") {
        "loses its healthy targets or returns 5xx errors"
    } else if what.contains("elasticache") || what.contains("redis") {
        "runs out of memory, evicts keys or fails over"
    } else if what.contains("sqs") || what.contains("pubsub") {
        "backs up and messages grow old"
    } else {
        "fills its disk, runs out of connections, lags or returns errors"
    }
}

/// An alarm or alert policy of the same configuration refers to the
/// resource: by address, or by its literal name/identifier.
fn alarmed(ctx: &Ctx<'_>, r: &Resource) -> bool {
    let whole = |alarm: &Resource| common::mentions(Some(&alarm.node), r);
    for kind in ["aws_cloudwatch_metric_alarm", "aws_cloudwatch_composite_alarm", "google_monitoring_alert_policy"] {
        if common::same_config(ctx, r, kind).any(|(_, a)| whole(a)) {
            return true;
        }
    }
    // Alarm modules (terraform-aws-modules/cloudwatch metric-alarm and the
    // like) and modules that create their own alarms for what they are
    // given.
    facts::of_kind(ctx, "module").any(|(_, m)| {
        m.namespace == r.namespace
            && m.node
                .get("source")
                .and_then(Node::as_str)
                .is_some_and(|s| s.contains("alarm") || s.contains("cloudwatch") || s.contains("monitoring"))
            && whole(m)
    })
}

/// A queue named in another queue's redrive policy.
fn is_dead_letter_queue(ctx: &Ctx<'_>, r: &Resource) -> bool {
    common::same_config(ctx, r, "aws_sqs_queue").any(|(_, q)| {
        q.name != r.name
            && common::value_refers_to(q.node.get("redrive_policy"), &r.name)
    }) || common::referencing(ctx, r, "aws_sqs_queue_redrive_policy", "/redrive_policy").next().is_some()
}

/// Exporter metric prefixes used by Prometheus rules in the input
/// (cloudwatch_exporter, stackdriver_exporter): each file is read once.
fn exporter_prefixes(ctx: &Ctx<'_>) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for f in ctx.inv.files.iter().filter(|f| f.kind == FileKind::Yaml) {
        if !(f.text.contains("aws_") || f.text.contains("stackdriver_")) || !f.text.contains("expr") {
            continue;
        }
        for (_, p) in KINDS {
            if !out.contains(p) && f.text.contains(p) {
                out.push(p);
            }
        }
    }
    out
}
