//! What a liveness or readiness probe depends on, read from the manifest:
//! an HTTP path that names an aggregate or dependency check, a request sent
//! to another host, or an exec command running the client of a remote
//! system (`pg_isready -h orders-db`, `curl http://auth:8080/`). Shared by
//! HEALTH-002 (liveness) and HEALTH-004 (readiness).
//!
//! A target on the pod itself (localhost, the pod IP, a sidecar on
//! localhost, a Unix socket, the container's own server) is local and never
//! reported.

use super::shell_command::{self, Simple, basename, variable_name};
use crate::yaml::Node;
use std::collections::HashMap;

/// What the value of a container environment variable is known to be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EnvValue {
    Literal(String),
    /// `fieldRef`/`resourceFieldRef`: the pod's own IP, name, node...
    PodField,
    /// `configMapKeyRef`/`secretKeyRef`: set by configuration, unknown here.
    Config,
}

/// The `env` of a container by name.
pub fn container_env(container: &Node) -> HashMap<String, EnvValue> {
    let mut out = HashMap::new();
    for e in container.get("env").map(Node::items).unwrap_or_default() {
        let Some(name) = e.get("name").and_then(Node::scalar_text) else {
            continue;
        };
        let value = if let Some(v) = e.get("value").and_then(Node::scalar_text) {
            EnvValue::Literal(v)
        } else if let Some(from) = e.get("valueFrom") {
            if from.get("fieldRef").is_some() || from.get("resourceFieldRef").is_some() {
                EnvValue::PodField
            } else {
                EnvValue::Config
            }
        } else {
            EnvValue::Literal(String::new())
        };
        out.insert(name, value);
    }
    out
}

/// Who the pod is: names under which a probe reaches the pod itself.
#[derive(Clone, Debug, Default)]
pub struct SelfNames {
    /// The workload's name and the names of the Services selecting it.
    pub names: Vec<String>,
    /// Image of the container (repository, lowercase), to recognise a
    /// database container probing its own server.
    pub image: String,
}

impl SelfNames {
    fn is_self(&self, host: &str) -> bool {
        let host = host.to_ascii_lowercase();
        // `orders-db`, `orders-db.shop.svc.cluster.local`, `orders-db-0.orders-db`.
        let first = host.split('.').next().unwrap_or(&host);
        self.names.iter().any(|n| {
            let n = n.to_ascii_lowercase();
            first == n
                || first
                    .strip_prefix(&n)
                    .and_then(|r| r.strip_prefix('-'))
                    .is_some_and(|r| r.chars().all(|c| c.is_ascii_digit()) && !r.is_empty())
        })
    }
}

/// Where a host name points.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Host {
    Local,
    Remote(String),
    /// A variable or expression whose value the manifest does not show.
    Unknown(String),
}

/// Variables that name the pod or its node when the manifest does not set them.
const LOCAL_VARIABLES: &[&str] = &[
    "HOSTNAME",
    "HOST",
    "POD_IP",
    "MY_POD_IP",
    "POD_NAME",
    "MY_POD_NAME",
    "HOST_IP",
    "NODE_IP",
    "NODE_NAME",
];

pub fn is_local_literal(host: &str) -> bool {
    let h = host
        .trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase();
    h.is_empty()
        || h == "localhost"
        || h.ends_with(".localhost")
        || h == "localhost.localdomain"
        || h == "ip6-localhost"
        || h.starts_with("127.")
        || h == "::1"
        || h == "0.0.0.0"
        || h == "::"
        || h.starts_with('/') // a Unix socket directory
        || h.contains("hostname") // $(hostname), `hostname -i`
}

