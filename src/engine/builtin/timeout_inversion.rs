//! DEPEND-006: deadlines that do not shrink inward. When an inner timeout
//! is not shorter than the outer one, the outer layer gives up while the
//! inner work goes on: capacity is spent on abandoned requests, and
//! retries overlap with the attempts they replace.
//!
//! Reported:
//! - Istio routes whose `retries.attempts x perTryTimeout` exceeds the
//!   route `timeout` (or whose perTryTimeout is not shorter than it);
//! - Hystrix timeouts shorter than what Ribbon may spend (read + connect
//!   timeout x (MaxAutoRetries+1) x (MaxAutoRetriesNextServer+1)), the
//!   mismatch Spring Cloud Netflix itself warns about;
//! - an application's inner timeouts (HTTP client read timeouts, Feign,
//!   resilience4j time limiters, Hystrix, the gateway's response timeout,
//!   Spring MVC async and transaction timeouts, Hikari `connection-timeout`,
//!   30 s by default) not shorter than an outer deadline in front of it: a
//!   VirtualService timeout on its Service, an ingress-nginx
//!   `proxy-read-timeout`, or the response timeout of a gateway routing to
//!   it.

use super::appconfig_support::{Adjust, Emitter};
use crate::engine::{Ctx, Hit};
use crate::model::appconfig::duration::{self, MS, SECONDS};
use crate::model::appconfig::mesh::{Mesh, fqdn};
use crate::model::appconfig::spring;
use crate::model::appconfig::view::{App, Apps, Setting};

pub struct Check;

impl super::BuiltinCheck for Check {
    fn slug(&self) -> &'static str {
        "timeout-inversion"
    }

    fn run(&self, ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
        let mesh = ctx.derived.mesh();
        istio_routes(ctx, mesh, hits);
        let apps = ctx.derived.apps(true);
        let gateways = gateway_deadlines(apps);
        let mut out = Emitter::default();
        for app in apps.apps.iter().filter(|a| a.has_config) {
            hystrix_ribbon(app, &mut out);
            outer_inner(ctx, &gateways, app, mesh, &mut out);
        }
        out.finish(hits);
    }
}

fn istio_routes(ctx: &Ctx<'_>, mesh: &Mesh, hits: &mut Vec<Hit>) {
    for r in &mesh.routes {
        let (Some(timeout), Some(per_try)) = (r.timeout, r.retries.per_try_timeout) else {
            continue;
        };
        if r.retries.default || r.retries.attempts < 1 {
            continue;
        }
        let attempts = r.retries.attempts as f64;
        let vs = &ctx.inv.resources[r.vs].name;
        let problem = if per_try >= timeout {
            format!(
                "its perTryTimeout {} is not shorter than the route timeout {}: the first try uses the whole budget and the {} retries never run",
                duration::show(per_try),
                duration::show(timeout),
                r.retries.attempts
            )
        } else if attempts * per_try > timeout {
            format!(
                "{} attempts x perTryTimeout {} = {} exceed the route timeout {}: the last retries are cut off mid-flight while the backend still works on them",
                r.retries.attempts,
                duration::show(per_try),
                duration::show(attempts * per_try),
                duration::show(timeout)
            )
        } else {
            continue;
        };
        hits.push(Hit::resource(
            r.vs,
            format!("{}/perTryTimeout", r.retries.pointer),
            format!(
                "VirtualService `{vs}`: {problem}; make attempts x perTryTimeout fit inside the timeout"
            ),
        ));
    }
}

