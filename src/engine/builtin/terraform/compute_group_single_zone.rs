//! SPOF-006: a serving compute group in one zone (a), or with a floor of
//! one instance behind a load balancer (b). Auto Scaling groups, EKS node
//! groups (per cluster: node groups pinned one per zone together cover
//! several zones), ECS services, GCE managed instance groups, and a lone VM
//! as the only target of a load balancer.

use super::common::{self, hit, unknown};
use crate::engine::{Ctx, Hit};
use crate::model::terraform::facts::{self, Fact, ZoneCount, Zones};
use crate::model::terraform::modules::Known;
use crate::model::{Resource, ResourceId};
use crate::yaml::{Node, Value};
use std::collections::BTreeMap;

pub fn run(ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
    autoscaling_groups(ctx, hits);
    eks_node_groups(ctx, hits);
    eks_modules(ctx, hits);
    ecs_services(ctx, hits);
    gce_groups(ctx, hits);
    lone_targets(ctx, hits);
}

const NOT_SERVING_NAMES: &[&str] = &["bastion", "jump", "runner", "ci", "batch", "build"];

fn named_like(r: &Resource, words: &[&str]) -> bool {
    let lower = r.name.to_ascii_lowercase();
    lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|p| words.contains(&p))
}

/// Of several instances' zones, the one to report: a single-zone instance
/// first, then an unknown one.
fn worst(list: Vec<Zones>) -> Zones {
    let rank = |z: &Zones| match z.count() {
        ZoneCount::One => 0,
        ZoneCount::Unknown(_) => 1,
        ZoneCount::AtLeastTwo => 2,
    };
    list.into_iter().min_by_key(rank).unwrap_or_default()
}

fn zone_hit(r: &Resource, id: ResourceId, pointer: &str, what: &str, z: &Zones) -> Option<Hit> {
    match z.count() {
        ZoneCount::One => Some(hit(
            r,
            id,
            pointer,
            format!(
                "{what} `{}` places every instance in one availability zone{}: a zone outage takes the whole group down, and the group cannot move to another zone by itself",
                common::name(r),
                if z.describe().is_empty() { String::new() } else { format!(" ({})", z.describe()) }
            ),
        )),
        ZoneCount::AtLeastTwo => None,
        ZoneCount::Unknown(o) => Some(unknown(r, id, pointer, "in how many availability zones the group runs", &o)),
    }
}

fn autoscaling_groups(ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
    for (id, r) in facts::of_kind(ctx, "aws_autoscaling_group") {
        let attached = common::asg_attached(ctx, r);
        let (pointer, z) = match r.node.get("vpc_zone_identifier") {
            Some(_) => ("/vpc_zone_identifier", worst(facts::instance_zones(r, "vpc_zone_identifier", false))),
            None => ("/availability_zones", worst(facts::instance_zones(r, "availability_zones", true))),
        };
        if let Some(mut h) = zone_hit(r, id, pointer, "Auto Scaling group", &z) {
            if named_like(r, NOT_SERVING_NAMES) {
                h = h.lowered(2, "named like a bastion, runner or batch group");
            } else if attached == Ok(false) {
                h = h.lowered(1, "no load balancer routes traffic to it");
            }
            hits.push(h);
        }
        match attached {
            Ok(true) => {}
            _ => continue,
        }
        match Fact::of(r.node.get("min_size")).int() {
            Ok(Some(n)) if n >= 2 => {}
            Ok(n) => hits.push(hit(
                r,
                id,
                "/min_size",
                format!(
                    "Auto Scaling group `{}` serves a load balancer with min_size = {}: at quiet times one instance carries all traffic, and its failure or replacement is an outage",
                    common::name(r),
                    n.unwrap_or(0)
                ),
            )),
            Err(o) => hits.push(unknown(r, id, "/min_size", "the group's minimum size", &o)),
        }
    }
}

/// Node groups of one cluster together: the zones they cover and the sum
/// of their floors.
struct ClusterNodes {
    zones: Zones,
    min: Result<i64, String>,
    groups: Vec<(ResourceId, String)>,
}

