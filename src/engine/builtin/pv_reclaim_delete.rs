//! DATA-009: a datastore's volumes come from a StorageClass (in the input)
//! whose `reclaimPolicy` is `Delete`, the default: deleting the claim (a
//! namespace cleanup, an uninstall, a mistaken `kubectl delete pvc`)
//! deletes the disk and the data with it. StatefulSets that also delete
//! their claims on scale-down or deletion are worse.

use crate::engine::{Ctx, Hit};
use crate::model::datastore::{self, VolumeKind};
use crate::model::k8s::WorkloadKind;
use crate::model::{Resource, ResourceId};
use crate::yaml::Node;

pub struct Check;

impl super::BuiltinCheck for Check {
    fn slug(&self) -> &'static str {
        "pv-reclaim-delete"
    }

    fn run(&self, ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
        let g = ctx.graph;
        let mut seen_claims: Vec<ResourceId> = Vec::new();
        for w in &g.workloads {
            let rid = w.resource;
            let r = &ctx.inv.resources[rid];
            if datastore::derived_data(r, Some(w)) || snapshots_scheduled(ctx, r) {
                continue;
            }
            let mut reported: Vec<String> = Vec::new();
            for (c, engine) in datastore::datastore_containers(r, w) {
                if datastore::is_cache(ctx.inv, g, rid, w, c, engine)
                    || datastore::is_replica(r, w, c)
                {
                    continue;
                }
                for m in datastore::mounts(r, w, c) {
                    if m.path.starts_with("/tmp") {
                        continue;
                    }
                    match &m.kind {
                        VolumeKind::ClaimTemplate(name) if w.kind == WorkloadKind::StatefulSet => {
                            let Some(vp) = m.volume_pointer.clone() else {
                                continue;
                            };
                            if reported.contains(&vp) {
                                continue;
                            }
                            let Some(t) = r.node.pointer(&vp) else {
                                continue;
                            };
                            let Some((class, class_name)) =
                                storage_class(ctx, rid, t.path(&["spec", "storageClassName"]))
                            else {
                                continue;
                            };
                            if !deletes(&ctx.inv.resources[class]) {
                                continue;
                            }
                            reported.push(vp.clone());
                            let policy = r
                                .node
                                .path(&["spec", "persistentVolumeClaimRetentionPolicy"]);
                            let deleted = |k: &str| {
                                policy.and_then(|p| p.get(k)).and_then(Node::as_str)
                                    == Some("Delete")
                            };
                            let mut message = format!(
                                "StatefulSet `{}` keeps its {} data on volumeClaimTemplate `{name}` of StorageClass {class_name}, whose reclaimPolicy is Delete: deleting a claim (namespace cleanup, uninstall, a mistaken kubectl delete pvc) deletes the disk and the data",
                                r.name, engine.display
                            );
                            // The class it names, else the template that names none.
                            let mut hit_pointer = if t.path(&["spec", "storageClassName"]).is_some()
                            {
                                format!("{vp}/spec/storageClassName")
                            } else {
                                vp.clone()
                            };
                            let mut raise = false;
                            if deleted("whenDeleted") || deleted("whenScaled") {
                                let when: Vec<&str> =
                                    [("whenDeleted", "deleted"), ("whenScaled", "scaled down")]
                                        .iter()
                                        .filter(|(k, _)| deleted(k))
                                        .map(|(_, w)| *w)
                                        .collect();
                                message.push_str(&format!(
                                    "; its persistentVolumeClaimRetentionPolicy also deletes the claims when the StatefulSet is {}",
                                    when.join(" or ")
                                ));
                                hit_pointer = "/spec/persistentVolumeClaimRetentionPolicy".into();
                                raise = true;
                            }
                            let mut hit = Hit::resource(rid, hit_pointer, message);
                            if raise {
                                hit = hit.with_severity(
                                    crate::finding::Severity::Medium,
                                    "the StatefulSet deletes its claims itself, so one `kubectl delete` or scale-down destroys the disks",
                                );
                            }
                            hits.push(hit);
                        }
                        VolumeKind::Claim(claim) if !claim.is_empty() => {
                            let Some(pvc) =
                                g.find(&r.namespace, "PersistentVolumeClaim", claim, rid)
                            else {
                                continue;
                            };
                            if seen_claims.contains(&pvc) {
                                continue;
                            }
                            let p = &ctx.inv.resources[pvc];
                            // Bound to a pre-provisioned volume: its own policy applies.
                            if p.node.path(&["spec", "volumeName"]).is_some() {
                                continue;
                            }
                            let Some((class, class_name)) =
                                storage_class(ctx, pvc, p.node.path(&["spec", "storageClassName"]))
                            else {
                                continue;
                            };
                            if !deletes(&ctx.inv.resources[class]) {
                                continue;
                            }
                            seen_claims.push(pvc);
                            hits.push(Hit::resource(
                                pvc,
                                "/spec/storageClassName",
                                format!(
                                    "PersistentVolumeClaim `{}` holds the {} data of {} `{}` on StorageClass {class_name}, whose reclaimPolicy is Delete: deleting the claim (namespace cleanup, uninstall, a mistaken kubectl delete) deletes the disk and the data",
                                    p.name, engine.display, r.kind, r.name
                                ),
                            ));
                        }
                        _ => {}
                    }
                }
            }
        }
    }
}

