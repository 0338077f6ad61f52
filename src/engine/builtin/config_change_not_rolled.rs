//! ROLLOUT-007: a ConfigMap or Secret read in a way running pods never
//! refresh (environment variables, `envFrom`, `subPath` mounts), with nothing
//! that restarts the pods when it changes. An edit then reaches pods only
//! when they happen to restart: different pods run different configuration,
//! and a bad change surfaces hours later, far from the edit that caused it.
//!
//! What rolls the pods on a change, and so is not reported: a hash of the
//! configuration in the pod template (`checksum/config`), a generated or
//! versioned name (kustomize `configMapGenerator`, a hash or `-v2` suffix),
//! a reloader annotation (Stakater Reloader, Pusher Wave), an immutable
//! object. Directory mounts are refreshed by the kubelet and not reported.

use crate::engine::{Ctx, Hit};
use crate::model::graph::Workload;
use crate::model::k8s::WorkloadKind;
use crate::model::{Inventory, Resource, ResourceId};
use crate::yaml::Node;
use std::collections::HashSet;

pub struct Check;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Kind {
    ConfigMap,
    Secret,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::ConfigMap => "ConfigMap",
            Kind::Secret => "Secret",
        }
    }
}

/// One way the pod reads a ConfigMap or Secret that it never refreshes.
struct Use {
    kind: Kind,
    name: String,
    how: &'static str,
    pointer: String,
}

impl super::BuiltinCheck for Check {
    fn slug(&self) -> &'static str {
        "config-change-not-rolled"
    }

    fn run(&self, ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
        let generated = generated_names(ctx.inv);
        for w in &ctx.graph.workloads {
            // Jobs read fresh configuration on each run; bare pods never roll.
            if !(w.kind.has_replicas() || w.kind == WorkloadKind::DaemonSet) {
                continue;
            }
            let r = &ctx.inv.resources[w.resource];
            if template_hash(r, w) {
                continue;
            }
            let reload = Reloader::of(r, w);
            let mut seen = HashSet::new();
            let mut all = uses(r, w);
            // Point at the first reference in the file.
            all.sort_by_cached_key(|u| {
                let p = r.locate(&u.pointer);
                (p.line, p.column)
            });
            let uses: Vec<Use> = all
                .into_iter()
                .filter(|u| seen.insert((u.kind, u.name.clone())))
                .filter(|u| !reload.covers(u))
                .filter(|u| {
                    !versioned_name(&u.name) && !generated.contains(&(u.kind, u.name.clone()))
                })
                .filter(|u| !immutable(ctx, w.resource, u))
                .collect();
            let Some(first) = uses.first() else {
                continue;
            };
            let list = uses
                .iter()
                .map(|u| format!("{} `{}` ({})", u.kind.as_str(), u.name, u.how))
                .collect::<Vec<_>>()
                .join(", ");
            hits.push(Hit::resource(
                w.resource,
                first.pointer.clone(),
                format!(
                    "{} `{}` reads {list}, which running pods never re-read, and nothing restarts them when it changes (no checksum annotation on the pod template, no generated name, no reloader): an edit reaches each pod only when it happens to restart, so pods run different configuration and a bad change surfaces hours later",
                    r.kind, r.name
                ),
            ));
        }
    }
}

/// ConfigMaps and Secrets read through env, envFrom and subPath mounts.
fn uses(r: &Resource, w: &Workload) -> Vec<Use> {
    let mut out = Vec::new();
    let spec_pointer = w.pod_spec_pointer();
    let Some(spec) = r.node.pointer(&spec_pointer) else {
        return out;
    };
    for c in &w.containers {
        let Some(node) = r.node.pointer(&c.pointer) else {
            continue;
        };
        // Database and broker images read credentials from the environment
        // only to initialise an empty data directory: restarting the pod
        // would not apply a changed Secret either.
        let bootstrap_only = crate::model::datastore::engine_of_image(&c.image).is_some();
        for (i, e) in node
            .get("env")
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            for (key, kind) in [
                ("configMapKeyRef", Kind::ConfigMap),
                ("secretKeyRef", Kind::Secret),
            ] {
                if bootstrap_only && kind == Kind::Secret {
                    continue;
                }
                if let Some(name) = e
                    .path(&["valueFrom", key, "name"])
                    .and_then(Node::scalar_text)
                {
                    out.push(Use {
                        kind,
                        name,
                        how: "env",
                        pointer: format!("{}/env/{i}/valueFrom/{key}", c.pointer),
                    });
                }
            }
        }
        for (i, e) in node
            .get("envFrom")
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            for (key, kind) in [
                ("configMapRef", Kind::ConfigMap),
                ("secretRef", Kind::Secret),
            ] {
                if bootstrap_only && kind == Kind::Secret {
                    continue;
                }
                if let Some(name) = e.path(&[key, "name"]).and_then(Node::scalar_text) {
                    out.push(Use {
                        kind,
                        name,
                        how: "envFrom",
                        pointer: format!("{}/envFrom/{i}", c.pointer),
                    });
                }
            }
        }
        for (i, m) in node
            .get("volumeMounts")
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            if m.get("subPath").is_none() && m.get("subPathExpr").is_none() {
                continue;
            }
            let Some(volume) = m.get("name").and_then(Node::as_str) else {
                continue;
            };
            for (kind, name) in volume_sources(spec, volume) {
                out.push(Use {
                    kind,
                    name,
                    how: "subPath mount",
                    pointer: format!("{}/volumeMounts/{i}/subPath", c.pointer),
                });
            }
        }
    }
    out
}