fn eks_node_groups(ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
    let mut clusters: BTreeMap<(String, String), ClusterNodes> = BTreeMap::new();
    for (id, r) in facts::of_kind(ctx, "aws_eks_node_group") {
        let cluster = r
            .node
            .get("cluster_name")
            .and_then(|n| n.as_str().map(|s| facts::unknown_origin(n).unwrap_or_else(|| s.to_string())))
            .unwrap_or_default();
        let mut z = Zones {
            placements: Some(0),
            ..Default::default()
        };
        for each in facts::instance_zones(r, "subnet_ids", false) {
            z.merge(&each);
        }
        let min = Fact::of(r.node.pointer("/scaling_config/min_size"))
            .int()
            .map(|m| m.unwrap_or(1))
            .map(|m| m * facts::instances(r).unwrap_or(1) as i64);
        let e = clusters.entry((r.namespace.clone(), cluster)).or_insert(ClusterNodes {
            zones: Zones {
                placements: Some(0),
                ..Default::default()
            },
            min: Ok(0),
            groups: Vec::new(),
        });
        e.zones.merge(&z);
        e.min = match (&e.min, min) {
            (Ok(a), Ok(b)) => Ok(a + b),
            (Err(o), _) => Err(o.clone()),
            (_, Err(o)) => Err(o),
        };
        e.groups.push((id, r.name.clone()));
    }
    for ((_, cluster), c) in clusters {
        report_cluster(ctx, hits, &cluster, &c, "/subnet_ids", "/scaling_config/min_size");
    }
}

fn report_cluster(
    ctx: &Ctx<'_>,
    hits: &mut Vec<Hit>,
    cluster: &str,
    c: &ClusterNodes,
    zone_pointer: &str,
    min_pointer: &str,
) {
    let Some((first, _)) = c.groups.first() else {
        return;
    };
    let r = &ctx.inv.resources[*first];
    let several = c.groups.len() > 1;
    match c.zones.count() {
        ZoneCount::One => hits.push(hit(
            r,
            *first,
            zone_pointer,
            format!(
                "the nodes of EKS cluster {} all run in one availability zone{}: a zone outage stops every pod, and rescheduling has nowhere to go",
                if cluster.is_empty() { "(unnamed)".to_string() } else { format!("`{cluster}`") },
                if several { format!(" ({} node groups)", c.groups.len()) } else { String::new() }
            ),
        )),
        ZoneCount::AtLeastTwo => {}
        ZoneCount::Unknown(o) => hits.push(unknown(r, *first, zone_pointer, "in how many availability zones the nodes run", &o)),
    }
    match &c.min {
        Ok(n) if *n >= 2 => {}
        Ok(n) => hits.push(hit(
            r,
            *first,
            min_pointer,
            format!(
                "the node groups of EKS cluster {} can shrink to {n} node{}: at quiet times every pod shares one machine, and its failure or replacement stops them all",
                if cluster.is_empty() { "(unnamed)".to_string() } else { format!("`{cluster}`") },
                if *n == 1 { "" } else { "s" }
            ),
        )),
        Err(o) => hits.push(unknown(r, *first, min_pointer, "how small the node groups can get", o)),
    }
}

