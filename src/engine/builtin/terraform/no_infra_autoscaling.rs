//! CAPACITY-011: compute that cannot grow with demand. Auto Scaling groups
//! with `min_size = max_size` and no scaling policy; EKS node groups with
//! `min_size = max_size` (and the eks module's node groups); GKE node pools
//! with a fixed `node_count` and no `autoscaling` (and the kubernetes-engine
//! module's pools with `autoscaling = false`); managed instance groups no
//! autoscaler targets; AKS node pools without autoscaling. Clusters that
//! Karpenter scales, and groups not behind a load balancer (lowered), are
//! the catalog's traps.

use super::common::{self, hit, unknown};
use crate::engine::{Ctx, Hit};
use crate::model::Resource;
use crate::model::terraform::facts::{self, Fact};
use crate::model::terraform::modules::Known;
use crate::yaml::Node;

pub fn run(ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
    for (id, r) in facts::of_kind(ctx, "aws_autoscaling_group") {
        let (min, max) = (Fact::of(r.node.get("min_size")).int(), Fact::of(r.node.get("max_size")).int());
        match (min, max) {
            (Ok(Some(a)), Ok(Some(b))) if a == b => {
                if common::referencing(ctx, r, "aws_autoscaling_policy", "/autoscaling_group_name").next().is_some() {
                    continue;
                }
                let mut h = hit(
                    r,
                    id,
                    "/max_size",
                    format!(
                        "Auto Scaling group `{}` is fixed at {a} instance{} (min_size = max_size): a load spike beyond that capacity is an outage until someone raises it",
                        common::name(r),
                        if a == 1 { "" } else { "s" }
                    ),
                );
                if common::asg_attached(ctx, r) == Ok(false) {
                    h = h.lowered(1, "no load balancer routes traffic to it");
                }
                hits.push(h);
            }
            (Err(o), _) | (_, Err(o)) => hits.push(unknown(r, id, "/max_size", "whether the group can scale", &o)),
            _ => {}
        }
    }
    for (id, r) in facts::of_kind(ctx, "aws_eks_node_group") {
        if common::karpenter(ctx, r) {
            continue;
        }
        fixed(
            hits,
            id,
            r,
            Fact::of(r.node.pointer("/scaling_config/min_size")),
            Fact::of(r.node.pointer("/scaling_config/max_size")),
            "/scaling_config/max_size",
            &format!("EKS node group `{}`", common::name(r)),
        );
    }
    for (id, r) in common::modules_of(ctx, Known::AwsEks) {
        if common::karpenter(ctx, r) {
            continue;
        }
        for field in ["eks_managed_node_groups", "self_managed_node_groups"] {
            for g in r.node.get(field).map(Node::entries).unwrap_or_default() {
                let min = Fact::of(g.value.get("min_size"));
                let max = Fact::of(g.value.get("max_size"));
                // Submodule defaults: min 0, max 3.
                let min = if matches!(min, Fact::Default) { None } else { Some(min) };
                let max = if matches!(max, Fact::Default) { None } else { Some(max) };
                if let (Some(min), Some(max)) = (min, max) {
                    fixed(
                        hits,
                        id,
                        r,
                        min,
                        max,
                        &format!("/{field}/{}/max_size", crate::yaml::escape_segment(&g.key)),
                        &format!("node group `{}` of module `{}`", g.key, common::name(r)),
                    );
                }
            }
        }
    }
    for (id, r) in facts::of_kind(ctx, "google_container_node_pool") {
        if r.node.get("autoscaling").is_some() {
            continue;
        }
        if r.node.get("node_count").is_none() && r.node.get("initial_node_count").is_none() {
            continue;
        }
        hits.push(hit(
            r,
            id,
            if r.node.get("node_count").is_some() { "/node_count" } else { "/initial_node_count" },
            format!(
                "GKE node pool `{}` has a fixed size and no autoscaling block: pods that do not fit stay Pending during a load spike",
                common::name(r)
            ),
        ));
    }
    for (id, r) in common::modules_of(ctx, Known::GoogleGke) {
        for (i, p) in r.node.get("node_pools").map(Node::items).unwrap_or_default().iter().enumerate() {
            if let Ok(Some(false)) = Fact::of(p.get("autoscaling")).bool() {
                hits.push(hit(
                    r,
                    id,
                    &format!("/node_pools/{i}/autoscaling"),
                    format!(
                        "node pool {} of module `{}` sets autoscaling = false: pods that do not fit stay Pending during a load spike",
                        p.get("name").and_then(Node::as_str).map(|n| format!("`{n}`")).unwrap_or_else(|| i.to_string()),
                        common::name(r)
                    ),
                ));
            }
        }
    }
    for (kind, autoscaler) in [
        ("google_compute_instance_group_manager", "google_compute_autoscaler"),
        ("google_compute_region_instance_group_manager", "google_compute_region_autoscaler"),
    ] {
        for (id, r) in facts::of_kind(ctx, kind) {
            if common::referencing(ctx, r, autoscaler, "/target").next().is_some() {
                continue;
            }
            hits.push(hit(
                r,
                id,
                "/target_size",
                format!(
                    "managed instance group `{}` has no autoscaler: its size is fixed, so a load spike beyond it is an outage until someone resizes it",
                    common::name(r)
                ),
            ));
        }
    }
    for (id, r) in facts::of_kind(ctx, "azurerm_kubernetes_cluster") {
        aks_pool(hits, id, r, r.node.get("default_node_pool"), "/default_node_pool", "default node pool of AKS cluster");
    }
    for (id, r) in facts::of_kind(ctx, "azurerm_kubernetes_cluster_node_pool") {
        aks_pool(hits, id, r, Some(&r.node), "", "AKS node pool");
    }
}

fn fixed(hits: &mut Vec<Hit>, id: usize, r: &Resource, min: Fact<'_>, max: Fact<'_>, pointer: &str, what: &str) {
    match (min.int(), max.int()) {
        (Ok(Some(a)), Ok(Some(b))) if a == b => hits.push(hit(
            r,
            id,
            pointer,
            format!("{what} is fixed at {a} node{} (min_size = max_size): the cluster cannot add nodes during a load spike", if a == 1 { "" } else { "s" }),
        )),
        (Err(o), _) | (_, Err(o)) => hits.push(unknown(r, id, pointer, "whether the node group can scale", &o)),
        _ => {}
    }
}

fn aks_pool(hits: &mut Vec<Hit>, id: usize, r: &Resource, pool: Option<&Node>, base: &str, what: &str) {
    let Some(pool) = pool else {
        return;
    };
    let field = if pool.get("auto_scaling_enabled").is_some() { "auto_scaling_enabled" } else { "enable_auto_scaling" };
    match common::bool_or(pool.get(field), false) {
        Ok(true) => {}
        Ok(false) => hits.push(hit(
            r,
            id,
            &format!("{base}/{field}"),
            format!("{what} `{}` does not autoscale: pods that do not fit stay Pending during a load spike", common::name(r)),
        )),
        Err(o) => hits.push(unknown(r, id, &format!("{base}/{field}"), "whether the node pool autoscales", &o)),
    }
}
