//! What Spring Boot, Spring Cloud, resilience4j and HikariCP do with the
//! settings: which health indicators the aggregate `/actuator/health`
//! includes, where the health endpoints are, which remote systems the
//! application calls (gateway routes, Feign clients, URLs in properties),
//! the datastores it connects to, and the retry policies it configures.
//! Checks read the effective settings of a [`view::App`] through these.

use super::duration::{self, MS};
use super::is_local_host;
use super::keys::squash;
use super::view::{App, Setting};

// ---------------------------------------------------------------------------
// Health

/// A health indicator that checks a remote system, and the setting that
/// shows the application has it.
#[derive(Debug)]
pub struct Indicator<'a> {
    pub name: &'static str,
    pub setting: &'a Setting,
}

/// Indicators Spring Boot (and Spring Cloud) register from configuration,
/// with the properties that create them and the `management.health.<x>`
/// switch that turns them off.
const INDICATORS: &[(&str, &str, &[&str])] = &[
    (
        "db",
        "db",
        &[
            "spring.datasource.url",
            "spring.datasource.jdbc-url",
            "spring.datasource.hikari.jdbc-url",
            "spring.datasource.jndi-name",
            "spring.r2dbc.url",
        ],
    ),
    (
        "redis",
        "redis",
        &[
            "spring.data.redis.host",
            "spring.data.redis.url",
            "spring.data.redis.sentinel.nodes",
            "spring.data.redis.cluster.nodes",
            "spring.redis.host",
            "spring.redis.url",
            "spring.redis.sentinel.nodes",
            "spring.redis.cluster.nodes",
        ],
    ),
    (
        "mongo",
        "mongo",
        &[
            "spring.data.mongodb.uri",
            "spring.data.mongodb.host",
            "spring.mongodb.uri",
        ],
    ),
    (
        "rabbit",
        "rabbit",
        &["spring.rabbitmq.host", "spring.rabbitmq.addresses"],
    ),
    (
        "elasticsearch",
        "elasticsearch",
        &[
            "spring.elasticsearch.uris",
            "spring.elasticsearch.rest.uris",
        ],
    ),
    (
        "cassandra",
        "cassandra",
        &[
            "spring.cassandra.contact-points",
            "spring.data.cassandra.contact-points",
        ],
    ),
    (
        "couchbase",
        "couchbase",
        &["spring.couchbase.connection-string"],
    ),
    ("neo4j", "neo4j", &["spring.neo4j.uri"]),
    ("ldap", "ldap", &["spring.ldap.urls"]),
    ("mail", "mail", &["spring.mail.host"]),
];

/// Names of indicators that check something outside the pod, for health
/// group `include` lists (compared case-insensitively).
pub const EXTERNAL_INDICATORS: &[&str] = &[
    "db",
    "datasource",
    "r2dbc",
    "redis",
    "mongo",
    "rabbit",
    "kafka",
    "elasticsearch",
    "elasticsearchrest",
    "cassandra",
    "couchbase",
    "neo4j",
    "ldap",
    "mail",
    "solr",
    "influxdb",
    "jms",
    "hazelcast",
    "configserver",
    "circuitbreakers",
    "binders",
    "discoverycomposite",
    "eureka",
    "consul",
    "vault",
];

fn truthy(app: &App, key: &str) -> Option<bool> {
    app.value(key)
        .map(|v| v.trim().eq_ignore_ascii_case("true"))
}

fn embedded_db(url: &str) -> bool {
    let u = url.to_ascii_lowercase();
    u.starts_with("jdbc:h2:mem")
        || u.starts_with("jdbc:h2:file")
        || u.starts_with("jdbc:h2:~")
        || u.starts_with("jdbc:hsqldb:mem")
        || u.starts_with("jdbc:hsqldb:file")
        || u.starts_with("jdbc:derby:memory")
        || u.starts_with("jdbc:derby:directory")
        || u.starts_with("jdbc:sqlite")
        || u.starts_with("r2dbc:h2:mem")
}

