//! The environment of a container as its process sees it, and the hosts it
//! connects to. Literal `env` values and values taken from ConfigMaps of the
//! input (`valueFrom.configMapKeyRef`, `envFrom.configMapRef`) are known;
//! Secret values are never read. Shared by the checks that follow a
//! workload's outbound connections (database budget, network policies).

use crate::last_wins::LastWins;
use crate::model::graph::Graph;
use crate::model::{Inventory, ResourceId};
use crate::yaml::Node;

/// One environment variable of a container.
#[derive(Clone, Debug)]
pub struct EnvVar {
    pub name: String,
    /// The value, when the input says it (a literal or a ConfigMap key of
    /// the input); `None` for Secrets, field references and unknown maps.
    pub value: Option<String>,
}

/// The environment of the container at `container_pointer` of resource
/// `rid`: `envFrom` entries first, then `env`, which wins on a name clash
/// as it does in the kubelet.
pub fn container_env(
    inv: &Inventory,
    graph: &Graph,
    rid: ResourceId,
    container_pointer: &str,
) -> Vec<EnvVar> {
    let r = &inv.resources[rid];
    let Some(c) = r.node.pointer(container_pointer) else {
        return Vec::new();
    };
    let config_map = |name: &str| -> Option<&Node> {
        let id = graph.find(&r.namespace, "ConfigMap", name, rid)?;
        inv.resources[id].node.get("data")
    };
    let mut out = LastWins::new();
    let mut set = |name: String, value: Option<String>| {
        out.push(name.clone(), EnvVar { name, value });
    };
    for from in c.get("envFrom").map(Node::items).unwrap_or_default() {
        let prefix = from
            .get("prefix")
            .and_then(Node::scalar_text)
            .unwrap_or_default();
        let Some(name) = from
            .path(&["configMapRef", "name"])
            .and_then(Node::scalar_text)
        else {
            continue;
        };
        for e in config_map(&name).map(Node::entries).unwrap_or_default() {
            set(format!("{prefix}{}", e.key), e.value.scalar_text());
        }
    }
    for e in c.get("env").map(Node::items).unwrap_or_default() {
        let Some(name) = e.get("name").and_then(Node::scalar_text) else {
            continue;
        };
        let value = if let Some(v) = e.get("value") {
            v.scalar_text()
        } else if let Some(k) = e.path(&["valueFrom", "configMapKeyRef"]) {
            let map = k.get("name").and_then(Node::scalar_text);
            let key = k.get("key").and_then(Node::scalar_text);
            match (map, key) {
                (Some(m), Some(key)) => config_map(&m)
                    .and_then(|d| d.get(&key))
                    .and_then(Node::scalar_text),
                _ => None,
            }
        } else {
            None
        };
        set(name, value);
    }
    out.into_vec()
}

/// The host (lowercase) and port of a connection string or address:
/// `jdbc:postgresql://db:5432/app`, `postgres://u:p@db/app`,
/// `mysql://db`, `db:3306`, or a bare host name. `None` when the value is
/// not an address (a path, a sentence, a template placeholder).
pub fn endpoint(value: &str) -> Option<(String, Option<u16>)> {
    let v = value.trim();
    let v = v.strip_prefix("jdbc:").unwrap_or(v);
    let rest = match v.split_once("://") {
        Some((scheme, rest)) => {
            if scheme.is_empty()
                || !scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.:".contains(c))
            {
                return None;
            }
            rest
        }
        None => v,
    };
    // Authority ends at the first '/', '?', ';' or ','.
    let authority = rest
        .split(['/', '?', ';', ',', '#'])
        .next()
        .unwrap_or_default();
    // Credentials are never kept.
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (h, Some(p.parse::<u16>().ok()?)),
        None => (authority, None),
    };
    let host = host.trim().to_ascii_lowercase();
    let dns_like = !host.is_empty()
        && host.len() <= 253
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        && host
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric());
    dns_like.then_some((host, port))
}

/// Whether a host is the pod itself or an IP address, not a Service name.
pub fn is_local_or_ip(host: &str) -> bool {
    host == "localhost"
        || host.parse::<std::net::IpAddr>().is_ok()
        || host.chars().all(|c| c.is_ascii_digit() || c == '.')
}

/// The Service of the input a host name resolves to from a pod in
/// `namespace`: `svc`, `svc.ns`, `svc.ns.svc[.cluster.local]`, or a
/// StatefulSet pod record `pod-0.svc[.ns...]`.
pub fn service_for_host(
    graph: &Graph,
    host: &str,
    namespace: &str,
    from: ResourceId,
) -> Option<ResourceId> {
    if is_local_or_ip(host) {
        return None;
    }
    let host = host.trim_end_matches('.');
    let host = host
        .strip_suffix(".cluster.local")
        .unwrap_or(host)
        .strip_suffix(".svc")
        .unwrap_or(host);
    let parts: Vec<&str> = host.split('.').collect();
    let find = |name: &str, ns: &str| graph.find(ns, "Service", name, from);
    match parts.as_slice() {
        [svc] => find(svc, namespace),
        [svc, ns] => find(svc, ns).or_else(|| find(ns, namespace)),
        [_pod, svc, ns] => find(svc, ns),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_of_connection_strings() {
        let e = endpoint;
        assert_eq!(
            e("jdbc:postgresql://ledger-db:5432/postgresdb"),
            Some(("ledger-db".into(), Some(5432)))
        );
        assert_eq!(
            e("postgres://app:s3cret@Orders-DB.shop.svc.cluster.local/orders?sslmode=disable"),
            Some(("orders-db.shop.svc.cluster.local".into(), None))
        );
        assert_eq!(e("mysql:3306"), Some(("mysql".into(), Some(3306))));
        assert_eq!(
            e("cartservice:7070"),
            Some(("cartservice".into(), Some(7070)))
        );
        assert_eq!(
            e("jdbc:sqlserver://sql:1433;databaseName=x"),
            Some(("sql".into(), Some(1433)))
        );
        assert_eq!(e("/var/run/app.sock"), None);
        assert_eq!(e("some text here"), None);
        assert_eq!(e("{{ .Values.host }}"), None);
        assert!(is_local_or_ip("127.0.0.1"));
    }
}
