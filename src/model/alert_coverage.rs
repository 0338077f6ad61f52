//! Which alert rules cover which service (reference §9.3, catalog §11).
//! A rule covers a service when a selector of its expression names the
//! service by an identity label (`job`, `service`, `app`, `container`,
//! `namespace` plus `pod=~"<workload>-.*"`, ...), by a metric prefix the
//! service exports (`grafana_...` for `grafana`), or by namespace alone when
//! the service is the only one there. Regexes that would match anything
//! (`job=~".+"`) name nobody. Generic cluster alerts in the style of
//! kubernetes-mixin (`kube_pod_*`, `kube_deployment_*`, `container_*`
//! without a service's identity) are cause-only coverage for every workload
//! in their namespace scope.
//!
//! Rules in a source no Prometheus loads (see [`loading`]) cover nothing.

use super::alert_index::Index;
use super::alerting::{self, Rule};
use super::graph::Graph;
use super::prom_selection::{self, Selecting, Selection};
use super::promql::{Analysis, LabelMatch, Op};
use super::service::Services;
use super::slo_specs::{AlertingDecl, SloDoc};
use super::{Inventory, ResourceId};
use regex::Regex;
use std::collections::HashMap;
use std::sync::Arc;

/// Labels whose values name a service, an app or a job.
pub(super) const NAME_KEYS: &[&str] = &[
    "job",
    "service",
    "app",
    "app_kubernetes_io_name",
    "k8s_app",
    "service_name",
    "exported_job",
    "exported_service",
    "kubernetes_name",
    "sloth_service",
    "application",
];
pub(super) const CONTAINER_KEYS: &[&str] = &["container", "container_name"];
pub(super) const WORKLOAD_KEYS: &[&str] = &[
    "deployment",
    "statefulset",
    "daemonset",
    "workload",
    "replicaset",
    "job_name",
];
pub(super) const POD_KEYS: &[&str] = &["pod", "pod_name", "kubernetes_pod_name"];
pub(super) const NAMESPACE_KEYS: &[&str] =
    &["namespace", "kubernetes_namespace", "exported_namespace"];

/// Metric families of kubernetes-mixin style cause alerts.
pub(super) const MIXIN_PREFIXES: &[&str] = &[
    "kube_pod_",
    "kube_deployment_",
    "kube_statefulset_",
    "kube_daemonset_",
    "kube_replicaset_",
    "kube_job_",
    "kube_horizontalpodautoscaler_",
    "kube_hpa_",
    "container_",
];

/// A service as alert selectors can name it.
#[derive(Clone, Debug)]
pub struct Identity {
    /// Index in `Services::list`.
    pub service: usize,
    pub name: String,
    pub namespace: String,
    /// Values that name it under `job`, `service`, `app`, ...
    pub names: Vec<String>,
    pub workloads: Vec<String>,
    pub containers: Vec<String>,
    /// Every label value of its pod templates (`part-of`, `application`,
    /// `tier`...): a selector on one of these is not about another service.
    pub label_values: Vec<String>,
    /// Where findings about the service point (its first workload, or the
    /// resource that makes it a service).
    pub anchor: Option<ResourceId>,
    /// It runs something: workloads, or a non-SLO resource (compose, ...).
    pub serving: bool,
    /// Reachable from outside: an Ingress, a LoadBalancer/NodePort Service,
    /// a mesh or Gateway API route, published compose ports.
    pub user_facing: bool,
}

/// Kinds that route outside traffic to Services by name.
const ROUTE_KINDS: &[&str] = &[
    "VirtualService",
    "HTTPRoute",
    "GRPCRoute",
    "TLSRoute",
    "Route",
    "IngressRoute",
    "Gateway",
];

fn strings(n: &crate::yaml::Node, out: &mut Vec<String>) {
    use crate::yaml::Value;
    match &n.value {
        Value::Str(s) => out.push(s.clone()),
        Value::Seq(items) => items.iter().for_each(|i| strings(i, out)),
        Value::Map(entries) => entries.iter().for_each(|e| strings(&e.value, out)),
        _ => {}
    }
}

/// How a rule covers a service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cover {
    /// Names the service; the evidence (`job="checkout"`).
    Specific(Arc<str>),
    /// A generic cluster (cause) alert whose scope includes the service.
    Mixin(Arc<str>),
}

