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
//!
//! App side (the Spring config linked to the workload, see
//! `model::appconfig`): a readiness probe on the aggregate endpoint is
//! medium when the config shows indicators of remote systems in it (named
//! in the message), and a path the config shows to be the aggregate counts
//! as one. Without a manifest: `management.endpoint.health.group
//! .readiness.include` listing remote indicators, and service discovery
//! that routes by the aggregate health (`eureka.client.healthcheck.enabled`,
//! Consul's health check, which uses `/actuator/health` by default) when
//! the aggregate includes shared dependencies (spring-boot#15479).

use super::appconfig_support::{Adjust, Emitter, is_aggregate, on_group};
use super::liveness_checks_dependencies::self_names;
use super::probe_targets::{self, Dependency, PathKind};
use crate::engine::{Ctx, Hit};
use crate::finding::Severity;
use crate::model::appconfig::spring;
use crate::model::appconfig::view::App;
use crate::yaml::Node;

pub struct Check;

const TRADE_OFF: &str = "That is right only if the app can answer nothing useful without it; otherwise keep readiness local and let the app degrade (cached or partial answers, or a fast 503 from the app, which keeps error accounting honest)";

impl super::BuiltinCheck for Check {
    fn slug(&self) -> &'static str {
        "readiness-fails-on-shared-dependency"
    }

    fn run(&self, ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
        let apps = ctx.derived.apps(true);
        let mut config_side = Emitter::default();
        for (wid, w) in ctx.graph.workloads.iter().enumerate() {
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
                let app = apps
                    .configured(wid)
                    .filter(|a| a.container.as_deref() == Some(c.pointer.as_str()));
                let probe_path = probe.path(&["httpGet", "path"]).and_then(Node::scalar_text);
                let mut deps = probe_targets::inspect(probe, node, &me);
                if let (Some(app), Some(path)) = (app, &probe_path) {
                    let aggregate = is_aggregate(app, path);
                    for d in deps.iter_mut() {
                        if let Dependency::Path { kind, .. } = d
                            && aggregate
                        {
                            *kind = PathKind::SpringAggregate;
                        }
                    }
                    if aggregate && !deps.iter().any(|d| matches!(d, Dependency::Path { .. })) {
                        deps.push(Dependency::Path {
                            path: path.clone(),
                            kind: PathKind::SpringAggregate,
                        });
                    }
                    if !aggregate && on_group(&spring::health_paths(app).readiness, path) {
                        readiness_group(app, Some(&who), &mut config_side);
                    }
                }
                for dep in deps {
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
                        } => {
                            let base = format!(
                                "{who} uses Spring Boot's aggregate `{path}` for its readinessProbe: it includes every health indicator the app has (database, Redis, broker, circuit breakers...), so when a shared one is down {all_out}. Point readiness at `{}/readiness` and add only the indicators this instance cannot serve without. {TRADE_OFF}",
                                path.trim_end_matches('/')
                            );
                            match app {
                                Some(app) => {
                                    let ind = spring::indicators(app);
                                    if ind.is_empty() {
                                        (base, true)
                                    } else {
                                        (
                                            app.redact(&format!(
                                                "{base}. The app's configuration shows these indicators in it: {} {}",
                                                spring::list_indicators(&ind),
                                                app.note()
                                            )),
                                            false,
                                        )
                                    }
                                }
                                None => (base, true),
                            }
                        }
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
        for app in apps.apps.iter().filter(|a| a.has_config) {
            readiness_group(app, None, &mut config_side);
            discovery(app, &mut config_side);
        }
        config_side.finish(hits);
    }
}

/// `management.endpoint.health.group.readiness.include` with indicators of
/// shared remote systems.
fn readiness_group(app: &App, probe: Option<&str>, out: &mut Emitter) {
    let Some((external, s)) = spring::group_external(app, "readiness") else {
        return;
    };
    if external.is_empty() {
        return;
    }
    let by = match probe {
        Some(who) => format!("{who} probes this group, so"),
        None => "where a readiness probe uses this group,".to_string(),
    };
    out.at(
        app,
        s,
        format!(
            "the readiness health group includes {} (`{}`), dependencies every replica shares: {by} when one of them blips every replica turns unready at the same moment and the Service is left with no endpoints, so clients get connection errors instead of degraded answers. {TRADE_OFF}",
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

/// Service discovery that takes instances out by the aggregate health.
fn discovery(app: &App, out: &mut Emitter) {
    let indicators = spring::indicators(app);
    if indicators.is_empty() {
        return;
    }
    let eureka = app
        .get("eureka.client.healthcheck.enabled")
        .filter(|s| app.resolve(&s.value).trim() == "true");
    let consul = || {
        let base = "spring.cloud.consul.discovery";
        if app.value(&format!("{base}.enabled")).as_deref() == Some("false")
            || app
                .value(&format!("{base}.register-health-check"))
                .as_deref()
                == Some("false")
            || app.value("spring.cloud.consul.enabled").as_deref() == Some("false")
        {
            return None;
        }
        match app.get(&format!("{base}.health-check-path")) {
            Some(s) => is_aggregate(app, &app.resolve(&s.value)).then_some(s),
            None => app
                .under(base)
                .next()
                .or_else(|| app.under("spring.cloud.consul").next()),
        }
    };
    let (s, registry) = match (eureka, consul()) {
        (Some(s), _) => (s, "Eureka (`eureka.client.healthcheck.enabled`)"),
        (None, Some(s)) => (s, "Consul's health check of the aggregate endpoint"),
        _ => return,
    };
    out.at(
        app,
        s,
        format!(
            "{registry} takes instances out of discovery by the aggregate health, which includes {}: when one of these blips every instance is marked down at the same moment and callers find no instance at all (spring-boot#15479). {TRADE_OFF}; point the registry's health check at the readiness group",
            spring::list_indicators(&indicators)
        ),
        Adjust::none(),
    );
}