/// Resolves a host as written in a probe: literal, variable from the
/// container's env, or the pod itself.
pub fn resolve_host(raw: &str, env: &HashMap<String, EnvValue>, me: &SelfNames) -> Host {
    let raw = raw.trim().trim_matches(['"', '\'']);
    if is_local_literal(raw) || me.is_self(raw) {
        return Host::Local;
    }
    if let Some(var) = variable_name(raw) {
        return match env.get(var) {
            Some(EnvValue::Literal(v)) if variable_name(v).is_none() => resolve_host(v, env, me),
            Some(EnvValue::PodField) => Host::Local,
            Some(EnvValue::Config) => Host::Unknown(format!("${var} (from configuration)")),
            _ if LOCAL_VARIABLES.contains(&var) => Host::Local,
            _ => Host::Unknown(format!("${var}")),
        };
    }
    if raw.contains('$') || raw.contains('`') {
        return Host::Unknown(raw.to_string());
    }
    Host::Remote(raw.to_string())
}

/// The host of a URL or `host:port[/path]` address.
pub fn url_host(addr: &str) -> Option<&str> {
    let rest = match addr.find("://") {
        Some(i) => &addr[i + 3..],
        None => addr,
    };
    let rest = rest.rsplit_once('@').map_or(rest, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    if let Some(v6) = authority.strip_prefix('[') {
        return v6.split(']').next();
    }
    // Strip a port (`:8080`, `:$PORT`), but not a colon inside `${X:-y}`.
    let mut depth = 0usize;
    let mut colon = None;
    for (i, c) in authority.char_indices() {
        match c {
            '{' | '(' => depth += 1,
            '}' | ')' => depth = depth.saturating_sub(1),
            ':' if depth == 0 => colon = Some(i),
            _ => {}
        }
    }
    let host = match colon {
        Some(i) => &authority[..i],
        None => authority,
    };
    Some(host)
}

/// A probe command that talks to another system.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteCall {
    /// The system, for messages: `PostgreSQL`, `HTTP service`...
    pub system: &'static str,
    /// The host as written or resolved.
    pub host: String,
    /// The command as written, for messages.
    pub command: String,
    /// Whether the host is known (a literal) or only a variable set by
    /// configuration.
    pub known: bool,
}

/// Database and cache clients: program, system, image hints of the server,
/// and whether the host comes from `-h`.
struct Client {
    programs: &'static [&'static str],
    system: &'static str,
    server_images: &'static [&'static str],
}

const CLIENTS: &[Client] = &[
    Client {
        programs: &["pg_isready", "psql"],
        system: "PostgreSQL",
        server_images: &[
            "postgres",
            "postgis",
            "timescale",
            "pgvector",
            "patroni",
            "spilo",
            "pgbouncer",
        ],
    },
    Client {
        programs: &["mysqladmin", "mysql", "mariadb-admin", "mariadb", "mysqlsh"],
        system: "MySQL",
        server_images: &["mysql", "mariadb", "percona", "vitess", "proxysql"],
    },
    Client {
        programs: &["redis-cli", "valkey-cli", "keydb-cli"],
        system: "Redis",
        server_images: &["redis", "valkey", "keydb", "dragonfly"],
    },
    Client {
        programs: &["mongo", "mongosh"],
        system: "MongoDB",
        server_images: &["mongo"],
    },
    Client {
        programs: &["cqlsh"],
        system: "Cassandra",
        server_images: &["cassandra", "scylla"],
    },
];

/// Options whose value is the next word, per HTTP client, so that `-H
/// "Host: x"` or `-o /dev/null` is not taken for the address.
const HTTP_VALUE_OPTIONS: &[&str] = &[
    "-H",
    "--header",
    "-o",
    "--output",
    "-O",
    "-w",
    "--write-out",
    "-X",
    "--request",
    "-u",
    "--user",
    "-d",
    "--data",
    "--data-raw",
    "-m",
    "--max-time",
    "--connect-timeout",
    "-A",
    "--user-agent",
    "-e",
    "--referer",
    "--resolve",
    "-x",
    "--proxy",
    "--cacert",
    "--cert",
    "--key",
    "-T",
    "--timeout",
    "-t",
    "--tries",
    "--retry",
    "-U",
    "--header=",
    "-b",
    "--cookie",
];