/// Where a rule source is loaded, if anywhere.
pub fn loading(inv: &Inventory, rid: ResourceId) -> Selection {
    let r = &inv.resources[rid];
    if r.kind == "PrometheusRule" {
        return prom_selection::selection(
            inv,
            Selecting::Rules,
            &prom_selection::labels_of(r),
            &r.namespace,
        );
    }
    if r.kind == alerting::RULE_FILE && r.namespace.is_empty() {
        return rule_file_loading(inv, rid);
    }
    Selection::Unknown
}

/// The folder a file is in (`a/b/c.yml` -> `a/b`).
fn dir_of(path: &str) -> &str {
    path.rsplit_once('/').map(|(d, _)| d).unwrap_or("")
}

/// A rule file is loaded by a Prometheus configuration of the same project
/// (its folder's parent holds the rule file) whose `rule_files` glob matches
/// the file name. Globs name paths inside the container, so only the last
/// component is compared.
fn rule_file_loading(inv: &Inventory, rid: ResourceId) -> Selection {
    let r = &inv.resources[rid];
    let path = &inv.files[r.file].display;
    let file_name = path.rsplit('/').next().unwrap_or(path);
    let mut why = Vec::new();
    for (_, cfg) in alerting::of_kind(inv, alerting::PROMETHEUS_CONFIG) {
        let cfg_path = &inv.files[cfg.file].display;
        let project = dir_of(dir_of(cfg_path));
        if !(project.is_empty() || path.starts_with(&format!("{project}/"))) {
            continue;
        }
        let globs: Vec<String> = cfg
            .node
            .get("rule_files")
            .map(crate::yaml::Node::items)
            .unwrap_or_default()
            .iter()
            .filter_map(crate::yaml::Node::scalar_text)
            .collect();
        for g in &globs {
            let last = g.rsplit('/').next().unwrap_or(g);
            let hit = globset::Glob::new(last)
                .map(|g| g.compile_matcher().is_match(file_name))
                .unwrap_or(true);
            if hit {
                return Selection::By(format!("`rule_files` of {cfg_path}"));
            }
        }
        why.push(if globs.is_empty() {
            format!("{cfg_path} has no `rule_files`")
        } else {
            format!(
                "no `rule_files` glob of {cfg_path} ({}) matches it",
                globs.join(", ")
            )
        });
    }
    if why.is_empty() {
        Selection::Unknown
    } else {
        Selection::Not(why)
    }
}

const NAME_LABELS: &[&str] = &["app.kubernetes.io/name", "app", "k8s-app", "name"];

/// Identities of every service of the report.
pub fn identities(inv: &Inventory, graph: &Graph, services: &Services) -> Vec<Identity> {
    // Hosts and backends named by routes, as Service names (`checkout`,
    // `checkout.shop.svc.cluster.local` -> `checkout`).
    let mut strs = Vec::new();
    for r in &inv.resources {
        if ROUTE_KINDS.contains(&r.kind.as_str())
            && let Some(spec) = r.node.get("spec")
        {
            strings(spec, &mut strs);
        }
    }
    let routed: std::collections::HashSet<&str> = strs
        .iter()
        .map(|h| h.split('.').next().unwrap_or(h))
        .collect();
    let mut out: Vec<Identity> = services
        .list
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let short = s.name.rsplit('/').next().unwrap_or(&s.name).to_string();
            let mut id = Identity {
                service: i,
                name: short.clone(),
                namespace: s.namespace.clone(),
                names: vec![short],
                workloads: Vec::new(),
                containers: Vec::new(),
                label_values: Vec::new(),
                anchor: None,
                serving: !s.workloads.is_empty(),
                user_facing: false,
            };
            for &w in &s.workloads {
                let wl = &graph.workloads[w];
                let r = &inv.resources[wl.resource];
                id.anchor.get_or_insert(wl.resource);
                id.workloads.push(r.name.clone());
                id.names.push(r.name.clone());
                for l in NAME_LABELS {
                    if let Some(v) = wl.label(l) {
                        id.names.push(v.to_string());
                    }
                }
                id.label_values
                    .extend(wl.labels.iter().map(|(_, v)| v.clone()));
                id.user_facing |= !wl.ingresses.is_empty();
                for &svc in &wl.services {
                    let sr = &inv.resources[svc];
                    id.names.push(sr.name.clone());
                    id.user_facing |= matches!(
                        sr.node
                            .path(&["spec", "type"])
                            .and_then(crate::yaml::Node::as_str),
                        Some("LoadBalancer" | "NodePort")
                    );
                    id.user_facing |= routed.contains(sr.name.as_str());
                }
                for (c, serves) in wl.containers.iter().zip(&wl.serves) {
                    if *serves || !c.init {
                        id.containers.push(c.name.clone());
                    }
                }
            }
            id
        })
        .collect();
    for (rid, r) in inv.resources.iter().enumerate() {
        if r.service_hint.is_none() {
            continue;
        }
        if let Some(s) = services.of_resource(graph, rid)
            && let Some(id) = out.get_mut(s)
        {
            id.names.push(r.name.clone());
            if r.kind != super::slo_specs::KIND {
                id.serving = true;
                id.user_facing |= r.node.get("ports").is_some();
                id.anchor.get_or_insert(rid);
            }
        }
    }
    for id in &mut out {
        id.names.sort();
        id.names.dedup();
        id.containers.sort();
        id.containers.dedup();
        id.label_values.sort();
        id.label_values.dedup();
    }
    out
}

