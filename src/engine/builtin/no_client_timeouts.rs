//! DEPEND-001: calls to remote systems without a deadline. Without a
//! timeout a slow dependency holds the caller's threads and connections
//! until the caller itself collapses.
//!
//! Reported, from application config and the workloads' environment:
//! - Spring Cloud Gateway routes with no response timeout (no
//!   `httpclient.response-timeout`, no per-route `metadata.response-timeout`,
//!   no CircuitBreaker filter, whose time limiter defaults to 1 s);
//! - client timeouts explicitly set to 0 (no timeout at all), in Spring
//!   keys or `*_TIMEOUT`-style variables of client settings;
//! - Hikari `connection-timeout` of 0 or above 30 s;
//! - a JDBC URL to a network database with no socket timeout and no query
//!   or transaction timeout (one level lower: code may set it);
//! - Feign clients with no read timeout, left at OpenFeign's 60 s (one level
//!   lower);
//! - HTTP dependencies named in the application's own config with no client
//!   timeout anywhere (Spring Boot's `spring.http.client.read-timeout`, a
//!   resilience4j time limiter, Hystrix, a timeout key of the app, a mesh
//!   route timeout): "unverified", one level lower, since a client bean in
//!   code may set it.

use super::appconfig_support::{Adjust, Emitter, list};
use crate::engine::{Ctx, Hit};
use crate::model::appconfig::duration::{self, MS};
use crate::model::appconfig::mesh::{Mesh, fqdn};
use crate::model::appconfig::spring::{self, Via};
use crate::model::appconfig::view::{App, Setting};

pub struct Check;

const UNVERIFIED: &str = "unverified: a timeout set in code (a RestTemplate/WebClient/RestClient builder, a client bean) does not show in configuration";

impl super::BuiltinCheck for Check {
    fn slug(&self) -> &'static str {
        "no-client-timeouts"
    }

    fn run(&self, ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
        let apps = ctx.derived.apps(true);
        if apps.apps.is_empty() {
            return;
        }
        let mesh = ctx.derived.mesh();
        let mut out = Emitter::default();
        for app in &apps.apps {
            zero_timeouts(app, &mut out);
            hikari(app, &mut out);
            jdbc(app, &mut out);
            if app.has_config {
                gateway(app, &mut out);
                feign(app, &mut out);
                undeclared(ctx, app, mesh, &mut out);
            }
        }
        out.finish(hits);
    }
}

/// Words of client timeouts in keys and variable names.
const CLIENT_WORDS: &[&str] = &[
    "connecttimeout",
    "readtimeout",
    "responsetimeout",
    "sockettimeout",
    "requesttimeout",
    "querytimeout",
    "statementtimeout",
    "calltimeout",
    "clienttimeout",
    "httptimeout",
    "upstreamtimeout",
    "dbtimeout",
    "databasetimeout",
];
/// Timeouts that are not a client's deadline.
const NOT_CLIENT: &[&str] = &[
    "idle",
    "keepalive",
    "shutdown",
    "grace",
    "session",
    "cache",
    "ttl",
    "lock",
    "lease",
    "server",
    "heartbeat",
    "poll",
    "eviction",
    "lifetime",
    "validation",
    "leak",
];

fn zero_timeouts(app: &App, out: &mut Emitter) {
    for s in &app.settings {
        if !s.known {
            continue;
        }
        let sq = s.squashed();
        let client = CLIENT_WORDS.iter().any(|w| sq.contains(w))
            || (sq.starts_with("ribbon") && sq.ends_with("timeout"))
            || (s.from_env
                && sq.ends_with("timeout")
                && (sq.contains("client") || sq.contains("http")));
        if !client || NOT_CLIENT.iter().any(|w| sq.contains(w)) {
            continue;
        }
        let v = app.resolve(&s.value);
        let Some(secs) = duration::seconds(&v, MS) else {
            continue;
        };
        if secs != 0.0 {
            continue;
        }
        out.at(
            app,
            s,
            format!(
                "{} is `{}`: a timeout of 0 means no timeout at all, so a dependency that stops answering holds the calling thread and connection forever; set a deadline below the caller's own (connect 1-3 s, read under the request's SLO)",
                app.at(s),
                app.show(s)
            ),
            Adjust::none(),
        );
    }
}

