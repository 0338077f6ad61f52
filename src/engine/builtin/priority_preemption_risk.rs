//! DISRUPT-004: pod priorities that let the wrong pods win. A batch job, a
//! tool or an agent whose PriorityClass outranks the serving workloads
//! (which name no class) preempts them when the cluster is full; a
//! `globalDefault` class with a high value lets every pod without a class
//! preempt the ones that chose a lower one; the `system-*-critical` classes
//! outside `kube-system` put an application above the cluster's own
//! components. Classes must be in the input (or built in): a class defined
//! in a platform repository is unknown, and nothing is reported on it.

use crate::engine::{Ctx, Hit};
use crate::model::ResourceId;
use crate::model::graph::Workload;
use crate::model::k8s::WorkloadKind;
use crate::yaml::Node;

pub struct Check;

const SYSTEM: &[(&str, i64)] = &[
    ("system-cluster-critical", 2_000_000_000),
    ("system-node-critical", 2_000_001_000),
];

#[derive(Clone, Debug)]
struct Priority {
    /// The class named, or None for the default.
    class: Option<String>,
    /// The PriorityClass object, when in the input.
    resource: Option<ResourceId>,
    value: i64,
    preempts: bool,
}

impl super::BuiltinCheck for Check {
    fn slug(&self) -> &'static str {
        "priority-preemption-risk"
    }

    fn run(&self, ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
        let g = ctx.graph;
        let priorities: Vec<Option<Priority>> =
            g.workloads.iter().map(|w| priority(ctx, w)).collect();
        // Serving workloads that name no class: the ones preemption hurts.
        let victims: Vec<(ResourceId, i64)> = g
            .workloads
            .iter()
            .zip(&priorities)
            .filter(|(w, _)| w.serving())
            .filter_map(|(w, p)| {
                let p = p.as_ref()?;
                p.class.is_none().then_some((w.resource, p.value))
            })
            .collect();
        for (w, p) in g.workloads.iter().zip(&priorities) {
            let Some(p) = p else { continue };
            let Some(class) = &p.class else { continue };
            let r = &ctx.inv.resources[w.resource];
            let pointer = format!("{}/priorityClassName", w.pod_spec_pointer());
            let daemon = w.kind == WorkloadKind::DaemonSet;
            if SYSTEM.iter().any(|(n, _)| n == class) {
                if r.namespace == "kube-system" {
                    continue;
                }
                let mut hit = Hit::resource(
                    w.resource,
                    pointer,
                    format!(
                        "{} `{}` in namespace `{}` uses {class}, a class meant for the cluster's own components: it can preempt any application pod and competes with kube-system for the last capacity on a node",
                        r.kind, r.name, r.namespace
                    ),
                );
                if daemon {
                    hit = hit.lowered(
                        1,
                        "a node agent (DaemonSet): the critical classes exist to get such pods onto full nodes",
                    );
                }
                hits.push(hit);
                continue;
            }
            if w.serving() || !p.preempts || r.namespace == "kube-system" {
                continue;
            }
            // Workloads of the same deployment unit: at least as close to
            // the preemptor in the folder tree as the class it uses (a class
            // defined next to a tutorial's DaemonSet says nothing about the
            // workloads of other tutorials in the same repository).
            let scope = p
                .resource
                .map(|c| shared_folders(ctx, c, w.resource))
                .unwrap_or(0);
            let lower: Vec<ResourceId> = victims
                .iter()
                .filter(|(id, v)| *v < p.value && shared_folders(ctx, *id, w.resource) >= scope)
                .map(|(id, _)| *id)
                .collect();
            if lower.is_empty() {
                continue;
            }
            let near = g.closest(w.resource, lower.iter().copied());
            let mut names: Vec<String> = near
                .iter()
                .take(3)
                .map(|id| {
                    let v = &ctx.inv.resources[*id];
                    format!("{} `{}`", v.kind, v.name)
                })
                .collect();
            if lower.len() > names.len() {
                names.push(format!("{} more", lower.len() - names.len()));
            }
            let role = match w.kind {
                WorkloadKind::Job | WorkloadKind::CronJob => "a batch workload",
                WorkloadKind::DaemonSet => "a node agent",
                _ => "a workload no Service routes traffic to",
            };
            let mut hit = Hit::resource(
                w.resource,
                pointer,
                format!(
                    "{} `{}`, {role}, runs at PriorityClass `{class}` ({}) and may preempt lower-priority pods, while serving workloads name no class and run below it ({}): when the cluster is full, scheduling it evicts serving pods",
                    r.kind,
                    r.name,
                    p.value,
                    names.join(", ")
                ),
            );
            if daemon {
                hit = hit.lowered(
                    1,
                    "a DaemonSet preempts at most one pod's worth per node, mostly when it is rolled out",
                );
            }
            hits.push(hit);
        }
        global_default(ctx, &priorities, hits);
    }
}