/// Compiled label regexes, shared by the matching of one check run.
#[derive(Default)]
pub struct Regexes(HashMap<String, Option<Regex>>);

impl Regexes {
    fn get(&mut self, re: &str) -> Option<&Regex> {
        if !self.0.contains_key(re) {
            self.0
                .insert(re.to_string(), Regex::new(&format!("^(?:{re})$")).ok());
        }
        self.0.get(re).and_then(Option::as_ref)
    }

    /// Whether a matcher's value matches a label value.
    fn value_matches(&mut self, m: &LabelMatch, v: &str) -> bool {
        match m.op {
            Op::Eq => m.value == v,
            Op::Ne => m.value != v,
            Op::Re => self.get(&m.value).is_some_and(|r| r.is_match(v)),
            Op::NotRe => !self.get(&m.value).is_some_and(|r| r.is_match(v)),
        }
    }

    /// A regex that matches an unrelated value names nobody in particular.
    fn generic(&mut self, m: &LabelMatch) -> bool {
        m.op == Op::Re
            && (m.value.is_empty()
                || self
                    .get(&m.value)
                    .is_none_or(|r| r.is_match("zz-creview-unrelated-9") || r.is_match("")))
    }
}

/// Whether an expression covers a service, and how.
pub fn covers(
    id: &Identity,
    a: &Analysis,
    only_service_in_namespace: bool,
    re: &mut Regexes,
) -> Option<Cover> {
    let mut mixin = None;
    for sel in &a.selectors {
        // A namespace matcher that excludes the service's namespace.
        let ns_matchers: Vec<&LabelMatch> = sel
            .matchers
            .iter()
            .filter(|m| NAMESPACE_KEYS.contains(&m.name.as_str()))
            .collect();
        if ns_matchers
            .iter()
            .any(|m| !re.value_matches(m, &id.namespace))
        {
            continue;
        }
        let mut specific: Option<String> = None;
        let mut contradicted = false;
        // On exporter metrics (kube-state-metrics, cAdvisor) `job` and
        // `service` name the exporter, not the workload.
        let exporter_metric = sel
            .metric
            .as_deref()
            .is_some_and(|m| MIXIN_PREFIXES.iter().any(|p| m.starts_with(p)));
        let probe = sel
            .metric
            .as_deref()
            .is_some_and(|m| m.starts_with("probe_"));
        for m in &sel.matchers {
            let key = m.name.as_str();
            let candidates: &[String] =
                if NAME_KEYS.contains(&key) || (probe && matches!(key, "instance" | "target")) {
                    if exporter_metric {
                        continue;
                    }
                    &id.names
                } else if CONTAINER_KEYS.contains(&key) {
                    &id.containers
                } else if WORKLOAD_KEYS.contains(&key) {
                    &id.workloads
                } else if POD_KEYS.contains(&key) {
                    // Pods are named `<workload>-<hash>-<id>` or `<sts>-0`.
                    let hit = id.workloads.iter().any(|w| match m.op {
                        Op::Eq => m.value.starts_with(&format!("{w}-")),
                        Op::Re if !re.generic(m) => {
                            re.value_matches(m, &format!("{w}-7d4b9c8f6-x2p9q"))
                                || re.value_matches(m, &format!("{w}-0"))
                        }
                        _ => false,
                    });
                    if hit {
                        specific.get_or_insert_with(|| m.to_string());
                    } else if m.op.positive() && !re.generic(m) {
                        contradicted = true;
                    }
                    continue;
                } else {
                    continue;
                };
            if !m.op.positive() || re.generic(m) {
                continue;
            }
            // Blackbox probes name their job or target after the service
            // (`job="checkout-probe"`, `instance="https://checkout.shop"`).
            let probe_hit = probe
                && m.op == Op::Eq
                && m.value
                    .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
                    .any(|t| candidates.iter().any(|c| c == t));
            if probe_hit || candidates.iter().any(|c| re.value_matches(m, c)) {
                specific.get_or_insert_with(|| m.to_string());
            } else if !id.label_values.iter().any(|v| re.value_matches(m, v)) {
                contradicted = true;
            }
        }
        if contradicted {
            continue;
        }
        if let Some(ev) = specific {
            return Some(Cover::Specific(ev.into()));
        }
        if let Some(metric) = &sel.metric {
            let prefix = format!("{}_", id.name.replace(['-', '.'], "_"));
            // Recording rules are named `level:metric:operations`.
            if id.name.len() >= 4 && metric.split(':').any(|part| part.starts_with(&prefix)) {
                return Some(Cover::Specific(format!("metric `{metric}`").into()));
            }
            if only_service_in_namespace
                && ns_matchers
                    .iter()
                    .any(|m| m.op == Op::Eq && m.value == id.namespace)
            {
                return Some(Cover::Specific(
                    format!("namespace=\"{}\" (the only service there)", id.namespace).into(),
                ));
            }
            if id.serving && MIXIN_PREFIXES.iter().any(|p| metric.starts_with(p)) {
                mixin.get_or_insert_with(|| format!("metric `{metric}`"));
            }
        }
    }
    mixin.map(|m: String| Cover::Mixin(m.into()))
}

