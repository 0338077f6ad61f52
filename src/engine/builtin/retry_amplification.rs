//! DEPEND-003: several layers retry the same call, so the attempts
//! multiply: an app that tries 3 times through a mesh that tries 3 times
//! sends 9 requests to a dependency that is already failing.
//!
//! App layers: resilience4j retries (an instance applies to the dependency
//! it is named after, or to the app's only HTTP dependency) and Spring Cloud
//! Gateway Retry filters (the route's backend). Mesh layer: Istio retries of
//! the VirtualService routing the host, or Istio's default of 2 retries when
//! a VirtualService without `retries` routes it or the calling workload
//! evidently runs with an Istio sidecar (injection label, ambient mode,
//! istio-proxy container). Reported when attempts multiply to 4 or more;
//! one level lower when the mesh retries only connection failures.

use super::appconfig_support::{Adjust, Emitter, each_configured_app};
use crate::engine::{Ctx, Hit};
use crate::model::appconfig::mesh::{self, ISTIO_DEFAULT_RETRY_ON, Mesh, fqdn};
use crate::model::appconfig::spring;
use crate::model::appconfig::view::{App, Setting};

pub struct Check;

impl super::BuiltinCheck for Check {
    fn slug(&self) -> &'static str {
        "retry-amplification"
    }

    fn run(&self, ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
        each_configured_app(ctx, hits, check_app);
    }
}

/// One retrying layer of the app: what it retries, how many attempts in
/// total, and where it is configured.
struct Layer<'a> {
    what: String,
    host: String,
    /// The host is an HTTP dependency the config names (not a guess from
    /// the retry's name).
    known: bool,
    attempts: i64,
    setting: &'a Setting,
}

fn app_layers<'a>(app: &'a App) -> Vec<Layer<'a>> {
    let deps = spring::dependencies(app, false);
    let mut out = Vec::new();
    let target = |name: &str| -> Option<(String, bool)> {
        let n = name.to_ascii_lowercase();
        deps.iter()
            .find(|d| d.host == n || d.host.split('.').next() == Some(n.as_str()))
            .map(|d| (d.host.clone(), true))
            .or_else(|| {
                let mut hosts: Vec<&str> = deps.iter().map(|d| d.host.as_str()).collect();
                hosts.dedup();
                (hosts.len() == 1).then(|| (hosts[0].to_string(), true))
            })
            .or(Some((n, false)))
    };
    for r in spring::r4j_retries(app) {
        if r.max_attempts < 2 {
            continue;
        }
        let names: Vec<String> = match r.kind {
            "instances" => vec![r.name.clone()],
            _ => r.users.clone(),
        };
        for name in names {
            if let Some((host, known)) = target(&name) {
                out.push(Layer {
                    what: format!("resilience4j retry `{name}`"),
                    host,
                    known,
                    attempts: r.max_attempts,
                    setting: r.anchor,
                });
            }
        }
    }
    let (routes, defaults) = spring::gateway(app);
    for route in &routes {
        let Some((host, _)) = spring::url_host(&app.resolve(&route.uri.value)) else {
            continue;
        };
        for f in route.filters.iter().chain(defaults.iter()) {
            if !f.name.eq_ignore_ascii_case("retry") {
                continue;
            }
            let retries = f
                .arg("retries")
                .or_else(|| f.arg("_0"))
                .and_then(|v| v.trim().parse::<i64>().ok())
                .unwrap_or(3);
            if retries < 1 {
                continue;
            }
            out.push(Layer {
                what: format!(
                    "the gateway Retry filter of route `{}`",
                    route.id.clone().unwrap_or_else(|| route.prefix.clone())
                ),
                host: host.clone(),
                known: true,
                attempts: retries + 1,
                setting: f.setting,
            });
        }
    }
    out
}

/// Whether a host is a Service of the input, seen from the caller.
fn in_input(ctx: &Ctx<'_>, host: &str, ns: &str, caller: Option<usize>) -> bool {
    caller.is_some_and(|w| {
        super::container_env::service_for_host(ctx.graph, host, ns, ctx.graph.workloads[w].resource)
            .is_some()
    })
}

fn connect_only(retry_on: &str) -> bool {
    retry_on.split(',').all(|c| {
        matches!(
            c.trim(),
            "connect-failure" | "refused-stream" | "reset" | "reset-before-request"
        )
    })
}

fn check_app(ctx: &Ctx<'_>, app: &App, mesh: &Mesh, out: &mut Emitter) {
    let layers = app_layers(app);
    if layers.is_empty() {
        return;
    }
    let caller = app.workloads.first().copied();
    let ns = caller
        .map(|w| {
            ctx.inv.resources[ctx.graph.workloads[w].resource]
                .namespace
                .clone()
        })
        .unwrap_or_else(|| "default".into());
    let sidecar = caller.and_then(|w| mesh::istio_evidence(ctx.inv, ctx.graph, w));
    for l in layers {
        let host = fqdn(&l.host, &ns);
        // The mesh's retries for this host.
        let route = mesh.routes_for(&host).max_by_key(|r| r.retries.attempts);
        let (retries, why, retry_on) = match route {
            Some(r) if r.retries.attempts > 0 => {
                let vs = &ctx.inv.resources[r.vs].name;
                if r.retries.default {
                    (
                        r.retries.attempts,
                        format!(
                            "VirtualService `{vs}` routes `{}` without `retries`, so Istio's default applies: {} retries on {ISTIO_DEFAULT_RETRY_ON}",
                            l.host, r.retries.attempts
                        ),
                        None,
                    )
                } else {
                    (
                        r.retries.attempts,
                        format!(
                            "VirtualService `{vs}` retries `{}` {} times{}",
                            l.host,
                            r.retries.attempts,
                            r.retries
                                .retry_on
                                .as_deref()
                                .map(|o| format!(" on {o}"))
                                .unwrap_or_default()
                        ),
                        r.retries.retry_on.clone(),
                    )
                }
            }
            Some(_) => continue,
            None => match &sidecar {
                Some(e) if l.known || in_input(ctx, &l.host, &ns, caller) => (
                    mesh::ISTIO_DEFAULT_ATTEMPTS,
                    format!(
                        "the caller runs in the Istio mesh ({e}) and no VirtualService sets retries for `{}`, so Istio's default applies: {} retries on {ISTIO_DEFAULT_RETRY_ON}",
                        l.host,
                        mesh::ISTIO_DEFAULT_ATTEMPTS
                    ),
                    None,
                ),
                _ => continue,
            },
        };
        let total = l.attempts.saturating_mul(retries + 1);
        if total < 4 {
            continue;
        }
        let adjust = match retry_on.as_deref() {
            Some(on) if connect_only(on) => Adjust::lower(
                "the mesh retries only connection failures, which a struggling backend answers cheaply",
            ),
            _ => Adjust::none(),
        };
        out.at(
            app,
            l.setting,
            format!(
                "{} makes {} attempts per call to `{}`, and {why}: up to {total} requests ({} x {}) reach `{}` for one call, a retry storm exactly when it is slow or failing; retry at one layer only: set `retries: {{attempts: 0}}` on the VirtualService for hosts the app retries, or drop the app-level retry",
                l.what,
                l.attempts,
                l.host,
                l.attempts,
                retries + 1,
                l.host
            ),
            adjust,
        );
    }
}
