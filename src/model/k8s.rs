//! Kubernetes knowledge: which kinds are workloads and where their pod
//! template lives, what a container looks like, and which kinds are
//! cluster-scoped.

use crate::yaml::Node;

/// Whether a YAML document is a Kubernetes-style object.
pub fn looks_like_object(node: &Node) -> bool {
    node.get("apiVersion").is_some() && node.get("kind").is_some()
}

const CLUSTER_SCOPED: &[&str] = &[
    "Namespace",
    "Node",
    "PersistentVolume",
    "StorageClass",
    "PriorityClass",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "APIService",
    "IngressClass",
    "RuntimeClass",
    "CSIDriver",
    "VolumeSnapshotClass",
    "ClusterIssuer",
    "GatewayClass",
];

/// Whether an apiVersion belongs to Kubernetes itself (core, `apps`,
/// `*.k8s.io`...), as opposed to a CRD or a tool's configuration format.
pub fn is_builtin_api(api_version: &str) -> bool {
    let group = api_version.rsplit_once('/').map(|(g, _)| g).unwrap_or("");
    matches!(
        group,
        "" | "apps" | "batch" | "autoscaling" | "policy" | "extensions"
    ) || (group.ends_with(".k8s.io") && group != "kustomize.config.k8s.io")
}

pub fn is_cluster_scoped(kind: &str) -> bool {
    CLUSTER_SCOPED.contains(&kind)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WorkloadKind {
    Deployment,
    StatefulSet,
    DaemonSet,
    ReplicaSet,
    ReplicationController,
    Job,
    CronJob,
    Pod,
    /// Argo Rollouts `Rollout`.
    Rollout,
    /// OpenShift `DeploymentConfig`.
    DeploymentConfig,
}

impl WorkloadKind {
    pub fn of(api_version: &str, kind: &str) -> Option<WorkloadKind> {
        Some(match kind {
            "Deployment" => WorkloadKind::Deployment,
            "StatefulSet" => WorkloadKind::StatefulSet,
            "DaemonSet" => WorkloadKind::DaemonSet,
            "ReplicaSet" => WorkloadKind::ReplicaSet,
            "ReplicationController" => WorkloadKind::ReplicationController,
            "Job" if api_version.starts_with("batch/") => WorkloadKind::Job,
            "CronJob" if api_version.starts_with("batch/") => WorkloadKind::CronJob,
            "Pod" if api_version == "v1" => WorkloadKind::Pod,
            "Rollout" if api_version.starts_with("argoproj.io/") => WorkloadKind::Rollout,
            "DeploymentConfig" => WorkloadKind::DeploymentConfig,
            _ => return None,
        })
    }

    /// JSON Pointer of the pod template (metadata + spec). A Pod is its own
    /// template.
    pub fn template_pointer(self) -> &'static str {
        match self {
            WorkloadKind::Pod => "",
            WorkloadKind::CronJob => "/spec/jobTemplate/spec/template",
            _ => "/spec/template",
        }
    }

    /// Runs a fixed number of long-lived replicas (`spec.replicas`).
    pub fn has_replicas(self) -> bool {
        matches!(
            self,
            WorkloadKind::Deployment
                | WorkloadKind::StatefulSet
                | WorkloadKind::ReplicaSet
                | WorkloadKind::ReplicationController
                | WorkloadKind::Rollout
                | WorkloadKind::DeploymentConfig
        )
    }

    /// Runs to completion.
    pub fn is_batch(self) -> bool {
        matches!(self, WorkloadKind::Job | WorkloadKind::CronJob)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            WorkloadKind::Deployment => "Deployment",
            WorkloadKind::StatefulSet => "StatefulSet",
            WorkloadKind::DaemonSet => "DaemonSet",
            WorkloadKind::ReplicaSet => "ReplicaSet",
            WorkloadKind::ReplicationController => "ReplicationController",
            WorkloadKind::Job => "Job",
            WorkloadKind::CronJob => "CronJob",
            WorkloadKind::Pod => "Pod",
            WorkloadKind::Rollout => "Rollout",
            WorkloadKind::DeploymentConfig => "DeploymentConfig",
        }
    }
}