/// Every remote system an exec probe's commands talk to.
pub fn exec_remote_calls(
    argv: &[String],
    env: &HashMap<String, EnvValue>,
    me: &SelfNames,
) -> Vec<RemoteCall> {
    let mut out = Vec::new();
    for cmd in shell_command::commands(argv) {
        if let Some(call) = remote_call(&cmd, env, me) {
            out.push(call);
        }
    }
    out
}

fn remote_call(
    cmd: &Simple,
    env: &HashMap<String, EnvValue>,
    me: &SelfNames,
) -> Option<RemoteCall> {
    // `timeout 5 curl ...`, `exec pg_isready ...`
    let mut words: &[String] = &cmd.words;
    while let Some(first) = words.first() {
        let p = basename(first);
        if matches!(p, "exec" | "timeout" | "env" | "nice" | "command") {
            words = &words[1..];
            // timeout's duration
            while words.first().is_some_and(|w| {
                w.starts_with('-') || w.chars().next().is_some_and(|c| c.is_ascii_digit())
            }) {
                words = &words[1..];
            }
        } else {
            break;
        }
    }
    let program = basename(words.first()?);
    let args = &words[1..];
    let text = words.join(" ");
    let (system, raw_host, server_images): (&'static str, Option<String>, &[&str]) =
        if let Some(client) = CLIENTS.iter().find(|c| c.programs.contains(&program)) {
            let host = option_value(args, &["-h", "--host"])
                .or_else(|| uri_argument(args))
                .or_else(|| {
                    // pg_isready/psql read PGHOST, redis-cli REDISCLI_*: only
                    // PGHOST is common in probes.
                    (client.system == "PostgreSQL")
                        .then(|| match env.get("PGHOST") {
                            Some(EnvValue::Literal(v)) => Some(v.clone()),
                            _ => None,
                        })
                        .flatten()
                });
            (client.system, host, client.server_images)
        } else {
            match program {
                "curl" | "wget" | "http" | "https" => (
                    "HTTP service",
                    http_address(args).and_then(|a| url_host(&a).map(str::to_string)),
                    &[],
                ),
                "grpc_health_probe" | "grpc-health-probe" => (
                    "gRPC service",
                    option_value(args, &["-addr", "--addr"])
                        .and_then(|a| url_host(&a).map(str::to_string)),
                    &[],
                ),
                "nc" | "ncat" | "netcat" => (
                    "TCP service",
                    args.iter()
                        .find(|a| !a.starts_with('-') && !a.chars().all(|c| c.is_ascii_digit()))
                        .cloned(),
                    &[],
                ),
                // podinfo's `podcli check http|tcp|grpc <address>`
                "podcli" if args.first().map(String::as_str) == Some("check") => (
                    "service",
                    args.get(2).and_then(|a| url_host(a).map(str::to_string)),
                    &[],
                ),
                _ => return None,
            }
        };
    let raw_host = raw_host?;
    let server_container = server_images.iter().any(|i| me.image.contains(i));
    match resolve_host(&raw_host, env, me) {
        Host::Local => None,
        // A database container probing its own server through a variable.
        Host::Unknown(_) if server_container => None,
        // An HTTP call to an address the manifest does not show: unknown,
        // not reported.
        Host::Unknown(_) if system.ends_with("service") => None,
        Host::Unknown(h) => Some(RemoteCall {
            system,
            host: h,
            command: text,
            known: false,
        }),
        Host::Remote(h) => Some(RemoteCall {
            system,
            host: h,
            command: text,
            known: true,
        }),
    }
}

/// The value of an option: `-h X`, `-hX`, `--host=X`, `--host X`, `-addr=X`.
fn option_value(args: &[String], names: &[&str]) -> Option<String> {
    for (i, a) in args.iter().enumerate() {
        for n in names {
            if a == n {
                return args.get(i + 1).cloned();
            }
            if let Some(v) = a.strip_prefix(&format!("{n}=")) {
                return Some(v.to_string());
            }
            // `-hdb` (single-dash, single-letter options only)
            if n.len() == 2
                && !n.starts_with("--")
                && let Some(v) = a.strip_prefix(n)
                && !v.is_empty()
                && !a.starts_with("--")
            {
                return Some(v.to_string());
            }
        }
    }
    None
}

/// A connection URI argument (`postgres://u@db:5432/x`, `redis://cache`,
/// `mongodb://db`), or a libpq `host=` conninfo.
fn uri_argument(args: &[String]) -> Option<String> {
    for a in args {
        let v = a.split_once('=').map_or(a.as_str(), |(k, v)| {
            if k.starts_with("--") || k == "-u" || k == "-d" {
                v
            } else {
                a.as_str()
            }
        });
        if let Some(i) = v.find("://")
            && v[..i]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '+')
        {
            return url_host(v).map(str::to_string);
        }
        if let Some(h) = v.split_whitespace().find_map(|kv| kv.strip_prefix("host=")) {
            return Some(h.to_string());
        }
    }
    None
}