/// The indicators of remote systems the aggregate health of the
/// application includes, as far as its configuration shows.
pub fn indicators(app: &App) -> Vec<Indicator<'_>> {
    let defaults_off = truthy(app, "management.health.defaults.enabled") == Some(false);
    let enabled = |switch: &str| match truthy(app, &format!("management.health.{switch}.enabled")) {
        Some(v) => v,
        None => !defaults_off,
    };
    let mut out = Vec::new();
    for (name, switch, keys) in INDICATORS {
        if !enabled(switch) {
            continue;
        }
        let Some(s) = app.first(keys) else { continue };
        let v = app.resolve(&s.value);
        if v.trim().is_empty() || (*name == "db" && embedded_db(&v)) {
            continue;
        }
        if (*name == "mail" || *name == "rabbit") && is_local_host(&v) {
            continue;
        }
        out.push(Indicator { name, setting: s });
    }
    // Spring Cloud Config client: DOWN when the config server is.
    if enabled("config")
        && truthy(app, "health.config.enabled") != Some(false)
        && truthy(app, "spring.cloud.config.enabled") != Some(false)
    {
        let import = app
            .get("spring.config.import")
            .filter(|s| app.resolve(&s.value).contains("configserver:"));
        if let Some(s) = import.or_else(|| app.get("spring.cloud.config.uri")) {
            out.push(Indicator {
                name: "configServer",
                setting: s,
            });
        }
    }
    // resilience4j circuit breakers registered as health indicators: an
    // open breaker makes the application DOWN.
    if truthy(app, "management.health.circuitbreakers.enabled") == Some(true)
        && let Some(s) = circuit_breaker_health(app)
    {
        out.push(Indicator {
            name: "circuitBreakers",
            setting: s,
        });
    }
    out
}

/// A resilience4j circuit breaker registered as a health indicator that may
/// fail (`registerHealthIndicator: true`, `allowHealthIndicatorToFail` not
/// false).
fn circuit_breaker_health(app: &App) -> Option<&Setting> {
    for kind in ["configs", "instances"] {
        let prefix = format!("resilience4j.circuitbreaker.{kind}");
        for (name, _) in app.children(&prefix) {
            let key = |f: &str| format!("{prefix}.{name}.{f}");
            if let Some(s) = app.get(&key("register-health-indicator"))
                && app.resolve(&s.value).trim() == "true"
                && app.value(&key("allow-health-indicator-to-fail")).as_deref() != Some("false")
            {
                return Some(s);
            }
        }
    }
    None
}

/// Paths of the health endpoints on the application's port(s).
#[derive(Debug, Clone)]
pub struct HealthPaths {
    pub aggregate: Vec<String>,
    pub liveness: Vec<String>,
    pub readiness: Vec<String>,
}

fn norm_path(p: &str) -> String {
    let mut out = String::from("/");
    out.push_str(
        &p.split('/')
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("/"),
    );
    out
}

/// Where the aggregate, liveness and readiness health endpoints are,
/// with the servlet context path when management shares the server port.
pub fn health_paths(app: &App) -> HealthPaths {
    let base = app
        .value("management.endpoints.web.base-path")
        .unwrap_or_else(|| "/actuator".into());
    let health = app
        .value("management.endpoints.web.path-mapping.health")
        .unwrap_or_else(|| "health".into());
    let server_port = app.value("server.port");
    let mgmt_port = app.value("management.server.port");
    let separate = mgmt_port.is_some() && mgmt_port != server_port;
    let context = if separate {
        app.first(&[
            "management.server.base-path",
            "management.server.servlet.context-path",
        ])
        .map(|s| app.resolve(&s.value))
    } else {
        app.first(&["server.servlet.context-path", "server.context-path"])
            .map(|s| app.resolve(&s.value))
    };
    let mut roots = vec![norm_path(&format!("{base}/{health}"))];
    if let Some(c) = context.filter(|c| !c.trim().is_empty() && !c.contains("${")) {
        roots.insert(0, norm_path(&format!("{c}/{base}/{health}")));
    }
    let group = |g: &str| -> Vec<String> {
        let mut v: Vec<String> = roots.iter().map(|r| format!("{r}/{g}")).collect();
        if let Some(extra) = app.value(&format!(
            "management.endpoint.health.group.{g}.additional-path"
        )) {
            let path = extra.split_once(':').map_or(extra.as_str(), |(_, p)| p);
            v.push(norm_path(path));
        }
        v
    };
    HealthPaths {
        liveness: group("liveness"),
        readiness: group("readiness"),
        aggregate: roots,
    }
}

