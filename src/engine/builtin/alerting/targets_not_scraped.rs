//! ALERT-005: monitors that scrape nothing. A `ServiceMonitor` whose
//! selector matches no Service in the namespaces it looks in, or whose
//! endpoint port is not a port of the Services it selects; a `PodMonitor`
//! whose selector matches no pod template, or whose port no container
//! declares; a monitor no `Prometheus` selects. Alerts over series that
//! are never scraped never fire. Namespaces the repository has no objects
//! in are not judged (those Services live elsewhere).

use crate::engine::{Ctx, Hit};
use crate::model::Resource;
use crate::model::prom_selection::{self, Selecting, Selection};
use crate::model::selector::LabelSelector;
use crate::yaml::Node;
use std::collections::HashSet;

pub struct Check;

/// The namespaces a monitor looks in: `Some(list)`, or `None` for any.
/// Without a `namespaceSelector` a monitor looks in its own namespace; when
/// the manifest does not set one either, that is wherever it is applied
/// (`kubectl apply -n ...`), so the Services of any namespace may be the
/// ones it is meant for.
fn namespaces(m: &Resource) -> Option<Vec<String>> {
    let sel = m.node.path(&["spec", "namespaceSelector"]);
    if sel.and_then(|s| s.get("any")).and_then(Node::as_bool) == Some(true) {
        return None;
    }
    let names: Vec<String> = sel
        .and_then(|s| s.get("matchNames"))
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .filter_map(Node::scalar_text)
        .collect();
    Some(if names.is_empty() {
        if !m.namespace_explicit {
            return None;
        }
        vec![m.namespace.clone()]
    } else {
        names
    })
}

impl crate::engine::builtin::BuiltinCheck for Check {
    fn slug(&self) -> &'static str {
        "targets-not-scraped"
    }

    fn run(&self, ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
        let inv = ctx.inv;
        let populated: HashSet<&str> = inv
            .resources
            .iter()
            .enumerate()
            .filter(|(id, r)| r.kind == "Service" || ctx.graph.workload_of.contains_key(id))
            .map(|(_, r)| r.namespace.as_str())
            .collect();
        for (rid, m) in inv.resources.iter().enumerate() {
            let pod = match (
                m.api_version.starts_with("monitoring.coreos.com/"),
                m.kind.as_str(),
            ) {
                (true, "ServiceMonitor") => false,
                (true, "PodMonitor") => true,
                _ => continue,
            };
            let what = if pod {
                Selecting::PodMonitors
            } else {
                Selecting::ServiceMonitors
            };
            if let Selection::Not(why) =
                prom_selection::selection(inv, what, &prom_selection::labels_of(m), &m.namespace)
            {
                hits.push(Hit::resource(
                    rid,
                    "/metadata",
                    format!(
                        "{} {}/{} is not selected by any Prometheus: {}; its targets are never scraped and alerts on their metrics never fire",
                        m.kind,
                        m.namespace,
                        m.name,
                        why.join("; ")
                    ),
                ));
                continue;
            }
            let Some(sel_node) = m.node.path(&["spec", "selector"]) else {
                continue;
            };
            let selector = LabelSelector::from_label_selector(sel_node);
            let scope = namespaces(m);
            if let Some(list) = &scope
                && !list.iter().any(|n| populated.contains(n.as_str()))
            {
                continue;
            }
            let in_scope = |ns: &str| scope.as_ref().is_none_or(|l| l.iter().any(|n| n == ns));
            let ports_key = if pod {
                "podMetricsEndpoints"
            } else {
                "endpoints"
            };
            let wanted: Vec<(usize, String)> = m
                .node
                .path(&["spec", ports_key])
                .map(Node::items)
                .unwrap_or_default()
                .iter()
                .enumerate()
                .filter_map(|(i, e)| Some((i, e.get("port").and_then(Node::scalar_text)?)))
                .collect();
            let mut ports: HashSet<String> = HashSet::new();
            let mut matched = 0;
            if pod {
                for w in &ctx.graph.workloads {
                    let r = &inv.resources[w.resource];
                    if in_scope(&r.namespace) && selector.matches(|k| w.label(k)) {
                        matched += 1;
                        for c in &w.containers {
                            ports.extend(c.ports.iter().filter_map(|(n, _)| n.clone()));
                        }
                    }
                }
            } else {
                for r in inv.resources.iter().filter(|r| r.kind == "Service") {
                    let labels: Vec<(&str, &str)> = r.labels().collect();
                    let get = |k: &str| labels.iter().find(|(l, _)| *l == k).map(|(_, v)| *v);
                    if in_scope(&r.namespace) && selector.matches(get) {
                        matched += 1;
                        for p in r
                            .node
                            .path(&["spec", "ports"])
                            .map(Node::items)
                            .unwrap_or_default()
                        {
                            if let Some(n) = p.get("name").and_then(Node::scalar_text) {
                                ports.insert(n);
                            }
                        }
                    }
                }
            }
            let target = if pod { "pod template" } else { "Service" };
            if matched == 0 {
                hits.push(Hit::resource(
                    rid,
                    "/spec/selector",
                    format!(
                        "{} {}/{} selects no {target} in {}: nothing is scraped, so alerts on these metrics never fire (they read as healthy). Fix the selector to match the {target} labels",
                        m.kind,
                        m.namespace,
                        m.name,
                        match &scope {
                            Some(l) => format!("namespace {}", l.join(", ")),
                            None => "any namespace".into(),
                        }
                    ),
                ));
                continue;
            }
            for (i, port) in wanted {
                if !ports.contains(&port) {
                    let mut known: Vec<&String> = ports.iter().collect();
                    known.sort();
                    hits.push(Hit::resource(
                        rid,
                        format!("/spec/{ports_key}/{i}/port"),
                        format!(
                            "{} {}/{} scrapes port `{port}`, which no {target} it selects names (named ports: {}): this endpoint is never scraped",
                            m.kind,
                            m.namespace,
                            m.name,
                            if known.is_empty() { "none".to_string() } else { known.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ") }
                        ),
                    ));
                }
            }
        }
    }
}