/// The StorageClass a claim uses: the one it names, or the default class
/// (annotated `is-default-class`) when it names none. None when the class
/// is not in the input, or `""` (static binding, no provisioner).
fn storage_class(
    ctx: &Ctx<'_>,
    from: ResourceId,
    name: Option<&Node>,
) -> Option<(ResourceId, String)> {
    let g = ctx.graph;
    match name {
        Some(n) if n.is_null() => default_class(ctx, from),
        Some(n) => {
            let name = n.scalar_text()?;
            if name.is_empty() {
                return None;
            }
            g.find("", "StorageClass", &name, from)
                .map(|id| (id, format!("`{name}`")))
        }
        None => default_class(ctx, from),
    }
}

fn default_class(ctx: &Ctx<'_>, from: ResourceId) -> Option<(ResourceId, String)> {
    let defaults = ctx
        .graph
        .of_kind("StorageClass")
        .iter()
        .copied()
        .filter(|&id| {
            let sc = &ctx.inv.resources[id];
            [
                "storageclass.kubernetes.io/is-default-class",
                "storageclass.beta.kubernetes.io/is-default-class",
            ]
            .iter()
            .any(|a| sc.annotation(a) == Some("true"))
        });
    let id = ctx.graph.closest(from, defaults).into_iter().next()?;
    Some((
        id,
        format!("`{}` (the default class)", ctx.inv.resources[id].name),
    ))
}

fn deletes(class: &Resource) -> bool {
    class
        .node
        .get("reclaimPolicy")
        .and_then(Node::as_str)
        .unwrap_or("Delete")
        == "Delete"
}

/// A Velero Schedule covering the namespace, or a snapscheduler
/// SnapshotSchedule in it, keeps copies that outlive the disk.
fn snapshots_scheduled(ctx: &Ctx<'_>, r: &Resource) -> bool {
    let g = ctx.graph;
    let velero = g.of_kind("Schedule").iter().any(|&id| {
        let s = &ctx.inv.resources[id];
        if s.group() != "velero.io" {
            return false;
        }
        let included: Vec<String> = s
            .node
            .path(&["spec", "template", "includedNamespaces"])
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .filter_map(Node::scalar_text)
            .collect();
        let excluded = s
            .node
            .path(&["spec", "template", "excludedNamespaces"])
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .any(|n| n.as_str() == Some(&r.namespace));
        !excluded && (included.is_empty() || included.iter().any(|n| n == "*" || *n == r.namespace))
    });
    velero
        || g.of_kind("SnapshotSchedule").iter().any(|&id| {
            let s = &ctx.inv.resources[id];
            s.group() == "snapscheduler.backube" && s.namespace == r.namespace
        })
}