fn hystrix_ribbon(app: &App, out: &mut Emitter) {
    let hystrix_key = "hystrix.command.default.execution.isolation.thread.timeoutInMilliseconds";
    let hystrix = app.get(hystrix_key);
    let read = app.get("ribbon.ReadTimeout");
    let connect = app.get("ribbon.ConnectTimeout");
    if hystrix.is_none() && read.is_none() && connect.is_none() {
        return;
    }
    // Only where Ribbon carries the calls (Zuul service routes, Feign).
    let uses_ribbon = app.under("zuul.routes").next().is_some()
        || app.under("feign").next().is_some()
        || read.is_some()
        || connect.is_some();
    if !uses_ribbon
        || app
            .value("hystrix.command.default.execution.timeout.enabled")
            .as_deref()
            == Some("false")
    {
        return;
    }
    let ms = |s: Option<&Setting>, default: f64| {
        s.and_then(|s| spring::secs(app, s, MS)).unwrap_or(default)
    };
    let count = |k: &str, default: f64| {
        app.value(k)
            .and_then(|v| v.trim().parse::<f64>().ok())
            .unwrap_or(default)
    };
    let h = ms(hystrix, 1.0);
    let ribbon = (ms(read, 1.0) + ms(connect, 1.0))
        * (count("ribbon.MaxAutoRetries", 0.0) + 1.0)
        * (count("ribbon.MaxAutoRetriesNextServer", 1.0) + 1.0);
    if h >= ribbon {
        return;
    }
    let Some(at) = hystrix.or(read).or(connect) else {
        return;
    };
    out.at(
        app,
        at,
        format!(
            "the Hystrix timeout ({}{}) is shorter than what Ribbon may spend on one call: (ReadTimeout {} + ConnectTimeout {}) x (MaxAutoRetries+1) x (MaxAutoRetriesNextServer+1) = {}. Hystrix gives up and returns its fallback while Ribbon keeps waiting and retrying on another instance, work nobody will use; raise the Hystrix timeout above the Ribbon total or lower the Ribbon timeouts and retries",
            duration::show(h),
            if hystrix.is_none() { ", the default" } else { "" },
            duration::show(ms(read, 1.0)),
            duration::show(ms(connect, 1.0)),
            duration::show(ribbon)
        ),
        Adjust::none(),
    );
}

/// A deadline in front of an application.
struct Outer {
    what: String,
    secs: f64,
}

/// Response timeouts of gateway applications per backend host (first
/// label): (gateway app name, host, seconds).
fn gateway_deadlines(apps: &Apps) -> Vec<(String, String, f64)> {
    let mut out = Vec::new();
    for g in apps.apps.iter().filter(|a| a.has_config) {
        let (routes, _) = spring::gateway(g);
        if routes.is_empty() {
            continue;
        }
        let global = spring::GATEWAY_PREFIXES
            .iter()
            .find_map(|p| g.get(&format!("{p}.httpclient.response-timeout")));
        for r in &routes {
            let Some((host, _)) = spring::url_host(&g.resolve(&r.uri.value)) else {
                continue;
            };
            let first = host.split('.').next().unwrap_or(&host).to_string();
            if let Some(t) = r
                .response_timeout
                .or(global)
                .and_then(|s| spring::secs(g, s, MS))
            {
                out.push((g.name.clone(), first, t));
            }
        }
    }
    out
}

fn outers(ctx: &Ctx<'_>, gateways: &[(String, String, f64)], app: &App, mesh: &Mesh) -> Vec<Outer> {
    let mut out = Vec::new();
    let mut hosts: Vec<String> = vec![app.name.to_ascii_lowercase()];
    for &w in &app.workloads {
        let wl = &ctx.graph.workloads[w];
        for &s in &wl.services {
            let svc = &ctx.inv.resources[s];
            hosts.push(svc.name.to_ascii_lowercase());
            let host = fqdn(&svc.name, &svc.namespace);
            for r in mesh.routes_for(&host) {
                if let Some(t) = r.timeout {
                    out.push(Outer {
                        what: format!(
                            "the timeout of VirtualService `{}`",
                            ctx.inv.resources[r.vs].name
                        ),
                        secs: t,
                    });
                }
            }
        }
        for &i in &wl.ingresses {
            let ing = &ctx.inv.resources[i];
            if let Some(v) = ing.annotation("nginx.ingress.kubernetes.io/proxy-read-timeout")
                && let Some(t) = duration::seconds(v, SECONDS)
            {
                out.push(Outer {
                    what: format!("the proxy-read-timeout of Ingress `{}`", ing.name),
                    secs: t,
                });
            }
        }
    }
    // Gateways routing to it.
    for (g, host, t) in gateways {
        if *g != app.name && hosts.contains(host) {
            out.push(Outer {
                what: format!("the response timeout of gateway `{g}`"),
                secs: *t,
            });
        }
    }
    out
}

