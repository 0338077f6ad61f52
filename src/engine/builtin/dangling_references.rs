//! CONFIG-003: a pod template, autoscaler or StatefulSet that names an
//! object the scanned files do not define. If the object does not exist in
//! the cluster either, new pods cannot start (or cannot even be created),
//! so the rollout stalls; with Recreate it is an outage.
//!
//! Many repositories create Secrets out of band (CI, External Secrets,
//! Sealed Secrets, cert-manager, operators), so Secret references are
//! reported one level lower, and every finding says "not defined in the
//! scanned files" rather than "missing".

use crate::engine::{Ctx, Hit};
use crate::finding::Severity;
use crate::model::graph::Workload;
use crate::model::k8s::{self, WorkloadKind};
use crate::model::{Inventory, Resource, ResourceId};
use crate::yaml::Node;
use std::collections::{HashMap, HashSet};

pub struct Check;

/// Objects every namespace or cluster has without anyone writing them.
const IMPLICIT: &[(&str, &str)] = &[
    ("ServiceAccount", "default"),
    ("ConfigMap", "kube-root-ca.crt"),
    ("ConfigMap", "openshift-service-ca.crt"),
    ("ConfigMap", "istio-ca-root-cert"),
    ("PriorityClass", "system-cluster-critical"),
    ("PriorityClass", "system-node-critical"),
];