fn eks_modules(ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
    for (id, r) in common::modules_of(ctx, Known::AwsEks) {
        // EKS Auto Mode manages nodes itself; Karpenter clusters declare
        // their NodePools elsewhere.
        if r.node.pointer("/compute_config/enabled").and_then(Node::as_bool) == Some(true)
            || r.node.get("cluster_compute_config").is_some()
        {
            continue;
        }
        let module_subnets = r.node.get("subnet_ids");
        let mut c = ClusterNodes {
            zones: Zones {
                placements: Some(0),
                ..Default::default()
            },
            min: Ok(0),
            groups: Vec::new(),
        };
        let mut found = false;
        for field in ["eks_managed_node_groups", "self_managed_node_groups"] {
            let Some(groups) = r.node.get(field) else {
                continue;
            };
            if let Some(o) = facts::unknown_origin(groups) {
                hits.push(unknown(r, id, &format!("/{field}"), "which node groups the cluster has", &o));
                found = true;
                continue;
            }
            for g in groups.entries() {
                found = true;
                let subnets = g.value.get("subnet_ids").or(module_subnets);
                c.zones.merge(&facts::zones(r, subnets, false));
                // The node group submodules default min_size to 0 (managed)
                // or 0 (self-managed).
                let min = Fact::of(g.value.get("min_size")).int().map(|m| m.unwrap_or(0));
                c.min = match (&c.min, min) {
                    (Ok(a), Ok(b)) => Ok(a + b),
                    (Err(o), _) => Err(o.clone()),
                    (_, Err(o)) => Err(o),
                };
            }
        }
        if !found || common::karpenter(ctx, r) {
            continue;
        }
        c.groups.push((id, r.name.clone()));
        let name = r
            .node
            .get("cluster_name")
            .or_else(|| r.node.get("name"))
            .and_then(Node::as_str)
            .unwrap_or("")
            .to_string();
        report_cluster(ctx, hits, &name, &c, "/eks_managed_node_groups", "/eks_managed_node_groups");
    }
}

fn ecs_services(ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
    for (id, r) in facts::of_kind(ctx, "aws_ecs_service") {
        if r.node.get("scheduling_strategy").and_then(Node::as_str) == Some("DAEMON") {
            continue;
        }
        let serving = r.node.get("load_balancer").is_some()
            || r.node.get("service_registries").is_some()
            || r.node.pointer("/service_connect_configuration/enabled").and_then(Node::as_bool) == Some(true);
        // Application Auto Scaling sets the floor when it targets the service.
        let autoscaled_min = common::same_config(ctx, r, "aws_appautoscaling_target")
            .filter(|(_, t)| {
                let name = r.node.get("name").and_then(Node::as_str).filter(|n| !facts::is_unknown_str(n));
                t.node.get("service_namespace").and_then(Node::as_str) == Some("ecs")
                    && (common::value_refers_to(t.node.get("resource_id"), &r.name)
                        || t.node
                            .get("resource_id")
                            .and_then(Node::as_str)
                            .zip(name)
                            .is_some_and(|(id, n)| id.ends_with(&format!("/{n}"))))
            })
            .find_map(|(_, t)| t.node.get("min_capacity").and_then(Node::as_i64));
        let desired = match autoscaled_min {
            Some(m) => Ok(Some(m)),
            None => Fact::of(r.node.get("desired_count")).int(),
        };
        match desired {
            Ok(Some(n)) if n >= 2 => {}
            // Not set: 0 tasks, scaled from outside the configuration.
            Ok(Some(0)) | Ok(None) => {}
            Ok(n) => {
                let mut h = hit(
                    r,
                    id,
                    "/desired_count",
                    format!(
                        "ECS service `{}` runs {} task{}: a task failure, a host retirement or a deployment that stops the old task first is an outage of the service",
                        common::name(r),
                        n.unwrap_or(1),
                        if n.unwrap_or(1) == 1 { "" } else { "s" }
                    ),
                );
                if !serving {
                    h = h.lowered(1, "no load balancer or service discovery routes traffic to it");
                }
                hits.push(h);
            }
            Err(o) => hits.push(unknown(r, id, "/desired_count", "how many tasks the service runs", &o)),
        }
        let subnets = r.node.pointer("/network_configuration/subnets");
        if subnets.is_some() {
            let z = facts::zones(r, subnets, false);
            let z = worst(vec![z]);
            if let Some(h) = zone_hit(r, id, "/network_configuration/subnets", "ECS service", &z) {
                hits.push(h);
            }
        }
    }
}