/// The members of a health group's `include` (a list or a comma string)
/// that check a remote system, with the setting naming them.
pub fn group_external<'a>(app: &'a App, group: &str) -> Option<(Vec<String>, &'a Setting)> {
    let key = format!("management.endpoint.health.group.{group}.include");
    let mut items: Vec<(String, &Setting)> = Vec::new();
    if let Some(s) = app.get(&key) {
        for part in app.resolve(&s.value).split(',') {
            items.push((part.trim().to_string(), s));
        }
    }
    let k = squash(&key);
    for s in &app.settings {
        if let Some(rest) = s.squashed().strip_prefix(&k)
            && !rest.is_empty()
            && rest.chars().all(|c| c.is_ascii_digit())
        {
            items.push((app.resolve(&s.value).trim().to_string(), s));
        }
    }
    let first = items.first().map(|(_, s)| *s)?;
    let external: Vec<String> = items
        .into_iter()
        .map(|(n, _)| n)
        .filter(|n| n == "*" || EXTERNAL_INDICATORS.contains(&n.to_ascii_lowercase().as_str()))
        .collect();
    Some((external, first))
}

/// Names of indicators, for messages: `db (spring.datasource.url), redis`.
pub fn list_indicators(list: &[Indicator<'_>]) -> String {
    list.iter()
        .map(|i| format!("`{}` (from `{}`)", i.name, i.setting.key))
        .collect::<Vec<_>>()
        .join(", ")
}

// ---------------------------------------------------------------------------
// Remote systems the application calls over HTTP

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    /// A Spring Cloud Gateway route; the key prefix of the route.
    GatewayRoute(String),
    /// A Zuul route with a URL.
    ZuulUrl(String),
    /// A Zuul route to a discovery service id (wrapped in Hystrix).
    ZuulService(String),
    /// A Feign client named in the config.
    Feign(String),
    /// A URL in an application property.
    Property,
}

#[derive(Debug, Clone)]
pub struct Dependency<'a> {
    /// Host as written (lowercase, no port, no scheme).
    pub host: String,
    /// Through the load balancer (`lb://name`, a service id).
    pub lb: bool,
    pub setting: &'a Setting,
    pub via: Via,
}

/// Key prefixes of settings whose URLs are infrastructure the checks do not
/// treat as request-path dependencies (registries, config servers,
/// tracing, metrics, admin servers, datastores).
const NOT_DEPENDENCIES: &[&str] = &[
    "eureka",
    "spring.cloud.config",
    "spring.config",
    "spring.cloud.consul",
    "spring.cloud.kubernetes",
    "spring.cloud.gateway",
    "spring.cloud.stream",
    "spring.zipkin",
    "spring.sleuth",
    "management",
    "spring.boot.admin",
    "logging",
    "springdoc",
    "info",
    "wavefront",
    "server",
    "spring.datasource",
    "spring.r2dbc",
    "spring.data",
    "spring.rabbitmq",
    "spring.kafka",
    "spring.redis",
    "spring.elasticsearch",
    "spring.mail",
    "spring.security.oauth2.resourceserver",
    "spring.flyway",
    "spring.liquibase",
    "zuul",
    "feign",
    "spring.cloud.openfeign",
    "otel",
    "opentelemetry",
    "jhipster",
];

fn not_dependencies() -> &'static [String] {
    static SQUASHED: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    SQUASHED.get_or_init(|| NOT_DEPENDENCIES.iter().map(|p| squash(p)).collect())
}

/// Gateway configuration prefixes (Spring Cloud Gateway 3/4, and 4.3+
/// server variants).
pub const GATEWAY_PREFIXES: &[&str] = &[
    "spring.cloud.gateway",
    "spring.cloud.gateway.server.webflux",
    "spring.cloud.gateway.server.webmvc",
    "spring.cloud.gateway.mvc",
];

/// The host of an URL value: `http://orders:8080/x` gives `orders`,
/// `lb://orders` gives `orders` with `lb`.
pub fn url_host(v: &str) -> Option<(String, bool)> {
    let v = v.trim();
    let (scheme, rest) = v.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if !matches!(
        scheme.as_str(),
        "http" | "https" | "lb" | "ws" | "wss" | "grpc"
    ) {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next().unwrap_or_default()
    } else {
        authority.split(':').next().unwrap_or(authority)
    };
    let host = host.to_ascii_lowercase();
    if host.is_empty() || host.contains('$') || host.contains('{') {
        return None;
    }
    Some((host, scheme == "lb"))
}

/// A gateway route: its key prefix (`spring.cloud.gateway.routes[0]`), id,
/// URI setting and filters.
#[derive(Debug)]
pub struct GatewayRoute<'a> {
    pub prefix: String,
    pub id: Option<String>,
    pub uri: &'a Setting,
    pub filters: Vec<Filter<'a>>,
    /// Per-route `metadata.response-timeout`.
    pub response_timeout: Option<&'a Setting>,
}

