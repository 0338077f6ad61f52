//! SLO specifications in the repository, whatever their format: Sloth
//! `prometheus/v1` files and `PrometheusServiceLevel` objects, OpenSLO
//! (`openslo/v1`, `openslo/v1alpha`, `openslo.com/v2alpha`; one object, a
//! stream, or a YAML list of objects), Pyrra `ServiceLevelObjective`s and
//! Google `slo-generator` configs.
//!
//! Each SLO (each objective, for OpenSLO) becomes an [`SloSpec`] in
//! `inv.slos`, which the budget stage uses, and a resource of kind
//! `ServiceLevel` whose node is the SLO as written (so findings point into
//! it) plus what creview worked out, under `@` keys no format uses:
//!
//! ```yaml
//! "@format": Sloth prometheus/v1
//! "@service": checkout          # linked to the service of the report
//! "@link": 'job="checkout" in the SLI query'   # when linked by selector
//! "@name": requests-availability
//! "@target": "0.999"            # exact fraction
//! "@targetAt": /objective       # pointer of the target as written
//! "@windowDays": "30"
//! "@indicator": availability    # availability | latency | other
//! "@queries": [...]             # SLI queries, `{{.window}}` filled in
//! "@alerting": generated        # generated | policies | none
//! "@alertingWhy": Sloth generates page and ticket alerts
//! "@generator": sloth           # sloth | pyrra | openslo | slo-generator
//! ```

use super::k8s::WorkloadKind;
use super::promql;
use super::slo::SloSpec;
use super::{Inventory, Reader, Resource, ResourceId};
use crate::budget::decimal::Dec;
use crate::budget::target::Target;
use crate::budget::window::parse_window_days;
use crate::finding::Location;
use crate::source::FileId;
use crate::yaml::{Entry, Node, Value};

pub const KIND: &str = "ServiceLevel";
pub const API_VERSION: &str = "creview.dev/slo";

/// Label keys whose values name a service in SLI queries.
pub const IDENTITY_LABELS: &[&str] = &[
    "job",
    "service",
    "app",
    "app_kubernetes_io_name",
    "k8s_app",
    "service_name",
    "container",
    "deployment",
];

/// Labels a workload's service name is taken from (as `Services` does).
const NAME_LABELS: &[&str] = &["app.kubernetes.io/name", "app", "k8s-app", "name"];

/// Whether burn-rate alerts exist for an SLO, as far as the spec says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AlertingDecl {
    /// A tool generates them (Sloth, Pyrra, slo-generator steps).
    Generated,
    /// OpenSLO alert policies with burn-rate conditions.
    Policies,
    /// None from the spec; rules written by hand may still exist.
    None,
}

/// An SLO as the checks see it.
#[derive(Clone, Debug)]
pub struct SloDoc {
    pub resource: ResourceId,
    pub format: String,
    pub generator: String,
    pub service: String,
    pub link: Option<String>,
    pub name: String,
    pub target: Option<Dec>,
    pub target_at: String,
    pub window_days: Dec,
    pub indicator: String,
    pub queries: Vec<String>,
    /// The SLI as one error-ratio query with a `{{.window}}` placeholder.
    pub error_ratio: Option<String>,
    pub alerting: AlertingDecl,
    pub alerting_why: String,
    /// Labels of the SLO object (Pyrra and Sloth objects: rule selection).
    pub labels: Vec<(String, String)>,
    pub namespace: String,
}

/// Every SLO read by [`SloReader`].
pub fn docs(inv: &Inventory) -> Vec<SloDoc> {
    inv.resources
        .iter()
        .enumerate()
        .filter(|(_, r)| r.kind == KIND && r.api_version == API_VERSION)
        .map(|(id, r)| {
            let s = |k: &str| {
                r.node
                    .get(k)
                    .and_then(Node::scalar_text)
                    .unwrap_or_default()
            };
            let list = |k: &str| -> Vec<String> {
                r.node
                    .get(k)
                    .map(Node::items)
                    .unwrap_or_default()
                    .iter()
                    .filter_map(Node::scalar_text)
                    .collect()
            };
            SloDoc {
                resource: id,
                format: s("@format"),
                generator: s("@generator"),
                service: s("@service"),
                link: r.node.get("@link").and_then(Node::scalar_text),
                name: s("@name"),
                target: Dec::parse(&s("@target")),
                target_at: s("@targetAt"),
                window_days: Dec::parse(&s("@windowDays")).unwrap_or(Dec::int(30)),
                indicator: s("@indicator"),
                queries: list("@queries"),
                error_ratio: r.node.get("@errorRatio").and_then(Node::scalar_text),
                alerting: match s("@alerting").as_str() {
                    "generated" => AlertingDecl::Generated,
                    "policies" => AlertingDecl::Policies,
                    _ => AlertingDecl::None,
                },
                alerting_why: s("@alertingWhy"),
                labels: super::string_map(r.node.get("@labels"))
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                namespace: r.namespace.clone(),
            }
        })
        .collect()
}

