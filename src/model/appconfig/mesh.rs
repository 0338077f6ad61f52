//! Service-mesh resilience settings: Istio `VirtualService` routes
//! (timeouts, retries), `DestinationRule` traffic policies (outlier
//! detection, connection pools), Linkerd `ServiceProfile` routes (timeouts,
//! retryable routes), and whether a workload evidently runs in the mesh
//! (sidecar injection labels, ambient mode, an `istio-proxy` container).
//!
//! Istio defaults worth knowing: HTTP routes have no timeout; a route
//! without `retries` is retried twice on connect-failure, refused-stream,
//! unavailable, cancelled and 503 ("retriable-status-codes"), with Envoy's
//! jittered exponential back-off; outlier detection is off unless a
//! DestinationRule turns it on, with `maxEjectionPercent` 10 by default.

use super::duration::{self, SECONDS};
use crate::model::graph::{Graph, WorkloadId};
use crate::model::{Inventory, ResourceId};
use crate::yaml::Node;

/// Retries Istio applies to a route that sets none.
pub const ISTIO_DEFAULT_ATTEMPTS: i64 = 2;
pub const ISTIO_DEFAULT_RETRY_ON: &str =
    "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes (503)";

#[derive(Clone, Debug)]
pub struct Retries {
    /// Retries after the first try (Istio `attempts`).
    pub attempts: i64,
    pub per_try_timeout: Option<f64>,
    pub retry_on: Option<String>,
    /// Pointer of the `retries` field (or of the route when defaulted).
    pub pointer: String,
    /// Istio's default policy (the route sets no `retries`).
    pub default: bool,
}