fn hikari(app: &App, out: &mut Emitter) {
    if spring::jdbc_url(app).is_none() {
        return;
    }
    let Some(s) = app.get("spring.datasource.hikari.connection-timeout") else {
        return;
    };
    let Some(secs) = spring::secs(app, s, MS) else {
        return;
    };
    if secs == 0.0 {
        out.at(
            app,
            s,
            format!(
                "{} is 0: HikariCP then waits without limit for a free connection, so when the database is slow every request thread queues on the pool; keep it at a few seconds (default 30 s)",
                app.at(s)
            ),
            Adjust::none(),
        );
    } else if secs > 30.0 {
        out.at(
            app,
            s,
            format!(
                "{} is {}: a request waits that long for a pooled connection when the database is slow or the pool exhausted, far beyond any request deadline; keep it at a few seconds, below the request's own timeout",
                app.at(s),
                duration::show(secs)
            ),
            Adjust::none(),
        );
    }
}

/// Parameters of a JDBC URL (`?a=b&c=d` or `;a=b`), lowercase names.
fn url_params(url: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let rest = url.split_once('?').map(|(_, q)| q).unwrap_or("");
    let semi = url.split_once(';').map(|(_, q)| q).unwrap_or("");
    for part in rest.split('&').chain(semi.split(';')) {
        if let Some((k, v)) = part.split_once('=') {
            out.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    out
}

fn jdbc(app: &App, out: &mut Emitter) {
    let Some((s, url)) = spring::jdbc_url(app) else {
        return;
    };
    let params = url_params(&url);
    let in_url = params.iter().any(|(k, v)| {
        (k == "sockettimeout" || k == "querytimeout" || k == "oracle.jdbc.readtimeout")
            && v.trim() != "0"
            || (k == "options" && v.contains("statement_timeout"))
    });
    let elsewhere = app.first(&[
        "spring.datasource.hikari.data-source-properties.socketTimeout",
        "spring.datasource.hikari.data-source-properties.queryTimeout",
        "spring.datasource.hikari.data-source-properties.oracle.jdbc.ReadTimeout",
        "spring.datasource.hikari.data-source-properties.oracle.net.READ_TIMEOUT",
        "spring.jpa.properties.javax.persistence.query.timeout",
        "spring.jpa.properties.jakarta.persistence.query.timeout",
        "spring.jpa.properties.hibernate.query.timeout",
        "spring.transaction.default-timeout",
        "spring.jdbc.template.query-timeout",
        "spring.datasource.hikari.connection-init-sql",
    ]);
    if in_url || elsewhere.is_some() {
        return;
    }
    let system = spring::system_of_url(&url);
    let param = match system {
        "PostgreSQL" => "`socketTimeout=<seconds>` (PgJDBC)",
        "MySQL" | "MariaDB" => "`socketTimeout=<ms>` (Connector/J)",
        "SQL Server" => "`socketTimeout=<ms>`",
        _ => "a socket/read timeout",
    };
    out.at(
        app,
        s,
        format!(
            "{} connects to {system} with no socket timeout, and no query or transaction timeout is configured: when the database host hangs (network partition, failover, a stuck query) the query blocks its thread until the kernel gives up on the TCP connection, which takes minutes, and the request threads pile up; add {param} to the URL or set `spring.transaction.default-timeout`",
            app.at(s)
        ),
        Adjust::lower(
            "unverified: a query timeout set in code (@Transactional(timeout), JdbcTemplate#setQueryTimeout) does not show in configuration",
        ),
    );
}

fn is_cb_filter(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n == "circuitbreaker" || n == "hystrix" || n == "springcloudcircuitbreaker"
}

fn gateway(app: &App, out: &mut Emitter) {
    let (routes, defaults) = spring::gateway(app);
    if routes.is_empty() {
        return;
    }
    let global = spring::GATEWAY_PREFIXES
        .iter()
        .find_map(|p| app.get(&format!("{p}.httpclient.response-timeout")));
    if global.is_some() || defaults.iter().any(|f| is_cb_filter(&f.name)) {
        return;
    }
    let uncovered: Vec<&spring::GatewayRoute<'_>> = routes
        .iter()
        .filter(|r| {
            spring::url_host(&app.resolve(&r.uri.value)).is_some()
                && r.response_timeout.is_none()
                && !r.filters.iter().any(|f| is_cb_filter(&f.name))
        })
        .collect();
    let Some(first) = uncovered.first() else {
        return;
    };
    let names: Vec<String> = uncovered
        .iter()
        .map(|r| r.id.clone().unwrap_or_else(|| app.show(r.uri)))
        .collect();
    let adjust = if spring::custom_timeouts(app).is_empty() {
        Adjust::none()
    } else {
        Adjust::lower(format!(
            "{UNVERIFIED}; the app has its own timeout settings"
        ))
    };
    out.at(
        app,
        first.uri,
        format!(
            "Spring Cloud Gateway route{} {} {} no response timeout: neither `spring.cloud.gateway.httpclient.response-timeout`, a per-route `metadata.response-timeout` nor a CircuitBreaker filter bounds {}, so a slow backend holds gateway connections and memory until the client gives up, and one slow service degrades every route; set a response timeout below the callers' deadline",
            if names.len() > 1 { "s" } else { "" },
            list(&names, 6),
            if names.len() > 1 { "have" } else { "has" },
            if names.len() > 1 { "them" } else { "it" },
        ),
        adjust,
    );
}

fn feign(app: &App, out: &mut Emitter) {
    if spring::hystrix_enabled(app) || app.get("ribbon.ReadTimeout").is_some() {
        return;
    }
    for prefix in [
        "spring.cloud.openfeign.client.config",
        "feign.client.config",
    ] {
        let clients = app.children(prefix);
        if clients.is_empty() {
            continue;
        }
        let read = |name: &str| app.get(&format!("{prefix}.{name}.read-timeout"));
        if read("default").is_some() {
            return;
        }
        let missing: Vec<(String, &Setting)> = clients
            .iter()
            .filter(|(n, _)| read(n).is_none())
            .map(|(n, s)| (app.child_spelling(prefix, n), *s))
            .collect();
        let Some((_, at)) = missing.first() else {
            return;
        };
        let names: Vec<String> = missing.iter().map(|(n, _)| n.clone()).collect();
        out.at(
            app,
            at,
            format!(
                "Feign client{} {} {} no read-timeout (and no `default` one): OpenFeign waits 60 s for a response by default, far longer than a request should wait on one dependency; set `{prefix}.default.read-timeout` (and `connect-timeout`) below the caller's deadline",
                if names.len() > 1 { "s" } else { "" },
                list(&names, 6),
                if names.len() > 1 { "have" } else { "has" },
            ),
            Adjust::lower("OpenFeign's default read timeout is 60 s: too long, but not unbounded"),
        );
        return;
    }
}

fn undeclared(ctx: &Ctx<'_>, app: &App, mesh: &Mesh, out: &mut Emitter) {
    let deps: Vec<spring::Dependency<'_>> = spring::dependencies(app, true)
        .into_iter()
        .filter(|d| d.via == Via::Property)
        .collect();
    if deps.is_empty()
        || app.first(spring::GLOBAL_READ_TIMEOUTS).is_some()
        || spring::has_time_limiter(app)
        || spring::hystrix_enabled(app)
        || !spring::custom_timeouts(app).is_empty()
    {
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
    let uncovered: Vec<&spring::Dependency<'_>> = deps
        .iter()
        .filter(|d| {
            let host = fqdn(&d.host, &ns);
            !mesh.routes_for(&host).any(|r| r.timeout.is_some())
                && !mesh.profile_routes_for(&host).any(|r| r.timeout.is_some())
        })
        .collect();
    let Some(first) = uncovered.first() else {
        return;
    };
    let hosts: Vec<String> = uncovered.iter().map(|d| d.host.clone()).collect();
    out.at(
        app,
        first.setting,
        format!(
            "the app calls {} ({}) but no client timeout is configured: no `spring.http.client.read-timeout`/`connect-timeout` (Spring Boot 3.4+), no resilience4j time limiter, no timeout on a VirtualService or ServiceProfile for {}. A RestTemplate or RestClient without timeouts waits forever for a response, so a slow dependency ties up request threads until the caller collapses; set connect and read timeouts below the caller's deadline",
            list(&hosts, 5),
            app.at(first.setting),
            if hosts.len() > 1 { "them" } else { "it" },
        ),
        Adjust::lower(UNVERIFIED),
    );
}
