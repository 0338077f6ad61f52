//! ROLLOUT-004: a deployment nothing rolls back automatically.
//! - Argo Rollouts: a canary with no background analysis, no analysis
//!   step, no experiment running analyses and no indefinite pause (a manual
//!   gate): timed pauses alone promote whatever is running when they end.
//! - ECS (Terraform side, `terraform/ecs_rollback.rs`): services without a
//!   deployment circuit breaker that rolls back.

use crate::engine::{Ctx, Hit};
use crate::yaml::Node;

pub struct Check;

impl super::BuiltinCheck for Check {
    fn slug(&self) -> &'static str {
        "no-automatic-rollback"
    }

    fn run(&self, ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
        for &id in ctx.graph.of_kind("Rollout") {
            let r = &ctx.inv.resources[id];
            let Some(canary) = r.node.path(&["spec", "strategy", "canary"]) else {
                continue;
            };
            if judged(canary) {
                continue;
            }
            let steps = canary.get("steps").map(Node::items).unwrap_or_default();
            hits.push(Hit::resource(
                id,
                "/spec/strategy/canary",
                format!(
                    "Rollout `{}` runs a canary {} with no analysis and no manual pause: a version that passes readiness but fails requests is promoted to every replica when the timed pauses end, and rolling it back waits for someone to notice",
                    r.name,
                    if steps.is_empty() {
                        "with no steps, so it goes straight to 100%,".to_string()
                    } else {
                        format!("through {} steps", steps.len())
                    }
                ),
            ));
        }
        #[cfg(feature = "terraform")]
        super::terraform::ecs_rollback::run(ctx, hits);
    }
}

/// Something can stop or reverse the promotion: background analysis, an
/// analysis step, an experiment step with analyses, or an indefinite pause
/// (`pause: {}`) that waits for a person to promote.
fn judged(canary: &Node) -> bool {
    canary.get("analysis").is_some()
        || canary
            .get("steps")
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .any(|s| {
                s.get("analysis").is_some()
                    || s.get("experiment")
                        .and_then(|e| e.get("analyses"))
                        .is_some()
                    || s.get("pause").is_some_and(|p| p.get("duration").is_none())
            })
}