/// Whether an alert watches a symptom users see (errors, latency, traffic,
/// probes, SLOs, lag) rather than a cause (CPU, memory, restarts).
pub fn is_symptom(rule: &Rule<'_>) -> bool {
    if rule.analysis.is_burn_rate() {
        return true;
    }
    rule.analysis.metrics().any(|m| {
        let m = m.to_ascii_lowercase();
        [
            "request",
            "http_",
            "grpc_server",
            "grpc_client",
            "_errors",
            "error_",
            "_failures",
            "_failed",
            "latency",
            "duration_seconds",
            "probe_success",
            "probe_http",
            "slo:",
            ":burnrate",
            "_lag",
            "_age_seconds",
            "last_success",
            "queue",
            "_5xx",
            "response",
        ]
        .iter()
        .any(|p| m.contains(p))
    })
}

/// The coverage of every service by the alerting rules that are loaded
/// (or whose loading cannot be told), and the SLOs linked to each service.
pub struct Coverage<'a> {
    pub rules: Vec<Rule<'a>>,
    /// Per rule resource: whether a Prometheus loads it.
    pub loading: HashMap<ResourceId, Selection>,
    pub identities: Vec<Identity>,
    /// Per identity: (index in `rules`, how it covers).
    pub covers: Vec<Vec<(usize, Cover)>>,
    /// Per identity: rules that would cover it but are not loaded.
    pub unloaded: Vec<Vec<usize>>,
    /// Every SLO of the repository.
    pub slos: Vec<SloDoc>,
    /// Per identity: (index in `slos`, why it is the service's SLO).
    pub slo_links: Vec<Vec<(usize, String)>>,
    /// Per identity: SLOs whose burn-rate alerts a tool generates (Sloth,
    /// Pyrra, slo-generator) or an OpenSLO policy declares: symptom
    /// coverage that is not written as rules in the repository.
    pub slo_alerts: Vec<Vec<String>>,
}