/// One SLO found by a format reader, before it is linked to a service.
struct Found {
    file: FileId,
    doc: usize,
    node: Node,
    format: &'static str,
    generator: &'static str,
    service: String,
    name: String,
    /// As written, and how to read it.
    target: Option<Dec>,
    target_at: String,
    window_days: Dec,
    indicator: &'static str,
    queries: Vec<String>,
    /// The SLI as one error-ratio query with a `{{.window}}` placeholder,
    /// when it is Prometheus (for `creview generate alerts`).
    error_ratio: Option<String>,
    alerting: AlertingDecl,
    alerting_why: String,
    labels: Vec<(String, String)>,
    /// Identity of the object it comes from, for the resource name.
    origin: String,
}

pub struct SloReader;

impl Reader for SloReader {
    fn name(&self) -> &'static str {
        "slo-specs"
    }

    fn read(&self, inv: &mut Inventory) {
        let mut found = Vec::new();
        let openslo_objects = openslo_objects(inv);
        for d in &inv.other_documents {
            if d.node.get("version").and_then(Node::as_str) == Some("prometheus/v1")
                && d.node.get("slos").is_some()
            {
                sloth_file(inv, d.file, d.doc, &d.node, &mut found);
            }
        }
        let policies = slo_generator_policies(inv);
        for r in &inv.resources {
            match (r.api_version.as_str(), r.kind.as_str()) {
                (a, "PrometheusServiceLevel") if a.starts_with("sloth.slok.dev/") => {
                    sloth_crd(r, &mut found)
                }
                (a, "ServiceLevelObjective") if a.starts_with("pyrra.dev/") => pyrra(r, &mut found),
                (a, "ServiceLevelObjective") if a.starts_with("sre.google.com/") => {
                    slo_generator(r, &policies, &mut found)
                }
                _ => {}
            }
        }
        for o in &openslo_objects {
            if o.node.get("kind").and_then(Node::as_str) == Some("SLO") {
                openslo(inv, o, &openslo_objects, &mut found);
            }
        }
        let known = known_services(inv);
        let mut resources = Vec::new();
        for f in found {
            let (service, namespace, link) = link_service(&f, &known);
            let display = inv.files[f.file].display.clone();
            let source = format!("{} {}:{}", f.format, display, f.node.pos.line);
            if let Some(t) = f.target
                && Target::from_fraction(t).is_ok()
            {
                inv.slos.push(SloSpec {
                    service: service.clone(),
                    name: f.name.clone(),
                    target: t,
                    window_days: f.window_days,
                    indicator: f.indicator.to_string(),
                    source: source.clone(),
                    location: Location {
                        path: display.clone(),
                        line: f.node.pos.line,
                        column: f.node.pos.column,
                    },
                });
            }
            let mut node = f.node.clone();
            let pos = node.pos;
            let text = |s: &str| Node {
                value: Value::Str(s.to_string()),
                pos,
            };
            let mut facts = vec![
                ("@format", text(f.format)),
                ("@generator", text(f.generator)),
                ("@service", text(&service)),
                ("@name", text(&f.name)),
                ("@targetAt", text(&f.target_at)),
                ("@windowDays", text(&f.window_days.to_string())),
                ("@indicator", text(f.indicator)),
                (
                    "@queries",
                    Node {
                        value: Value::Seq(f.queries.iter().map(|q| text(q)).collect()),
                        pos,
                    },
                ),
                (
                    "@alerting",
                    text(match f.alerting {
                        AlertingDecl::Generated => "generated",
                        AlertingDecl::Policies => "policies",
                        AlertingDecl::None => "none",
                    }),
                ),
                ("@alertingWhy", text(&f.alerting_why)),
                (
                    "@labels",
                    Node {
                        value: Value::Map(
                            f.labels
                                .iter()
                                .map(|(k, v)| Entry {
                                    key: k.clone(),
                                    key_pos: pos,
                                    value: text(v),
                                })
                                .collect(),
                        ),
                        pos,
                    },
                ),
            ];
            if let Some(t) = f.target {
                facts.push(("@target", text(&t.to_string())));
            }
            if let Some(l) = &link {
                facts.push(("@link", text(l)));
            }
            if let Some(e) = &f.error_ratio {
                facts.push(("@errorRatio", text(e)));
            }
            let extra: Vec<Entry> = facts
                .into_iter()
                .map(|(k, v)| Entry {
                    key: k.to_string(),
                    key_pos: pos,
                    value: v,
                })
                .collect();
            match &mut node.value {
                Value::Map(entries) => entries.extend(extra),
                _ => {
                    node = Node {
                        value: Value::Map(extra),
                        pos,
                    }
                }
            }
            resources.push(Resource {
                file: f.file,
                doc: f.doc,
                api_version: API_VERSION.into(),
                kind: KIND.into(),
                name: format!("{}/{}", f.origin, f.name),
                namespace,
                namespace_explicit: false,
                node,
                service_hint: Some(service),
            });
        }
        // SLI queries are PromQL; analyze them with the rules.
        promql::analyze_all(
            resources
                .iter()
                .flat_map(|r| {
                    r.node
                        .get("@queries")
                        .map(Node::items)
                        .unwrap_or_default()
                        .iter()
                        .filter_map(Node::scalar_text)
                        .collect::<Vec<_>>()
                })
                .collect(),
        );
        inv.resources.extend(resources);
    }
}

