//! HEALTH-008: a compose service waits for a stateful dependency (a
//! database, cache or broker, by its image or the base image of the
//! Dockerfile it builds) only to start (`depends_on` short syntax or
//! `condition: service_started`), and has no restart policy. After a host
//! reboot it can start before the dependency accepts connections, exit,
//! and stay down.

use super::compose_support::{for_environment, hit, services, who};
use crate::engine::{Ctx, Hit};
use crate::model::compose::{self, Restart};

pub struct Check;

impl super::BuiltinCheck for Check {
    fn slug(&self) -> &'static str {
        "compose-depends-on-not-healthy"
    }

    fn run(&self, ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
        let all = services(ctx);
        let by_name: std::collections::HashMap<(&str, &str), usize> = all
            .iter()
            .enumerate()
            .rev()
            .map(|(i, (_, d, _))| ((d.namespace.as_str(), d.name.as_str()), i))
            .collect();
        for (id, r, facts) in &all {
            if compose::restart(&r.node) == Restart::Yes {
                continue;
            }
            for dep in compose::depends_on(&r.node) {
                if dep.condition != "service_started" {
                    continue;
                }
                let Some((_, d, _)) = by_name
                    .get(&(r.namespace.as_str(), dep.service.as_str()))
                    .map(|&i| &all[i])
                else {
                    continue;
                };
                let Some((engine, _)) = compose::engine(ctx.inv, d) else {
                    continue;
                };
                let how = if dep.short {
                    "`depends_on` without a condition"
                } else {
                    "`condition: service_started`"
                };
                let message = format!(
                    "{} waits for `{}` ({}) only to start ({how}), and has no restart policy: after a host reboot it can start before {} accepts connections, fail, exit and stay down. Wait for `condition: service_healthy` (with a healthcheck on `{}`) and set `restart: unless-stopped`",
                    who(r),
                    d.name,
                    engine.display,
                    engine.display,
                    d.name
                );
                hits.push(for_environment(hit(ctx, *id, &dep.pointer, message), facts));
            }
        }
    }
}
