//! SPOF-007: a Kubernetes cluster tied to one zone. GKE clusters whose
//! `location` is a zone (a zonal control plane), with nodes in that zone
//! only (a) or spread (b); regional clusters whose nodes are all in one
//! zone; AKS clusters and node pools without `zones`; AKS on the Free tier
//! (no uptime SLA, info). EKS control planes are multi-AZ by design.
//! Autopilot clusters are regional by construction.

use super::common::{self, hit, unknown};
use crate::engine::{Ctx, Hit};
use crate::finding::Severity;
use crate::model::terraform::facts::{self, Fact};
use crate::model::terraform::modules::Known;
use crate::model::{Resource, ResourceId};
use crate::yaml::{Node, Value};

pub fn run(ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
    gke_clusters(ctx, hits);
    gke_modules(ctx, hits);
    aks(ctx, hits);
}

/// `us-central1-a` is a zone; `us-central1` a region.
pub fn is_zone(location: &str) -> bool {
    let parts: Vec<&str> = location.split('-').collect();
    parts.len() == 3
        && parts[0].chars().all(|c| c.is_ascii_lowercase())
        && parts[1].chars().any(|c| c.is_ascii_digit())
        && parts[2].len() == 1
        && parts[2].chars().all(|c| c.is_ascii_lowercase())
}

/// Node locations as a list of zone names (`node_locations` may be a list
/// or, in modules, a comma-separated string). Zones written as templates
/// (`${var.region}-b`) count by their text: `-b` and `-c` differ whatever
/// the region; elements of a list count one each. `None` when the list
/// itself is unknown.
fn zone_list(n: &Node) -> Option<Vec<String>> {
    let whole_unknown = |s: &str| s.starts_with("${") && s.ends_with('}') && s.matches("${").count() == 1;
    match &n.value {
        // A list of known length: one zone per element, whatever each is
        // (`[var.zone]` is one zone).
        Value::Seq(items) => items.iter().map(|i| i.as_str().map(str::to_string)).collect(),
        Value::Str(s) if !whole_unknown(s) => Some(
            s.split(',')
                .map(|x| x.trim().to_string())
                .filter(|x| !x.is_empty())
                .collect(),
        ),
        _ => None,
    }
}

fn gke_clusters(ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
    for (id, r) in facts::of_kind(ctx, "google_container_cluster") {
        if r.node.get("enable_autopilot").and_then(Node::as_bool) == Some(true) {
            continue;
        }
        let location = match Fact::of(r.node.get("location")).text() {
            Ok(Some(l)) => l,
            Ok(None) => match Fact::of(r.node.get("zone")).text() {
                Ok(Some(z)) => z,
                _ => {
                    hits.push(unknown(r, id, "/location", "whether the control plane is zonal", "the provider's default location"));
                    continue;
                }
            },
            Err(o) => {
                hits.push(unknown(r, id, "/location", "whether the control plane is zonal or regional", &o));
                continue;
            }
        };
        // Node zones: the cluster's node_locations, and those of its pools.
        let mut node_zones: Vec<String> = Vec::new();
        let mut unknown_nodes: Option<String> = None;
        let mut add = |n: Option<&Node>| if let Some(n) = n { match zone_list(n) {
            Some(z) => node_zones.extend(z),
            None => unknown_nodes = facts::first_unknown(n).or_else(|| Some("node_locations".into())),
        } };
        add(r.node.get("node_locations"));
        let pools: Vec<&Resource> = common::referencing(ctx, r, "google_container_node_pool", "/cluster")
            .map(|(_, p)| p)
            .collect();
        for p in &pools {
            add(p.node.get("node_locations"));
        }
        let zonal = is_zone(&location);
        if node_zones.is_empty() && unknown_nodes.is_none() {
            // No node_locations: nodes in the cluster's location (all zones
            // of a region, or the one zone).
            if zonal {
                node_zones.push(location.clone());
            } else {
                continue;
            }
        }
        if zonal && !node_zones.contains(&location) {
            node_zones.push(location.clone());
        }
        node_zones.sort();
        node_zones.dedup();
        report(r, id, hits, zonal, &location, &node_zones, unknown_nodes, "/location", "/node_locations");
    }
}

#[allow(clippy::too_many_arguments)]
fn report(
    r: &Resource,
    id: ResourceId,
    hits: &mut Vec<Hit>,
    zonal: bool,
    location: &str,
    node_zones: &[String],
    unknown_nodes: Option<String>,
    location_pointer: &str,
    nodes_pointer: &str,
) {
    let name = common::name(r);
    // Zones known only by the expression that names them read as that
    // expression (`var.zone`), not as the evaluator's `${var.zone}`.
    let shown = |z: &str| z.replace("${", "").replace('}', "");
    let location = &shown(location);
    let node_zones: Vec<String> = node_zones.iter().map(|z| shown(z)).collect();
    if let Some(o) = unknown_nodes.filter(|_| node_zones.len() < 2) {
        if zonal {
            hits.push(hit(
                r,
                id,
                location_pointer,
                format!("GKE cluster `{name}` has a zonal control plane in {location}: a zone outage or a control-plane upgrade stops deploys, autoscaling and self-healing, and a zonal cluster cannot be made regional later"),
            ));
        }
        hits.push(unknown(r, id, nodes_pointer, "in how many zones the nodes run", &o));
        return;
    }
    if zonal && node_zones.len() <= 1 {
        hits.push(hit(
            r,
            id,
            location_pointer,
            format!("GKE cluster `{name}` runs its control plane and all its nodes in one zone ({location}): a zone outage stops the cluster and every workload on it, and a zonal cluster cannot be made regional later"),
        ));
    } else if zonal {
        hits.push(
            hit(
                r,
                id,
                location_pointer,
                format!("GKE cluster `{name}` has a zonal control plane in {location} (nodes in {}): during a zone outage or a control-plane upgrade nothing can be deployed, scaled or healed, and a zonal cluster cannot be made regional later", node_zones.join(", ")),
            )
            .lowered(1, "nodes span several zones: running pods keep serving while the control plane is down"),
        );
    } else if node_zones.len() == 1 {
        hits.push(hit(
            r,
            id,
            nodes_pointer,
            format!("GKE cluster `{name}` is regional but all its nodes are in one zone ({}): a zone outage stops every workload while the control plane stays up with nowhere to schedule", node_zones[0]),
        ));
    }
}