/// A gateway filter: its name and arguments (names normalised, nested
/// arguments joined with `.`).
#[derive(Debug)]
pub struct Filter<'a> {
    pub name: String,
    pub args: Vec<(String, String)>,
    pub setting: &'a Setting,
}

impl Filter<'_> {
    pub fn arg(&self, name: &str) -> Option<&str> {
        let n = squash(name);
        self.args
            .iter()
            .find(|(k, _)| squash(k) == n)
            .map(|(_, v)| v.as_str())
    }

    pub fn has_arg_under(&self, name: &str) -> bool {
        let n = squash(name);
        self.args.iter().any(|(k, _)| squash(k).starts_with(&n))
    }
}

fn filters_at<'a>(app: &'a App, prefix: &str) -> Vec<Filter<'a>> {
    let mut out = Vec::new();
    for (j, _) in app.children(prefix) {
        let at = format!("{prefix}[{j}]");
        if let Some(s) = app.get(&at) {
            // Shortcut form: `Retry=3` or `CircuitBreaker=name,fallback`.
            let v = app.resolve(&s.value);
            let (name, args) = v.split_once('=').unwrap_or((v.as_str(), ""));
            let args = args
                .split(',')
                .enumerate()
                .filter(|(_, a)| !a.trim().is_empty())
                .map(|(i, a)| (format!("_{i}"), a.trim().to_string()))
                .collect();
            out.push(Filter {
                name: name.trim().to_string(),
                args,
                setting: s,
            });
            continue;
        }
        let Some(name) = app.get(&format!("{at}.name")) else {
            continue;
        };
        let args_prefix = format!("{at}.args");
        let skip = squash(&args_prefix).len();
        let args = app
            .under(&args_prefix)
            .map(|a| {
                let rest: String = a.squashed().chars().skip(skip).collect();
                (rest, app.resolve(&a.value))
            })
            .collect();
        out.push(Filter {
            name: app.resolve(&name.value),
            args,
            setting: name,
        });
    }
    out
}

/// The gateway routes of the application, and its default filters.
pub fn gateway(app: &App) -> (Vec<GatewayRoute<'_>>, Vec<Filter<'_>>) {
    let mut routes = Vec::new();
    let mut defaults = Vec::new();
    for p in GATEWAY_PREFIXES {
        defaults.extend(filters_at(app, &format!("{p}.default-filters")));
        let rp = format!("{p}.routes");
        for (i, _) in app.children(&rp) {
            if !i.chars().all(|c| c.is_ascii_digit()) {
                continue;
            }
            let prefix = format!("{rp}[{i}]");
            let Some(uri) = app.get(&format!("{prefix}.uri")) else {
                continue;
            };
            routes.push(GatewayRoute {
                id: app.value(&format!("{prefix}.id")),
                uri,
                filters: filters_at(app, &format!("{prefix}.filters")),
                response_timeout: app.get(&format!("{prefix}.metadata.response-timeout")),
                prefix,
            });
        }
    }
    (routes, defaults)
}

/// Every remote HTTP system the configuration says the application calls.
/// `own_only` leaves out properties of config shared by several
/// applications (which of them calls the URL is unknown).
pub fn dependencies(app: &App, own_only: bool) -> Vec<Dependency<'_>> {
    let mut out: Vec<Dependency<'_>> = Vec::new();
    fn push<'a>(d: Dependency<'a>, out: &mut Vec<Dependency<'a>>) {
        if !is_local_host(&d.host) && !out.iter().any(|x| x.host == d.host && x.via == d.via) {
            out.push(d);
        }
    }
    let (routes, _) = gateway(app);
    for r in &routes {
        if let Some((host, lb)) = url_host(&app.resolve(&r.uri.value)) {
            push(
                Dependency {
                    host,
                    lb,
                    setting: r.uri,
                    via: Via::GatewayRoute(r.prefix.clone()),
                },
                &mut out,
            );
        }
    }
    for (name, _) in app.children("zuul.routes") {
        let at = |f: &str| app.get(&format!("zuul.routes.{name}.{f}"));
        if let Some(u) = at("url")
            && let Some((host, _)) = url_host(&app.resolve(&u.value))
        {
            push(
                Dependency {
                    host,
                    lb: false,
                    setting: u,
                    via: Via::ZuulUrl(name.clone()),
                },
                &mut out,
            );
        } else if let Some(s) = at("service-id").or_else(|| at("path")) {
            let host = at("service-id")
                .map(|s| app.resolve(&s.value).to_ascii_lowercase())
                .unwrap_or_else(|| name.clone());
            push(
                Dependency {
                    host,
                    lb: true,
                    setting: s,
                    via: Via::ZuulService(name.clone()),
                },
                &mut out,
            );
        }
    }
    for prefix in [
        "spring.cloud.openfeign.client.config",
        "feign.client.config",
    ] {
        for (name, s) in app.children(prefix) {
            if name == "default" {
                continue;
            }
            let url = app.value(&format!("{prefix}.{name}.url"));
            let (host, lb) = url
                .as_deref()
                .and_then(url_host)
                .unwrap_or((name.clone(), true));
            push(
                Dependency {
                    host,
                    lb,
                    setting: s,
                    via: Via::Feign(name.clone()),
                },
                &mut out,
            );
        }
    }
    for s in &app.settings {
        if own_only && s.shared {
            continue;
        }
        let sq = s.squashed();
        if not_dependencies()
            .iter()
            .any(|p| sq.starts_with(p.as_str()))
        {
            continue;
        }
        // Config files only: environment variables name addresses for many
        // purposes (a shared ConfigMap of every service's address, agents,
        // tracing), which does not say the app calls them on its request path.
        if s.from_env {
            continue;
        }
        let Some((host, lb)) = url_host(&app.resolve(&s.value)) else {
            continue;
        };
        push(
            Dependency {
                host,
                lb,
                setting: s,
                via: Via::Property,
            },
            &mut out,
        );
    }
    out
}

