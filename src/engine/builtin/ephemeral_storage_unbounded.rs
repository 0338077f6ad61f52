//! CAPACITY-008: a disk-backed emptyDir with no size limit in a pod that no
//! ephemeral-storage limit bounds. A runaway writer (logs, temp files, a
//! cache) fills the node's disk; the node reports DiskPressure and the
//! kubelet evicts pods, not only the one that filled it.

use crate::engine::{Ctx, Hit};
use crate::yaml::Node;
use std::collections::HashSet;

pub struct Check;

/// A directory that holds a few small files: configuration rendered by an
/// init container, certificates, sockets. Nobody fills a disk through it.
fn small_files_only(volume: &str, paths: &[String]) -> bool {
    const HINTS: &[&str] = &["conf", "cert", "tls", "secret", "token", "sock", "creds"];
    let hinted = |s: &str| {
        let s = s.to_ascii_lowercase();
        HINTS.iter().any(|h| s.contains(h))
    };
    let system_dir = |p: &str| {
        p.starts_with("/etc/") || p == "/etc" || p.starts_with("/run") || p.starts_with("/var/run")
    };
    hinted(volume) || (!paths.is_empty() && paths.iter().all(|p| hinted(p) || system_dir(p)))
}

impl super::BuiltinCheck for Check {
    fn slug(&self) -> &'static str {
        "ephemeral-storage-unbounded"
    }

    fn run(&self, ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
        let g = ctx.graph;
        // Namespaces whose LimitRange gives containers a default
        // ephemeral-storage limit.
        let defaulted: HashSet<&str> = g
            .of_kind("LimitRange")
            .iter()
            .map(|id| &ctx.inv.resources[*id])
            .filter(|r| {
                r.node
                    .path(&["spec", "limits"])
                    .map(Node::items)
                    .unwrap_or_default()
                    .iter()
                    .any(|l| l.path(&["default", "ephemeral-storage"]).is_some())
            })
            .map(|r| r.namespace.as_str())
            .collect();
        for w in &g.workloads {
            let r = &ctx.inv.resources[w.resource];
            if defaulted.contains(r.namespace.as_str()) {
                continue;
            }
            let spec_pointer = w.pod_spec_pointer();
            let Some(spec) = r.node.pointer(&spec_pointer) else {
                continue;
            };
            // The kubelet evicts a pod whose usage (emptyDirs included)
            // exceeds the sum of its containers' limits, as soon as one
            // container declares one.
            let bounded = w.containers.iter().any(|c| {
                r.node
                    .pointer(&c.pointer)
                    .and_then(|n| n.path(&["resources", "limits", "ephemeral-storage"]))
                    .is_some()
            });
            if bounded {
                continue;
            }
            for (i, v) in spec
                .get("volumes")
                .map(Node::items)
                .unwrap_or_default()
                .iter()
                .enumerate()
            {
                let Some(dir) = v.get("emptyDir") else {
                    continue;
                };
                if dir.get("medium").and_then(Node::as_str) == Some("Memory")
                    || dir.get("sizeLimit").is_some_and(|s| !s.is_null())
                {
                    continue;
                }
                let Some(name) = v.get("name").and_then(Node::scalar_text) else {
                    continue;
                };
                let mounts: Vec<(String, String)> = w
                    .containers
                    .iter()
                    .filter_map(|c| {
                        let node = r.node.pointer(&c.pointer)?;
                        let path = node
                            .get("volumeMounts")
                            .map(Node::items)
                            .unwrap_or_default()
                            .iter()
                            .find(|m| {
                                m.get("name").and_then(Node::scalar_text).as_deref() == Some(&name)
                            })?
                            .get("mountPath")
                            .and_then(Node::scalar_text)
                            .unwrap_or_default();
                        Some((c.name.clone(), path))
                    })
                    .collect();
                // A volume nobody mounts cannot be written.
                if mounts.is_empty() {
                    continue;
                }
                let paths: Vec<String> = mounts.iter().map(|(_, p)| p.clone()).collect();
                if small_files_only(&name, &paths) {
                    continue;
                }
                let mounts: Vec<String> = mounts
                    .iter()
                    .map(|(c, p)| format!("`{c}` at {p}"))
                    .collect();
                hits.push(Hit::resource(
                    w.resource,
                    format!("{spec_pointer}/volumes/{i}/emptyDir"),
                    format!(
                        "emptyDir `{name}` of {} `{}` (mounted by {}) has no sizeLimit and no container sets an ephemeral-storage limit: a runaway writer fills the node's disk, the node reports DiskPressure, and the kubelet evicts pods there, not only this one",
                        r.kind,
                        r.name,
                        mounts.join(", ")
                    ),
                ));
            }
        }
    }
}
