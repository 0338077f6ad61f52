//! HEALTH-002, probe side: a liveness probe that depends on something
//! outside the container. A liveness failure restarts the container, so a
//! liveness probe that checks a shared database, cache or downstream
//! service restarts every replica at once when that dependency blips, and
//! crash-loop back-off stretches the blip into an outage.
//!
//! Reported: Spring Boot's aggregate `/actuator/health`, paths naming a
//! dependency or deep check (`db`, `deps`, `deep`, `check-all`), the
//! readiness endpoint, `httpGet.host` set to another machine, and exec
//! probes running the client of a remote system (`pg_isready -h db`,
//! `redis-cli -h cache`, `curl http://auth/`). A plain `/health` or
//! `/healthz` is reported as info: the manifest does not show what it checks.
//!
//! App side (the Spring config linked to the workload, see
//! `model::appconfig`): the health indicators of remote systems the
//! aggregate endpoint includes are named in the message; a path that the
//! config shows to be the aggregate (a custom base path or mapping, or
//! `/healthz` mapped to it) is reported like `/actuator/health`, high when
//! the config shows dependency indicators in it; and a
//! `management.endpoint.health.group.liveness.include` that lists remote
//! indicators (`db`, `redis`, `mongo`, `rabbit`, `circuitBreakers`...) is
//! reported at that key, with or without a manifest.

use super::appconfig_support::{Adjust, Emitter, is_aggregate, on_group};
use super::probe_targets::{self, Dependency, PathKind, SelfNames};
use crate::engine::{Ctx, Hit};
use crate::finding::Severity;
use crate::model::appconfig::spring;
use crate::model::appconfig::view::App;
use crate::model::graph::Workload;
use crate::model::{Inventory, Resource};

pub struct Check;

impl super::BuiltinCheck for Check {
    fn slug(&self) -> &'static str {
        "liveness-checks-dependencies"
    }

    fn run(&self, ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
        let apps = ctx.derived.apps(true);
        let mut config_side = Emitter::default();
        for (wid, w) in ctx.graph.workloads.iter().enumerate() {
            if w.kind.is_batch() {
                continue;
            }
            let r = &ctx.inv.resources[w.resource];
            for c in &w.containers {
                // Plain init containers have no liveness; native sidecars do.
                if c.init && !c.sidecar {
                    continue;
                }
                let Some(node) = r.node.pointer(&c.pointer) else {
                    continue;
                };
                let Some(probe) = node.get("livenessProbe") else {
                    continue;
                };
                let me = self_names(ctx.inv, w, r, &c.image.repository);
                let deps = probe_targets::inspect(probe, node, &me);
                let who = format!("container `{}` of {} `{}`", c.name, r.kind, r.name);
                let app = apps
                    .configured(wid)
                    .filter(|a| a.container.as_deref() == Some(c.pointer.as_str()));
                let probe_path = probe
                    .path(&["httpGet", "path"])
                    .and_then(crate::yaml::Node::scalar_text);
                // The app's config says what the probed path is.
                let dep = match (deps.first(), app, &probe_path) {
                    (Some(Dependency::Path { kind, .. }), Some(app), Some(path))
                        if matches!(kind, PathKind::Generic | PathKind::Other)
                            && is_aggregate(app, path) =>
                    {
                        Dependency::Path {
                            path: path.clone(),
                            kind: PathKind::SpringAggregate,
                        }
                    }
                    (None, Some(app), Some(path)) => {
                        if is_aggregate(app, path) {
                            Dependency::Path {
                                path: path.clone(),
                                kind: PathKind::SpringAggregate,
                            }
                        } else {
                            if on_group(&spring::health_paths(app).liveness, path) {
                                liveness_group(app, Some(&who), &mut config_side);
                            }
                            continue;
                        }
                    }
                    (Some(d), _, _) => d.clone(),
                    (None, _, _) => continue,
                };
                let dep = &dep;
                let Some((mut message, mut info)) = describe(&who, dep) else {
                    continue;
                };
                if let (
                    Some(app),
                    Dependency::Path {
                        kind: PathKind::SpringAggregate,
                        ..
                    },
                ) = (app, dep)
                {
                    let indicators = spring::indicators(app);
                    if indicators.is_empty() {
                        message.push_str(&format!(
                            ". The app's configuration shows no indicator of a remote system in it, but any such dependency on the classpath adds one {}",
                            app.note()
                        ));
                    } else {
                        info = false;
                        message.push_str(&format!(
                            ". The app's configuration shows these indicators in it: {} {}",
                            spring::list_indicators(&indicators),
                            app.note()
                        ));
                        message = app.redact(&message);
                    }
                }
                let mut hit = Hit::resource(
                    w.resource,
                    format!("{}/livenessProbe{}", c.pointer, dep.pointer()),
                    message,
                );
                if info {
                    hit = hit.with_severity(
                        Severity::Info,
                        "a plain health endpoint may be shallow; only the application's health configuration shows whether it checks dependencies",
                    );
                } else if !w.serving() {
                    hit = hit.lowered(
                        1,
                        "no Service routes traffic to it: a restart storm delays its work instead of failing user requests",
                    );
                }
                hits.push(hit);
            }
        }
        for app in apps.apps.iter().filter(|a| a.has_config) {
            liveness_group(app, None, &mut config_side);
        }
        config_side.finish(hits);
    }
}