// ---------------------------------------------------------------------------
// Client timeouts

/// Keys that set a read (response) timeout for all HTTP clients the
/// application builds through Spring Boot (3.4+ `spring.http.client`,
/// 4.0 `spring.http.clients`, reactive variants).
pub const GLOBAL_READ_TIMEOUTS: &[&str] = &[
    "spring.http.client.read-timeout",
    "spring.http.client.settings.read-timeout",
    "spring.http.clients.read-timeout",
    "spring.http.clients.imperative.read-timeout",
    "spring.http.clients.reactive.read-timeout",
    "spring.http.reactiveclient.read-timeout",
    "spring.http.reactiveclient.settings.read-timeout",
];

/// Settings that look like timeouts the application defines for its own
/// code (`app.orders.timeout-ms`): a sign timeouts are set in code.
pub fn custom_timeouts(app: &App) -> Vec<&Setting> {
    app.settings
        .iter()
        .filter(|s| {
            let sq = s.squashed();
            (sq.contains("timeout") || sq.contains("deadline"))
                && !sq.starts_with("server")
                && !sq.starts_with("spring")
                && !sq.starts_with("management")
                && !sq.starts_with("eureka")
                && !sq.starts_with("hystrix")
                && !sq.starts_with("ribbon")
                && !sq.starts_with("zuul")
                && !sq.starts_with("feign")
                && !sq.starts_with("resilience4j")
                && !sq.starts_with("logging")
        })
        .collect()
}

/// Duration of a setting in seconds (bare numbers in `bare_unit`).
pub fn secs(app: &App, s: &Setting, bare_unit: f64) -> Option<f64> {
    duration::seconds(&app.resolve(&s.value), bare_unit)
}

/// The resilience4j time limiter (default 1 s) covers asynchronous calls of
/// the instances it configures.
pub fn has_time_limiter(app: &App) -> bool {
    app.under("resilience4j.timelimiter").next().is_some()
}

/// Hystrix wraps calls with a timeout (1 s by default).
pub fn hystrix_enabled(app: &App) -> bool {
    app.value("feign.hystrix.enabled").as_deref() == Some("true")
        || app.under("hystrix.command").next().is_some()
}

// ---------------------------------------------------------------------------
// Retries

/// A resilience4j retry definition (an instance, or a shared config).
#[derive(Debug)]
pub struct R4jRetry<'a> {
    /// `instances` or `configs`.
    pub kind: &'static str,
    pub name: String,
    /// Where the retry behaviour is defined: the first key of the
    /// definition that sets it.
    pub anchor: &'a Setting,
    /// Attempts in total (the first call included).
    pub max_attempts: i64,
    pub max_attempts_set: Option<&'a Setting>,
    pub wait: f64,
    pub exponential: bool,
    pub randomized: bool,
    /// A custom interval function set in code.
    pub custom_interval: bool,
    /// Names of instances that inherit this config (for `configs`).
    pub users: Vec<String>,
}

const RETRY_FIELDS: &[&str] = &[
    "max-attempts",
    "max-retry-attempts",
    "wait-duration",
    "enable-exponential-backoff",
    "exponential-backoff-multiplier",
    "exponential-max-wait-duration",
    "enable-randomized-wait",
    "randomized-wait-factor",
    "interval-function",
    "interval-bi-function",
];