/// One HTTP route of a VirtualService.
#[derive(Clone, Debug)]
pub struct Route {
    pub vs: ResourceId,
    /// Pointer of `/spec/http/<i>`.
    pub pointer: String,
    /// Hosts of the VirtualService, as fully qualified names.
    pub hosts: Vec<String>,
    /// Applies to sidecars (no `gateways`, or `mesh` among them).
    pub mesh: bool,
    /// Bound to ingress gateways.
    pub gateway: bool,
    pub timeout: Option<f64>,
    pub retries: Retries,
    /// Destination hosts, fully qualified.
    pub destinations: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct Policy {
    pub dr: ResourceId,
    /// Pointer of the traffic policy (`/spec/trafficPolicy`, a subset's or
    /// a port-level one).
    pub pointer: String,
    pub host: String,
    pub outlier: Option<Node>,
    pub connection_pool: bool,
}

#[derive(Clone, Debug)]
pub struct ProfileRoute {
    pub sp: ResourceId,
    pub pointer: String,
    pub host: String,
    pub timeout: Option<f64>,
    pub retryable: bool,
}

#[derive(Debug, Default)]
pub struct Mesh {
    pub routes: Vec<Route>,
    pub policies: Vec<Policy>,
    pub profiles: Vec<ProfileRoute>,
}

/// Last labels that make a two-label name a domain, not `service.namespace`.
const TLDS: &[&str] = &[
    "com",
    "net",
    "org",
    "io",
    "dev",
    "ai",
    "co",
    "app",
    "cloud",
    "gov",
    "edu",
    "info",
    "biz",
    "me",
    "us",
    "uk",
    "de",
    "eu",
    "fr",
    "local",
    "internal",
    "localdomain",
    "localhost",
];

/// The fully qualified name of a host as written in `namespace`
/// (`reviews` -> `reviews.<ns>.svc.cluster.local`). Hosts outside the
/// cluster are returned lowercase as they are.
pub fn fqdn(host: &str, namespace: &str) -> String {
    let h = host.trim().trim_end_matches('.').to_ascii_lowercase();
    if h.contains('*') || h.parse::<std::net::IpAddr>().is_ok() {
        return h;
    }
    let parts: Vec<&str> = h.split('.').collect();
    match parts.as_slice() {
        [svc] => format!("{svc}.{namespace}.svc.cluster.local"),
        [svc, ns] if !TLDS.contains(ns) => format!("{svc}.{ns}.svc.cluster.local"),
        [svc, ns, "svc"] => format!("{svc}.{ns}.svc.cluster.local"),
        _ => h,
    }
}

/// Whether a VirtualService host pattern covers a host.
fn covers(pattern: &str, host: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    match pattern.strip_prefix("*.") {
        Some(suffix) => host.ends_with(&format!(".{suffix}")),
        None => pattern == host,
    }
}

fn dur(n: Option<&Node>) -> Option<f64> {
    duration::seconds(&n?.scalar_text()?, SECONDS)
}

impl Mesh {
    pub fn build(inv: &Inventory, g: &Graph) -> Mesh {
        let mut m = Mesh::default();
        for &rid in g.of_kind("VirtualService") {
            let r = &inv.resources[rid];
            if !r.api_version.starts_with("networking.istio.io/") {
                continue;
            }
            let spec = r.node.get("spec");
            let hosts: Vec<String> = spec
                .and_then(|s| s.get("hosts"))
                .map(Node::items)
                .unwrap_or_default()
                .iter()
                .filter_map(Node::as_str)
                .map(|h| fqdn(h, &r.namespace))
                .collect();
            let gateways: Vec<String> = spec
                .and_then(|s| s.get("gateways"))
                .map(Node::items)
                .unwrap_or_default()
                .iter()
                .filter_map(Node::scalar_text)
                .collect();
            let mesh = gateways.is_empty() || gateways.iter().any(|g| g == "mesh");
            let gateway = gateways.iter().any(|g| g != "mesh");
            for (i, route) in spec
                .and_then(|s| s.get("http"))
                .map(Node::items)
                .unwrap_or_default()
                .iter()
                .enumerate()
            {
                let pointer = format!("/spec/http/{i}");
                let retries = match route.get("retries") {
                    Some(rt) => Retries {
                        // `attempts` absent with a retries block: Istio's 2.
                        attempts: rt
                            .get("attempts")
                            .and_then(Node::as_i64)
                            .unwrap_or(ISTIO_DEFAULT_ATTEMPTS),
                        per_try_timeout: dur(rt.get("perTryTimeout")),
                        retry_on: rt.get("retryOn").and_then(Node::scalar_text),
                        pointer: format!("{pointer}/retries"),
                        default: false,
                    },
                    None => Retries {
                        attempts: ISTIO_DEFAULT_ATTEMPTS,
                        per_try_timeout: None,
                        retry_on: None,
                        pointer: pointer.clone(),
                        default: true,
                    },
                };
                let destinations = route
                    .get("route")
                    .map(Node::items)
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|d| d.path(&["destination", "host"]).and_then(Node::as_str))
                    .map(|h| fqdn(h, &r.namespace))
                    .collect();
                m.routes.push(Route {
                    vs: rid,
                    timeout: dur(route.get("timeout")),
                    pointer,
                    hosts: hosts.clone(),
                    mesh,
                    gateway,
                    retries,
                    destinations,
                });
            }
        }
        for &rid in g.of_kind("DestinationRule") {
            let r = &inv.resources[rid];
            if !r.api_version.starts_with("networking.istio.io/") {
                continue;
            }
            let Some(host) = r.node.path(&["spec", "host"]).and_then(Node::as_str) else {
                continue;
            };
            let host = fqdn(host, &r.namespace);
            let mut add = |policy: &Node, pointer: String| {
                m.policies.push(Policy {
                    dr: rid,
                    host: host.clone(),
                    outlier: policy.get("outlierDetection").cloned(),
                    connection_pool: policy.get("connectionPool").is_some(),
                    pointer,
                });
            };
            if let Some(tp) = r.node.path(&["spec", "trafficPolicy"]) {
                add(tp, "/spec/trafficPolicy".into());
                for (i, p) in tp
                    .get("portLevelSettings")
                    .map(Node::items)
                    .unwrap_or_default()
                    .iter()
                    .enumerate()
                {
                    add(p, format!("/spec/trafficPolicy/portLevelSettings/{i}"));
                }
            }
            for (i, s) in r
                .node
                .path(&["spec", "subsets"])
                .map(Node::items)
                .unwrap_or_default()
                .iter()
                .enumerate()
            {
                if let Some(tp) = s.get("trafficPolicy") {
                    add(tp, format!("/spec/subsets/{i}/trafficPolicy"));
                }
            }
        }
        for &rid in g.of_kind("ServiceProfile") {
            let r = &inv.resources[rid];
            if !r.api_version.starts_with("linkerd.io/") {
                continue;
            }
            let host = r.name.to_ascii_lowercase();
            for (i, route) in r
                .node
                .path(&["spec", "routes"])
                .map(Node::items)
                .unwrap_or_default()
                .iter()
                .enumerate()
            {
                m.profiles.push(ProfileRoute {
                    sp: rid,
                    pointer: format!("/spec/routes/{i}"),
                    host: host.clone(),
                    timeout: dur(route.get("timeout")),
                    retryable: route.get("isRetryable").and_then(Node::as_bool) == Some(true),
                });
            }
        }
        m
    }

