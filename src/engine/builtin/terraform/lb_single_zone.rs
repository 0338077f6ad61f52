//! SPOF-010: a load balancer in one zone: `aws_lb` (and `aws_alb`) whose
//! `subnets` or `subnet_mapping` cover fewer than two zones (possible for
//! network and gateway load balancers; application load balancers need
//! two), and the alb module's `subnets`. High when it is internet-facing
//! (the public entry point).

use super::common::{self, hit, unknown};
use crate::engine::{Ctx, Hit};
use crate::finding::Severity;
use crate::model::terraform::facts::{self, ZoneCount};
use crate::model::terraform::modules::Known;
use crate::model::{Resource, ResourceId};
use crate::yaml::{Node, Value};

pub fn run(ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
    for (id, r) in common::all_of(ctx, &["aws_lb", "aws_alb"]) {
        let (pointer, subnets) = match (r.node.get("subnets"), r.node.get("subnet_mapping")) {
            (Some(s), _) => ("/subnets", Some(s.clone())),
            (None, Some(m)) => {
                let list: Vec<Node> = match &m.value {
                    Value::Seq(items) => items.iter().filter_map(|i| i.get("subnet_id").cloned()).collect(),
                    _ => m.get("subnet_id").cloned().into_iter().collect(),
                };
                (
                    "/subnet_mapping",
                    Some(Node {
                        value: Value::Seq(list),
                        pos: m.pos,
                    }),
                )
            }
            (None, None) => continue,
        };
        let internal = r.node.get("internal").and_then(Node::as_bool).unwrap_or(false);
        check(hits, id, r, pointer, subnets.as_ref(), internal, "load balancer");
    }
    for (id, r) in common::modules_of(ctx, Known::AwsAlb) {
        let Some(subnets) = r.node.get("subnets") else {
            continue;
        };
        let internal = facts::input(r, Known::AwsAlb, "internal").bool().ok().flatten().unwrap_or(false);
        check(hits, id, r, "/subnets", Some(subnets), internal, "module");
    }
}

fn check(
    hits: &mut Vec<Hit>,
    id: ResourceId,
    r: &Resource,
    pointer: &str,
    subnets: Option<&Node>,
    internal: bool,
    what: &str,
) {
    let z = facts::zones(r, subnets, false);
    match z.count() {
        ZoneCount::AtLeastTwo => {}
        ZoneCount::One => {
            let mut h = hit(
                r,
                id,
                pointer,
                format!(
                    "{what} `{}` has its nodes in one availability zone: a zone outage takes down {} even when the targets behind it run in other zones",
                    common::name(r),
                    if internal { "this internal entry point" } else { "the public entry point" }
                ),
            );
            if !internal && facts::non_production(r).is_none() {
                h = h.with_severity(Severity::High, "it is internet-facing: the public entry point of the service");
            }
            hits.push(h);
        }
        ZoneCount::Unknown(o) => hits.push(unknown(r, id, pointer, "in how many zones the load balancer runs", &o)),
    }
}
