//! ROLLOUT-004, Terraform side: `aws_ecs_service` without
//! `deployment_circuit_breaker { enable = true, rollback = true }`. Services
//! deployed by CodeDeploy (blue/green) or an external controller are not
//! reported: their rollback lives there.

use super::common::{self, hit, unknown};
use crate::engine::{Ctx, Hit};
use crate::model::terraform::facts::{self, Fact};

pub fn run(ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
    for (id, r) in facts::of_kind(ctx, "aws_ecs_service") {
        match Fact::of(r.node.pointer("/deployment_controller/type")).text() {
            Ok(Some(t)) if t == "CODE_DEPLOY" || t == "EXTERNAL" => continue,
            Ok(_) => {}
            Err(o) => {
                hits.push(unknown(
                    r,
                    id,
                    "/deployment_controller/type",
                    "which controller deploys the service",
                    &o,
                ));
                continue;
            }
        }
        let Some(cb) = r.node.get("deployment_circuit_breaker") else {
            hits.push(hit(
                r,
                id,
                "",
                format!(
                    "ECS service `{}` has no deployment_circuit_breaker: a task definition whose tasks never become healthy keeps being retried, and going back to the last good version waits for a person",
                    common::name(r)
                ),
            ));
            continue;
        };
        if let Some(o) = cb.get("@dynamic").and_then(facts::unknown_origin) {
            hits.push(unknown(
                r,
                id,
                "/deployment_circuit_breaker",
                "whether the circuit breaker is configured",
                &o,
            ));
            continue;
        }
        let enable = common::bool_or(cb.get("enable"), false);
        let rollback = common::bool_or(cb.get("rollback"), false);
        match (enable, rollback) {
            (Ok(true), Ok(true)) => {}
            (Ok(false), _) => hits.push(hit(
                r,
                id,
                "/deployment_circuit_breaker/enable",
                format!(
                    "ECS service `{}` turns its deployment circuit breaker off: a failing deployment is retried until someone stops it",
                    common::name(r)
                ),
            )),
            (Ok(true), Ok(false)) => hits.push(hit(
                r,
                id,
                "/deployment_circuit_breaker/rollback",
                format!(
                    "ECS service `{}` stops failing deployments but does not roll them back (rollback is not true): the service stays on the failed version until someone redeploys the last good one",
                    common::name(r)
                ),
            )),
            (Err(o), _) => hits.push(unknown(r, id, "/deployment_circuit_breaker/enable", "whether failed deployments are stopped", &o)),
            (_, Err(o)) => hits.push(unknown(r, id, "/deployment_circuit_breaker/rollback", "whether failed deployments roll back", &o)),
        }
    }
}