// ---------------------------------------------------------------------------
// Linking an SLO to a service of the report

/// Service names the report will have, with their namespace: what
/// `Services` derives from workloads (name labels, else the workload name)
/// and names of resources that are services (compose, ...).
fn known_services(inv: &Inventory) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for r in &inv.resources {
        if let Some(h) = &r.service_hint {
            out.push((h.clone(), r.namespace.clone()));
            continue;
        }
        let Some(kind) = WorkloadKind::of(&r.api_version, &r.kind) else {
            continue;
        };
        let labels = r
            .node
            .pointer(kind.template_pointer())
            .and_then(|t| t.path(&["metadata", "labels"]));
        let name = NAME_LABELS
            .iter()
            .find_map(|l| labels.and_then(|n| n.get(l)).and_then(Node::scalar_text))
            .unwrap_or_else(|| r.name.clone());
        out.push((name, r.namespace.clone()));
    }
    out.sort();
    out.dedup();
    out
}

/// The service an SLO is for: the one its spec names when the report has
/// it; else the one its SLI queries select by an identity label; else the
/// name in the spec (a service with no manifests).
fn link_service(f: &Found, known: &[(String, String)]) -> (String, String, Option<String>) {
    if let Some((n, ns)) = known.iter().find(|(n, _)| *n == f.service) {
        return (n.clone(), ns.clone(), None);
    }
    let mut hits: Vec<(String, String, String)> = Vec::new();
    for q in &f.queries {
        let a = promql::analyze(q);
        for sel in &a.selectors {
            for m in &sel.matchers {
                if m.op != promql::Op::Eq || !IDENTITY_LABELS.contains(&m.name.as_str()) {
                    continue;
                }
                if let Some((n, ns)) = known.iter().find(|(n, _)| *n == m.value) {
                    let ev = format!("{m} in the SLI query");
                    if !hits.iter().any(|(h, _, _)| h == n) {
                        hits.push((n.clone(), ns.clone(), ev));
                    }
                }
            }
        }
    }
    if hits.len() == 1 {
        let (n, ns, ev) = hits.remove(0);
        return (n, ns, Some(ev));
    }
    // One service per name, whatever namespace its SLO objects are in.
    (f.service.clone(), String::new(), None)
}

/// The service an SLO names when its spec has none: the `job` of its SLI.
fn job_of(queries: &[String]) -> Option<String> {
    queries.iter().find_map(|q| {
        promql::analyze(q).selectors.iter().find_map(|s| {
            s.matchers
                .iter()
                .find(|m| m.name == "job" && m.op == promql::Op::Eq)
                .map(|m| m.value.clone())
        })
    })
}

// ---------------------------------------------------------------------------
// Formats

fn text_at(n: &Node, path: &[&str]) -> Option<String> {
    n.path(path).and_then(Node::scalar_text)
}