/// What the input defines: (kind, name) -> namespaces (and whether written).
/// What the scanned files define, borrowed from the inventory: asked once
/// per reference, so lookups allocate nothing.
#[derive(Default)]
struct Defined<'a> {
    /// (kind, name) -> the namespaces it is defined in, and whether explicitly.
    objects: HashMap<(&'a str, &'a str), Vec<(&'a str, bool)>>,
    /// Objects named by a Secret-creating resource (cert-manager & co.).
    created_secrets: HashMap<String, Vec<(&'a str, bool)>>,
    generated_config_maps: HashSet<String>,
    generated_secrets: HashSet<String>,
    custom: Vec<(&'a str, &'a str, bool)>,
}

impl<'a> Defined<'a> {
    fn build(inv: &'a Inventory) -> Defined<'a> {
        let mut d = Defined {
            objects: HashMap::with_capacity(inv.resources.len()),
            ..Defined::default()
        };
        for r in &inv.resources {
            let at = (r.namespace.as_str(), r.namespace_explicit);
            d.objects.entry((&r.kind, &r.name)).or_default().push(at);
            for secret in secrets_created_by(r) {
                d.created_secrets.entry(secret).or_default().push(at);
            }
            if !k8s::is_builtin_api(&r.api_version) {
                d.custom.push((&r.namespace, &r.name, r.namespace_explicit));
            }
            d.read_generators(&r.node);
        }
        for o in &inv.other_documents {
            d.read_generators(&o.node);
        }
        d
    }

    fn read_generators(&mut self, node: &Node) {
        for (field, names) in [
            ("configMapGenerator", &mut self.generated_config_maps),
            ("secretGenerator", &mut self.generated_secrets),
        ] {
            for g in node.get(field).map(Node::items).unwrap_or_default() {
                if let Some(name) = g.get("name").and_then(Node::scalar_text) {
                    names.insert(name);
                }
            }
        }
    }

    fn has(&self, kind: &str, name: &str, from: &Resource) -> bool {
        let generated = match kind {
            "ConfigMap" => self.generated_config_maps.contains(name),
            "Secret" => self.generated_secrets.contains(name),
            _ => false,
        };
        if generated || IMPLICIT.contains(&(kind, name)) {
            return true;
        }
        let same_ns = |ns: &str, explicit: bool| {
            ns == from.namespace || ns.is_empty() || !explicit || !from.namespace_explicit
        };
        let defined_in = |list: Option<&Vec<(&str, bool)>>| {
            list.is_some_and(|list| list.iter().any(|(ns, e)| same_ns(ns, *e)))
        };
        if defined_in(self.objects.get(&(kind, name))) {
            return true;
        }
        kind == "Secret"
            && (defined_in(self.created_secrets.get(name))
                || self
                    .custom
                    .iter()
                    .any(|(ns, cr, e)| same_ns(ns, *e) && named_after(name, cr)))
    }
}

fn named_after(name: &str, cr: &str) -> bool {
    if cr.is_empty() {
        return false;
    }
    name == cr
        || name
            .strip_prefix(cr)
            .is_some_and(|rest| rest.starts_with('-'))
        || name
            .strip_suffix(cr)
            .is_some_and(|rest| rest.ends_with('-'))
        // `x.<cr>.y` needs a dot and room for it; checked first because
        // building a substring searcher costs more than the whole test.
        || (name.len() >= cr.len() + 2
            && name.contains('.')
            && name
                .match_indices(cr)
                .any(|(i, _)| name[..i].ends_with('.') && name[i + cr.len()..].starts_with('.')))
}

/// Secrets other objects of the input make: cert-manager, External
/// Secrets, Sealed Secrets, Vault Secrets Operator, the Secrets Store CSI
/// driver, Crossplane connection secrets.
fn secrets_created_by(r: &Resource) -> Vec<String> {
    let text = |p: &[&str]| r.node.path(p).and_then(Node::scalar_text);
    let mut out = Vec::new();
    match (r.group(), r.kind.as_str()) {
        ("cert-manager.io", "Certificate") => out.extend(text(&["spec", "secretName"])),
        ("external-secrets.io", "ExternalSecret") => {
            out.push(text(&["spec", "target", "name"]).unwrap_or_else(|| r.name.clone()))
        }
        ("bitnami.com", "SealedSecret") => out.push(
            text(&["spec", "template", "metadata", "name"]).unwrap_or_else(|| r.name.clone()),
        ),
        ("secrets.hashicorp.com", _) => out.extend(text(&["spec", "destination", "name"])),
        ("secrets-store.csi.x-k8s.io", "SecretProviderClass") => {
            for o in r
                .node
                .path(&["spec", "secretObjects"])
                .map(Node::items)
                .unwrap_or_default()
            {
                out.extend(o.get("secretName").and_then(Node::scalar_text));
            }
        }
        _ => {}
    }
    out.extend(text(&["spec", "writeConnectionSecretToRef", "name"]));
    out
}

/// One reference of a pod template.
struct Ref {
    kind: &'static str,
    name: String,
    pointer: String,
    /// How the pod uses it: the verb before the object, the words after.
    verb: &'static str,
    detail: String,
}

fn optional(n: &Node) -> bool {
    n.get("optional").and_then(Node::as_bool) == Some(true)
}

fn pod_refs(r: &Resource, w: &Workload) -> Vec<Ref> {
    let spec_pointer = w.pod_spec_pointer();
    let Some(spec) = r.node.pointer(&spec_pointer) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let name_of = |n: &Node, key: &str| n.get(key).and_then(Node::scalar_text);
    for (i, v) in spec
        .get("volumes")
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let vol = name_of(v, "name").unwrap_or_default();
        let base = format!("{spec_pointer}/volumes/{i}");
        if let Some(cm) = v.get("configMap").filter(|c| !optional(c))
            && let Some(name) = name_of(cm, "name")
        {
            out.push(Ref {
                kind: "ConfigMap",
                name,
                pointer: format!("{base}/configMap/name"),
                verb: "mounts",
                detail: format!(" (volume `{vol}`)"),
            });
        }
        if let Some(s) = v.get("secret").filter(|c| !optional(c))
            && let Some(name) = name_of(s, "secretName")
        {
            out.push(Ref {
                kind: "Secret",
                name,
                pointer: format!("{base}/secret/secretName"),
                verb: "mounts",
                detail: format!(" (volume `{vol}`)"),
            });
        }
        if let Some(name) = v
            .get("persistentVolumeClaim")
            .and_then(|p| name_of(p, "claimName"))
        {
            out.push(Ref {
                kind: "PersistentVolumeClaim",
                name,
                pointer: format!("{base}/persistentVolumeClaim/claimName"),
                verb: "mounts",
                detail: format!(" (volume `{vol}`)"),
            });
        }
        for (j, src) in v
            .path(&["projected", "sources"])
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            for (field, kind) in [("configMap", "ConfigMap"), ("secret", "Secret")] {
                if let Some(s) = src.get(field).filter(|c| !optional(c))
                    && let Some(name) = name_of(s, "name")
                {
                    out.push(Ref {
                        kind,
                        name,
                        pointer: format!("{base}/projected/sources/{j}/{field}/name"),
                        verb: "mounts",
                        detail: format!(" (volume `{vol}`)"),
                    });
                }
            }
        }
    }
    for c in &w.containers {
        let Some(node) = r.node.pointer(&c.pointer) else {
            continue;
        };
        for (k, e) in node
            .get("env")
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            for (field, kind) in [("configMapKeyRef", "ConfigMap"), ("secretKeyRef", "Secret")] {
                if let Some(s) = e.path(&["valueFrom", field]).filter(|c| !optional(c))
                    && let Some(name) = name_of(s, "name")
                {
                    let var = name_of(e, "name").unwrap_or_default();
                    out.push(Ref {
                        kind,
                        name,
                        pointer: format!("{}/env/{k}/valueFrom/{field}/name", c.pointer),
                        verb: "reads",
                        detail: format!(" into `{var}` of container `{}`", c.name),
                    });
                }
            }
        }
        for (k, e) in node
            .get("envFrom")
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            for (field, kind) in [("configMapRef", "ConfigMap"), ("secretRef", "Secret")] {
                if let Some(s) = e.get(field).filter(|c| !optional(c))
                    && let Some(name) = name_of(s, "name")
                {
                    out.push(Ref {
                        kind,
                        name,
                        pointer: format!("{}/envFrom/{k}/{field}/name", c.pointer),
                        verb: "loads",
                        detail: format!(" into the environment of container `{}`", c.name),
                    });
                }
            }
        }
    }
    for field in ["serviceAccountName", "serviceAccount"] {
        if let Some(name) = name_of(spec, field).filter(|n| !n.is_empty()) {
            out.push(Ref {
                kind: "ServiceAccount",
                name,
                pointer: format!("{spec_pointer}/{field}"),
                verb: "runs as",
                detail: String::new(),
            });
            break;
        }
    }
    if let Some(name) = name_of(spec, "priorityClassName").filter(|n| !n.is_empty()) {
        out.push(Ref {
            kind: "PriorityClass",
            name,
            pointer: format!("{spec_pointer}/priorityClassName"),
            verb: "is scheduled with",
            detail: String::new(),
        });
    }
    for (i, s) in spec
        .get("imagePullSecrets")
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        if let Some(name) = name_of(s, "name").filter(|n| !n.is_empty()) {
            out.push(Ref {
                kind: "imagePullSecret",
                name,
                pointer: format!("{spec_pointer}/imagePullSecrets/{i}/name"),
                verb: "pulls its images with",
                detail: String::new(),
            });
        }
    }
    out
}