/// A container of a pod template.
#[derive(Clone, Debug)]
pub struct Container {
    pub name: String,
    /// JSON Pointer of the container inside its resource.
    pub pointer: String,
    pub init: bool,
    /// An init container with `restartPolicy: Always` (a native sidecar), or a
    /// well-known proxy/agent by name or image.
    pub sidecar: bool,
    pub image: ImageRef,
    /// Declared container ports: (name, number).
    pub ports: Vec<(Option<String>, i64)>,
}

/// Names and images of helper containers that do not serve the app's traffic.
const SIDECAR_HINTS: &[&str] = &[
    "istio-proxy",
    "linkerd-proxy",
    "envoy",
    "cloud-sql-proxy",
    "cloudsql-proxy",
    "oauth2-proxy",
    "vault-agent",
    "fluent-bit",
    "fluentd",
    "filebeat",
    "promtail",
    "otel-collector",
    "opentelemetry-collector",
    "datadog-agent",
    "jaeger-agent",
    "config-reloader",
    "configmap-reload",
    "kube-rbac-proxy",
];

fn is_sidecar_name(name: &str, image: &str) -> bool {
    let image_name = image.rsplit('/').next().unwrap_or(image);
    SIDECAR_HINTS
        .iter()
        .any(|h| name == *h || name.starts_with(&format!("{h}-")) || image_name.starts_with(h))
}

/// Containers of a pod spec (`containers` then `initContainers`). A
/// well-known proxy image is a sidecar only beside an app container: an
/// Envoy gateway alone in its pod is the app.
pub fn containers(pod_spec: &Node, pod_spec_pointer: &str) -> Vec<Container> {
    let mut out = Vec::new();
    for (field, init) in [("containers", false), ("initContainers", true)] {
        for (i, c) in pod_spec
            .get(field)
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let name = c
                .get("name")
                .and_then(Node::scalar_text)
                .unwrap_or_default();
            let image = c
                .get("image")
                .and_then(Node::scalar_text)
                .unwrap_or_default();
            let native_sidecar =
                init && c.get("restartPolicy").and_then(Node::as_str) == Some("Always");
            let ports = c
                .get("ports")
                .map(Node::items)
                .unwrap_or_default()
                .iter()
                .filter_map(|p| {
                    Some((
                        p.get("name").and_then(Node::scalar_text),
                        p.get("containerPort")?.as_i64()?,
                    ))
                })
                .collect();
            out.push(Container {
                sidecar: native_sidecar || (!init && is_sidecar_name(&name, &image)),
                name,
                pointer: format!("{pod_spec_pointer}/{field}/{i}"),
                init,
                image: ImageRef::parse(&image),
                ports,
            });
        }
    }
    let apps = out.iter().filter(|c| !c.init).count();
    let named_sidecars = out.iter().filter(|c| !c.init && c.sidecar).count();
    if apps > 0 && named_sidecars == apps {
        for c in out.iter_mut().filter(|c| !c.init) {
            c.sidecar = false;
        }
    }
    out
}

/// An image reference split into its parts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImageRef {
    pub full: String,
    /// Registry host, when the reference names one.
    pub registry: Option<String>,
    /// Repository path without registry.
    pub repository: String,
    /// Tag, empty when absent.
    pub tag: String,
    /// Digest (`sha256:...`), empty when absent.
    pub digest: String,
}

impl ImageRef {
    pub fn parse(image: &str) -> ImageRef {
        let (rest, digest) = match image.split_once('@') {
            Some((r, d)) => (r, d.to_string()),
            None => (image, String::new()),
        };
        // A tag is after the last ':' that follows the last '/'.
        let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match rest[last_slash..].rfind(':') {
            Some(i) => (
                &rest[..last_slash + i],
                rest[last_slash + i + 1..].to_string(),
            ),
            None => (rest, String::new()),
        };
        let (registry, repository) = match name.split_once('/') {
            Some((first, path))
                if first.contains('.') || first.contains(':') || first == "localhost" =>
            {
                (Some(first.to_string()), path.to_string())
            }
            _ => (None, name.to_string()),
        };
        ImageRef {
            full: image.to_string(),
            registry,
            repository,
            tag,
            digest,
        }
    }
}