fn number_dec(n: &Node) -> Option<Dec> {
    match &n.value {
        Value::Int(i) => Some(Dec::int(*i)),
        // The YAML text is not at hand; the shortest decimal of the float is
        // what was written for every practical target (99.9, 0.995).
        Value::Float(f) => Dec::from_f64(*f),
        Value::Str(s) => Dec::parse(s.trim().trim_end_matches('%')),
        _ => None,
    }
}

fn percent_to_fraction(d: Dec) -> Dec {
    d / Dec::int(100)
}

fn classify_queries(queries: &[String], name: &str) -> &'static str {
    let lower = name.to_ascii_lowercase();
    if lower.contains("latency") || lower.contains("duration") || lower.contains("slow") {
        return "latency";
    }
    if queries
        .iter()
        .any(|q| q.contains("_bucket") || q.contains("le=") || q.contains("latency"))
    {
        return "latency";
    }
    "availability"
}

fn sloth_alerting(a: Option<&Node>, page_key: &str) -> (AlertingDecl, String) {
    let Some(a) = a.filter(|a| a.is_map()) else {
        return (
            AlertingDecl::None,
            "the SLO has no `alerting` block, so Sloth generates no alerts".into(),
        );
    };
    let disabled = |k: &str| {
        a.path(&[k, "disable"])
            .and_then(Node::as_bool)
            .unwrap_or(false)
    };
    let ticket_key = if page_key == "page_alert" {
        "ticket_alert"
    } else {
        "ticketAlert"
    };
    match (disabled(page_key), disabled(ticket_key)) {
        (true, true) => (
            AlertingDecl::None,
            format!("`{page_key}` and `{ticket_key}` are disabled"),
        ),
        (true, false) => (
            AlertingDecl::None,
            format!(
                "`{page_key}.disable: true`: only the ticket alert is generated, nothing pages"
            ),
        ),
        _ => (
            AlertingDecl::Generated,
            "Sloth generates multiwindow page and ticket alerts".into(),
        ),
    }
}

fn sloth_queries(sli: Option<&Node>, camel: bool) -> Vec<String> {
    let Some(sli) = sli else {
        return Vec::new();
    };
    let keys: &[&[&str]] = if camel {
        &[
            &["events", "errorQuery"],
            &["events", "totalQuery"],
            &["raw", "errorRatioQuery"],
        ]
    } else {
        &[
            &["events", "error_query"],
            &["events", "total_query"],
            &["raw", "error_ratio_query"],
        ]
    };
    keys.iter()
        .filter_map(|k| text_at(sli, k))
        .map(|q| promql::fill_window_template(&q, "5m"))
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn sloth_slo(
    file: FileId,
    doc: usize,
    slo: &Node,
    service: &str,
    labels: Vec<(String, String)>,
    origin: String,
    format: &'static str,
    camel: bool,
    out: &mut Vec<Found>,
) {
    let name = text_at(slo, &["name"]).unwrap_or_default();
    let queries = sloth_queries(slo.get("sli"), camel);
    let sli = slo.get("sli");
    let (e, t, r) = if camel {
        ("errorQuery", "totalQuery", "errorRatioQuery")
    } else {
        ("error_query", "total_query", "error_ratio_query")
    };
    let error_ratio =
        sli.and_then(
            |sli| match (text_at(sli, &["events", e]), text_at(sli, &["events", t])) {
                (Some(e), Some(t)) => Some(format!("({})\n/\n({})", e.trim(), t.trim())),
                _ => text_at(sli, &["raw", r]).map(|q| q.trim().to_string()),
            },
        );
    let (alerting, why) = sloth_alerting(
        slo.get("alerting"),
        if camel { "pageAlert" } else { "page_alert" },
    );
    out.push(Found {
        file,
        doc,
        node: slo.clone(),
        format,
        generator: "sloth",
        service: service.to_string(),
        target: slo
            .get("objective")
            .and_then(number_dec)
            .map(percent_to_fraction),
        target_at: "/objective".into(),
        window_days: Dec::int(30),
        indicator: classify_queries(&queries, &name),
        queries,
        error_ratio,
        alerting,
        alerting_why: why,
        labels,
        origin,
        name,
    });
}

fn sloth_file(inv: &Inventory, file: FileId, doc: usize, root: &Node, out: &mut Vec<Found>) {
    let service = text_at(root, &["service"]).unwrap_or_default();
    for slo in root.get("slos").map(Node::items).unwrap_or_default() {
        sloth_slo(
            file,
            doc,
            slo,
            &service,
            Vec::new(),
            inv.files[file].display.clone(),
            "Sloth prometheus/v1",
            false,
            out,
        );
    }
}

fn sloth_crd(r: &Resource, out: &mut Vec<Found>) {
    let Some(spec) = r.node.get("spec") else {
        return;
    };
    let service = text_at(spec, &["service"]).unwrap_or_else(|| r.name.clone());
    for (i, slo) in spec
        .get("slos")
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let mut f = Vec::new();
        sloth_slo(
            r.file,
            r.doc,
            slo,
            &service,
            super::prom_selection::labels_of(r),
            format!("{}/{}", r.namespace, r.name),
            "Sloth PrometheusServiceLevel",
            true,
            &mut f,
        );
        for mut x in f {
            x.target_at = "/objective".into();
            let _ = i;
            out.push(x);
        }
    }
}