/// The address an HTTP client fetches: the first URL, or the first
/// `host:port[/path]` word that is not an option value.
fn http_address(args: &[String]) -> Option<String> {
    let mut skip = false;
    for a in args {
        if skip {
            skip = false;
            continue;
        }
        if a.starts_with('-') {
            skip = HTTP_VALUE_OPTIONS.contains(&a.as_str());
            continue;
        }
        if a.contains("://") {
            return Some(a.clone());
        }
        let host = a.split('/').next().unwrap_or(a);
        if let Some((h, port)) = host.rsplit_once(':')
            && !h.is_empty()
            && !port.is_empty()
            && port.chars().all(|c| c.is_ascii_digit())
        {
            return Some(a.clone());
        }
    }
    None
}

/// What an HTTP probe path says about the endpoint behind it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathKind {
    /// Spring Boot's aggregate health (`/actuator/health`,
    /// `/management/health`): every health indicator, dependencies included.
    SpringAggregate,
    /// A path naming a dependency or deep check (`/health/db`, `/deep`).
    Dependency(String),
    /// A readiness endpoint (`/ready`, `/readyz`, `/actuator/health/readiness`).
    Readiness,
    /// A plain health endpoint (`/health`, `/healthz`): shallow or not,
    /// the manifest does not say.
    Generic,
    /// Anything else (`/livez`, `/actuator/health/liveness`, `/ping`, `/`).
    Other,
}

/// Words in a path that name a dependency or a deep check.
const DEPENDENCY_WORDS: &[&str] = &[
    "db",
    "database",
    "deps",
    "dependencies",
    "dependency",
    "deep",
    "downstream",
    "upstream",
];

pub fn classify_path(path: &str) -> PathKind {
    let lower = path.to_ascii_lowercase();
    let (route, query) = lower.split_once('?').unwrap_or((&lower, ""));
    let route = route.trim_end_matches('/');
    let segments: Vec<&str> = route.split('/').filter(|s| !s.is_empty()).collect();
    let words: Vec<&str> = route
        .split(|c: char| !c.is_ascii_alphanumeric())
        .chain(query.split(|c: char| !c.is_ascii_alphanumeric()))
        .filter(|w| !w.is_empty())
        .collect();
    if lower.contains("check-all") || lower.contains("checkall") || lower.contains("check_all") {
        return PathKind::Dependency("check-all".into());
    }
    if let Some(w) = words.iter().find(|w| DEPENDENCY_WORDS.contains(w)) {
        return PathKind::Dependency((*w).to_string());
    }
    // `/actuator/health/liveness` and `/actuator/health/ping` are local.
    if let Some(i) = segments
        .iter()
        .position(|s| *s == "health")
        .filter(|i| *i > 0 && matches!(segments[i - 1], "actuator" | "management" | "manage"))
    {
        return match segments.get(i + 1) {
            None => PathKind::SpringAggregate,
            Some(g) if g.starts_with("readiness") || g.starts_with("ready") => PathKind::Readiness,
            Some(_) => PathKind::Other,
        };
    }
    if words
        .iter()
        .any(|w| w.starts_with("ready") || *w == "readiness")
    {
        return PathKind::Readiness;
    }
    match segments.last().copied() {
        Some(
            "health" | "healthz" | "_health" | "_healthz" | "healthcheck" | "health-check"
            | "health_check" | "healthy",
        ) => PathKind::Generic,
        _ => PathKind::Other,
    }
}