/// What a probe checks, normalised so that two probes can be compared:
/// `http GET /healthz on port 8080`.
pub fn probe_handler(probe: &Node) -> Option<String> {
    let port = |n: &Node| {
        n.get("port")
            .and_then(Node::scalar_text)
            .unwrap_or_default()
    };
    if let Some(h) = probe.get("httpGet") {
        let path = h
            .get("path")
            .and_then(Node::scalar_text)
            .unwrap_or_else(|| "/".into());
        return Some(format!("http {path} port {}", port(h)));
    }
    if let Some(t) = probe.get("tcpSocket") {
        return Some(format!("tcp port {}", port(t)));
    }
    if let Some(g) = probe.get("grpc") {
        return Some(match g.get("service").and_then(Node::scalar_text) {
            Some(svc) if !svc.is_empty() => format!("grpc service {svc} port {}", port(g)),
            _ => format!("grpc port {}", port(g)),
        });
    }
    if let Some(e) = probe.get("exec") {
        let cmd: Vec<String> = e
            .get("command")
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .filter_map(Node::scalar_text)
            .collect();
        return Some(format!("exec {}", cmd.join(" ")));
    }
    None
}

/// Seconds of failing checks before the kubelet acts:
/// `failureThreshold × periodSeconds` (defaults 3 and 10).
pub fn probe_tolerance_seconds(probe: &Node) -> i64 {
    let get = |k: &str, d: i64| probe.get(k).and_then(Node::as_i64).unwrap_or(d);
    get("failureThreshold", 3) * get("periodSeconds", 10)
}

/// The value of an int-or-percent field (`maxUnavailable: 25%`) against a
/// total, rounded as the controller does (`round_up` for surge/PDB
/// minAvailable percentages, down for maxUnavailable of Deployments).
pub fn int_or_percent(node: &Node, total: i64, round_up: bool) -> Option<i64> {
    if let Some(i) = node.as_i64() {
        return Some(i);
    }
    let text = node.as_str()?;
    let pct: i64 = text.strip_suffix('%')?.trim().parse().ok()?;
    let scaled = pct.checked_mul(total)?;
    Some(if round_up {
        (scaled + 99).div_euclid(100)
    } else {
        scaled.div_euclid(100)
    })
}

/// How a pod template spreads its replicas over nodes and zones.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Spread {
    /// Anti-affinity or a spread constraint on the hostname selecting its own pods.
    pub hostname: bool,
    /// The same on the zone.
    pub zone: bool,
    /// A zone constraint that leaves pods Pending when a zone is lost
    /// (`whenUnsatisfiable: DoNotSchedule`, or required zone anti-affinity).
    pub zone_strict: bool,
    /// Terms that would spread but select other pods (label drift).
    pub mismatched: Vec<String>,
}

pub const HOSTNAME_KEY: &str = "kubernetes.io/hostname";
const ZONE_KEYS: &[&str] = &[
    "topology.kubernetes.io/zone",
    "failure-domain.beta.kubernetes.io/zone",
];