fn pyrra(r: &Resource, out: &mut Vec<Found>) {
    let Some(spec) = r.node.get("spec") else {
        return;
    };
    let ind = spec.get("indicator");
    let mut queries = Vec::new();
    let mut indicator = "availability";
    if let Some(ind) = ind {
        for (kind, paths) in [
            (
                "ratio",
                &[&["errors", "metric"][..], &["total", "metric"][..]][..],
            ),
            (
                "latency",
                &[&["success", "metric"][..], &["total", "metric"][..]][..],
            ),
            ("latencyNative", &[&["total", "metric"][..]][..]),
            ("bool_gauge", &[&["metric"][..]][..]),
        ] {
            if let Some(k) = ind.get(kind) {
                if kind.starts_with("latency") {
                    indicator = "latency";
                }
                for p in paths {
                    if let Some(q) = text_at(k, p) {
                        queries.push(q);
                    }
                }
            }
        }
    }
    let burnrates = spec
        .path(&["alerting", "burnrates"])
        .and_then(Node::as_bool)
        .unwrap_or(true);
    let (alerting, why) = if burnrates {
        (
            AlertingDecl::Generated,
            "Pyrra generates multiwindow burn-rate alerts".to_string(),
        )
    } else {
        (
            AlertingDecl::None,
            "`alerting.burnrates: false` turns off Pyrra's burn-rate alerts".to_string(),
        )
    };
    let service = job_of(&queries).unwrap_or_else(|| r.name.clone());
    let w = "{{.window}}";
    let error_ratio = ind.and_then(|ind| {
        let m = |k: &str, p: &[&str]| ind.get(k).and_then(|n| text_at(n, p));
        if let (Some(e), Some(t)) = (
            m("ratio", &["errors", "metric"]),
            m("ratio", &["total", "metric"]),
        ) {
            return Some(format!("sum(rate({e}[{w}]))\n/\nsum(rate({t}[{w}]))"));
        }
        if let (Some(ok), Some(t)) = (
            m("latency", &["success", "metric"]),
            m("latency", &["total", "metric"]),
        ) {
            return Some(format!(
                "1 - (sum(rate({ok}[{w}]))\n/\nsum(rate({t}[{w}])))"
            ));
        }
        m("bool_gauge", &["metric"]).map(|g| format!("1 - avg(avg_over_time({g}[{w}]))"))
    });
    out.push(Found {
        file: r.file,
        doc: r.doc,
        node: r.node.clone(),
        format: "Pyrra ServiceLevelObjective",
        generator: "pyrra",
        service,
        name: r.name.clone(),
        target: spec
            .get("target")
            .and_then(number_dec)
            .map(percent_to_fraction),
        target_at: "/spec/target".into(),
        window_days: text_at(spec, &["window"])
            .and_then(|w| parse_window_days(&w).ok())
            .unwrap_or(Dec::int(28)),
        indicator,
        queries,
        error_ratio,
        alerting,
        alerting_why: why,
        labels: super::prom_selection::labels_of(r),
        origin: format!("{}/{}", r.namespace, r.name),
    });
}

