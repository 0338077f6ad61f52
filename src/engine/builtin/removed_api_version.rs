//! CONFIG-002: an object written in an API version that Kubernetes stopped
//! serving. The API server rejects the manifest, so deploys, and worse the
//! emergency rollback to this version, fail right after a cluster upgrade.
//! Removals follow the Kubernetes deprecated API migration guide.

use crate::engine::{Ctx, Hit};
use crate::finding::Severity;

pub struct Check;

/// (apiVersion, kind or `*` for every kind of it, minor release that stopped
/// serving it, replacement).
const REMOVED: &[(&str, &str, u32, &str)] = &[
    // 1.16
    ("extensions/v1beta1", "Deployment", 16, "apps/v1"),
    ("extensions/v1beta1", "DaemonSet", 16, "apps/v1"),
    ("extensions/v1beta1", "ReplicaSet", 16, "apps/v1"),
    (
        "extensions/v1beta1",
        "NetworkPolicy",
        16,
        "networking.k8s.io/v1",
    ),
    (
        "extensions/v1beta1",
        "PodSecurityPolicy",
        16,
        "Pod Security Admission (policy/v1beta1 was removed in 1.25)",
    ),
    ("apps/v1beta1", "*", 16, "apps/v1"),
    ("apps/v1beta2", "*", 16, "apps/v1"),
    // 1.20
    (
        "settings.k8s.io/v1alpha1",
        "PodPreset",
        20,
        "a mutating admission webhook or explicit pod fields",
    ),
    // 1.22
    ("extensions/v1beta1", "Ingress", 22, "networking.k8s.io/v1"),
    ("extensions/v1beta1", "*", 22, "the group's current API"),
    (
        "networking.k8s.io/v1beta1",
        "Ingress",
        22,
        "networking.k8s.io/v1",
    ),
    (
        "networking.k8s.io/v1beta1",
        "IngressClass",
        22,
        "networking.k8s.io/v1",
    ),
    (
        "admissionregistration.k8s.io/v1beta1",
        "*",
        22,
        "admissionregistration.k8s.io/v1",
    ),
    (
        "apiextensions.k8s.io/v1beta1",
        "CustomResourceDefinition",
        22,
        "apiextensions.k8s.io/v1",
    ),
    (
        "apiregistration.k8s.io/v1beta1",
        "APIService",
        22,
        "apiregistration.k8s.io/v1",
    ),
    (
        "authentication.k8s.io/v1beta1",
        "TokenReview",
        22,
        "authentication.k8s.io/v1",
    ),
    (
        "authorization.k8s.io/v1beta1",
        "*",
        22,
        "authorization.k8s.io/v1",
    ),
    (
        "certificates.k8s.io/v1beta1",
        "CertificateSigningRequest",
        22,
        "certificates.k8s.io/v1",
    ),
    (
        "coordination.k8s.io/v1beta1",
        "Lease",
        22,
        "coordination.k8s.io/v1",
    ),
    (
        "rbac.authorization.k8s.io/v1beta1",
        "*",
        22,
        "rbac.authorization.k8s.io/v1",
    ),
    (
        "rbac.authorization.k8s.io/v1alpha1",
        "*",
        22,
        "rbac.authorization.k8s.io/v1",
    ),
    (
        "scheduling.k8s.io/v1beta1",
        "PriorityClass",
        22,
        "scheduling.k8s.io/v1",
    ),
    (
        "scheduling.k8s.io/v1alpha1",
        "PriorityClass",
        22,
        "scheduling.k8s.io/v1",
    ),
    (
        "storage.k8s.io/v1beta1",
        "CSIDriver",
        22,
        "storage.k8s.io/v1",
    ),
    ("storage.k8s.io/v1beta1", "CSINode", 22, "storage.k8s.io/v1"),
    (
        "storage.k8s.io/v1beta1",
        "StorageClass",
        22,
        "storage.k8s.io/v1",
    ),
    (
        "storage.k8s.io/v1beta1",
        "VolumeAttachment",
        22,
        "storage.k8s.io/v1",
    ),
    // 1.25
    ("batch/v1beta1", "CronJob", 25, "batch/v1"),
    ("batch/v2alpha1", "CronJob", 25, "batch/v1"),
    (
        "discovery.k8s.io/v1beta1",
        "EndpointSlice",
        25,
        "discovery.k8s.io/v1",
    ),
    ("events.k8s.io/v1beta1", "Event", 25, "events.k8s.io/v1"),
    (
        "autoscaling/v2beta1",
        "HorizontalPodAutoscaler",
        25,
        "autoscaling/v2",
    ),
    ("policy/v1beta1", "PodDisruptionBudget", 25, "policy/v1"),
    (
        "policy/v1beta1",
        "PodSecurityPolicy",
        25,
        "Pod Security Admission",
    ),
    ("node.k8s.io/v1beta1", "RuntimeClass", 25, "node.k8s.io/v1"),
    // 1.26
    (
        "flowcontrol.apiserver.k8s.io/v1beta1",
        "*",
        26,
        "flowcontrol.apiserver.k8s.io/v1",
    ),
    (
        "autoscaling/v2beta2",
        "HorizontalPodAutoscaler",
        26,
        "autoscaling/v2",
    ),
    // 1.27
    (
        "storage.k8s.io/v1beta1",
        "CSIStorageCapacity",
        27,
        "storage.k8s.io/v1",
    ),
    // 1.29
    (
        "flowcontrol.apiserver.k8s.io/v1beta2",
        "*",
        29,
        "flowcontrol.apiserver.k8s.io/v1",
    ),
    // 1.32
    (
        "flowcontrol.apiserver.k8s.io/v1beta3",
        "*",
        32,
        "flowcontrol.apiserver.k8s.io/v1",
    ),
];