/// Reads affinity and topology spread constraints of a pod spec.
pub fn spread(pod_spec: &Node, labels: &[(String, String)], namespace: &str) -> Spread {
    use super::selector::LabelSelector;
    // An anti-affinity term limited to other namespaces does not see the
    // workload's own pods.
    let own_namespace = |term: &Node| -> bool {
        let Some(list) = term.get("namespaces").filter(|l| !l.items().is_empty()) else {
            return true;
        };
        term.get("namespaceSelector").is_some()
            || list.items().iter().any(|n| n.as_str() == Some(namespace))
    };
    let own = |sel: Option<&Node>, match_label_keys: bool| -> bool {
        if match_label_keys {
            return true;
        }
        let Some(sel) = sel else { return false };
        let s = LabelSelector::from_label_selector(sel);
        !s.is_empty() && s.matches(|k| labels.iter().find(|(l, _)| l == k).map(|(_, v)| v.as_str()))
    };
    let mut out = Spread::default();
    let mut consider = |key: &str, selects_own: bool, strict: bool, what: String| {
        let is_host = key == HOSTNAME_KEY;
        let is_zone = ZONE_KEYS.contains(&key);
        if !(is_host || is_zone) {
            return;
        }
        if !selects_own {
            out.mismatched.push(what);
            return;
        }
        if is_host {
            out.hostname = true;
        } else {
            out.zone = true;
            out.zone_strict |= strict;
        }
    };
    let anti = pod_spec.path(&["affinity", "podAntiAffinity"]);
    for (i, term) in anti
        .and_then(|a| a.get("requiredDuringSchedulingIgnoredDuringExecution"))
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let key = term
            .get("topologyKey")
            .and_then(Node::as_str)
            .unwrap_or_default();
        let mlk = term
            .get("matchLabelKeys")
            .is_some_and(|m| !m.items().is_empty());
        consider(
            key,
            own(term.get("labelSelector"), mlk) && own_namespace(term),
            true,
            format!("podAntiAffinity required term {i} ({key}) selects other pods"),
        );
    }
    for (i, weighted) in anti
        .and_then(|a| a.get("preferredDuringSchedulingIgnoredDuringExecution"))
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let Some(term) = weighted.get("podAffinityTerm") else {
            continue;
        };
        let key = term
            .get("topologyKey")
            .and_then(Node::as_str)
            .unwrap_or_default();
        let mlk = term
            .get("matchLabelKeys")
            .is_some_and(|m| !m.items().is_empty());
        consider(
            key,
            own(term.get("labelSelector"), mlk) && own_namespace(term),
            false,
            format!("podAntiAffinity preferred term {i} ({key}) selects other pods"),
        );
    }
    for (i, c) in pod_spec
        .get("topologySpreadConstraints")
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let key = c
            .get("topologyKey")
            .and_then(Node::as_str)
            .unwrap_or_default();
        let mlk = c
            .get("matchLabelKeys")
            .is_some_and(|m| !m.items().is_empty());
        // The API default for whenUnsatisfiable is DoNotSchedule.
        let strict = c.get("whenUnsatisfiable").and_then(Node::as_str) != Some("ScheduleAnyway");
        consider(
            key,
            own(c.get("labelSelector"), mlk),
            strict,
            format!(
                "topologySpreadConstraints[{i}] ({key}) has a labelSelector that does not match the pod labels"
            ),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_refs() {
        let i = ImageRef::parse("localhost:5000/team/app:1.2.3");
        assert_eq!(i.registry.as_deref(), Some("localhost:5000"));
        assert_eq!(i.repository, "team/app");
        assert_eq!(i.tag, "1.2.3");
        let i = ImageRef::parse("nginx");
        assert_eq!((i.registry, i.tag.as_str()), (None, ""));
        let i = ImageRef::parse("gcr.io/p/app@sha256:abc");
        assert_eq!((i.tag.as_str(), i.digest.as_str()), ("", "sha256:abc"));
        let i = ImageRef::parse("redis:latest@sha256:abc");
        assert_eq!(
            (i.tag.as_str(), i.digest.as_str()),
            ("latest", "sha256:abc")
        );
    }

    #[test]
    fn percentages_round_like_the_controllers() {
        let node = |t: &str| {
            crate::yaml::parse_stream(&format!("v: {t}"), &Default::default())
                .documents
                .remove(0)
                .root
                .get("v")
                .unwrap()
                .clone()
        };
        assert_eq!(int_or_percent(&node("10%"), 3, true), Some(1));
        assert_eq!(int_or_percent(&node("10%"), 3, false), Some(0));
        assert_eq!(int_or_percent(&node("'50%'"), 3, true), Some(2));
        assert_eq!(int_or_percent(&node("2"), 3, true), Some(2));
        assert_eq!(int_or_percent(&node("x"), 3, true), None);
        assert_eq!(
            int_or_percent(&node("'9223372036854775807%'"), 4, true),
            None
        );
    }
}