/// What happens to new pods when the object does not exist.
fn consequence(kind: &str, verb: &str) -> &'static str {
    match kind {
        "ServiceAccount" => {
            "the controller cannot create its pods at all (FailedCreate: serviceaccount not found)"
        }
        "PriorityClass" => "admission rejects its pods (no PriorityClass with that name)",
        "PersistentVolumeClaim" => "its pods stay Pending",
        "imagePullSecret" => "image pulls from a private registry fail (ImagePullBackOff)",
        _ if verb == "mounts" => "its pods stay in ContainerCreating (FailedMount)",
        _ => "its containers fail with CreateContainerConfigError",
    }
}

fn recreate_serving(r: &Resource, w: &Workload) -> bool {
    w.kind == WorkloadKind::Deployment
        && w.serving()
        && r.node
            .path(&["spec", "strategy", "type"])
            .and_then(Node::as_str)
            == Some("Recreate")
}

impl super::BuiltinCheck for Check {
    fn slug(&self) -> &'static str {
        "dangling-references"
    }

    fn run(&self, ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
        let g = ctx.graph;
        let defined = Defined::build(ctx.inv);
        for w in &g.workloads {
            let r = &ctx.inv.resources[w.resource];
            let claim_templates = claim_templates(r);
            let mut refs = pod_refs(r, w);
            // Each object once, at its first mention in the file.
            refs.sort_by_cached_key(|rf| {
                let p = r.locate(&rf.pointer);
                (p.line, p.column)
            });
            let mut seen: HashSet<(&str, String)> = HashSet::new();
            // Missing objects grouped by kind and consequence, so a pod
            // mounting thirty dashboards makes one finding, not thirty.
            let mut groups: Vec<Vec<Ref>> = Vec::new();
            for rf in refs {
                let lookup = lookup_kind(rf.kind);
                // An unrendered placeholder is not a name (`<KSA_NAME>`).
                let placeholder = rf.name.contains(['<', '{', '$']);
                // A StatefulSet's claim templates replace volumes of the same name.
                let templated =
                    rf.kind == "PersistentVolumeClaim" && claim_templates.contains(&rf.name);
                if placeholder
                    || templated
                    || defined.has(lookup, &rf.name, r)
                    || !seen.insert((rf.kind, rf.name.clone()))
                {
                    continue;
                }
                let key = (rf.kind, consequence(rf.kind, rf.verb));
                match groups
                    .iter_mut()
                    .find(|g| (g[0].kind, consequence(g[0].kind, g[0].verb)) == key)
                {
                    Some(group) => group.push(rf),
                    None => groups.push(vec![rf]),
                }
            }
            for group in groups {
                hits.push(missing_hit(r, w, &group));
            }
            if w.kind == WorkloadKind::StatefulSet {
                statefulset_service(ctx, w.resource, r, &defined, hits);
            }
        }
        autoscaler_targets(ctx, &defined, hits);
    }
}