/// Every resilience4j retry the configuration defines, each with its
/// effective policy (instance, else its base config, else `default`, else
/// the library defaults: 3 attempts, 500 ms fixed wait).
pub fn r4j_retries(app: &App) -> Vec<R4jRetry<'_>> {
    let base = "resilience4j.retry";
    let configs: Vec<(String, &Setting)> = app.children(&format!("{base}.configs"));
    let instances: Vec<(String, &Setting)> = app.children(&format!("{base}.instances"));
    let field = |kind: &str, name: &str, f: &str| app.get(&format!("{base}.{kind}.{name}.{f}"));
    let base_of = |name: &str| -> Option<String> {
        app.value(&format!("{base}.instances.{name}.base-config"))
            .map(|v| v.to_ascii_lowercase())
            .or_else(|| {
                configs
                    .iter()
                    .any(|(c, _)| c == "default")
                    .then(|| "default".to_string())
            })
    };
    let defines =
        |kind: &str, name: &str| RETRY_FIELDS.iter().any(|f| field(kind, name, f).is_some());
    let lookup = |name: &str, f: &str, own: bool| -> Option<&Setting> {
        let inst = if own {
            field("instances", name, f)
        } else {
            None
        };
        inst.or_else(|| base_of(name).and_then(|b| field("configs", &b, f)))
    };
    let mut out = Vec::new();
    for (name, first) in &configs {
        let mut r = build_retry(app, "configs", name, first, &|f| field("configs", name, f));
        r.users = instances
            .iter()
            .filter(|(i, _)| !defines("instances", i) && base_of(i).as_deref() == Some(name))
            .map(|(i, _)| app.child_spelling(&format!("{base}.instances"), i))
            .collect();
        out.push(r);
    }
    for (name, first) in &instances {
        if !defines("instances", name) {
            continue;
        }
        out.push(build_retry(app, "instances", name, first, &|f| {
            lookup(name, f, true)
        }));
    }
    out
}

fn build_retry<'a>(
    app: &'a App,
    kind: &'static str,
    name: &str,
    anchor: &'a Setting,
    get: &dyn Fn(&str) -> Option<&'a Setting>,
) -> R4jRetry<'a> {
    let max = get("max-attempts").or_else(|| get("max-retry-attempts"));
    let max_attempts = max
        .and_then(|s| app.resolve(&s.value).trim().parse::<i64>().ok())
        .unwrap_or(3);
    let wait = get("wait-duration")
        .and_then(|s| secs(app, s, MS))
        .unwrap_or(0.5);
    let flag = |f: &str| get(f).is_some_and(|s| app.resolve(&s.value).trim() == "true");
    R4jRetry {
        kind,
        name: app.child_spelling(&format!("resilience4j.retry.{kind}"), name),
        anchor: max.unwrap_or(anchor),
        max_attempts,
        max_attempts_set: max,
        wait,
        exponential: flag("enable-exponential-backoff"),
        randomized: flag("enable-randomized-wait"),
        custom_interval: get("interval-function").is_some()
            || get("interval-bi-function").is_some(),
        users: Vec::new(),
    }
}

// ---------------------------------------------------------------------------
// Datastores

/// A connection setting to a datastore or broker.
#[derive(Debug)]
pub struct Endpoint<'a> {
    pub system: &'static str,
    pub setting: &'a Setting,
    /// The value, placeholders resolved.
    pub value: String,
    /// `(host, port)` of every host in it.
    pub hosts: Vec<(String, Option<u16>)>,
}

/// Spring keys of datastore and broker connections, and their system.
const ENDPOINT_KEYS: &[(&str, &str)] = &[
    ("spring.datasource.url", "database"),
    ("spring.datasource.jdbc-url", "database"),
    ("spring.datasource.hikari.jdbc-url", "database"),
    ("spring.r2dbc.url", "database"),
    ("spring.data.mongodb.uri", "MongoDB"),
    ("spring.mongodb.uri", "MongoDB"),
    ("spring.data.mongodb.host", "MongoDB"),
    ("spring.data.redis.url", "Redis"),
    ("spring.data.redis.host", "Redis"),
    ("spring.redis.url", "Redis"),
    ("spring.redis.host", "Redis"),
    ("spring.rabbitmq.host", "RabbitMQ"),
    ("spring.rabbitmq.addresses", "RabbitMQ"),
    ("spring.kafka.bootstrap-servers", "Kafka"),
    ("spring.cloud.stream.kafka.binder.brokers", "Kafka"),
    ("spring.elasticsearch.uris", "Elasticsearch"),
    ("spring.cassandra.contact-points", "Cassandra"),
    ("spring.data.cassandra.contact-points", "Cassandra"),
];

