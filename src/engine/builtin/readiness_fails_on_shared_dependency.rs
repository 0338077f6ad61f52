//! HEALTH-004, probe side: a readiness probe that checks a dependency every
//! replica shares. When it blips, all pods turn unready together, the
//! Service is left with no endpoints, and clients get connection errors
//! instead of degraded answers.
//!
//! Reported: exec probes running the client of a remote system, requests
//! sent to another host, paths naming a dependency or deep check, and (at
//! low severity) Spring Boot's aggregate `/actuator/health`, which includes
//! every dependency indicator the app has. A readiness endpoint or a plain
//! `/health` is what readiness should use and is not reported.

use super::liveness_checks_dependencies::self_names;
use super::probe_targets::{self, Dependency, PathKind};
use crate::engine::{Ctx, Hit};
use crate::finding::Severity;

pub struct Check;

const TRADE_OFF: &str = "That is right only if the app can answer nothing useful without it; otherwise keep readiness local and let the app degrade (cached or partial answers, or a fast 503 from the app, which keeps error accounting honest)";

impl super::BuiltinCheck for Check {
    fn slug(&self) -> &'static str {
        "readiness-fails-on-shared-dependency"
    }

    fn run(&self, ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
        for w in &ctx.graph.workloads {
            if w.kind.is_batch() || !w.serving() {
                continue;
            }
            let r = &ctx.inv.resources[w.resource];
            for (ci, c) in w.containers.iter().enumerate() {
                if c.init || c.sidecar || !w.serves[ci] {
                    continue;
                }
                let Some(node) = r.node.pointer(&c.pointer) else {
                    continue;
                };
                let Some(probe) = node.get("readinessProbe") else {
                    continue;
                };
                let me = self_names(ctx.inv, w, r, &c.image.repository);
                let who = format!("container `{}` of {} `{}`", c.name, r.kind, r.name);
                let service = ctx.inv.resources[w.services[0]].name.as_str();
                let all_out = format!(
                    "every replica turns unready at the same moment, Service `{service}` is left with no endpoints and clients get connection errors instead of degraded answers"
                );
                for dep in probe_targets::inspect(probe, node, &me) {
                    let (message, low) = match &dep {
                        Dependency::Exec(call) => (
                            format!(
                                "{who} runs `{}` as its readinessProbe, a check of the {} at `{}` that all replicas share: when it is slow or down, {all_out}. {TRADE_OFF}",
                                call.command, call.system, call.host
                            ),
                            false,
                        ),
                        Dependency::Host { host, .. } => (
                            format!(
                                "{who} sends its readinessProbe to host `{host}` instead of the pod: when `{host}` is slow or down, {all_out}. {TRADE_OFF}"
                            ),
                            false,
                        ),
                        Dependency::Path {
                            path,
                            kind: PathKind::Dependency(word),
                        } => (
                            format!(
                                "{who} uses `{path}` for its readinessProbe, a `{word}` check of dependencies: when a shared dependency is slow or down, {all_out}. {TRADE_OFF}"
                            ),
                            false,
                        ),
                        Dependency::Path {
                            path,
                            kind: PathKind::SpringAggregate,
                        } => (
                            format!(
                                "{who} uses Spring Boot's aggregate `{path}` for its readinessProbe: it includes every health indicator the app has (database, Redis, broker, circuit breakers...), so when a shared one is down {all_out}. Point readiness at `{}/readiness` and add only the indicators this instance cannot serve without. {TRADE_OFF}",
                                path.trim_end_matches('/')
                            ),
                            true,
                        ),
                        Dependency::Path { .. } => continue,
                    };
                    let mut hit = Hit::resource(
                        w.resource,
                        format!("{}/readinessProbe{}", c.pointer, dep.pointer()),
                        message,
                    );
                    if low {
                        hit = hit.with_severity(
                            Severity::Low,
                            "the aggregate endpoint includes shared dependencies only when the app has their health indicators, which the manifest does not show",
                        );
                    }
                    hits.push(hit);
                    break;
                }
            }
        }
    }
}
