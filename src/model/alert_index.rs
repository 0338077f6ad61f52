//! Matching alert expressions against every service identity at once,
//! with the same result as [`covers`] pair by pair, without trying every
//! (rule, service) pair.
//!
//! A selector with an identity matcher (`job="checkout"`,
//! `pod=~"checkout-.*"`) can only cover services that carry a value the
//! matcher accepts: those come from an index of values (and, for regexes,
//! from one scan of the distinct values per pattern). A selector without one
//! (kubernetes-mixin `kube_pod_*{namespace=~"..."}`, namespace-only
//! selectors) depends on the namespace, the metric prefix and the service's
//! flags only: it is decided per namespace, then per service without
//! allocating. Regexes are compiled once per pattern.
//!
//! [`covers`]: super::alert_coverage::covers

use super::alert_coverage::{
    CONTAINER_KEYS, Cover, Identity, MIXIN_PREFIXES, NAME_KEYS, NAMESPACE_KEYS, POD_KEYS,
    WORKLOAD_KEYS,
};
use super::promql::{Analysis, LabelMatch, Op, Selector};
use regex::Regex;
use std::collections::HashMap;
use std::sync::Arc;

/// Which values of an identity a matcher is compared with.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Names,
    Containers,
    Workloads,
    Pod,
}

/// A label matcher with its regex compiled.
struct Prepared<'a> {
    m: &'a LabelMatch,
    re: Option<Arc<Regex>>,
}

impl Prepared<'_> {
    fn matches(&self, v: &str) -> bool {
        match self.m.op {
            Op::Eq => self.m.value == v,
            Op::Ne => self.m.value != v,
            Op::Re => self.re.as_ref().is_some_and(|r| r.is_match(v)),
            Op::NotRe => !self.re.as_ref().is_some_and(|r| r.is_match(v)),
        }
    }
}

/// An identity matcher that decides: it names the service (a hit) or, if
/// it matches none of its values, rules the selector out.
struct Item<'a> {
    role: Role,
    p: Prepared<'a>,
    evidence: Arc<str>,
}

struct PreparedSelector<'a> {
    metric: Option<&'a str>,
    ns: Vec<Prepared<'a>>,
    items: Vec<Item<'a>>,
    probe: bool,
    mixin_metric: bool,
    metric_evidence: Arc<str>,
}

/// The services of a report, indexed for matching.
pub struct Index<'i> {
    ids: &'i [Identity],
    ns_of: Vec<usize>,
    namespaces: Vec<&'i str>,
    by_ns: Vec<Vec<usize>>,
    /// Only one serving service in the identity's namespace.
    only: Vec<bool>,
    /// `checkout_` for `checkout`, when the name is long enough to tell.
    prefixes: Vec<Option<String>>,
    by_prefix: HashMap<String, Vec<usize>>,
    /// Names, containers, workloads and label values -> identities.
    by_value: HashMap<&'i str, Vec<usize>>,
    values: Vec<&'i str>,
    by_workload: HashMap<&'i str, Vec<usize>>,
    /// Per distinct workload name, the pod names it would have.
    pod_samples: Vec<(&'i str, String, String)>,
    regexes: HashMap<String, Option<Arc<Regex>>>,
    generic: HashMap<String, bool>,
    value_scans: HashMap<String, Vec<usize>>,
    pod_scans: HashMap<String, Vec<usize>>,
}

fn pod_samples(w: &str) -> (String, String) {
    (format!("{w}-7d4b9c8f6-x2p9q"), format!("{w}-0"))
}

