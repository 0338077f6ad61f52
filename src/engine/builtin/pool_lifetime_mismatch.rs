//! DEPEND-008: pooled connections outlive an idle timeout on their path.
//! When the database, a pooler or a proxy closes idle connections before
//! HikariCP retires them (`max-lifetime`, 30 min by default), the pool
//! hands out dead connections after quiet periods: "broken pipe" errors
//! until it refills. HikariCP's docs: set `maxLifetime` several seconds
//! shorter than any limit imposed by the database or infrastructure.
//!
//! Idle limits read from the input: MySQL/MariaDB `wait_timeout` and
//! PostgreSQL `idle_session_timeout` of the database workload (arguments,
//! environment, a mounted ConfigMap), PgBouncer `client_idle_timeout`, and
//! RDS Proxy `idle_client_timeout` (Terraform `aws_db_proxy`, else its
//! 30 min default, said to be estimated). A `max-lifetime` of 0 (never
//! retired) is reported one level lower when no limit is known.

use super::appconfig_support::{Adjust, Emitter};
use super::container_env::service_for_host;
use crate::engine::{Ctx, Hit};
use crate::model::appconfig::duration::{self, MS, SECONDS};
use crate::model::appconfig::spring;
use crate::yaml::Node;

pub struct Check;

const HIKARI_DEFAULT: f64 = 1800.0;

impl super::BuiltinCheck for Check {
    fn slug(&self) -> &'static str {
        "pool-lifetime-mismatch"
    }

    fn run(&self, ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
        let apps = ctx.derived.apps(true);
        let mut out = Emitter::default();
        for app in &apps.apps {
            let Some((url_setting, url)) = spring::jdbc_url(app) else {
                continue;
            };
            let explicit = app.get("spring.datasource.hikari.max-lifetime");
            let lifetime = explicit
                .and_then(|s| spring::secs(app, s, MS))
                .unwrap_or(HIKARI_DEFAULT);
            let at = explicit.unwrap_or(url_setting);
            let shown = if explicit.is_some() {
                format!("`max-lifetime` {}", duration::show(lifetime))
            } else {
                "HikariCP's default `max-lifetime` of 30m".to_string()
            };
            let ns = app
                .workloads
                .first()
                .map(|w| {
                    ctx.inv.resources[ctx.graph.workloads[*w].resource]
                        .namespace
                        .clone()
                })
                .unwrap_or_else(|| "default".into());
            let from = app
                .workloads
                .first()
                .map(|w| ctx.graph.workloads[*w].resource)
                .unwrap_or(url_setting.rid);
            let limit = spring::hosts_of(&url)
                .first()
                .and_then(|(h, _)| idle_limit(ctx, h, &ns, from));
            match limit {
                Some((idle, what, estimated)) if lifetime == 0.0 || lifetime >= idle => {
                    out.at(
                        app,
                        at,
                        format!(
                            "{} is not shorter than {what} ({}{}): {} closes idle connections before the pool retires them, so after a quiet period requests get dead connections (\"broken pipe\", \"connection reset\") until the pool refills; set `spring.datasource.hikari.max-lifetime` a few seconds below {}",
                            if lifetime == 0.0 { "`max-lifetime` 0 (never retired)".to_string() } else { shown.clone() },
                            duration::show(idle),
                            if estimated { ", estimated from its default" } else { "" },
                            what.split(" of ").nth(1).unwrap_or("the server"),
                            duration::show(idle)
                        ),
                        Adjust::none(),
                    );
                }
                None if lifetime == 0.0 => {
                    if let Some(s) = explicit {
                        out.at(
                            app,
                            s,
                            format!(
                                "{} is 0: pooled connections are never retired, so any idle timeout on the path (database `wait_timeout`, a NAT gateway or load balancer dropping idle flows after minutes) leaves the pool with dead connections after quiet periods; set it a few seconds below the shortest idle timeout (HikariCP default 30 min)",
                                app.at(s)
                            ),
                            Adjust::lower("no idle timeout on the path is known from the input"),
                        );
                    }
                }
                _ => {}
            }
        }
        out.finish(hits);
    }
}

/// A numeric setting `name` in a text: `name=N`, `name = N`, `name N`.
fn setting_in(text: &str, names: &[&str]) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    for name in names {
        let mut from = 0;
        while let Some(i) = lower[from..].find(name) {
            let start = from + i + name.len();
            let rest = lower[start..].trim_start_matches([' ', '=', '\t', '"', '\'', ':']);
            let v: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '.')
                .collect();
            if v.chars().next().is_some_and(|c| c.is_ascii_digit()) {
                return Some(v);
            }
            from = start;
        }
    }
    None
}