/// `management.endpoint.health.group.liveness.include` with indicators of
/// remote systems.
fn liveness_group(app: &App, probe: Option<&str>, out: &mut Emitter) {
    let Some((external, s)) = spring::group_external(app, "liveness") else {
        return;
    };
    if external.is_empty() {
        return;
    }
    let by = match probe {
        Some(who) => format!("{who} probes this group"),
        None => "a liveness probe on this group".to_string(),
    };
    out.at(
        app,
        s,
        format!(
            "the liveness health group includes {} (`{}`): {by}, so when one of them is slow or down, {RESTART_STORM}. Keep the liveness group to `livenessState` (the default) and move dependencies to readiness, or to nothing",
            external
                .iter()
                .map(|e| format!("`{e}`"))
                .collect::<Vec<_>>()
                .join(", "),
            s.key
        ),
        Adjust::none(),
    );
}

/// The workload's own names (a probe through its own Service reaches itself).
pub fn self_names(inv: &Inventory, w: &Workload, r: &Resource, image: &str) -> SelfNames {
    let mut names = vec![r.name.clone()];
    names.extend(w.services.iter().map(|s| inv.resources[*s].name.clone()));
    SelfNames {
        names,
        image: image.to_ascii_lowercase(),
    }
}

const RESTART_STORM: &str = "every replica fails liveness at the same moment and the kubelet restarts them all together; crash-loop back-off then stretches a short blip into minutes of outage";

/// The message, and whether the finding is only informational.
fn describe(who: &str, dep: &Dependency) -> Option<(String, bool)> {
    Some(match dep {
        Dependency::Exec(call) => (
            format!(
                "{who} runs `{}` as its livenessProbe, a check of the {} at `{}`{}: when it is slow or down, {RESTART_STORM}",
                call.command,
                call.system,
                call.host,
                if call.known {
                    ""
                } else {
                    " (a host set by configuration)"
                },
            ),
            false,
        ),
        Dependency::Host { host, .. } => (
            format!(
                "{who} sends its livenessProbe to host `{host}` instead of the pod: the kubelet restarts the container whenever `{host}` does not answer, so when it is slow or down {RESTART_STORM}"
            ),
            false,
        ),
        Dependency::Path { path, kind } => match kind {
            PathKind::SpringAggregate => (
                format!(
                    "{who} uses `{path}` for its livenessProbe: Spring Boot's aggregate health includes every health indicator the app has (database, Redis, broker, discovery client...), so when one of them is down {RESTART_STORM}; point liveness at `{}/liveness`",
                    path.trim_end_matches('/')
                ),
                false,
            ),
            PathKind::Dependency(word) => (
                format!(
                    "{who} uses `{path}` for its livenessProbe, a `{word}` check of dependencies: when a dependency is slow or down, {RESTART_STORM}"
                ),
                false,
            ),
            PathKind::Readiness => (
                format!(
                    "{who} uses the readiness endpoint `{path}` for its livenessProbe: whatever makes the pod unready (a dependency down, overload, warm-up) now restarts it, and when the cause is shared {RESTART_STORM}"
                ),
                false,
            ),
            PathKind::Generic => (
                format!(
                    "{who} uses `{path}` for its livenessProbe: if that endpoint checks the database, caches or downstream services, a blip of one of them restarts every replica at once. Make sure it only reports whether the process itself is alive"
                ),
                true,
            ),
            PathKind::Other => return None,
        },
    })
}