/// Timeouts inside an application: (setting, seconds, defaulted, what).
fn inners<'a>(app: &'a App) -> Vec<(&'a Setting, f64, bool, String)> {
    let mut out = Vec::new();
    let mut add = |s: &'a Setting, unit: f64, what: &str| {
        if let Some(t) = spring::secs(app, s, unit)
            && t > 0.0
        {
            out.push((s, t, false, what.to_string()));
        }
    };
    for k in spring::GLOBAL_READ_TIMEOUTS {
        if let Some(s) = app.get(k) {
            add(s, MS, "the HTTP client read timeout");
        }
    }
    for prefix in [
        "spring.cloud.openfeign.client.config",
        "feign.client.config",
    ] {
        for (name, _) in app.children(prefix) {
            if let Some(s) = app.get(&format!("{prefix}.{name}.read-timeout")) {
                add(s, MS, "a Feign read timeout");
            }
        }
    }
    for kind in ["configs", "instances"] {
        let prefix = format!("resilience4j.timelimiter.{kind}");
        for (name, _) in app.children(&prefix) {
            if let Some(s) = app.get(&format!("{prefix}.{name}.timeout-duration")) {
                add(s, MS, "a resilience4j time limiter");
            }
        }
    }
    for p in spring::GATEWAY_PREFIXES {
        if let Some(s) = app.get(&format!("{p}.httpclient.response-timeout")) {
            add(s, MS, "the gateway's response timeout");
        }
    }
    if let Some(s) =
        app.get("hystrix.command.default.execution.isolation.thread.timeoutInMilliseconds")
    {
        add(s, MS, "the Hystrix timeout");
    }
    if let Some(s) = app.get("spring.mvc.async.request-timeout") {
        add(s, MS, "the Spring MVC async request timeout");
    }
    if let Some(s) = app.get("spring.transaction.default-timeout") {
        add(s, SECONDS, "the transaction timeout");
    }
    if let Some((url, _)) = spring::jdbc_url(app) {
        match app.get("spring.datasource.hikari.connection-timeout") {
            Some(s) => add(s, MS, "Hikari's connection-timeout"),
            None => out.push((url, 30.0, true, "Hikari's connection-timeout".to_string())),
        }
    }
    out
}

fn outer_inner(
    ctx: &Ctx<'_>,
    gateways: &[(String, String, f64)],
    app: &App,
    mesh: &Mesh,
    out: &mut Emitter,
) {
    let outers = outers(ctx, gateways, app, mesh);
    let Some(outer) = outers.iter().min_by(|a, b| a.secs.total_cmp(&b.secs)) else {
        return;
    };
    for (s, secs, defaulted, what) in inners(app) {
        if secs < outer.secs {
            continue;
        }
        let value = if defaulted {
            format!(
                "{} (the default, as {} sets none)",
                duration::show(secs),
                app.at(s)
            )
        } else {
            format!("{} at {}", duration::show(secs), app.at(s))
        };
        out.at(
            app,
            s,
            format!(
                "{what} is {value}, not shorter than {} ({}): when a dependency is slow the caller has already given up while this app keeps waiting and working on the abandoned request, and the caller's retry overlaps with it; deadlines must shrink inward, so set it below {}",
                outer.what,
                duration::show(outer.secs),
                duration::show(outer.secs)
            ),
            Adjust::none(),
        );
    }
}