fn gke_modules(ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
    for (id, r) in common::modules_of(ctx, Known::GoogleGke) {
        let regional = match facts::input(r, Known::GoogleGke, "regional").bool() {
            Ok(v) => v.unwrap_or(true),
            Err(o) => {
                hits.push(unknown(r, id, "/regional", "whether the control plane is regional", &o));
                continue;
            }
        };
        let zones_input = facts::input(r, Known::GoogleGke, "zones");
        let zones_node = zones_input.node();
        let zones = zones_node.and_then(zone_list);
        let unknown_zones = match &zones_input {
            facts::Input::Unknown(o) => Some(o.clone()),
            _ => zones_node.and_then(facts::first_unknown).filter(|_| zones.is_none()),
        };
        let location = if regional {
            Fact::of(r.node.get("region")).text().ok().flatten().unwrap_or_else(|| "its region".into())
        } else {
            zones.as_ref().and_then(|z| z.first().cloned()).unwrap_or_else(|| "its first zone".into())
        };
        // Node pools may set their own node_locations.
        let mut node_zones: Vec<String> = Vec::new();
        let mut pool_unknown = None;
        let pools = r.node.get("node_pools").map(Node::items).unwrap_or_default();
        let pools_with_locations = pools.iter().filter(|p| p.get("node_locations").is_some()).count();
        for p in pools {
            if let Some(n) = p.get("node_locations") {
                match zone_list(n) {
                    Some(z) => node_zones.extend(z),
                    None => pool_unknown = facts::first_unknown(n),
                }
            }
        }
        if pools_with_locations < pools.len() || pools.is_empty() {
            match &zones {
                Some(z) if !z.is_empty() => node_zones.extend(z.iter().cloned()),
                Some(_) => {
                    // No zones: every zone of the region (regional), or the
                    // zone Google picks (zonal).
                    if regional {
                        continue;
                    }
                }
                None => pool_unknown = pool_unknown.or(unknown_zones.clone()),
            }
        }
        node_zones.sort();
        node_zones.dedup();
        report(r, id, hits, !regional, &location, &node_zones, pool_unknown, "/regional", "/zones");
    }
}

fn aks(ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
    for (id, r) in facts::of_kind(ctx, "azurerm_kubernetes_cluster") {
        let pointer = "/default_node_pool/zones";
        match r.node.pointer(pointer) {
            Some(z) if facts::is_unknown(z) => {
                hits.push(unknown(r, id, pointer, "in how many zones the default node pool runs", &facts::unknown_origin(z).unwrap_or_default()));
            }
            Some(z) if z.items().len() >= 2 => {}
            z => hits.push(hit(
                r,
                id,
                if z.is_some() { pointer } else { "/default_node_pool" },
                format!(
                    "AKS cluster `{}` has its default node pool in {}: a zone outage or a datacenter failure can take every system pod down",
                    common::name(r),
                    if z.is_some_and(|z| z.items().len() == 1) { "one availability zone" } else { "no availability zones (zones is not set)" }
                ),
            )),
        }
        let tier = r.node.get("sku_tier").and_then(Node::as_str).unwrap_or("Free");
        if tier == "Free" && facts::non_production(r).is_none() {
            hits.push(
                Hit::resource(
                    id,
                    if r.node.get("sku_tier").is_some() { "/sku_tier" } else { "" },
                    format!(
                        "AKS cluster `{}` is on the Free tier: its control plane has no uptime SLA",
                        common::name(r)
                    ),
                )
                .with_severity(Severity::Info, "the Free tier is a support and SLA matter, not a single point of failure by itself"),
            );
        }
    }
    for (id, r) in facts::of_kind(ctx, "azurerm_kubernetes_cluster_node_pool") {
        match r.node.get("zones") {
            Some(z) if facts::is_unknown(z) => {
                hits.push(unknown(r, id, "/zones", "in how many zones the node pool runs", &facts::unknown_origin(z).unwrap_or_default()));
            }
            Some(z) if z.items().len() >= 2 => {}
            z => hits.push(hit(
                r,
                id,
                if z.is_some() { "/zones" } else { "" },
                format!(
                    "AKS node pool `{}` is not spread over availability zones: a zone outage stops every pod scheduled on it",
                    common::name(r)
                ),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_zone;

    #[test]
    fn zones_and_regions() {
        assert!(is_zone("us-central1-a"));
        assert!(is_zone("europe-west4-b"));
        assert!(!is_zone("us-central1"));
        assert!(!is_zone("eu"));
    }
}