/// slo-generator error budget policies: name -> (longest window in days,
/// whether a step alerts).
fn slo_generator_policies(inv: &Inventory) -> Vec<(String, Dec, bool)> {
    let mut out = Vec::new();
    for d in &inv.other_documents {
        for e in d
            .node
            .get("error_budget_policies")
            .map(Node::entries)
            .unwrap_or_default()
        {
            let steps = e.value.get("steps").map(Node::items).unwrap_or_default();
            let longest = steps
                .iter()
                .filter_map(|s| s.get("window").and_then(Node::as_i64))
                .max()
                .map(|s| Dec::int(s) / Dec::int(86_400))
                .unwrap_or(Dec::int(28));
            let alerts = steps
                .iter()
                .any(|s| s.get("alert").and_then(Node::as_bool) == Some(true));
            out.push((e.key.clone(), longest, alerts));
        }
    }
    out
}

fn slo_generator(r: &Resource, policies: &[(String, Dec, bool)], out: &mut Vec<Found>) {
    let Some(spec) = r.node.get("spec") else {
        return;
    };
    let labels = r.node.path(&["metadata", "labels"]);
    let label = |k: &str| labels.and_then(|l| l.get(k)).and_then(Node::scalar_text);
    let sli = spec.get("service_level_indicator");
    let mut queries = Vec::new();
    if spec.get("backend").and_then(Node::as_str) == Some("prometheus")
        && let Some(sli) = sli
    {
        for k in ["expression", "filter_good", "filter_valid", "filter_bad"] {
            if let Some(q) = text_at(sli, &[k]) {
                queries.push(q.replace("[window]", "[5m]"));
            }
        }
    }
    let w = "{{.window}}";
    let error_ratio = (spec.get("backend").and_then(Node::as_str) == Some("prometheus"))
        .then_some(sli)
        .flatten()
        .and_then(|sli| {
            let t = |k: &str| text_at(sli, &[k]).map(|q| q.trim().to_string());
            if let Some(e) = t("expression") {
                return Some(format!(
                    "1 - ({})",
                    e.replace("[window]", &format!("[{w}]"))
                ));
            }
            let valid = t("filter_valid")?;
            match (t("filter_good"), t("filter_bad")) {
                (_, Some(bad)) => {
                    Some(format!("sum(rate({bad}[{w}]))\n/\nsum(rate({valid}[{w}]))"))
                }
                (Some(good), None) => Some(format!(
                    "1 - (sum(rate({good}[{w}]))\n/\nsum(rate({valid}[{w}])))"
                )),
                _ => None,
            }
        });
    let policy = text_at(spec, &["error_budget_policy"]).unwrap_or_else(|| "default".into());
    let found = policies.iter().find(|(n, _, _)| *n == policy);
    let (alerting, why) = match found {
        Some((_, _, true)) => (
            AlertingDecl::Generated,
            format!("slo-generator error budget policy `{policy}` has alerting steps"),
        ),
        Some((_, _, false)) => (
            AlertingDecl::None,
            format!(
                "no step of the slo-generator error budget policy `{policy}` sets `alert: true`"
            ),
        ),
        None => (
            AlertingDecl::None,
            format!("the slo-generator error budget policy `{policy}` is not in the repository"),
        ),
    };
    let name = label("slo_name").unwrap_or_else(|| r.name.clone());
    let method = text_at(spec, &["method"]).unwrap_or_default();
    let indicator = if method.contains("distribution") || name.contains("latency") {
        "latency"
    } else {
        "availability"
    };
    out.push(Found {
        file: r.file,
        doc: r.doc,
        node: r.node.clone(),
        format: "slo-generator",
        generator: "slo-generator",
        service: label("service_name").unwrap_or_else(|| r.name.clone()),
        name,
        target: spec.get("goal").and_then(number_dec),
        target_at: "/spec/goal".into(),
        window_days: found.map(|f| f.1).unwrap_or(Dec::int(28)),
        indicator,
        queries,
        error_ratio,
        alerting,
        alerting_why: why,
        labels: Vec::new(),
        origin: r.name.clone(),
    });
}

/// An OpenSLO object wherever it was written.
struct OpenSlo {
    file: FileId,
    doc: usize,
    node: Node,
}

fn openslo_objects(inv: &Inventory) -> Vec<OpenSlo> {
    let is_openslo = |n: &Node| {
        n.get("apiVersion")
            .and_then(Node::as_str)
            .is_some_and(|a| a.starts_with("openslo"))
    };
    let mut out = Vec::new();
    for r in &inv.resources {
        if r.api_version.starts_with("openslo") {
            out.push(OpenSlo {
                file: r.file,
                doc: r.doc,
                node: r.node.clone(),
            });
        }
    }
    for d in &inv.other_documents {
        for item in d.node.items() {
            if is_openslo(item) {
                out.push(OpenSlo {
                    file: d.file,
                    doc: d.doc,
                    node: item.clone(),
                });
            }
        }
    }
    out
}