    /// The HTTP routes sidecars use for a host (fully qualified).
    pub fn routes_for<'a>(&'a self, host: &'a str) -> impl Iterator<Item = &'a Route> + 'a {
        self.routes
            .iter()
            .filter(move |r| r.mesh && r.hosts.iter().any(|p| covers(p, host)))
    }

    /// Traffic policies of DestinationRules for a host.
    pub fn policies_for<'a>(&'a self, host: &'a str) -> impl Iterator<Item = &'a Policy> + 'a {
        self.policies.iter().filter(move |p| covers(&p.host, host))
    }

    pub fn profile_routes_for<'a>(
        &'a self,
        host: &'a str,
    ) -> impl Iterator<Item = &'a ProfileRoute> + 'a {
        self.profiles.iter().filter(move |p| p.host == host)
    }
}

/// Why a workload evidently runs with an Istio sidecar (or in ambient
/// mode), or `None`.
pub fn istio_evidence(inv: &Inventory, g: &Graph, wid: WorkloadId) -> Option<String> {
    let w = &g.workloads[wid];
    let r = &inv.resources[w.resource];
    let template = r.node.pointer(w.template);
    let meta = |field: &str, key: &str| -> Option<String> {
        template?.path(&["metadata", field, key])?.scalar_text()
    };
    let inject = meta("labels", "sidecar.istio.io/inject")
        .or_else(|| meta("annotations", "sidecar.istio.io/inject"));
    if inject.as_deref() == Some("false") {
        return None;
    }
    if inject.as_deref() == Some("true") {
        return Some(format!(
            "{} `{}` asks for sidecar injection",
            r.kind, r.name
        ));
    }
    if w.containers.iter().any(|c| c.name == "istio-proxy") {
        return Some(format!(
            "{} `{}` has an istio-proxy container",
            r.kind, r.name
        ));
    }
    if meta("labels", "istio.io/rev").is_some() {
        return Some(format!(
            "{} `{}` has the istio.io/rev label",
            r.kind, r.name
        ));
    }
    if meta("annotations", "proxy.istio.io/config").is_some() {
        return Some(format!(
            "{} `{}` configures its Istio proxy (proxy.istio.io/config)",
            r.kind, r.name
        ));
    }
    let ns = g.find("", "Namespace", &r.namespace, w.resource)?;
    let labels = inv.resources[ns].node.path(&["metadata", "labels"])?;
    let label = |k: &str| labels.get(k).and_then(Node::scalar_text);
    if label("istio-injection").as_deref() == Some("enabled") {
        return Some(format!(
            "namespace `{}` has istio-injection=enabled",
            r.namespace
        ));
    }
    if label("istio.io/rev").is_some() {
        return Some(format!(
            "namespace `{}` has the istio.io/rev label",
            r.namespace
        ));
    }
    if label("istio.io/dataplane-mode").as_deref() == Some("ambient") {
        return Some(format!(
            "namespace `{}` runs in Istio ambient mode",
            r.namespace
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        assert_eq!(fqdn("reviews", "shop"), "reviews.shop.svc.cluster.local");
        assert_eq!(
            fqdn("reviews.prod", "shop"),
            "reviews.prod.svc.cluster.local"
        );
        assert_eq!(
            fqdn("reviews.prod.svc.cluster.local", "shop"),
            "reviews.prod.svc.cluster.local"
        );
        assert_eq!(fqdn("api.example.com", "shop"), "api.example.com");
        assert!(covers("*.example.com", "api.example.com"));
        assert!(covers("*", "x"));
        assert!(!covers("a.b", "c.b"));
    }
}
