//! `creview generate alerts`: for every SLO that no burn-rate alert watches
//! (the SLOs SLO-002 reports), the rules Sloth would generate: SLI error
//! ratios recorded over the alert windows, the SLO's objective, budget and
//! period, and the multiwindow, multi-burn-rate page and ticket alerts, with
//! thresholds from the budget engine ([`crate::budget::alert_tiers`]).
//! Tiers that can never fire at the SLO's target (an error ratio of 100% or
//! more) or whose long window does not fit in the SLO window are left out,
//! and the output says so.
//!
//! The output is a `PrometheusRule` (labelled and placed so the repository's
//! `Prometheus` selects it) or, with `--plain`, a Prometheus rule file.

use crate::budget::alert_tiers::{Severity as Tier, TierEval, recommended_alerts};
use crate::budget::decimal::Dec;
use crate::budget::error_budget::budget_fraction;
use crate::budget::target::Target;
use crate::budget::window::Window;
use crate::model::slo_specs::{self, SloDoc};
use crate::model::{Inventory, Resource};
use crate::settings::{self, Request};
use crate::yaml::Node;
use crate::{Error, audit};
use std::collections::{BTreeSet, HashSet};
use std::fmt::Write;

/// What `creview generate alerts` was asked for.
#[derive(Clone, Debug)]
pub struct AlertsOptions {
    /// A plain rule file instead of a `PrometheusRule`.
    pub plain: bool,
    /// `runbook_url` annotation; `{service}` and `{slo}` are replaced.
    pub runbook_url: String,
}

impl Default for AlertsOptions {
    fn default() -> Self {
        AlertsOptions {
            plain: false,
            runbook_url: "https://runbooks.example.com/slo/{service}/{slo}".into(),
        }
    }
}