fn openslo_window(spec: &Node) -> Option<Dec> {
    if let Some(w) = spec
        .get("timeWindow")
        .map(Node::items)
        .and_then(|i| i.first())
    {
        return text_at(w, &["duration"]).and_then(|d| parse_window_days(&d).ok());
    }
    let w = spec
        .get("timeWindows")
        .map(Node::items)
        .and_then(|i| i.first())?;
    let count = w.get("count").and_then(Node::as_i64)?;
    let days = match text_at(w, &["unit"])?.as_str() {
        "Second" => return Some(Dec::ratio(i128::from(count), 86_400)),
        "Minute" => return Some(Dec::ratio(i128::from(count), 1440)),
        "Hour" => return Some(Dec::ratio(i128::from(count), 24)),
        "Day" => 1,
        "Week" => 7,
        "Month" => 30,
        "Quarter" => 90,
        "Year" => 365,
        _ => return None,
    };
    Some(Dec::int(count * days))
}

fn collect_queries(n: &Node, out: &mut Vec<String>) {
    match &n.value {
        Value::Map(entries) => {
            for e in entries {
                if e.key == "query" || e.key == "promql" {
                    if let Some(q) = e.value.scalar_text() {
                        out.push(promql::fill_window_template(&q, "5m"));
                    }
                } else {
                    collect_queries(&e.value, out);
                }
            }
        }
        Value::Seq(items) => items.iter().for_each(|i| collect_queries(i, out)),
        _ => {}
    }
}

/// An OpenSLO ratio SLI as an error ratio over `{{.window}}`: its queries'
/// ranges (`[5m]`) become the window; Sloth-style `{{.window}}` is kept.
fn openslo_error_ratio(indicator: &Node) -> Option<String> {
    // v1: `indicator.spec.ratioMetric`; v1alpha (what Sloth reads):
    // `objectives[].ratioMetrics`.
    let ratio = indicator
        .path(&["spec", "ratioMetric"])
        .or_else(|| indicator.get("ratioMetric"))
        .or_else(|| indicator.get("ratioMetrics"))?;
    let q = |k: &str| {
        let n = ratio.get(k)?;
        let q = n
            .path(&["metricSource", "spec", "query"])
            .or_else(|| n.path(&["spec", "query"]))
            .or_else(|| n.get("query"))
            .and_then(Node::scalar_text)?;
        let range = regex::Regex::new(r"\[\d+[smhdwy]\]").ok()?;
        let templated = range.replace_all(q.trim(), "[{{.window}}]").to_string();
        templated.contains("{{.window}}").then_some(templated)
    };
    let total = q("total")?;
    match (q("good"), q("bad")) {
        (_, Some(bad)) => Some(format!("({bad})\n/\n({total})")),
        (Some(good), None) => Some(format!("1 - (({good})\n/\n({total}))")),
        _ => None,
    }
}

fn named<'a>(objects: &'a [OpenSlo], kind: &str, name: &str) -> Option<&'a OpenSlo> {
    objects.iter().find(|o| {
        o.node.get("kind").and_then(Node::as_str) == Some(kind)
            && text_at(&o.node, &["metadata", "name"]).as_deref() == Some(name)
    })
}

/// Whether an OpenSLO alert policy has a burn-rate condition.
fn policy_burns(policy: &Node, objects: &[OpenSlo]) -> bool {
    let spec = policy.get("spec").unwrap_or(policy);
    spec.get("conditions")
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .any(|c| {
            let cond = match text_at(c, &["conditionRef"]) {
                Some(r) => named(objects, "AlertCondition", &r).map(|o| &o.node),
                None => Some(c),
            };
            cond.and_then(|c| c.path(&["spec", "condition", "kind"]))
                .and_then(Node::as_str)
                .is_some_and(|k| k.eq_ignore_ascii_case("burnrate"))
        })
}