fn lookup_kind(kind: &str) -> &str {
    if kind == "imagePullSecret" {
        "Secret"
    } else {
        kind
    }
}

/// Names of a StatefulSet's volumeClaimTemplates.
fn claim_templates(r: &Resource) -> Vec<String> {
    r.node
        .path(&["spec", "volumeClaimTemplates"])
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .filter_map(|t| t.path(&["metadata", "name"]).and_then(Node::scalar_text))
        .collect()
}

/// One finding for the missing objects of a kind with the same effect.
fn missing_hit(r: &Resource, w: &Workload, group: &[Ref]) -> Hit {
    let first = &group[0];
    let kind = first.kind;
    let message = if group.len() == 1 {
        let what = if kind == "imagePullSecret" {
            format!("the image pull Secret `{}`", first.name)
        } else {
            format!("{kind} `{}`", first.name)
        };
        format!(
            "{} `{}` {} {what}{}, which is not defined in the scanned files: unless it is created in namespace `{}` some other way, {}, so a rollout stalls",
            r.kind,
            r.name,
            first.verb,
            first.detail,
            r.namespace,
            consequence(kind, first.verb)
        )
    } else {
        const SHOWN: usize = 5;
        let mut names: Vec<String> = group
            .iter()
            .take(SHOWN)
            .map(|rf| format!("`{}`", rf.name))
            .collect();
        if group.len() > SHOWN {
            names.push(format!("and {} more", group.len() - SHOWN));
        }
        let kinds = if kind == "imagePullSecret" {
            "image pull Secrets".to_string()
        } else {
            format!("{kind}s")
        };
        format!(
            "{} `{}` {} {} {kinds} that are not defined in the scanned files ({}): unless they are created in namespace `{}` some other way, {}, so a rollout stalls",
            r.kind,
            r.name,
            first.verb,
            group.len(),
            names.join(", "),
            r.namespace,
            consequence(kind, first.verb)
        )
    };
    let mut hit = Hit::resource(w.resource, &first.pointer, message);
    if lookup_kind(kind) == "Secret" {
        hit = hit.lowered(
            1,
            "Secrets are often created out of band (CI, a secret manager, a platform repository)",
        );
    } else if recreate_serving(r, w) {
        hit = hit.with_severity(
            Severity::Medium,
            "the Deployment uses Recreate: the old pods stop before the new ones fail, so the deploy is an outage",
        );
    }
    hit
}