/// The ConfigMaps and Secrets behind a pod volume.
fn volume_sources(spec: &Node, volume: &str) -> Vec<(Kind, String)> {
    let mut out = Vec::new();
    let Some(v) = spec
        .get("volumes")
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .find(|v| v.get("name").and_then(Node::as_str) == Some(volume))
    else {
        return out;
    };
    if let Some(n) = v.path(&["configMap", "name"]).and_then(Node::scalar_text) {
        out.push((Kind::ConfigMap, n));
    }
    if let Some(n) = v
        .path(&["secret", "secretName"])
        .and_then(Node::scalar_text)
    {
        out.push((Kind::Secret, n));
    }
    for s in v
        .path(&["projected", "sources"])
        .map(Node::items)
        .unwrap_or_default()
    {
        if let Some(n) = s.path(&["configMap", "name"]).and_then(Node::scalar_text) {
            out.push((Kind::ConfigMap, n));
        }
        if let Some(n) = s.path(&["secret", "name"]).and_then(Node::scalar_text) {
            out.push((Kind::Secret, n));
        }
    }
    out
}

/// A pod-template annotation carrying a hash of the configuration
/// (`checksum/config`, `config-hash`): changing the config changes the
/// template, which rolls the pods.
fn template_hash(r: &Resource, w: &Workload) -> bool {
    r.node
        .pointer(w.template)
        .and_then(|t| t.path(&["metadata", "annotations"]))
        .map(Node::entries)
        .unwrap_or_default()
        .iter()
        .any(|e| {
            let k = e.key.to_ascii_lowercase();
            k.starts_with("checksum/") || k.contains("checksum") || k.contains("hash")
        })
}

/// Reloader annotations on the workload (or its pod template).
#[derive(Default)]
struct Reloader {
    all: bool,
    config_maps: Vec<String>,
    secrets: Vec<String>,
    all_config_maps: bool,
    all_secrets: bool,
}

impl Reloader {
    fn of(r: &Resource, w: &Workload) -> Reloader {
        let mut out = Reloader::default();
        let template = r.node.pointer(w.template);
        let maps = [
            r.node.path(&["metadata", "annotations"]),
            template.and_then(|t| t.path(&["metadata", "annotations"])),
        ];
        for e in maps.iter().flatten().flat_map(|m| m.entries()) {
            let value = e.value.scalar_text().unwrap_or_default();
            let names = || -> Vec<String> {
                value
                    .split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            };
            match e.key.as_str() {
                "reloader.stakater.com/auto" | "reloader.stakater.com/search"
                    if value == "true" =>
                {
                    out.all = true
                }
                "wave.pusher.com/update-on-config-change" if value == "true" => out.all = true,
                "configmap.reloader.stakater.com/auto" if value == "true" => {
                    out.all_config_maps = true
                }
                "secret.reloader.stakater.com/auto" if value == "true" => out.all_secrets = true,
                "configmap.reloader.stakater.com/reload" => out.config_maps.extend(names()),
                "secret.reloader.stakater.com/reload" => out.secrets.extend(names()),
                _ => {}
            }
        }
        out
    }

    fn covers(&self, u: &Use) -> bool {
        self.all
            || match u.kind {
                Kind::ConfigMap => self.all_config_maps || self.config_maps.contains(&u.name),
                Kind::Secret => self.all_secrets || self.secrets.contains(&u.name),
            }
    }
}

/// A name that changes with its content: a kustomize/Helm hash suffix
/// (`app-config-7h2kt9c5m8`, `app-config-3f9a1c2b`) or a version
/// (`app-config-v3`).
fn versioned_name(name: &str) -> bool {
    let Some((_, suffix)) = name.rsplit_once('-') else {
        return false;
    };
    let hash = suffix.len() >= 8
        && suffix
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && suffix.chars().any(|c| c.is_ascii_digit())
        && suffix.chars().any(|c| c.is_ascii_lowercase());
    let version = suffix
        .strip_prefix('v')
        .is_some_and(|d| !d.is_empty() && d.chars().all(|c| c.is_ascii_digit()));
    hash || version
}

/// Names a kustomize generator produces with a content-hash suffix.
fn generated_names(inv: &Inventory) -> HashSet<(Kind, String)> {
    let mut out = HashSet::new();
    for d in &inv.other_documents {
        let disabled = d
            .node
            .path(&["generatorOptions", "disableNameSuffixHash"])
            .and_then(Node::as_bool)
            == Some(true);
        for (key, kind) in [
            ("configMapGenerator", Kind::ConfigMap),
            ("secretGenerator", Kind::Secret),
        ] {
            for g in d.node.get(key).map(Node::items).unwrap_or_default() {
                let own_disabled = g
                    .path(&["options", "disableNameSuffixHash"])
                    .and_then(Node::as_bool);
                if own_disabled.unwrap_or(disabled) {
                    continue;
                }
                if let Some(name) = g.get("name").and_then(Node::scalar_text) {
                    out.insert((kind, name));
                }
            }
        }
    }
    out
}

/// `immutable: true` on the object: a change needs a new name, which rolls.
fn immutable(ctx: &Ctx<'_>, from: ResourceId, u: &Use) -> bool {
    let namespace = &ctx.inv.resources[from].namespace;
    ctx.graph
        .find(namespace, u.kind.as_str(), &u.name, from)
        .is_some_and(|id| {
            ctx.inv.resources[id]
                .node
                .get("immutable")
                .and_then(Node::as_bool)
                == Some(true)
        })
}

#[cfg(test)]
mod tests {
    use super::versioned_name;

    #[test]
    fn versioned_names() {
        assert!(versioned_name("app-config-7h2kt9c5m8"));
        assert!(versioned_name("app-config-v3"));
        assert!(!versioned_name("app-config"));
        assert!(!versioned_name("redis-password"));
        assert!(!versioned_name("frontend-settings"));
    }
}