/// Whether an SLO is about a service: it names it, or its SLI queries
/// select it. (The reference for one pair; [`Coverage`] links them all
/// through an index.)
pub fn slo_covers(doc: &SloQueries, id: &Identity, re: &mut Regexes) -> bool {
    doc.service == id.name
        || doc
            .analyses
            .iter()
            .any(|a| matches!(covers(id, a, false, re), Some(Cover::Specific(_))))
}

/// An SLO's service name and its SLI queries, analyzed once.
pub struct SloQueries {
    pub service: String,
    pub analyses: Vec<std::sync::Arc<Analysis>>,
}

impl SloQueries {
    pub fn of(doc: &SloDoc) -> SloQueries {
        SloQueries {
            service: doc.service.clone(),
            analyses: doc
                .queries
                .iter()
                .map(|q| super::promql::analyze(q))
                .collect(),
        }
    }
}

impl<'a> Coverage<'a> {
    pub fn build(inv: &'a Inventory, graph: &Graph, services: &Services) -> Coverage<'a> {
        let t0 = std::time::Instant::now();
        let rules = alerting::rules(inv);
        let mut loading = HashMap::new();
        for r in &rules {
            loading
                .entry(r.resource)
                .or_insert_with(|| self::loading(inv, r.resource));
        }
        let identities = identities(inv, graph, services);
        let mut index = Index::new(&identities);
        let mut covers = vec![Vec::new(); identities.len()];
        let mut unloaded = vec![Vec::new(); identities.len()];
        for (ri, rule) in rules.iter().enumerate() {
            if rule.alert.is_none() || rule.analysis.error.is_some() || rule.is_heartbeat() {
                continue;
            }
            let not_loaded = matches!(loading.get(&rule.resource), Some(Selection::Not(_)));
            for (ii, c) in index.covers(&rule.analysis, true) {
                if not_loaded {
                    if matches!(c, Cover::Specific(_)) {
                        unloaded[ii].push(ri);
                    }
                } else {
                    covers[ii].push((ri, c));
                }
            }
        }
        let slos = super::slo_specs::docs(inv);
        let mut slo_links: Vec<Vec<(usize, String)>> = vec![Vec::new(); identities.len()];
        let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
        for (ii, id) in identities.iter().enumerate() {
            by_name.entry(id.name.as_str()).or_default().push(ii);
        }
        for (di, doc) in slos.iter().enumerate() {
            for &ii in by_name.get(doc.service.as_str()).into_iter().flatten() {
                let why = match &doc.link {
                    Some(l) => l.clone(),
                    None => format!("the SLO names service `{}`", doc.service),
                };
                slo_links[ii].push((di, why));
            }
            for q in &doc.queries {
                let a = super::promql::analyze(q);
                for (ii, c) in index.covers(&a, false) {
                    if let Cover::Specific(ev) = c
                        && slo_links[ii].last().is_none_or(|(d, _)| *d != di)
                    {
                        slo_links[ii].push((di, format!("{ev} in the SLI query")));
                    }
                }
            }
        }
        let slo_alerts = slo_links
            .iter()
            .map(|links| {
                links
                    .iter()
                    .filter(|(d, _)| slos[*d].alerting != AlertingDecl::None)
                    .map(|(d, _)| slos[*d].name.clone())
                    .collect()
            })
            .collect();
        crate::timings::report_step(
            format_args!(
                "coverage ({} rules, {} services, {} SLOs)",
                rules.len(),
                identities.len(),
                slos.len()
            ),
            t0,
            std::time::Duration::ZERO,
        );
        Coverage {
            rules,
            loading,
            identities,
            covers,
            unloaded,
            slos,
            slo_links,
            slo_alerts,
        }
    }

    /// Rules that name the service.
    pub fn specific(&self, identity: usize) -> impl Iterator<Item = (&Rule<'a>, &str)> {
        self.covers[identity].iter().filter_map(|(r, c)| match c {
            Cover::Specific(ev) => Some((&self.rules[*r], &**ev)),
            Cover::Mixin(_) => None,
        })
    }

    /// Generic cluster alerts whose scope includes the service.
    pub fn mixin(&self, identity: usize) -> impl Iterator<Item = &Rule<'a>> {
        self.covers[identity].iter().filter_map(|(r, c)| match c {
            Cover::Mixin(_) => Some(&self.rules[*r]),
            Cover::Specific(_) => None,
        })
    }

