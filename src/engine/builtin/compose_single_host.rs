//! SPOF-011: a production compose service that runs on one Docker host with
//! nothing to spread its replicas across hosts (no Swarm `deploy.mode:
//! global` or `deploy.placement`, `deploy.replicas` absent or 1). The host's
//! kernel, disk, Docker daemon upgrades and reboots are the service's. One-shot
//! services are not reported; development stacks are info.

use super::compose_support::{for_environment, hit, services, who};
use crate::engine::{Ctx, Hit};
use crate::model::datastore::int;
use crate::yaml::Node;

pub struct Check;

impl super::BuiltinCheck for Check {
    fn slug(&self) -> &'static str {
        "compose-single-host"
    }

    fn run(&self, ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
        for (id, r, facts) in services(ctx) {
            if facts.one_shot().is_some() {
                continue;
            }
            let deploy = r.node.get("deploy");
            let get = |k: &str| deploy.and_then(|d| d.get(k)).filter(|v| !v.is_null());
            let global = get("mode").and_then(Node::as_str) == Some("global");
            let replicas = int(get("replicas"));
            if global || get("placement").is_some() || replicas.is_some_and(|n| n >= 2) {
                continue;
            }
            let (pointer, what) = match replicas {
                Some(n) => ("/deploy/replicas", format!("`deploy.replicas: {n}`")),
                None => ("", "one container".to_string()),
            };
            let message = format!(
                "{} runs {what} on a single Docker host: a host failure, a kernel or Docker daemon upgrade, or a reboot takes it down together with everything else on that host, for as long as it takes to bring the host back or rebuild it",
                who(r)
            );
            hits.push(for_environment(hit(ctx, id, pointer, message), &facts));
        }
    }
}