fn class_of(
    ctx: &Ctx<'_>,
    from: ResourceId,
    name: &str,
) -> Option<(i64, bool, Option<ResourceId>)> {
    if let Some((_, v)) = SYSTEM.iter().find(|(n, _)| *n == name) {
        return Some((*v, true, None));
    }
    let id = ctx.graph.find("", "PriorityClass", name, from)?;
    let pc = &ctx.inv.resources[id];
    let value = pc.node.get("value").and_then(Node::as_i64)?;
    Some((value, preempts(&pc.node), Some(id)))
}

/// Number of leading folders the files of two resources share.
fn shared_folders(ctx: &Ctx<'_>, a: ResourceId, b: ResourceId) -> usize {
    let dirs = |id: ResourceId| {
        let path = &ctx.inv.files[ctx.inv.resources[id].file].display;
        path.rsplit_once('/')
            .map(|(d, _)| d.split('/').map(str::to_string).collect::<Vec<_>>())
            .unwrap_or_default()
    };
    dirs(a)
        .iter()
        .zip(dirs(b).iter())
        .take_while(|(x, y)| x == y)
        .count()
}

fn preempts(pc: &Node) -> bool {
    pc.get("preemptionPolicy").and_then(Node::as_str) != Some("Never")
}

fn global_default_class(ctx: &Ctx<'_>, from: ResourceId) -> Option<ResourceId> {
    let defaults = ctx
        .graph
        .of_kind("PriorityClass")
        .iter()
        .copied()
        .filter(|&id| {
            ctx.inv.resources[id]
                .node
                .get("globalDefault")
                .and_then(Node::as_bool)
                == Some(true)
        });
    ctx.graph.closest(from, defaults).into_iter().next()
}

/// A workload's priority; None when its class is not in the input.
fn priority(ctx: &Ctx<'_>, w: &Workload) -> Option<Priority> {
    let r = &ctx.inv.resources[w.resource];
    let name = r
        .node
        .pointer(&format!("{}/priorityClassName", w.pod_spec_pointer()))
        .and_then(Node::scalar_text)
        .filter(|s| !s.is_empty());
    match name {
        Some(n) => {
            let (value, preempts, resource) = class_of(ctx, w.resource, &n)?;
            Some(Priority {
                class: Some(n),
                resource,
                value,
                preempts,
            })
        }
        None => {
            let value = global_default_class(ctx, w.resource)
                .and_then(|id| {
                    ctx.inv.resources[id]
                        .node
                        .get("value")
                        .and_then(Node::as_i64)
                })
                .unwrap_or(0);
            Some(Priority {
                class: None,
                resource: None,
                value,
                preempts: true,
            })
        }
    }
}

fn global_default(ctx: &Ctx<'_>, priorities: &[Option<Priority>], hits: &mut Vec<Hit>) {
    let high = ctx.params.int("highValue", 1_000_000);
    for &id in ctx.graph.of_kind("PriorityClass") {
        let pc = &ctx.inv.resources[id];
        if pc.node.get("globalDefault").and_then(Node::as_bool) != Some(true) || !preempts(&pc.node)
        {
            continue;
        }
        let Some(value) = pc.node.get("value").and_then(Node::as_i64) else {
            continue;
        };
        // Serving workloads that chose a lower class: every pod without a
        // class outranks them.
        let below: Vec<String> = ctx
            .graph
            .workloads
            .iter()
            .zip(priorities)
            .filter(|(w, _)| w.serving())
            .filter_map(|(w, p)| {
                let p = p.as_ref()?;
                let class = p.class.as_ref()?;
                (p.value < value).then(|| {
                    format!(
                        "{} `{}` ({class})",
                        ctx.inv.resources[w.resource].kind, ctx.inv.resources[w.resource].name
                    )
                })
            })
            .collect();
        if value < high && below.is_empty() {
            continue;
        }
        let detail = if below.is_empty() {
            format!(
                "a value of {value} puts every pod without a class (tools, batch, experiments) above most explicitly prioritised ones"
            )
        } else {
            format!(
                "every pod without a class (tools, batch, experiments) outranks and may preempt the serving {}",
                below.into_iter().take(3).collect::<Vec<_>>().join(", ")
            )
        };
        hits.push(Hit::resource(
            id,
            "/globalDefault",
            format!(
                "PriorityClass `{}` is the global default with value {value} and preemptionPolicy PreemptLowerPriority: {detail}",
                pc.name
            ),
        ));
    }
}
