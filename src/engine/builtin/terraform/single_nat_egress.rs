//! SPOF-009: private subnets in several zones that all leave the VPC
//! through one NAT gateway. Raw resources (one NAT gateway that the route
//! tables of subnets in two or more zones point their routes at), and the
//! VPC module with `single_nat_gateway = true`. High when serving workloads
//! call endpoints outside the VPC; creview cannot see that from Terraform,
//! so findings are medium with the reason said.

use super::common::{self, hit, unknown};
use crate::engine::{Ctx, Hit};
use crate::model::terraform::facts::{self, ZoneCount, Zones};
use crate::model::terraform::modules::Known;
use crate::yaml::Node;
use std::collections::BTreeMap;

const EGRESS_UNKNOWN: &str =
    "creview cannot tell from Terraform whether serving workloads call endpoints outside the VPC (high if they do)";

pub fn run(ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
    raw(ctx, hits);
    for (id, r) in common::modules_of(ctx, Known::AwsVpc) {
        let enabled = facts::input(r, Known::AwsVpc, "enable_nat_gateway").bool();
        let single = facts::input(r, Known::AwsVpc, "single_nat_gateway").bool();
        match (enabled, single) {
            (Ok(Some(false)) | Ok(None), _) => continue,
            (Err(o), _) => {
                hits.push(unknown(r, id, "/enable_nat_gateway", "whether the VPC has NAT gateways", &o));
                continue;
            }
            (_, Ok(Some(true))) => {}
            (_, Ok(_)) => continue,
            (_, Err(o)) => {
                hits.push(unknown(r, id, "/single_nat_gateway", "whether every zone shares one NAT gateway", &o));
                continue;
            }
        }
        let azs = r.node.get("azs");
        let zones = facts::zones(r, azs, true);
        match zones.count() {
            ZoneCount::One => continue,
            ZoneCount::AtLeastTwo => {}
            ZoneCount::Unknown(o) => {
                hits.push(unknown(r, id, "/azs", "in how many zones the VPC has private subnets", &o));
                continue;
            }
        }
        hits.push(
            hit(
                r,
                id,
                "/single_nat_gateway",
                format!(
                    "module `{}` ({}) routes the private subnets of {} zones through a single NAT gateway: an outage of its zone cuts egress (external APIs, package and image pulls, SaaS) for every zone",
                    common::name(r),
                    Known::AwsVpc.name(),
                    zones.known.len().max(zones.opaque.len())
                ),
            )
            .lowered(1, EGRESS_UNKNOWN),
        );
    }
}

fn raw(ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
    // NAT gateways per configuration.
    let mut by_config: BTreeMap<&str, Vec<(usize, &crate::model::Resource)>> = BTreeMap::new();
    for (id, r) in facts::of_kind(ctx, "aws_nat_gateway") {
        // Private NAT gateways do not carry internet egress.
        if r.node.get("connectivity_type").and_then(Node::as_str) == Some("private") {
            continue;
        }
        by_config.entry(r.namespace.as_str()).or_default().push((id, r));
    }
    for gateways in by_config.values() {
        let total: Result<usize, String> = gateways
            .iter()
            .map(|(_, r)| facts::instances(r))
            .try_fold(0, |a, n| n.map(|n| a + n));
        let Ok(1) = total else {
            continue;
        };
        let Some(&(id, nat)) = gateways.iter().find(|(_, r)| facts::instances(r) == Ok(1)) else {
            continue;
        };
        // Route tables whose routes go to this gateway.
        let mut tables: Vec<String> = Vec::new();
        for (_, rt) in common::same_config(ctx, nat, "aws_route_table") {
            let routes = rt.node.get("route");
            if common::value_refers_to(routes, &nat.name) {
                tables.push(rt.name.clone());
            }
        }
        for (_, route) in common::referencing(ctx, nat, "aws_route", "/nat_gateway_id") {
            if let Some(t) = route
                .node
                .get("route_table_id")
                .and_then(facts::unknown_origin)
                .and_then(|t| facts::ref_address(&t).map(|x| x.1))
            {
                tables.push(t);
            }
        }
        if tables.is_empty() {
            continue;
        }
        let mut zones = Zones {
            placements: Some(0),
            ..Default::default()
        };
        for (_, a) in common::same_config(ctx, nat, "aws_route_table_association") {
            if !tables.iter().any(|t| common::value_refers_to(a.node.get("route_table_id"), t)) {
                continue;
            }
            for subnet in facts::per_instance(a, "subnet_id") {
                zones.merge(&facts::zones(a, subnet, false));
            }
        }
        match zones.count() {
            ZoneCount::AtLeastTwo => hits.push(
                hit(
                    nat,
                    id,
                    "",
                    format!(
                        "NAT gateway `{}` is the only one: the private subnets of {} zones route their egress through it, so an outage of its zone cuts egress for every zone",
                        common::name(nat),
                        zones.known.len().max(zones.opaque.len())
                    ),
                )
                .lowered(1, EGRESS_UNKNOWN),
            ),
            ZoneCount::One => {}
            ZoneCount::Unknown(o) => {
                if zones.placements.unwrap_or(2) >= 2 {
                    hits.push(unknown(nat, id, "", "whether subnets in several zones share this NAT gateway", &o));
                }
            }
        }
    }
}