/// What a probe depends on beyond the pod.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Dependency {
    /// An HTTP path; the pointer is relative to the probe.
    Path { path: String, kind: PathKind },
    /// `httpGet.host` / `tcpSocket.host` set to another machine.
    Host { host: String, pointer: &'static str },
    /// An exec command calling a remote system.
    Exec(RemoteCall),
}

impl Dependency {
    /// JSON Pointer of the offending field, relative to the probe.
    pub fn pointer(&self) -> &'static str {
        match self {
            Dependency::Path { .. } => "/httpGet/path",
            Dependency::Host { pointer, .. } => pointer,
            Dependency::Exec(_) => "/exec/command",
        }
    }
}

/// Reads a probe. The most serious dependency comes first: a remote host or
/// client, then the path.
pub fn inspect(probe: &Node, container: &Node, me: &SelfNames) -> Vec<Dependency> {
    let env = container_env(container);
    let mut out = Vec::new();
    for (handler, pointer) in [
        ("httpGet", "/httpGet/host"),
        ("tcpSocket", "/tcpSocket/host"),
    ] {
        if let Some(host) = probe.path(&[handler, "host"]).and_then(Node::scalar_text)
            && let Host::Remote(h) = resolve_host(&host, &env, me)
        {
            out.push(Dependency::Host { host: h, pointer });
        }
    }
    if let Some(cmd) = probe.path(&["exec", "command"]) {
        let argv = shell_command::string_list(Some(cmd));
        out.extend(
            exec_remote_calls(&argv, &env, me)
                .into_iter()
                .map(Dependency::Exec),
        );
    }
    if let Some(path) = probe.path(&["httpGet", "path"]).and_then(Node::scalar_text) {
        let kind = classify_path(&path);
        if kind != PathKind::Other {
            out.push(Dependency::Path { path, kind });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    fn me() -> SelfNames {
        SelfNames {
            names: vec!["orders".into()],
            image: "shop/orders".into(),
        }
    }

    #[test]
    fn paths() {
        assert_eq!(classify_path("/actuator/health"), PathKind::SpringAggregate);
        assert_eq!(
            classify_path("/actuator/health/"),
            PathKind::SpringAggregate
        );
        assert_eq!(
            classify_path("/management/health"),
            PathKind::SpringAggregate
        );
        assert_eq!(classify_path("/actuator/health/liveness"), PathKind::Other);
        assert_eq!(
            classify_path("/actuator/health/readiness"),
            PathKind::Readiness
        );
        assert_eq!(classify_path("/ready"), PathKind::Readiness);
        assert_eq!(classify_path("/readyz"), PathKind::Readiness);
        assert_eq!(
            classify_path("/health/db"),
            PathKind::Dependency("db".into())
        );
        assert_eq!(
            classify_path("/healthz?deep=true"),
            PathKind::Dependency("deep".into())
        );
        assert_eq!(
            classify_path("/health/check-all"),
            PathKind::Dependency("check-all".into())
        );
        assert_eq!(classify_path("/feedback/health"), PathKind::Generic);
        assert_eq!(classify_path("/healthz"), PathKind::Generic);
        assert_eq!(classify_path("/_healthz"), PathKind::Generic);
        assert_eq!(classify_path("/livez"), PathKind::Other);
        assert_eq!(classify_path("/"), PathKind::Other);
        assert_eq!(classify_path("/api/aliveness-test/%2F"), PathKind::Other);
    }

    #[test]
    fn database_clients() {
        let env = HashMap::new();
        let calls = exec_remote_calls(
            &argv(&["pg_isready", "-h", "orders-db", "-p", "5432"]),
            &env,
            &me(),
        );
        assert_eq!(calls[0].host, "orders-db");
        assert_eq!(calls[0].system, "PostgreSQL");
        assert!(
            exec_remote_calls(&argv(&["pg_isready", "-U", "postgres"]), &env, &me()).is_empty()
        );
        assert!(
            exec_remote_calls(&argv(&["pg_isready", "-h", "127.0.0.1"]), &env, &me()).is_empty()
        );
        assert!(
            exec_remote_calls(
                &argv(&["sh", "-c", "redis-cli -h localhost ping"]),
                &env,
                &me()
            )
            .is_empty()
        );
        let calls = exec_remote_calls(
            &argv(&["sh", "-c", "mysqladmin ping -h\"$DB_HOST\" --silent"]),
            &env,
            &me(),
        );
        assert_eq!(calls[0].host, "$DB_HOST");
        assert!(!calls[0].known);
        let calls = exec_remote_calls(
            &argv(&["redis-cli", "-u", "redis://cache.shop:6379", "ping"]),
            &env,
            &me(),
        );
        assert_eq!(calls[0].host, "cache.shop");
    }

    #[test]
    fn server_containers_probe_themselves() {
        let pg = SelfNames {
            names: vec!["db".into()],
            image: "bitnami/postgresql".into(),
        };
        let env = HashMap::new();
        assert!(
            exec_remote_calls(
                &argv(&["sh", "-c", "pg_isready -h $POSTGRES_HOST"]),
                &env,
                &pg
            )
            .is_empty()
        );
        assert!(exec_remote_calls(&argv(&["pg_isready", "-h", "db-0.db"]), &env, &pg).is_empty());
    }

    #[test]
    fn http_clients() {
        let env = HashMap::new();
        assert!(
            exec_remote_calls(
                &argv(&["curl", "-f", "http://localhost:8080/health"]),
                &env,
                &me()
            )
            .is_empty()
        );
        assert!(
            exec_remote_calls(
                &argv(&["podcli", "check", "http", "localhost:9898/healthz"]),
                &env,
                &me()
            )
            .is_empty()
        );
        let calls = exec_remote_calls(
            &argv(&[
                "sh",
                "-c",
                "curl -sf -H 'Accept: x' http://auth-service:8080/health || exit 1",
            ]),
            &env,
            &me(),
        );
        assert_eq!(calls[0].host, "auth-service");
        assert!(
            exec_remote_calls(
                &argv(&["wget", "-qO-", "http://$(hostname -i):8080/"]),
                &env,
                &me()
            )
            .is_empty()
        );
        assert!(
            exec_remote_calls(
                &argv(&["/bin/grpc_health_probe", "-addr=:8080"]),
                &env,
                &me()
            )
            .is_empty()
        );
        let calls = exec_remote_calls(
            &argv(&["grpc_health_probe", "-addr", "auth:9000"]),
            &env,
            &me(),
        );
        assert_eq!(calls[0].host, "auth");
        // Unknown HTTP targets are not reported.
        assert!(exec_remote_calls(&argv(&["curl", "$URL"]), &env, &me()).is_empty());
    }

    #[test]
    fn env_resolution() {
        let mut env = HashMap::new();
        env.insert(
            "DB_HOST".to_string(),
            EnvValue::Literal("postgres.data".into()),
        );
        env.insert("MY_IP".to_string(), EnvValue::PodField);
        let calls = exec_remote_calls(&argv(&["sh", "-c", "pg_isready -h $DB_HOST"]), &env, &me());
        assert_eq!(calls[0].host, "postgres.data");
        assert!(calls[0].known);
        assert!(
            exec_remote_calls(&argv(&["sh", "-c", "pg_isready -h ${MY_IP}"]), &env, &me())
                .is_empty()
        );
    }
}
