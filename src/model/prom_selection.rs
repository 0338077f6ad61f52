//! Which objects a prometheus-operator `Prometheus` (or `ThanosRuler`)
//! loads: `PrometheusRule`s through `ruleSelector` + `ruleNamespaceSelector`,
//! `ServiceMonitor`s and `PodMonitor`s through their selectors. The
//! operator's semantics: a missing (`null`) object selector selects nothing,
//! `{}` selects everything; a missing namespace selector means the
//! Prometheus object's own namespace only, `{}` means every namespace.

use super::selector::LabelSelector;
use super::{Inventory, Resource, ResourceId};
use crate::yaml::Node;

/// Whether an object is loaded, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selection {
    /// Selected by this `Prometheus`/`ThanosRuler` (identity).
    By(String),
    /// Not selected by any of them; the reasons.
    Not(Vec<String>),
    /// No `Prometheus` object in the input: cannot tell.
    Unknown,
}

/// Which selector pair of the `Prometheus` spec to use.
#[derive(Clone, Copy, Debug)]
pub enum Selecting {
    Rules,
    ServiceMonitors,
    PodMonitors,
}

impl Selecting {
    fn fields(self) -> (&'static str, &'static str) {
        match self {
            Selecting::Rules => ("ruleSelector", "ruleNamespaceSelector"),
            Selecting::ServiceMonitors => {
                ("serviceMonitorSelector", "serviceMonitorNamespaceSelector")
            }
            Selecting::PodMonitors => ("podMonitorSelector", "podMonitorNamespaceSelector"),
        }
    }
}

/// The `Prometheus` objects (and `ThanosRuler`s, for rules) of the input.
pub fn selectors(inv: &Inventory, what: Selecting) -> Vec<ResourceId> {
    let mut kinds = vec!["Prometheus"];
    if matches!(what, Selecting::Rules) {
        kinds.push("ThanosRuler");
    }
    let mut ids: Vec<ResourceId> = kinds
        .into_iter()
        .flat_map(|k| inv.of_kind(k))
        .copied()
        .filter(|&i| {
            inv.resources[i]
                .api_version
                .starts_with("monitoring.coreos.com/")
        })
        .collect();
    ids.sort_unstable();
    ids
}

/// Labels of a namespace: from its Namespace object, plus the automatic
/// `kubernetes.io/metadata.name`. `None` when no Namespace object is in the
/// input (its labels are unknown).
fn namespace_labels(inv: &Inventory, ns: &str) -> Option<Vec<(String, String)>> {
    let r = inv
        .of_kind("Namespace")
        .iter()
        .map(|&i| &inv.resources[i])
        .find(|r| r.name == ns)?;
    let mut labels: Vec<(String, String)> = r
        .labels()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    labels.push(("kubernetes.io/metadata.name".into(), ns.to_string()));
    Some(labels)
}

fn namespace_selected(inv: &Inventory, prom: &Resource, sel: Option<&Node>, ns: &str) -> bool {
    let Some(sel) = sel.filter(|n| !n.is_null()) else {
        return ns == prom.namespace;
    };
    let selector = LabelSelector::from_label_selector(sel);
    if selector.is_empty() {
        return true;
    }
    match namespace_labels(inv, ns) {
        Some(labels) => {
            selector.matches(|k| labels.iter().find(|(l, _)| l == k).map(|(_, v)| v.as_str()))
        }
        // Only the automatic name label is knowable without the object.
        None => {
            let auto = [("kubernetes.io/metadata.name".to_string(), ns.to_string())];
            let only_name = selector.requirements.iter().all(|r| {
                matches!(r,
                    super::selector::Requirement::Equals(k, _)
                    | super::selector::Requirement::In(k, _)
                    | super::selector::Requirement::NotIn(k, _) if k == "kubernetes.io/metadata.name")
            });
            !only_name
                || selector.matches(|k| auto.iter().find(|(l, _)| l == k).map(|(_, v)| v.as_str()))
        }
    }
}

/// Whether one `Prometheus` loads an object with these labels in this
/// namespace; the reason when it does not.
pub fn selects(
    inv: &Inventory,
    prom: &Resource,
    what: Selecting,
    labels: &[(String, String)],
    namespace: &str,
) -> Result<(), String> {
    let (object_field, ns_field) = what.fields();
    let spec = prom.node.get("spec");
    let object_sel = spec
        .and_then(|s| s.get(object_field))
        .filter(|n| !n.is_null());
    let Some(object_sel) = object_sel else {
        return Err(format!(
            "{}/{} has no `{object_field}`, which selects nothing",
            prom.kind, prom.name
        ));
    };
    let selector = LabelSelector::from_label_selector(object_sel);
    let get = |k: &str| labels.iter().find(|(l, _)| l == k).map(|(_, v)| v.as_str());
    if !selector.matches(get) {
        return Err(format!(
            "{}/{} `{object_field}` wants {}",
            prom.kind,
            prom.name,
            describe(object_sel)
        ));
    }
    if !namespace_selected(inv, prom, spec.and_then(|s| s.get(ns_field)), namespace) {
        return Err(format!(
            "{}/{} `{ns_field}` does not select namespace `{namespace}`",
            prom.kind, prom.name
        ));
    }
    Ok(())
}

/// The selection of an object by every `Prometheus` of the input.
pub fn selection(
    inv: &Inventory,
    what: Selecting,
    labels: &[(String, String)],
    namespace: &str,
) -> Selection {
    let proms = selectors(inv, what);
    if proms.is_empty() {
        return Selection::Unknown;
    }
    let mut why = Vec::new();
    for p in proms {
        let prom = &inv.resources[p];
        match selects(inv, prom, what, labels, namespace) {
            Ok(()) => return Selection::By(format!("{}/{}", prom.kind, prom.name)),
            Err(e) => why.push(e),
        }
    }
    Selection::Not(why)
}

/// `{a: b, c in (d)}`, for messages.
fn describe(sel: &Node) -> String {
    let mut parts: Vec<String> = super::string_map(sel.get("matchLabels"))
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    for e in sel
        .get("matchExpressions")
        .map(Node::items)
        .unwrap_or_default()
    {
        let key = e.get("key").and_then(Node::scalar_text).unwrap_or_default();
        let op = e
            .get("operator")
            .and_then(Node::scalar_text)
            .unwrap_or_default();
        let values: Vec<String> = e
            .get("values")
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .filter_map(Node::scalar_text)
            .collect();
        parts.push(format!("{key} {op} ({})", values.join(", ")));
    }
    format!("labels {{{}}}", parts.join(", "))
}

/// Labels of a resource as owned pairs.
pub fn labels_of(r: &Resource) -> Vec<(String, String)> {
    r.labels()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}
