//! HEALTH-011: a long-running compose service with no restart policy
//! (`restart` absent or `"no"`, the compose default, and no Swarm
//! `deploy.restart_policy`). One crash leaves it down until someone notices
//! and starts it again. One-shot services (migrations, init jobs) are meant
//! to exit and stay down; they are not reported.

use super::compose_support::{for_environment, hit, services, who};
use crate::engine::{Ctx, Hit};
use crate::model::compose::{Restart, restart};

pub struct Check;

impl super::BuiltinCheck for Check {
    fn slug(&self) -> &'static str {
        "compose-no-restart-policy"
    }

    fn run(&self, ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
        for (id, r, facts) in services(ctx) {
            if facts.one_shot().is_some() {
                continue;
            }
            let (pointer, how) = match restart(&r.node) {
                Restart::Yes => continue,
                Restart::No if r.node.get("restart").is_some() => ("/restart", "`restart: \"no\"`"),
                Restart::No => (
                    "/deploy/restart_policy/condition",
                    "`deploy.restart_policy.condition: none`",
                ),
                Restart::Absent => ("", "no restart policy (compose's default is `no`)"),
            };
            let message = format!(
                "{} has {how}: the first crash (an OOM kill, a panic, an uncaught exception) or a Docker daemon restart leaves it down until someone notices and starts it again",
                who(r)
            );
            hits.push(for_environment(hit(ctx, id, pointer, message), &facts));
        }
    }
}