/// Quotes a scalar for YAML (a JSON string is a YAML double-quoted scalar).
fn q(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// `checkout-api` + `requests availability` -> `CheckoutApiRequestsAvailability`.
fn camel(parts: &[&str]) -> String {
    parts
        .iter()
        .flat_map(|p| p.split(|c: char| !c.is_ascii_alphanumeric()))
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// `Checkout API` -> `checkout-api`.
fn kebab(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

/// A decimal as PromQL writes it (`0.001`, `14.4`, `0.933333333333`).
fn num(d: Dec) -> String {
    d.round_str(12)
}

/// Where the generated `PrometheusRule` goes so a `Prometheus` of the
/// repository loads it: labels from its `ruleSelector`, and its namespace
/// when it only looks in its own.
fn placement(inv: &Inventory, doc: &SloDoc) -> (Vec<(String, String)>, Option<String>) {
    let prom: Option<&Resource> = inv
        .resources
        .iter()
        .find(|r| r.api_version.starts_with("monitoring.coreos.com/") && r.kind == "Prometheus");
    let own_ns = (!doc.namespace.is_empty()).then(|| doc.namespace.clone());
    let Some(prom) = prom else {
        return (Vec::new(), own_ns);
    };
    let spec = prom.node.get("spec");
    let mut labels = Vec::new();
    if let Some(sel) = spec.and_then(|s| s.get("ruleSelector")) {
        for (k, v) in crate::model::string_map(sel.get("matchLabels")) {
            labels.push((k.to_string(), v.to_string()));
        }
        for e in sel
            .get("matchExpressions")
            .map(Node::items)
            .unwrap_or_default()
        {
            let key = e.get("key").and_then(Node::scalar_text).unwrap_or_default();
            let first = e
                .get("values")
                .map(Node::items)
                .and_then(|v| v.first())
                .and_then(Node::scalar_text);
            match (e.get("operator").and_then(Node::as_str), first) {
                (Some("In"), Some(v)) => labels.push((key, v)),
                (Some("Exists"), _) => labels.push((key, "true".into())),
                _ => {}
            }
        }
    }
    let ns_sel = spec
        .and_then(|s| s.get("ruleNamespaceSelector"))
        .filter(|n| !n.is_null());
    let namespace = match ns_sel {
        None => Some(prom.namespace.clone()),
        Some(_) => own_ns.or_else(|| Some(prom.namespace.clone())),
    };
    (labels, namespace)
}

/// The rule groups for one SLO, indented by `indent` spaces, and notes.
fn groups(
    doc: &SloDoc,
    target: Target,
    opts: &AlertsOptions,
    indent: usize,
) -> (String, Vec<String>) {
    let pad = " ".repeat(indent);
    let mut notes = Vec::new();
    let error_ratio = doc.error_ratio.clone().unwrap_or_default();
    let id = format!("{}-{}", kebab(&doc.service), kebab(&doc.name));
    let b = budget_fraction(target);
    let period = doc.window_days;
    let period_window = Window::from_millis((period * Dec::int(86_400_000)).floor().max(0) as u64);
    let tiers: Vec<TierEval> = recommended_alerts(target, period)
        .into_iter()
        .filter(|t| {
            let fits = t.long_window.as_days() < period;
            if !t.feasible {
                notes.push(format!(
                    "tier {} left out: at {target} it needs an error ratio of {}%, which can never happen",
                    t.name,
                    t.error_ratio_threshold.percent().round_str(4)
                ));
            } else if !fits {
                notes.push(format!(
                    "tier {} left out: its {} window is not shorter than the {}-day SLO window",
                    t.name,
                    t.long_window,
                    period.round_str(4)
                ));
            }
            t.feasible && fits
        })
        .collect();
    let windows: BTreeSet<Window> = tiers
        .iter()
        .flat_map(|t| [t.long_window, t.short_window])
        .collect();
    let common = |w: Option<Window>| {
        let mut l = vec![
            ("sloth_id", id.clone()),
            ("sloth_service", doc.service.clone()),
            ("sloth_slo", doc.name.clone()),
        ];
        if let Some(w) = w {
            l.push(("sloth_window", w.to_string()));
        }
        l
    };
    let labels_block = |out: &mut String, labels: &[(&str, String)], at: &str| {
        let _ = writeln!(out, "{at}labels:");
        for (k, v) in labels {
            let _ = writeln!(out, "{at}  {k}: {}", q(v));
        }
    };
    let expr_block = |out: &mut String, expr: &str, at: &str| {
        let _ = writeln!(out, "{at}expr: |");
        for line in expr.lines() {
            let _ = writeln!(out, "{at}  {line}");
        }
    };
    let mut out = String::new();
    // SLI recordings.
    let _ = writeln!(out, "{pad}- name: slo-sli-recordings-{id}");
    let _ = writeln!(out, "{pad}  rules:");
    for w in windows
        .iter()
        .copied()
        .chain(std::iter::once(period_window))
    {
        let _ = writeln!(out, "{pad}    - record: slo:sli_error:ratio_rate{w}");
        let expr = if w == period_window {
            format!(
                "sum_over_time(slo:sli_error:ratio_rate5m{{sloth_id=\"{id}\"}}[{w}])\n/ ignoring (sloth_window)\ncount_over_time(slo:sli_error:ratio_rate5m{{sloth_id=\"{id}\"}}[{w}])"
            )
        } else {
            crate::model::promql::fill_window_template(&error_ratio, &w.to_string())
        };
        expr_block(&mut out, &expr, &format!("{pad}      "));
        labels_block(&mut out, &common(Some(w)), &format!("{pad}      "));
    }
    // Metadata.
    let _ = writeln!(out, "{pad}- name: slo-meta-recordings-{id}");
    let _ = writeln!(out, "{pad}  rules:");
    for (record, expr) in [
        (
            "slo:objective:ratio",
            format!("vector({})", num(target.fraction())),
        ),
        ("slo:error_budget:ratio", format!("vector({})", num(b))),
        ("slo:time_period:days", format!("vector({})", num(period))),
        (
            "slo:period_error_budget_remaining:ratio",
            format!(
                "1 - slo:sli_error:ratio_rate{period_window}{{sloth_id=\"{id}\"}} / on (sloth_id, sloth_slo, sloth_service) group_left slo:error_budget:ratio{{sloth_id=\"{id}\"}}"
            ),
        ),
    ] {
        let _ = writeln!(out, "{pad}    - record: {record}");
        let _ = writeln!(out, "{pad}      expr: {}", q(&expr));
        labels_block(&mut out, &common(None), &format!("{pad}      "));
    }
    // Alerts.
    let _ = writeln!(out, "{pad}- name: slo-alerts-{id}");
    let _ = writeln!(out, "{pad}  rules:");
    let name = format!("{}ErrorBudgetBurn", camel(&[&doc.service, &doc.name]));
    let runbook = opts
        .runbook_url
        .replace("{service}", &doc.service)
        .replace("{slo}", &doc.name);
    for (severity, label) in [(Tier::Page, "critical"), (Tier::Ticket, "warning")] {
        let mine: Vec<&TierEval> = tiers.iter().filter(|t| t.severity == severity).collect();
        if mine.is_empty() {
            notes.push(format!(
                "no {} alert: none of its tiers can work for this SLO",
                severity.as_str()
            ));
            continue;
        }
        let cmp = |w: Window, t: &TierEval| {
            format!(
                "max(slo:sli_error:ratio_rate{w}{{sloth_id=\"{id}\", sloth_service={}, sloth_slo={}}} > ({} * {})) without (sloth_window)",
                q(&doc.service),
                q(&doc.name),
                num(t.burn_rate),
                num(b)
            )
        };
        let branches: Vec<String> = mine
            .iter()
            .map(|t| {
                format!(
                    "(\n    {}\n    and\n    {}\n)",
                    cmp(t.short_window, t),
                    cmp(t.long_window, t)
                )
            })
            .collect();
        let expr = branches.join("\nor\n");
        let _ = writeln!(out, "{pad}    - alert: {name}");
        expr_block(&mut out, &expr, &format!("{pad}      "));
        let mut labels = vec![("severity", label.to_string())];
        labels.push(("sloth_severity", severity.as_str().to_string()));
        labels.extend(common(None));
        labels_block(&mut out, &labels, &format!("{pad}      "));
        let how: Vec<String> = mine
            .iter()
            .map(|t| {
                format!(
                    "{}x over {}/{}",
                    t.burn_rate.round_str(4),
                    t.long_window,
                    t.short_window
                )
            })
            .collect();
        let _ = writeln!(out, "{pad}      annotations:");
        let _ = writeln!(
            out,
            "{pad}        summary: {}",
            q(&format!(
                "{} SLO {} of {} is burning its error budget too fast",
                if severity == Tier::Page {
                    "Page:"
                } else {
                    "Ticket:"
                },
                doc.name,
                doc.service
            ))
        );
        let _ = writeln!(
            out,
            "{pad}        description: {}",
            q(&format!(
                "The error ratio of SLO {} ({target} over {} days) burns the budget at {}; at this rate the budget is gone long before the period ends.",
                doc.name,
                period.round_str(4),
                how.join(" or ")
            ))
        );
        let _ = writeln!(out, "{pad}        runbook_url: {}", q(&runbook));
    }
    (out, notes)
}

/// Generates burn-rate alerting for the SLOs under the request's paths that
/// have none. Returns the YAML text (empty documents are not printed).
pub fn alerts(request: &Request, opts: &AlertsOptions) -> Result<String, Error> {
    let mut req = request.clone();
    req.select = vec!["SLO-002".into()];
    let prepared = settings::prepare(&req)?;
    let report = audit(&prepared.settings, &prepared.registry)?;
    let inv = &report.inventory;
    let lacking: HashSet<String> = report
        .findings
        .iter()
        .filter(|f| f.check == "SLO-002" && f.is_active())
        .filter_map(|f| f.resource.as_ref().map(ToString::to_string))
        .collect();
    let docs: Vec<SloDoc> = slo_specs::docs(inv)
        .into_iter()
        .filter(|d| lacking.contains(&inv.resources[d.resource].reference().to_string()))
        .collect();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Generated by `creview generate alerts`: multiwindow, multi-burn-rate alerts\n# for {} SLO(s) without burn-rate alerting. Review the runbook_url annotations.",
        docs.len()
    );
    for doc in &docs {
        let r = &inv.resources[doc.resource];
        let origin = format!(
            "{} {}:{}",
            doc.format, inv.files[r.file].display, r.node.pos.line
        );
        let Some(target) = doc.target.and_then(|t| Target::from_fraction(t).ok()) else {
            let _ = writeln!(
                out,
                "# SLO {} ({origin}): no valid target; skipped.",
                doc.name
            );
            continue;
        };
        if doc.error_ratio.is_none() {
            let _ = writeln!(
                out,
                "# SLO {} ({origin}): its SLI is not a Prometheus query creview can window; skipped.",
                doc.name
            );
            continue;
        }
        if doc.window_days < Dec::ONE {
            let _ = writeln!(
                out,
                "# SLO {} ({origin}): its window is shorter than a day; fix it first (SLO-004).",
                doc.name
            );
            continue;
        }
        let indent = if opts.plain { 2 } else { 4 };
        let (text, notes) = groups(doc, target, opts, indent);
        let header = format!(
            "# SLO `{}` of service `{}` ({origin}): {target} over {} days.",
            doc.name,
            doc.service,
            doc.window_days.round_str(4)
        );
        let notes: String = notes.iter().map(|n| format!("# - {n}\n")).collect();
        if opts.plain {
            let _ = writeln!(out, "---\n{header}");
            out.push_str(&notes);
            let _ = writeln!(out, "groups:");
            out.push_str(&text);
            continue;
        }
        let (labels, namespace) = placement(inv, doc);
        let _ = writeln!(out, "---\n{header}");
        out.push_str(&notes);
        let _ = writeln!(out, "apiVersion: monitoring.coreos.com/v1");
        let _ = writeln!(out, "kind: PrometheusRule");
        let _ = writeln!(out, "metadata:");
        let _ = writeln!(
            out,
            "  name: {}",
            q(&format!(
                "{}-{}-slo-alerts",
                kebab(&doc.service),
                kebab(&doc.name)
            ))
        );
        if let Some(ns) = namespace {
            let _ = writeln!(out, "  namespace: {}", q(&ns));
        }
        let mut all_labels = labels;
        all_labels.push(("app.kubernetes.io/managed-by".into(), "creview".into()));
        let _ = writeln!(out, "  labels:");
        for (k, v) in all_labels {
            let _ = writeln!(out, "    {}: {}", q(&k), q(&v));
        }
        let _ = writeln!(out, "spec:\n  groups:");
        out.push_str(&text);
    }
    Ok(out)
}