fn openslo(inv: &Inventory, o: &OpenSlo, objects: &[OpenSlo], out: &mut Vec<Found>) {
    let _ = inv;
    let Some(spec) = o.node.get("spec") else {
        return;
    };
    let slo_name = text_at(&o.node, &["metadata", "name"]).unwrap_or_default();
    let api = text_at(&o.node, &["apiVersion"]).unwrap_or_default();
    let service = text_at(spec, &["service"])
        .or_else(|| text_at(spec, &["serviceRef"]))
        .unwrap_or_else(|| slo_name.clone());
    let mut queries = Vec::new();
    let indicator_node = spec
        .get("indicator")
        .or_else(|| spec.get("sli"))
        .cloned()
        .or_else(|| {
            text_at(spec, &["indicatorRef"])
                .and_then(|n| named(objects, "SLI", &n))
                .map(|o| o.node.clone())
        });
    if let Some(i) = &indicator_node {
        collect_queries(i, &mut queries);
    }
    collect_queries(
        spec.get("objectives").unwrap_or(&Node::null(o.node.pos)),
        &mut queries,
    );
    let threshold = indicator_node.as_ref().is_some_and(|i| {
        i.path(&["spec", "thresholdMetric"]).is_some() || i.get("thresholdMetric").is_some()
    });
    let indicator = if threshold {
        "latency"
    } else {
        classify_queries(&queries, &slo_name)
    };
    let policies = spec
        .get("alertPolicies")
        .map(Node::items)
        .unwrap_or_default();
    let burns = policies
        .iter()
        .any(|p| match text_at(p, &["alertPolicyRef"]) {
            Some(r) => {
                named(objects, "AlertPolicy", &r).is_some_and(|x| policy_burns(&x.node, objects))
            }
            None => policy_burns(p, objects),
        });
    let (alerting, why) = if burns {
        (
            AlertingDecl::Policies,
            "an OpenSLO alert policy has a burn-rate condition".to_string(),
        )
    } else if policies.is_empty() {
        // OpenSLO links policies from the SLO only: a burn-rate policy the
        // SLO does not list alerts on nothing.
        let unattached: Vec<String> = objects
            .iter()
            .filter(|x| x.node.get("kind").and_then(Node::as_str) == Some("AlertPolicy"))
            .filter(|x| policy_burns(&x.node, objects))
            .filter_map(|x| text_at(&x.node, &["metadata", "name"]))
            .collect();
        let why = if unattached.is_empty() {
            "no OpenSLO alert policy references the SLO".to_string()
        } else {
            format!(
                "its `spec.alertPolicies` lists no alert policy (the burn-rate polic{} `{}` in the repository alert{} on no SLO until an SLO lists {})",
                if unattached.len() == 1 { "y" } else { "ies" },
                unattached.join("`, `"),
                if unattached.len() == 1 { "s" } else { "" },
                if unattached.len() == 1 { "it" } else { "them" },
            )
        };
        (AlertingDecl::None, why)
    } else {
        (
            AlertingDecl::None,
            "its OpenSLO alert policies have no burn-rate condition".to_string(),
        )
    };
    let window = openslo_window(spec).unwrap_or(Dec::int(28));
    let error_ratio = indicator_node.as_ref().and_then(openslo_error_ratio);
    let objectives = spec.get("objectives").map(Node::items).unwrap_or_default();
    for (i, obj) in objectives.iter().enumerate() {
        let (target, at) = match (obj.get("target"), obj.get("targetPercent")) {
            (Some(t), _) => (number_dec(t), format!("/spec/objectives/{i}/target")),
            (None, Some(p)) => (
                number_dec(p).map(percent_to_fraction),
                format!("/spec/objectives/{i}/targetPercent"),
            ),
            _ => (None, format!("/spec/objectives/{i}")),
        };
        let name = if objectives.len() > 1 {
            let label = text_at(obj, &["displayName"]).unwrap_or_else(|| i.to_string());
            format!("{slo_name} ({label})")
        } else {
            slo_name.clone()
        };
        out.push(Found {
            file: o.file,
            doc: o.doc,
            node: o.node.clone(),
            format: if api.contains("v1alpha") {
                "OpenSLO v1alpha"
            } else if api.contains("v2alpha") {
                "OpenSLO v2alpha"
            } else {
                "OpenSLO v1"
            },
            generator: "openslo",
            service: service.clone(),
            name,
            target,
            target_at: at,
            window_days: window,
            indicator,
            queries: queries.clone(),
            error_ratio: error_ratio.clone().or_else(|| openslo_error_ratio(obj)),
            alerting: alerting.clone(),
            alerting_why: why.clone(),
            labels: Vec::new(),
            origin: slo_name.clone(),
        });
    }
}
