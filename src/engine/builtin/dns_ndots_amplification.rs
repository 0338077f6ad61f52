//! DEPEND-010: external host names looked up through every search domain.
//! With Kubernetes' default `ndots:5`, a name with fewer than five dots is
//! first tried with each search domain (`<ns>.svc.cluster.local`,
//! `svc.cluster.local`, `cluster.local`, the node's own): up to four failed
//! queries (times two for A and AAAA) before the real one, for every lookup
//! an HTTP client without DNS caching makes. Under load this multiplies
//! the queries CoreDNS must answer (Zalando's DNS outage).
//!
//! Reported once per workload: hosts outside the cluster (a dot, not an
//! IP, not `*.svc`/`*.cluster.local`/`*.local`, not a Service of the input,
//! no trailing dot) in the application's config and environment, with
//! fewer dots than the pod's `ndots` (5 unless `dnsConfig` lowers it), for
//! pods with the cluster DNS policy. Clusters running NodeLocal DNSCache
//! (a `node-local-dns` DaemonSet in the input) are left alone.

use super::appconfig_support::{Adjust, Emitter, list};
use super::container_env::service_for_host;
use crate::engine::{Ctx, Hit};
use crate::model::appconfig::keys::squash;
use crate::model::appconfig::spring;
use crate::model::appconfig::view::Setting;
use crate::yaml::Node;

pub struct Check;

impl super::BuiltinCheck for Check {
    fn slug(&self) -> &'static str {
        "dns-ndots-amplification"
    }

    fn run(&self, ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
        let g = ctx.graph;
        let node_local = g.workloads.iter().any(|w| {
            let r = &ctx.inv.resources[w.resource];
            r.name.contains("node-local-dns")
                || w.containers
                    .iter()
                    .any(|c| c.image.repository.contains("k8s-dns-node-cache"))
        });
        if node_local {
            return;
        }
        let apps = ctx.derived.apps(true);
        let namespaces: std::collections::HashSet<&str> = ctx
            .inv
            .resources
            .iter()
            .map(|r| r.namespace.as_str())
            .chain(["default", "kube-system"])
            .collect();
        let mut out = Emitter::default();
        for app in &apps.apps {
            let Some(&w) = app.workloads.first() else {
                continue;
            };
            let wl = &g.workloads[w];
            let r = &ctx.inv.resources[wl.resource];
            let Some(spec) = r.node.pointer(&wl.pod_spec_pointer()) else {
                continue;
            };
            let policy = spec
                .get("dnsPolicy")
                .and_then(Node::as_str)
                .unwrap_or("ClusterFirst");
            if policy == "Default" || policy == "None" {
                continue;
            }
            let ndots = spec
                .path(&["dnsConfig", "options"])
                .map(Node::items)
                .unwrap_or_default()
                .iter()
                .find(|o| o.get("name").and_then(Node::as_str) == Some("ndots"))
                .and_then(|o| o.get("value"))
                .and_then(|v| v.scalar_text())
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or(5);
            let mut found: Vec<(String, &Setting)> = Vec::new();
            for s in app.settings.iter().filter(|s| s.known) {
                for host in hosts_in(&app.resolve(&s.value), s) {
                    let dots = host.matches('.').count();
                    if dots == 0 || dots >= ndots || host.ends_with('.') {
                        continue;
                    }
                    let last = host.rsplit('.').next().unwrap_or_default();
                    if !external(&host)
                        || namespaces.contains(last)
                        || service_for_host(g, &host, &r.namespace, wl.resource).is_some()
                    {
                        continue;
                    }
                    if !found.iter().any(|(h, _)| *h == host) {
                        found.push((host, s));
                    }
                }
            }
            let Some((_, first)) = found.first() else {
                continue;
            };
            let hosts: Vec<String> = found.iter().map(|(h, _)| h.clone()).collect();
            out.at(
                app,
                first,
                format!(
                    "{} `{}` resolves external host{} {} ({}) with `ndots:{ndots}`{}: each lookup first tries every search domain of the pod, up to 8 failed DNS queries (A and AAAA) before the real one, and clients that do not cache DNS repeat that for every connection; under load this multiplies CoreDNS traffic and a DNS slowdown becomes an outage. Add `dnsConfig.options: [{{name: ndots, value: \"2\"}}]` to the pod, write the names with a trailing dot, or run NodeLocal DNSCache",
                    r.kind,
                    r.name,
                    if hosts.len() > 1 { "s" } else { "" },
                    list(&hosts, 4),
                    app.at(first),
                    if ndots == 5 { " (the default)" } else { "" }
                ),
                Adjust::none(),
            );
        }
        out.finish(hits);
    }
}

/// Host names in a setting's value: URLs of any scheme, or `host[:port]`
/// lists for keys that name hosts.
fn hosts_in(value: &str, s: &Setting) -> Vec<String> {
    let v = value.trim();
    if v.contains("${") || v.contains("$(") || v.contains(' ') {
        return Vec::new();
    }
    if v.contains("://") || v.to_ascii_lowercase().starts_with("jdbc:") {
        return spring::hosts_of(v).into_iter().map(|(h, _)| h).collect();
    }
    let key = squash(&s.key);
    let names_host = [
        "host",
        "hosts",
        "addr",
        "address",
        "addresses",
        "servers",
        "brokers",
        "endpoint",
        "nodes",
    ]
    .iter()
    .any(|k| key.ends_with(k));
    if names_host {
        return spring::hosts_of(v).into_iter().map(|(h, _)| h).collect();
    }
    Vec::new()
}

/// A name outside the cluster.
fn external(host: &str) -> bool {
    let h = host.trim_end_matches('.');
    if h.parse::<std::net::IpAddr>().is_ok() || h.contains(':') || h.contains('*') {
        return false;
    }
    // A name needs letters in its last label to be a domain.
    let tld = h.rsplit('.').next().unwrap_or(h);
    if tld.is_empty() || !tld.chars().all(|c| c.is_ascii_alphabetic()) {
        return false;
    }
    if [
        ".svc",
        ".cluster.local",
        ".local",
        ".localhost",
        ".internal",
        ".localdomain",
    ]
    .iter()
    .any(|s| h.ends_with(s))
    {
        return false;
    }
    // `name.namespace` is the usual in-cluster short form: a single dot is
    // external only with a common public suffix.
    h.matches('.').count() > 1 || PUBLIC_SUFFIXES.contains(&tld)
}

const PUBLIC_SUFFIXES: &[&str] = &[
    "com", "net", "org", "io", "dev", "ai", "co", "app", "cloud", "gov", "edu", "info", "biz",
    "me", "us", "uk", "de", "eu", "fr", "nl", "jp", "cn", "in", "au", "ca", "ch", "se",
];