/// Environment variable names (suffixes) of connections outside Spring.
const ENV_ENDPOINTS: &[(&str, &str)] = &[
    ("DATABASE_URL", "database"),
    ("DB_URL", "database"),
    ("DB_HOST", "database"),
    ("DATABASE_HOST", "database"),
    ("POSTGRES_HOST", "PostgreSQL"),
    ("POSTGRESQL_HOST", "PostgreSQL"),
    ("PGHOST", "PostgreSQL"),
    ("MYSQL_HOST", "MySQL"),
    ("REDIS_URL", "Redis"),
    ("REDIS_HOST", "Redis"),
    ("REDIS_ADDR", "Redis"),
    ("MONGO_URL", "MongoDB"),
    ("MONGO_URI", "MongoDB"),
    ("MONGODB_URI", "MongoDB"),
    ("MONGODB_URL", "MongoDB"),
    ("MONGO_HOST", "MongoDB"),
    ("KAFKA_BOOTSTRAP_SERVERS", "Kafka"),
    ("KAFKA_BROKERS", "Kafka"),
    ("RABBITMQ_HOST", "RabbitMQ"),
    ("AMQP_URL", "RabbitMQ"),
];

/// The system of a JDBC / R2DBC / driver URL scheme.
pub fn system_of_url(v: &str) -> &'static str {
    let l = v.to_ascii_lowercase();
    let l = l
        .strip_prefix("jdbc:")
        .or_else(|| l.strip_prefix("r2dbc:"))
        .unwrap_or(&l);
    if l.starts_with("postgres") {
        "PostgreSQL"
    } else if l.starts_with("mysql") {
        "MySQL"
    } else if l.starts_with("mariadb") {
        "MariaDB"
    } else if l.starts_with("sqlserver") {
        "SQL Server"
    } else if l.starts_with("oracle") {
        "Oracle"
    } else if l.starts_with("mongodb") {
        "MongoDB"
    } else if l.starts_with("redis") || l.starts_with("rediss") {
        "Redis"
    } else if l.starts_with("amqp") {
        "RabbitMQ"
    } else {
        "database"
    }
}

/// Hosts of a connection value: URLs (`jdbc:postgresql://a:5432,b/db`,
/// `mongodb://a,b/db`, `redis://h:6379`), Oracle thin (`@//h:1521/s`),
/// SQL Server (`//h:1433;db=x`), or `host[:port][,host...]` lists.
pub fn hosts_of(value: &str) -> Vec<(String, Option<u16>)> {
    let v = value.trim();
    let lower = v.to_ascii_lowercase();
    if lower.starts_with("jdbc:oracle:") {
        if lower.contains("(description") {
            return Vec::new();
        }
        let after = v.split_once('@').map_or("", |(_, r)| r);
        let after = after.trim_start_matches('/');
        return host_list(after.split(['/', '?']).next().unwrap_or_default());
    }
    let rest = match v.find("://") {
        Some(i) => &v[i + 3..],
        None if lower.starts_with("jdbc:") => return Vec::new(),
        None => v,
    };
    // Credentials never reach a host list.
    let authority = rest.split(['/', '?', ';', '#']).next().unwrap_or_default();
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    host_list(authority)
}

fn host_list(s: &str) -> Vec<(String, Option<u16>)> {
    s.split(',')
        .filter_map(|h| {
            let h = h.trim();
            if h.is_empty() {
                return None;
            }
            let (host, port) = if let Some(v6) = h.strip_prefix('[') {
                let (a, b) = v6.split_once(']')?;
                (
                    a.to_string(),
                    b.strip_prefix(':').and_then(|p| p.parse().ok()),
                )
            } else {
                match h.rsplit_once(':') {
                    Some((a, p)) if p.chars().all(|c| c.is_ascii_digit()) => {
                        (a.to_string(), p.parse().ok())
                    }
                    _ => (h.to_string(), None),
                }
            };
            let host = host.to_ascii_lowercase();
            let ok = !host.is_empty()
                && host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | ':' | '_'));
            ok.then_some((host, port))
        })
        .collect()
}