fn gce_groups(ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
    let backends: Vec<&Resource> = common::all_of(
        ctx,
        &["google_compute_backend_service", "google_compute_region_backend_service"],
    )
    .map(|(_, r)| r)
    .collect();
    let is_backend = |r: &Resource| {
        backends
            .iter()
            .any(|b| b.namespace == r.namespace && common::value_refers_to(b.node.get("backend"), &r.name))
    };
    for (id, r) in facts::of_kind(ctx, "google_compute_instance_group_manager") {
        if !is_backend(r) {
            continue;
        }
        hits.push(hit(
            r,
            id,
            "/zone",
            format!(
                "zonal managed instance group `{}` is a load-balancer backend: all its VMs are in one zone, so a zone outage removes the backend",
                common::name(r)
            ),
        ));
        floor(ctx, hits, id, r, "google_compute_autoscaler");
    }
    for (id, r) in facts::of_kind(ctx, "google_compute_region_instance_group_manager") {
        if let Some(zones) = r.node.get("distribution_policy_zones") {
            let z = facts::zones(r, Some(zones), true);
            if z.count() == ZoneCount::One {
                hits.push(hit(
                    r,
                    id,
                    "/distribution_policy_zones",
                    format!(
                        "regional managed instance group `{}` distributes its VMs to one zone only ({})",
                        common::name(r),
                        z.describe()
                    ),
                ));
            }
        }
        if is_backend(r) {
            floor(ctx, hits, id, r, "google_compute_region_autoscaler");
        }
    }
}

/// (b) for a managed instance group: the autoscaler's floor, else its size.
fn floor(ctx: &Ctx<'_>, hits: &mut Vec<Hit>, id: ResourceId, r: &Resource, autoscaler: &str) {
    let auto = common::referencing(ctx, r, autoscaler, "/target").next();
    let (pointer, fact, on) = match auto {
        Some((aid, a)) => ("/autoscaling_policy/min_replicas", Fact::of(a.node.pointer("/autoscaling_policy/min_replicas")), (aid, a)),
        None => ("/target_size", Fact::of(r.node.get("target_size")), (id, r)),
    };
    match fact.int() {
        Ok(Some(n)) if n >= 2 => {}
        Ok(n) => hits.push(hit(
            on.1,
            on.0,
            pointer,
            format!(
                "managed instance group `{}` behind a load balancer can run {} VM{}: its failure or recreation is an outage",
                common::name(r),
                n.unwrap_or(0),
                if n == Some(1) { "" } else { "s" }
            ),
        )),
        Err(o) => hits.push(unknown(on.1, on.0, pointer, "the group's minimum size", &o)),
    }
}

/// A lone `aws_instance` as the only target of a target group.
fn lone_targets(ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
    let attachments: Vec<(ResourceId, &Resource)> = facts::of_kind(ctx, "aws_lb_target_group_attachment").collect();
    let mut by_group: BTreeMap<(String, String), Vec<(ResourceId, &Resource)>> = BTreeMap::new();
    for (id, a) in &attachments {
        let Some(tg) = a
            .node
            .get("target_group_arn")
            .and_then(facts::unknown_origin)
            .and_then(|t| facts::ref_address(&t).map(|x| x.1))
        else {
            continue;
        };
        by_group.entry((a.namespace.clone(), tg)).or_default().push((*id, a));
    }
    for list in by_group.values() {
        let total: usize = list.iter().map(|(_, a)| facts::instances(a).unwrap_or(2)).sum();
        if total != 1 {
            continue;
        }
        let (id, a) = list[0];
        let Some(target) = a.node.get("target_id").and_then(facts::unknown_origin) else {
            continue;
        };
        if !target.starts_with("aws_instance.") && !target.contains(".aws_instance.") {
            continue;
        }
        if matches!(&a.node.get("target_id").map(|n| &n.value), Some(Value::Str(_))) {
            hits.push(hit(
                a,
                id,
                "/target_id",
                format!(
                    "a single EC2 instance ({}) is the only target of its target group: its failure, a reboot or a zone outage is an outage of everything behind the load balancer",
                    target.trim_end_matches(".id")
                ),
            ));
        }
    }
}