    pub fn alert_rules(&self) -> impl Iterator<Item = &Rule<'a>> {
        self.rules.iter().filter(|r| r.alert.is_some())
    }

    /// What links each service to alert rules and SLOs, with the evidence,
    /// for the report.
    pub fn links(&self, inv: &Inventory, services: &Services) -> Vec<ServiceLinks> {
        let at = |rid: ResourceId, pointer: &str| {
            let r = &inv.resources[rid];
            let pos = r.locate(pointer);
            (inv.files[r.file].display.clone(), pos.line)
        };
        self.identities
            .iter()
            .enumerate()
            .map(|(i, id)| {
                let alerts: Vec<AlertLink> = self
                    .specific(i)
                    .take(MAX_ALERT_LINKS)
                    .map(|(rule, ev)| {
                        let (path, line) = at(rule.resource, &rule.pointer);
                        AlertLink {
                            alert: rule.display_name(),
                            path,
                            line,
                            evidence: ev.to_string(),
                            symptom: is_symptom(rule),
                        }
                    })
                    .collect();
                let slos = self.slo_links[i]
                    .iter()
                    .map(|(d, why)| {
                        let doc = &self.slos[*d];
                        let (path, line) = at(doc.resource, "");
                        SloLink {
                            name: doc.name.clone(),
                            format: doc.format.clone(),
                            path,
                            line,
                            target: doc.target.map(|t| t.to_string()),
                            window_days: doc.window_days.to_string(),
                            evidence: why.clone(),
                            burn_rate_alerts: match doc.alerting {
                                AlertingDecl::Generated => "generated",
                                AlertingDecl::Policies => "policies",
                                AlertingDecl::None => "none",
                            },
                        }
                    })
                    .collect();
                ServiceLinks {
                    service: services.list[id.service].name.clone(),
                    alerts_omitted: self.specific(i).count() - alerts.len(),
                    alerts,
                    generic_alerts: self.mixin(i).count(),
                    slos,
                }
            })
            .collect()
    }
}

/// Alert rules listed per service in the JSON report. A repository where
/// thousands of rules match every service by a broad regex would otherwise
/// list millions of links (10,000 rules over 3,000 services: 12 GB).
pub const MAX_ALERT_LINKS: usize = 100;

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// The alert rules and SLOs linked to one service, in the JSON report.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct ServiceLinks {
    #[serde(skip)]
    pub service: String,
    /// Rules that name the service, with the selector that does: the
    /// first [`MAX_ALERT_LINKS`].
    pub alerts: Vec<AlertLink>,
    /// Rules beyond those that also name it.
    #[serde(skip_serializing_if = "is_zero")]
    pub alerts_omitted: usize,
    /// Generic platform alerts (kubernetes-mixin style) whose scope
    /// includes it: cause-only, they do not count as its alerts.
    pub generic_alerts: usize,
    pub slos: Vec<SloLink>,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct AlertLink {
    pub alert: String,
    pub path: String,
    pub line: u32,
    /// The selector that names the service (`job="checkout"`).
    pub evidence: String,
    /// It watches a symptom users see (errors, latency, probes, SLO burn).
    pub symptom: bool,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct SloLink {
    pub name: String,
    pub format: String,
    pub path: String,
    pub line: u32,
    /// As a fraction (`0.999`).
    pub target: Option<String>,
    pub window_days: String,
    /// Why it is this service's SLO.
    pub evidence: String,
    /// `generated` (Sloth, Pyrra, slo-generator), `policies` (OpenSLO), or
    /// `none` (hand-written rules may still burn it; see SLO-002).
    pub burn_rate_alerts: &'static str,
}

/// Names of up to `n` rules, for messages (`A, B and 3 more`).
pub fn list_names<'b>(names: impl Iterator<Item = &'b str>, n: usize) -> String {
    let mut all: Vec<&str> = names.collect();
    all.dedup();
    let more = all.len().saturating_sub(n);
    let shown: Vec<String> = all.iter().take(n).map(|s| format!("`{s}`")).collect();
    match more {
        0 => shown.join(", "),
        m => format!("{} and {m} more", shown.join(", ")),
    }
}
