//! HEALTH-009: a group behind a load balancer that never replaces an
//! instance whose application is dead. Auto Scaling groups attached to a
//! load balancer with `health_check_type` other than `ELB` (the default is
//! `EC2`: only the VM is checked), and GCE managed instance groups used as
//! load-balancer backends without `auto_healing_policies`.

use super::common::{self, hit, unknown};
use crate::engine::{Ctx, Hit};
use crate::model::terraform::facts::{self, Fact};

pub fn run(ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
    for (id, r) in facts::of_kind(ctx, "aws_autoscaling_group") {
        let kind = Fact::of(r.node.get("health_check_type")).text();
        if let Ok(Some(k)) = &kind
            && (k == "ELB" || k == "VPC_LATTICE")
        {
            continue;
        }
        match common::asg_attached(ctx, r) {
            Ok(true) => {}
            Ok(false) => continue,
            Err(o) => {
                hits.push(unknown(r, id, "/target_group_arns", "whether the group serves a load balancer", &o));
                continue;
            }
        }
        match kind {
            Ok(k) => hits.push(hit(
                r,
                id,
                "/health_check_type",
                format!(
                    "Auto Scaling group `{}` serves a load balancer but checks only the VM ({}): an instance whose application hangs stays in the group, out of rotation, and capacity is silently lost instead of replaced",
                    common::name(r),
                    match k {
                        Some(k) => format!("health_check_type = {k:?}"),
                        None => "health_check_type defaults to EC2".into(),
                    }
                ),
            )),
            Err(o) => hits.push(unknown(r, id, "/health_check_type", "whether the group uses the load balancer's health checks", &o)),
        }
    }
    let backends: Vec<&crate::model::Resource> = common::all_of(
        ctx,
        &["google_compute_backend_service", "google_compute_region_backend_service"],
    )
    .map(|(_, b)| b)
    .collect();
    for (id, r) in common::all_of(
        ctx,
        &["google_compute_instance_group_manager", "google_compute_region_instance_group_manager"],
    ) {
        let backend = backends
            .iter()
            .any(|b| b.namespace == r.namespace && common::value_refers_to(b.node.get("backend"), &r.name));
        if !backend {
            continue;
        }
        if r.node.pointer("/auto_healing_policies/health_check").is_some() {
            continue;
        }
        hits.push(hit(
            r,
            id,
            if r.node.get("auto_healing_policies").is_some() { "/auto_healing_policies" } else { "" },
            format!(
                "managed instance group `{}` is a load-balancer backend without auto_healing_policies: a VM whose application hangs is taken out of rotation but never recreated",
                common::name(r)
            ),
        ));
    }
}