/// Every datastore or broker connection the application has.
/// Whether an environment variable's name is `suffix` or ends with
/// `_suffix`, ignoring ASCII case (`orders_db_url` names a `DB_URL`). Every
/// env var of every app is asked about every suffix: no allocation.
fn env_name_ends_with(name: &str, suffix: &str) -> bool {
    let (name, suffix) = (name.as_bytes(), suffix.as_bytes());
    let Some(start) = name.len().checked_sub(suffix.len()) else {
        return false;
    };
    name[start..].eq_ignore_ascii_case(suffix) && (start == 0 || name[start - 1] == b'_')
}

pub fn endpoints(app: &App) -> Vec<Endpoint<'_>> {
    let mut out: Vec<Endpoint<'_>> = Vec::new();
    let mut seen: Vec<*const Setting> = Vec::new();
    for (key, system) in ENDPOINT_KEYS {
        let Some(s) = app.get(key) else { continue };
        if !s.known || seen.contains(&(s as *const _)) {
            continue;
        }
        seen.push(s);
        let value = app.resolve(&s.value);
        if value.contains("${") || embedded_db(&value) {
            continue;
        }
        let system = if *system == "database" {
            system_of_url(&value)
        } else {
            system
        };
        let hosts = hosts_of(&value);
        if hosts.is_empty() {
            continue;
        }
        out.push(Endpoint {
            system,
            setting: s,
            value,
            hosts,
        });
    }
    for s in app.settings.iter().filter(|s| s.from_env && s.known) {
        if seen.contains(&(s as *const _)) || s.key.starts_with("SPRING_") {
            continue;
        }
        let Some((_, system)) = ENV_ENDPOINTS
            .iter()
            .find(|(suffix, _)| env_name_ends_with(&s.key, suffix))
        else {
            continue;
        };
        let value = app.resolve(&s.value);
        if value.contains("${") || value.contains("$(") || embedded_db(&value) {
            continue;
        }
        let system = if *system == "database" && value.contains("://") {
            system_of_url(&value)
        } else {
            system
        };
        let hosts = hosts_of(&value);
        if hosts.is_empty() {
            continue;
        }
        out.push(Endpoint {
            system,
            setting: s,
            value,
            hosts,
        });
    }
    out
}

/// The JDBC URL of the application's datasource, if it is a network one.
pub fn jdbc_url(app: &App) -> Option<(&Setting, String)> {
    let s = app.first(&[
        "spring.datasource.url",
        "spring.datasource.jdbc-url",
        "spring.datasource.hikari.jdbc-url",
    ])?;
    let v = app.resolve(&s.value);
    (s.known && v.to_ascii_lowercase().starts_with("jdbc:") && !embedded_db(&v)).then_some((s, v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_names_match_whole_suffixes_in_any_case() {
        assert!(env_name_ends_with("DB_URL", "DB_URL"));
        assert!(env_name_ends_with("orders_db_url", "DB_URL"));
        assert!(!env_name_ends_with("ORDERSDB_URL", "DB_URL"));
        assert!(!env_name_ends_with("URL", "DB_URL"));
        assert!(!env_name_ends_with("ÉDB_URL", "DB_URL"));
        assert!(env_name_ends_with("É_DB_URL", "DB_URL"));
    }

    #[test]
    fn hosts_of_connection_values() {
        assert_eq!(
            hosts_of("jdbc:postgresql://10.0.0.5:5432/app"),
            vec![("10.0.0.5".to_string(), Some(5432))]
        );
        assert_eq!(
            hosts_of("jdbc:postgresql://a:5432,b:5432/app?targetServerType=primary").len(),
            2
        );
        assert_eq!(
            hosts_of("mongodb://u:p@m1:27017,m2/db?replicaSet=rs0"),
            vec![("m1".to_string(), Some(27017)), ("m2".to_string(), None)]
        );
        assert_eq!(
            hosts_of("jdbc:sqlserver://sql:1433;databaseName=x"),
            vec![("sql".to_string(), Some(1433))]
        );
        assert_eq!(
            hosts_of("jdbc:oracle:thin:@//ora.example.com:1521/svc"),
            vec![("ora.example.com".to_string(), Some(1521))]
        );
        assert_eq!(
            hosts_of("kafka-0.kafka:9092"),
            vec![("kafka-0.kafka".to_string(), Some(9092))]
        );
        assert_eq!(
            url_host("lb://customers-service"),
            Some(("customers-service".into(), true))
        );
        assert_eq!(
            url_host("http://u:p@orders:8080/x"),
            Some(("orders".into(), false))
        );
        assert_eq!(url_host("jdbc:mysql://x"), None);
    }
}