/// A StatefulSet's `serviceName` must name a headless Service: it gives
/// the pods their stable DNS names (`name-0.service`).
fn statefulset_service(
    ctx: &Ctx<'_>,
    id: ResourceId,
    r: &Resource,
    defined: &Defined<'_>,
    hits: &mut Vec<Hit>,
) {
    let Some(name) = r
        .node
        .path(&["spec", "serviceName"])
        .and_then(Node::scalar_text)
        .filter(|n| !n.is_empty())
    else {
        return;
    };
    let found = ctx.graph.find(&r.namespace, "Service", &name, id);
    match found {
        Some(sid) => {
            let svc = &ctx.inv.resources[sid];
            let headless = svc
                .node
                .path(&["spec", "clusterIP"])
                .and_then(Node::as_str)
                == Some("None");
            if !headless {
                let mut hit = Hit::resource(
                    id,
                    "/spec/serviceName",
                    format!(
                        "StatefulSet `{}` names Service `{name}` as its governing service, but that Service is not headless (clusterIP: None): its pods get no stable DNS names (`{}-0.{name}`), so peers and clients that address a pod by name cannot resolve it",
                        r.name, r.name
                    ),
                );
                let replicas = r.node.path(&["spec", "replicas"]).and_then(Node::as_i64);
                if replicas.unwrap_or(1) <= 1 {
                    hit = hit.lowered(
                        1,
                        "a single replica has no peers to find by name; clients reach it through the Service",
                    );
                }
                hits.push(hit);
            }
        }
        None if !defined.has("Service", &name, r) => hits.push(Hit::resource(
            id,
            "/spec/serviceName",
            format!(
                "StatefulSet `{}` names Service `{name}` as its governing service, which is not defined in the scanned files: without a headless Service its pods get no stable DNS names (`{}-0.{name}`), so peers and clients that address a pod by name cannot resolve it",
                r.name, r.name
            ),
        )),
        None => {}
    }
}

/// An HPA or KEDA ScaledObject whose `scaleTargetRef` names no object.
fn autoscaler_targets(ctx: &Ctx<'_>, defined: &Defined<'_>, hits: &mut Vec<Hit>) {
    let g = ctx.graph;
    let ids = g
        .of_kind("HorizontalPodAutoscaler")
        .iter()
        .chain(g.of_kind("ScaledObject"));
    for &aid in ids {
        let a = &ctx.inv.resources[aid];
        if a.kind == "ScaledObject" && !a.api_version.starts_with("keda.sh/") {
            continue;
        }
        let Some(t) = a.node.path(&["spec", "scaleTargetRef"]) else {
            continue;
        };
        let kind = t
            .get("kind")
            .and_then(Node::scalar_text)
            .unwrap_or_else(|| "Deployment".into());
        let Some(name) = t.get("name").and_then(Node::scalar_text) else {
            continue;
        };
        if defined.has(&kind, &name, a) {
            continue;
        }
        hits.push(Hit::resource(
            aid,
            "/spec/scaleTargetRef/name",
            format!(
                "{} `{}` scales {kind} `{name}`, which is not defined in the scanned files: unless it exists in namespace `{}`, the autoscaler has nothing to scale (FailedGetScale) and the workload it was written for is not autoscaled",
                a.kind, a.name, a.namespace
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::named_after;

    #[test]
    fn secret_names_derived_from_a_custom_resource() {
        for name in ["db", "db-credentials", "pg-db", "app.db.svc"] {
            assert!(named_after(name, "db"), "{name}");
        }
        for name in ["dbx", "mydb", "db_creds", "app.dbx.svc", "adb.x"] {
            assert!(!named_after(name, "db"), "{name}");
        }
    }
}
