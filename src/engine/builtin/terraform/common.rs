//! What several Terraform checks share: hits that know the environment,
//! "cannot tell" hits, references between resources of one configuration,
//! and the datastore facts (replicas, engines).

use crate::engine::{Ctx, Hit};
use crate::model::terraform::facts::{self, Fact, Input};
use crate::model::terraform::modules::Known;
use crate::model::{Resource, ResourceId};
use crate::yaml::Node;

/// A finding on a Terraform resource, lowered one level outside
/// production.
/// When the deciding value is written in another file (a module's caller,
/// a `.tfvars`), the message says where.
pub fn hit(r: &Resource, id: ResourceId, pointer: &str, message: String) -> Hit {
    let message = match facts::origin(r, pointer) {
        Some(at) => format!("{message} (the value is set at {at})"),
        None => message,
    };
    facts::for_environment(Hit::resource(id, pointer, message), r)
}

/// A value that decides the check is unknown: a low finding saying so.
pub fn unknown(r: &Resource, id: ResourceId, pointer: &str, question: &str, origin: &str) -> Hit {
    facts::for_environment(facts::cannot_tell(id, pointer, question, origin), r)
}

/// Whether `text` (a reference such as `aws_db_instance.db.arn`) names the
/// resource or module at `address`.
pub fn refers_to(text: &str, address: &str) -> bool {
    text.strip_prefix(address)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.') || rest.starts_with('['))
}

/// Whether a value refers to a resource (anywhere inside it).
pub fn value_refers_to(n: Option<&Node>, address: &str) -> bool {
    n.is_some_and(|n| facts::references(n).iter().any(|t| refers_to(t, address)))
}

/// The literal names a resource is known by (`name`, `identifier`,
/// `bucket`...): a reference to `aws_db_instance.x.identifier` resolves to
/// that literal when it is written, so matching needs both.
pub fn literal_names(r: &Resource) -> Vec<&str> {
    [
        "name",
        "identifier",
        "cluster_identifier",
        "bucket",
        "replication_group_id",
        "cluster_id",
        "cluster_name",
        "function_name",
    ]
    .iter()
    .filter_map(|f| r.node.get(f).and_then(Node::as_str))
    .filter(|s| !facts::is_unknown_str(s) && s.len() >= 3)
    .collect()
}

/// Whether a value names `r`: by reference, or by one of its literal names
/// (exactly, or as the last segment of an ARN or path).
pub fn mentions(n: Option<&Node>, r: &Resource) -> bool {
    let Some(n) = n else {
        return false;
    };
    if value_refers_to(Some(n), &r.name) {
        return true;
    }
    let names = literal_names(r);
    if names.is_empty() {
        return false;
    }
    fn walk(n: &Node, names: &[&str]) -> bool {
        match &n.value {
            crate::yaml::Value::Str(s) => names.iter().any(|name| {
                s == name
                    || s.ends_with(&format!("/{name}"))
                    || s.ends_with(&format!(":{name}"))
                    || s.contains(&format!("/{name}/"))
                    // A monitoring filter (`resource.labels.database_id = "p:name"`).
                    || (s.contains('=') && s.contains(name))
            }),
            crate::yaml::Value::Seq(items) => items.iter().any(|i| walk(i, names)),
            crate::yaml::Value::Map(entries) => entries
                .iter()
                .filter(|e| !e.key.starts_with('@'))
                .any(|e| walk(&e.value, names)),
            _ => false,
        }
    }
    walk(n, &names)
}

/// Resources of a kind in the same configuration as `r`.
pub fn same_config<'c>(
    ctx: &'c Ctx<'_>,
    r: &'c Resource,
    kind: &'c str,
) -> impl Iterator<Item = (ResourceId, &'c Resource)> + 'c {
    ctx.graph
        .of_kind(kind)
        .iter()
        .map(|&id| (id, &ctx.inv.resources[id]))
        .filter(move |(_, o)| in_config(o, r))
}

/// Whether `o` is a Terraform resource of `r`'s configuration.
fn in_config(o: &Resource, r: &Resource) -> bool {
    facts::is_terraform(o) && o.namespace == r.namespace
}

/// Resources of a kind in `r`'s configuration whose `field` names `r` (by
/// reference or literal name, see [`mentions`]).
pub fn referencing<'c>(
    ctx: &'c Ctx<'_>,
    r: &'c Resource,
    kind: &'c str,
    field: &'c str,
) -> impl Iterator<Item = (ResourceId, &'c Resource)> + 'c {
    let ids = ctx.derived.with_field(kind, field);
    (0..ids.len())
        .map(move |i| (ids[i], &ctx.inv.resources[ids[i]]))
        .filter(move |(_, o)| in_config(o, r) && mentions(o.node.pointer(field), r))
}

/// A module input as a fact.
pub fn input_fact<'a>(i: &'a Input<'a>) -> Fact<'a> {
    match i {
        Input::Set(n) => Fact::of(Some(*n)),
        Input::Default(n) => Fact::of(Some(n)),
        Input::Unknown(o) => Fact::Unknown(o.clone()),
        Input::Missing => Fact::Default,
    }
}

/// Whether a database resource is a read replica (so its primary carries
/// the risk): `replicate_source_db` (RDS), `master_instance_name` (Cloud
/// SQL), `replication_source_identifier` (Aurora). A replica source given
/// by a reference counts even when its value is unknown.
pub fn is_replica(r: &Resource) -> Result<bool, String> {
    let field = match r.kind.as_str() {
        "aws_db_instance" => "replicate_source_db",
        "google_sql_database_instance" => "master_instance_name",
        "aws_rds_cluster" => "replication_source_identifier",
        _ => return Ok(false),
    };
    replica_field(r.node.get(field))
}

fn replica_field(n: Option<&Node>) -> Result<bool, String> {
    match Fact::of(n) {
        Fact::Default => Ok(false),
        Fact::Set(n) => Ok(!n.scalar_text().unwrap_or_default().is_empty()),
        // `var.x` may well be null; a reference to another database is not.
        Fact::Unknown(o) if o.starts_with("var.") || o.contains(" (") => Err(o),
        Fact::Unknown(_) => Ok(true),
    }
}

/// The same for a well-known module's inputs.
pub fn module_is_replica(r: &Resource, k: Known) -> Result<bool, String> {
    let field = match k {
        Known::AwsRds => "replicate_source_db",
        Known::AwsAurora => "replication_source_identifier",
        _ => return Ok(false),
    };
    replica_field(r.node.get(field))
}

/// Whether a module's `create`-style switch turns it off.
pub fn module_disabled(r: &Resource, k: Known) -> bool {
    let switch = match k {
        Known::AwsRds => "create_db_instance",
        Known::AwsAurora => "create",
        // Cloud Posse modules switch off through their context.
        Known::AwsRedisCloudposse => "enabled",
        _ => "create",
    };
    matches!(facts::input(r, k, switch).bool(), Ok(Some(false)))
        || matches!(
            Fact::of(r.node.get("create_cluster")).bool(),
            Ok(Some(false))
        )
}

/// Aurora engines run in clusters; their instances carry no storage of
/// their own.
pub fn is_aurora_engine(r: &Resource) -> bool {
    r.node
        .get("engine")
        .and_then(Node::as_str)
        .is_some_and(|e| e.starts_with("aurora"))
}

/// How a resource is named in messages: its address.
pub fn name(r: &Resource) -> String {
    facts::display(r)
}

/// Terraform resources of any of `kinds`.
pub fn all_of<'c>(
    ctx: &'c Ctx<'_>,
    kinds: &'c [&'c str],
) -> impl Iterator<Item = (ResourceId, &'c Resource)> + 'c {
    kinds.iter().flat_map(move |k| facts::of_kind(ctx, k))
}

/// Well-known module calls of one kind.
pub fn modules_of<'c>(
    ctx: &'c Ctx<'_>,
    k: Known,
) -> impl Iterator<Item = (ResourceId, &'c Resource)> + 'c {
    facts::of_kind(ctx, "module").filter(move |(_, r)| facts::module(r) == Some(k))
}

/// `true`, `false`, or unknown with its origin, for a boolean field that
/// defaults to `default`.
pub fn bool_or(n: Option<&Node>, default: bool) -> Result<bool, String> {
    Fact::of(n).bool().map(|b| b.unwrap_or(default))
}

/// Whether an Auto Scaling group receives load-balancer traffic:
/// `target_group_arns`, `load_balancers`, a `traffic_source`, or an
/// attachment resource naming it. `Err` when that is unknown.
pub fn asg_attached(ctx: &Ctx<'_>, r: &Resource) -> Result<bool, String> {
    for field in ["target_group_arns", "load_balancers"] {
        match r.node.get(field) {
            Some(n) if facts::is_unknown(n) => {
                return Err(facts::unknown_origin(n).unwrap_or_default());
            }
            Some(n) if !n.items().is_empty() => return Ok(true),
            _ => {}
        }
    }
    if r.node.get("traffic_source").is_some() {
        return Ok(true);
    }
    for kind in [
        "aws_autoscaling_attachment",
        "aws_autoscaling_traffic_source_attachment",
    ] {
        if referencing(ctx, r, kind, "/autoscaling_group_name")
            .next()
            .is_some()
        {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Karpenter provisions nodes outside node groups: a karpenter module or
/// Helm release in the configuration.
pub fn karpenter(ctx: &Ctx<'_>, r: &Resource) -> bool {
    ctx.inv.resources.iter().any(|o| {
        facts::is_terraform(o)
            && o.namespace == r.namespace
            && (o.kind == "module" || o.kind == "helm_release")
            && (o.name.contains("karpenter")
                || o.node
                    .get("source")
                    .and_then(Node::as_str)
                    .is_some_and(|s| s.contains("karpenter"))
                || o.node
                    .get("chart")
                    .and_then(Node::as_str)
                    .is_some_and(|s| s.contains("karpenter")))
    })
}