impl<'i> Index<'i> {
    pub fn new(ids: &'i [Identity]) -> Index<'i> {
        let mut ns_index: HashMap<&str, usize> = HashMap::new();
        let mut namespaces = Vec::new();
        let mut by_ns: Vec<Vec<usize>> = Vec::new();
        let mut ns_of = Vec::with_capacity(ids.len());
        for (i, id) in ids.iter().enumerate() {
            let n = *ns_index.entry(id.namespace.as_str()).or_insert_with(|| {
                namespaces.push(id.namespace.as_str());
                by_ns.push(Vec::new());
                namespaces.len() - 1
            });
            ns_of.push(n);
            by_ns[n].push(i);
        }
        let serving_per_ns: Vec<usize> = by_ns
            .iter()
            .map(|l| l.iter().filter(|i| ids[**i].serving).count())
            .collect();
        let only = ns_of.iter().map(|n| serving_per_ns[*n] == 1).collect();
        let prefixes: Vec<Option<String>> = ids
            .iter()
            .map(|id| {
                (id.name.len() >= 4).then(|| format!("{}_", id.name.replace(['-', '.'], "_")))
            })
            .collect();
        let mut by_prefix: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, p) in prefixes.iter().enumerate() {
            if let Some(p) = p {
                by_prefix.entry(p.clone()).or_default().push(i);
            }
        }
        let mut by_value: HashMap<&str, Vec<usize>> = HashMap::new();
        let mut by_workload: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, id) in ids.iter().enumerate() {
            for v in id
                .names
                .iter()
                .chain(&id.containers)
                .chain(&id.workloads)
                .chain(&id.label_values)
            {
                let e = by_value.entry(v.as_str()).or_default();
                if e.last() != Some(&i) {
                    e.push(i);
                }
            }
            for w in &id.workloads {
                let e = by_workload.entry(w.as_str()).or_default();
                if e.last() != Some(&i) {
                    e.push(i);
                }
            }
        }
        let mut values: Vec<&str> = by_value.keys().copied().collect();
        values.sort_unstable();
        let mut workloads: Vec<&str> = by_workload.keys().copied().collect();
        workloads.sort_unstable();
        let pod_samples = workloads
            .into_iter()
            .map(|w| {
                let (a, b) = pod_samples(w);
                (w, a, b)
            })
            .collect();
        Index {
            ids,
            ns_of,
            namespaces,
            by_ns,
            only,
            prefixes,
            by_prefix,
            by_value,
            values,
            by_workload,
            pod_samples,
            regexes: HashMap::new(),
            generic: HashMap::new(),
            value_scans: HashMap::new(),
            pod_scans: HashMap::new(),
        }
    }

    fn regex(&mut self, pattern: &str) -> Option<Arc<Regex>> {
        if let Some(r) = self.regexes.get(pattern) {
            return r.clone();
        }
        let r = Regex::new(&format!("^(?:{pattern})$")).ok().map(Arc::new);
        self.regexes.insert(pattern.to_string(), r.clone());
        r
    }

    /// A regex that matches an unrelated value names nobody in particular.
    fn is_generic(&mut self, m: &LabelMatch) -> bool {
        if m.op != Op::Re {
            return false;
        }
        if let Some(g) = self.generic.get(&m.value) {
            return *g;
        }
        let g = m.value.is_empty()
            || self
                .regex(&m.value)
                .is_none_or(|r| r.is_match("zz-creview-unrelated-9") || r.is_match(""));
        self.generic.insert(m.value.clone(), g);
        g
    }

    fn prepare<'a>(&mut self, m: &'a LabelMatch) -> Prepared<'a> {
        let re = match m.op {
            Op::Re | Op::NotRe => self.regex(&m.value),
            Op::Eq | Op::Ne => None,
        };
        Prepared { m, re }
    }

    fn prepare_selector<'a>(&mut self, sel: &'a Selector) -> PreparedSelector<'a> {
        let metric = sel.metric.as_deref();
        // On exporter metrics (kube-state-metrics, cAdvisor) `job` and
        // `service` name the exporter, not the workload.
        let mixin_metric = metric.is_some_and(|m| MIXIN_PREFIXES.iter().any(|p| m.starts_with(p)));
        let probe = metric.is_some_and(|m| m.starts_with("probe_"));
        let mut ns = Vec::new();
        let mut items = Vec::new();
        for m in &sel.matchers {
            let key = m.name.as_str();
            if NAMESPACE_KEYS.contains(&key) {
                ns.push(self.prepare(m));
            }
            let role =
                if NAME_KEYS.contains(&key) || (probe && matches!(key, "instance" | "target")) {
                    if mixin_metric {
                        continue;
                    }
                    Role::Names
                } else if CONTAINER_KEYS.contains(&key) {
                    Role::Containers
                } else if WORKLOAD_KEYS.contains(&key) {
                    Role::Workloads
                } else if POD_KEYS.contains(&key) {
                    Role::Pod
                } else {
                    continue;
                };
            // Negative and catch-all matchers neither name nor rule out.
            if !m.op.positive() || self.is_generic(m) {
                continue;
            }
            items.push(Item {
                role,
                p: self.prepare(m),
                evidence: Arc::from(m.to_string()),
            });
        }
        PreparedSelector {
            metric,
            ns,
            items,
            probe,
            mixin_metric,
            metric_evidence: Arc::from(metric.map(|m| format!("metric `{m}`")).unwrap_or_default()),
        }
    }

    /// Identities that carry a value an identity matcher accepts (a
    /// superset of those it names or does not rule out).
    fn candidates_of(&mut self, item: &Item<'_>, probe: bool, out: &mut Vec<usize>) {
        let m = item.p.m;
        match (item.role, m.op) {
            (Role::Pod, Op::Eq) => {
                for (i, _) in m.value.match_indices('-') {
                    if let Some(ids) = self.by_workload.get(&m.value[..i]) {
                        out.extend(ids);
                    }
                }
            }
            (Role::Pod, _) => {
                if !self.pod_scans.contains_key(&m.value) {
                    let mut hit = Vec::new();
                    for (w, a, b) in &self.pod_samples {
                        if item.p.matches(a) || item.p.matches(b) {
                            hit.extend(&self.by_workload[w]);
                        }
                    }
                    self.pod_scans.insert(m.value.clone(), hit);
                }
                out.extend(&self.pod_scans[&m.value]);
            }
            (_, Op::Eq) => {
                if let Some(ids) = self.by_value.get(m.value.as_str()) {
                    out.extend(ids);
                }
                if probe {
                    for t in m
                        .value
                        .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
                    {
                        if let Some(ids) = self.by_value.get(t) {
                            out.extend(ids);
                        }
                    }
                }
            }
            _ => {
                if !self.value_scans.contains_key(&m.value) {
                    let mut hit = Vec::new();
                    for v in &self.values {
                        if item.p.matches(v) {
                            hit.extend(&self.by_value[v]);
                        }
                    }
                    self.value_scans.insert(m.value.clone(), hit);
                }
                out.extend(&self.value_scans[&m.value]);
            }
        }
    }

    /// How one selector covers one identity (the body of `covers` for one
    /// selector), given that its namespace matchers accept the identity.
    fn eval(&self, sel: &PreparedSelector<'_>, i: usize, use_only: bool) -> Option<Cover> {
        let id = &self.ids[i];
        let mut specific: Option<&Arc<str>> = None;
        for item in &sel.items {
            let m = item.p.m;
            let candidates: &[String] = match item.role {
                Role::Pod => {
                    // Pods are named `<workload>-<hash>-<id>` or `<sts>-0`.
                    let hit = id.workloads.iter().any(|w| match m.op {
                        Op::Eq => m
                            .value
                            .strip_prefix(w.as_str())
                            .is_some_and(|rest| rest.starts_with('-')),
                        _ => {
                            let (a, b) = self.samples_of(w);
                            item.p.matches(a) || item.p.matches(b)
                        }
                    });
                    if !hit {
                        return None;
                    }
                    specific.get_or_insert(&item.evidence);
                    continue;
                }
                Role::Names => &id.names,
                Role::Containers => &id.containers,
                Role::Workloads => &id.workloads,
            };
            // Blackbox probes name their job or target after the service
            // (`job="checkout-probe"`, `instance="https://checkout.shop"`).
            let probe_hit = sel.probe
                && m.op == Op::Eq
                && m.value
                    .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
                    .any(|t| candidates.iter().any(|c| c == t));
            if probe_hit || candidates.iter().any(|c| item.p.matches(c)) {
                specific.get_or_insert(&item.evidence);
            } else if !id.label_values.iter().any(|v| item.p.matches(v)) {
                return None;
            }
        }
        if let Some(ev) = specific {
            return Some(Cover::Specific(Arc::clone(ev)));
        }
        let metric = sel.metric?;
        // Recording rules are named `level:metric:operations`.
        if let Some(prefix) = &self.prefixes[i]
            && metric
                .split(':')
                .any(|part| part.starts_with(prefix.as_str()))
        {
            return Some(Cover::Specific(Arc::clone(&sel.metric_evidence)));
        }
        if use_only
            && self.only[i]
            && sel
                .ns
                .iter()
                .any(|p| p.m.op == Op::Eq && p.m.value == id.namespace)
        {
            return Some(Cover::Specific(Arc::from(format!(
                "namespace=\"{}\" (the only service there)",
                id.namespace
            ))));
        }
        if id.serving && sel.mixin_metric {
            return Some(Cover::Mixin(Arc::clone(&sel.metric_evidence)));
        }
        None
    }

    fn samples_of(&self, w: &str) -> (&str, &str) {
        let at = self
            .pod_samples
            .binary_search_by(|(x, _, _)| (*x).cmp(w))
            .expect("every workload has samples");
        let (_, a, b) = &self.pod_samples[at];
        (a, b)
    }

    /// Every identity an expression covers, and how: for each, the first
    /// selector that names it, else the first generic cluster selector
    /// whose scope includes it. `use_only` lets a namespace-only selector
    /// name the only service of its namespace.
    pub fn covers(&mut self, a: &Analysis, use_only: bool) -> Vec<(usize, Cover)> {
        // (identity, selector, cover), then the best per identity.
        let mut found: Vec<(usize, bool, usize, Cover)> = Vec::new();
        let mut candidates = Vec::new();
        for (si, sel) in a.selectors.iter().enumerate() {
            let p = self.prepare_selector(sel);
            let ns_ok: Vec<bool> = self
                .namespaces
                .iter()
                .map(|n| p.ns.iter().all(|m| m.matches(n)))
                .collect();
            candidates.clear();
            if let Some(first) = p.items.first() {
                self.candidates_of(first, p.probe, &mut candidates);
            } else if let Some(metric) = p.metric {
                if p.mixin_metric {
                    for (n, ok) in ns_ok.iter().enumerate() {
                        if *ok {
                            candidates.extend(&self.by_ns[n]);
                        }
                    }
                } else {
                    // Metric prefixes: `grafana_http_...` tries `grafana_`,
                    // `grafana_http_`, ... against the services' prefixes.
                    for part in metric.split(':') {
                        for (i, _) in part.match_indices('_') {
                            if let Some(ids) = self.by_prefix.get(&part[..=i]) {
                                candidates.extend(ids);
                            }
                        }
                    }
                    if use_only {
                        for m in p.ns.iter().filter(|m| m.m.op == Op::Eq) {
                            for (n, name) in self.namespaces.iter().enumerate() {
                                if *name == m.m.value {
                                    candidates.extend(&self.by_ns[n]);
                                }
                            }
                        }
                    }
                }
            } else {
                continue;
            }
            candidates.sort_unstable();
            candidates.dedup();
            for &i in &candidates {
                if !ns_ok[self.ns_of[i]] {
                    continue;
                }
                if let Some(c) = self.eval(&p, i, use_only) {
                    found.push((i, matches!(c, Cover::Mixin(_)), si, c));
                }
            }
        }
        found.sort_by_key(|(i, mixin, si, _)| (*i, *mixin, *si));
        found.dedup_by_key(|(i, ..)| *i);
        found.into_iter().map(|(i, _, _, c)| (i, c)).collect()
    }
}