/// The removal that applies to an object: the exact kind first, then the
/// whole group version.
fn removal(api_version: &str, kind: &str) -> Option<(u32, &'static str)> {
    REMOVED
        .iter()
        .find(|(v, k, _, _)| *v == api_version && *k == kind)
        .or_else(|| {
            REMOVED
                .iter()
                .find(|(v, k, _, _)| *v == api_version && *k == "*")
        })
        .map(|(_, _, minor, to)| (*minor, *to))
}

/// The minor of a `1.N` version (`"1.29"`, `"v1.29.3"`, `1.3` is taken as
/// written: quote versions such as `"1.30"` in configuration).
fn target_minor(value: Option<&serde_json::Value>) -> u32 {
    const DEFAULT: u32 = 33;
    let text = match value {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Number(n)) => n.to_string(),
        _ => return DEFAULT,
    };
    let text = text.trim().trim_start_matches('v');
    let mut parts = text.split('.');
    match (parts.next(), parts.next()) {
        (Some("1"), Some(minor)) => minor.parse().unwrap_or(DEFAULT),
        _ => DEFAULT,
    }
}

impl super::BuiltinCheck for Check {
    fn slug(&self) -> &'static str {
        "removed-api-version"
    }

    fn run(&self, ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
        let target = target_minor(ctx.params.0.get("targetVersion"));
        for (id, r) in ctx.inv.resources.iter().enumerate() {
            let Some((minor, replacement)) = removal(&r.api_version, &r.kind) else {
                continue;
            };
            let consequence = if minor <= target {
                format!(
                    "which Kubernetes 1.{minor} stopped serving: the API server of a 1.{target} cluster rejects this manifest, so deploys and rollbacks of it fail"
                )
            } else {
                format!(
                    "which Kubernetes 1.{minor} stops serving: once the cluster is upgraded past 1.{target}, deploys and rollbacks of this manifest fail"
                )
            };
            let mut hit = Hit::resource(
                id,
                "/apiVersion",
                format!(
                    "{} `{}` uses {}, {consequence}; migrate to {replacement}",
                    r.kind, r.name, r.api_version
                ),
            );
            if minor <= target {
                hit = hit.with_severity(
                    Severity::High,
                    format!("removed in 1.{minor}, at or before the target version 1.{target}"),
                );
            }
            hits.push(hit);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removals_and_target_versions() {
        assert_eq!(
            removal("extensions/v1beta1", "Ingress").map(|r| r.0),
            Some(22)
        );
        assert_eq!(
            removal("extensions/v1beta1", "Deployment").map(|r| r.0),
            Some(16)
        );
        assert_eq!(
            removal("apps/v1beta2", "StatefulSet").map(|r| r.0),
            Some(16)
        );
        assert_eq!(removal("apps/v1", "Deployment"), None);
        assert_eq!(target_minor(Some(&serde_json::json!("1.29"))), 29);
        assert_eq!(target_minor(Some(&serde_json::json!("v1.30.2"))), 30);
        assert_eq!(target_minor(None), 33);
    }
}