/// The idle limit of the server a database host reaches: (seconds, what,
/// estimated).
fn idle_limit(ctx: &Ctx<'_>, host: &str, ns: &str, from: usize) -> Option<(f64, String, bool)> {
    if host.contains(".proxy-") && host.ends_with(".rds.amazonaws.com") {
        let first = host.split('.').next().unwrap_or(host);
        for &rid in ctx.graph.of_kind("aws_db_proxy") {
            let r = &ctx.inv.resources[rid];
            if r.api_version != "terraform" {
                continue;
            }
            let name = r.node.get("name").and_then(Node::scalar_text);
            if name.as_deref() == Some(first) {
                let t = r
                    .node
                    .get("idle_client_timeout")
                    .and_then(Node::as_f64)
                    .unwrap_or(1800.0);
                return Some((
                    t,
                    format!("idle_client_timeout of RDS Proxy `{first}`"),
                    false,
                ));
            }
        }
        return Some((
            1800.0,
            format!("idle_client_timeout of RDS Proxy `{first}`"),
            true,
        ));
    }
    let sid = service_for_host(ctx.graph, host, ns, from)?;
    for &w in ctx.graph.service_targets.get(&sid)? {
        let wl = &ctx.graph.workloads[w];
        let r = &ctx.inv.resources[wl.resource];
        for c in wl.containers.iter().filter(|c| !c.init) {
            let image = c.image.repository.to_ascii_lowercase();
            let (names, unit, what): (&[&str], f64, &str) = if image.contains("pgbouncer") {
                (
                    &["client_idle_timeout"],
                    SECONDS,
                    "client_idle_timeout of PgBouncer",
                )
            } else if image.contains("mysql")
                || image.contains("mariadb")
                || image.contains("percona")
            {
                (
                    &["wait_timeout", "wait-timeout"],
                    SECONDS,
                    "wait_timeout of MySQL",
                )
            } else if image.contains("postgres") {
                (
                    &["idle_session_timeout"],
                    MS,
                    "idle_session_timeout of PostgreSQL",
                )
            } else {
                continue;
            };
            let mut texts: Vec<String> = Vec::new();
            if let Some(node) = r.node.pointer(&c.pointer) {
                for f in ["command", "args"] {
                    texts.extend(
                        node.get(f)
                            .map(Node::items)
                            .unwrap_or_default()
                            .iter()
                            .filter_map(Node::scalar_text),
                    );
                }
                for e in node.get("env").map(Node::items).unwrap_or_default() {
                    let name = e
                        .get("name")
                        .and_then(Node::scalar_text)
                        .unwrap_or_default();
                    let value = e
                        .get("value")
                        .and_then(Node::scalar_text)
                        .unwrap_or_default();
                    texts.push(format!("{name}={value}"));
                }
            }
            if let Some(spec) = r.node.pointer(&wl.pod_spec_pointer()) {
                for v in spec.get("volumes").map(Node::items).unwrap_or_default() {
                    let Some(name) = v.path(&["configMap", "name"]).and_then(Node::scalar_text)
                    else {
                        continue;
                    };
                    if let Some(cm) = ctx
                        .graph
                        .find(&r.namespace, "ConfigMap", &name, wl.resource)
                    {
                        for e in ctx.inv.resources[cm]
                            .node
                            .get("data")
                            .map(Node::entries)
                            .unwrap_or_default()
                        {
                            if let Some(t) = e.value.as_str() {
                                texts.push(t.to_string());
                            }
                        }
                    }
                }
            }
            let joined = texts.join("\n");
            if let Some(v) = setting_in(&joined, names)
                && let Some(secs) = duration::seconds(&v, unit)
                && secs > 0.0
            {
                return Some((secs, format!("{what} `{}`", r.name), false));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_in_text() {
        assert_eq!(
            setting_in("--wait_timeout=600", &["wait_timeout"]).as_deref(),
            Some("600")
        );
        assert_eq!(
            setting_in("[mysqld]\nwait_timeout = 300\n", &["wait_timeout"]).as_deref(),
            Some("300")
        );
        assert_eq!(
            setting_in("-c idle_session_timeout=10min", &["idle_session_timeout"]).as_deref(),
            Some("10min")
        );
        assert_eq!(setting_in("x=1", &["wait_timeout"]), None);
    }
}
