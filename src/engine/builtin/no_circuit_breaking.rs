//! DEPEND-004: an application calls a remote HTTP dependency with nothing
//! to fail fast when it is down: no circuit breaker in the app and no
//! outlier detection or connection-pool limit in the mesh. Callers then
//! queue behind the failing dependency instead of degrading.
//!
//! Dependencies: gateway routes, Zuul routes, Feign clients and URLs in the
//! application's own properties. Covered by: a CircuitBreaker (or Hystrix)
//! filter on the gateway route or in `default-filters`; Zuul service-id
//! routes (Hystrix-wrapped); any resilience4j circuit breaker, Hystrix or
//! Spring Cloud CircuitBreaker settings in the app (which calls they guard
//! is decided in code); an Istio DestinationRule for the host with
//! `outlierDetection` or `connectionPool`. Dependencies known only from
//! properties are "unverified" and one level lower: an annotation in code
//! (`@CircuitBreaker`) does not show in configuration.

use super::appconfig_support::{Adjust, Emitter, each_configured_app, list};
use crate::engine::{Ctx, Hit};
use crate::model::appconfig::mesh::{Mesh, fqdn};
use crate::model::appconfig::spring::{self, Via};
use crate::model::appconfig::view::App;

pub struct Check;

impl super::BuiltinCheck for Check {
    fn slug(&self) -> &'static str {
        "no-circuit-breaking"
    }

    fn run(&self, ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
        each_configured_app(ctx, hits, check_app);
    }
}

fn is_cb_filter(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n == "circuitbreaker" || n == "hystrix" || n == "springcloudcircuitbreaker"
}

fn app_breakers(app: &App) -> bool {
    app.under("resilience4j.circuitbreaker").next().is_some()
        || app.under("spring.cloud.circuitbreaker").next().is_some()
        || spring::hystrix_enabled(app)
}

fn check_app(ctx: &Ctx<'_>, app: &App, mesh: &Mesh, out: &mut Emitter) {
    let deps = spring::dependencies(app, true);
    if deps.is_empty() {
        return;
    }
    let ns = app
        .workloads
        .first()
        .map(|w| {
            ctx.inv.resources[ctx.graph.workloads[*w].resource]
                .namespace
                .clone()
        })
        .unwrap_or_else(|| "default".into());
    let (routes, defaults) = spring::gateway(app);
    let default_cb = defaults.iter().any(|f| is_cb_filter(&f.name));
    let breakers = app_breakers(app);
    let mut uncovered = Vec::new();
    for d in &deps {
        let host = fqdn(&d.host, &ns);
        if mesh
            .policies_for(&host)
            .any(|p| p.outlier.is_some() || p.connection_pool)
        {
            continue;
        }
        let covered = match &d.via {
            Via::GatewayRoute(prefix) => {
                default_cb
                    || routes
                        .iter()
                        .find(|r| &r.prefix == prefix)
                        .is_some_and(|r| r.filters.iter().any(|f| is_cb_filter(&f.name)))
            }
            Via::ZuulService(_) => true,
            Via::ZuulUrl(_) | Via::Feign(_) | Via::Property => breakers,
        };
        if !covered {
            uncovered.push(d);
        }
    }
    let Some(first) = uncovered.first() else {
        return;
    };
    let hosts: Vec<String> = {
        let mut h: Vec<String> = uncovered.iter().map(|d| d.host.clone()).collect();
        h.dedup();
        h
    };
    let config_only = uncovered
        .iter()
        .all(|d| matches!(d.via, Via::GatewayRoute(_) | Via::ZuulUrl(_)));
    let how = match &first.via {
        Via::GatewayRoute(_) => "gateway route".to_string(),
        Via::ZuulUrl(n) => format!("Zuul route `{n}`"),
        Via::ZuulService(n) => format!("Zuul route `{n}`"),
        Via::Feign(n) => format!("Feign client `{n}`"),
        Via::Property => app.at(first.setting),
    };
    let adjust = if config_only {
        Adjust::none()
    } else {
        Adjust::lower(
            "unverified: a circuit breaker declared in code (@CircuitBreaker, a CircuitBreakerFactory) does not show in configuration",
        )
    };
    out.at(
        app,
        first.setting,
        format!(
            "the app calls {} (first: {how}) with nothing that fails fast when {} down: no circuit breaker in its configuration{} and no DestinationRule with `outlierDetection` or `connectionPool` for {}. Requests then queue behind a failing dependency until threads and connections run out; add a circuit breaker with a fallback (resilience4j `circuitbreaker.instances`, a gateway CircuitBreaker filter) or mesh outlier detection and connection-pool limits",
            list(&hosts, 5),
            if hosts.len() > 1 { "they are" } else { "it is" },
            if matches!(first.via, Via::GatewayRoute(_)) {
                " (no CircuitBreaker filter on the route or in default-filters)"
            } else {
                ""
            },
            if hosts.len() > 1 { "them" } else { "it" },
        ),
        adjust,
    );
}
