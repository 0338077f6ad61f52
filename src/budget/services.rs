//! The budget stage of the pipeline: every finding becomes a priced risk of
//! its service, in the CRE risk-catalog form, and every service gets its
//! reliability gap. Findings of modifier checks (alerting, ownership gaps)
//! do not add minutes of their own: they lengthen the time to detect or
//! repair of the service's other finding-derived risks. Risks entered by
//! hand in creview.toml keep the numbers written.

use super::availability::{self, Dependency, DependencyKind};
use super::decimal::Dec;
use super::error_budget::{window_budget_minutes, yearly_budget_minutes};
use super::risk::{RiskClass, classify, share_of_budget};
use super::target::Target;
use crate::engine::registry::Registry;
use crate::finding::{Finding, Severity};
use crate::model::Inventory;
use crate::model::graph::Graph;
use crate::model::selector::LabelSelector;
use crate::model::service::Services;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};

/// A service declared in creview.toml.
#[derive(Clone, Debug, Default)]
pub struct ServiceDecl {
    pub name: String,
    pub namespace: Option<String>,
    pub labels: BTreeMap<String, String>,
    /// `Kind/name` or `name`.
    pub workloads: Vec<String>,
    pub target: Option<Target>,
    pub window_days: Option<Dec>,
    pub dependencies: Vec<DependencyDecl>,
}

#[derive(Clone, Debug)]
pub struct DependencyDecl {
    pub name: String,
    pub availability: Option<Dec>,
    pub kind: DependencyKind,
}

/// A risk entered by the CRE.
#[derive(Clone, Debug)]
pub struct ManualRisk {
    pub service: String,
    pub title: String,
    pub events_per_year: Dec,
    pub ttd_minutes: Dec,
    pub ttr_minutes: Dec,
    pub impact: Dec,
    pub accepted: bool,
}

/// Replacement risk parameters of a check, from `[risk-defaults."ID"]`.
#[derive(Clone, Debug, Default)]
pub struct RiskOverride {
    pub frequency_per_year: Option<Dec>,
    pub ttd_minutes: Option<Dec>,
    pub ttr_minutes: Option<Dec>,
    pub impact: Option<Dec>,
}

#[derive(Clone, Debug)]
pub struct BudgetSettings {
    pub default_target: Target,
    pub default_window_days: Dec,
    pub days_per_year: Dec,
    pub per_risk_threshold: Dec,
    pub services: Vec<ServiceDecl>,
    pub risks: Vec<ManualRisk>,
    pub overrides: HashMap<String, RiskOverride>,
    /// Where the default SLO comes from (`built-in default` or creview.toml).
    pub default_source: String,
}

impl Default for BudgetSettings {
    fn default() -> Self {
        BudgetSettings {
            default_target: Target::from_fraction(Dec::ratio(999, 1000))
                .expect("99.9% is a valid target"),
            default_window_days: Dec::int(30),
            days_per_year: Dec::int(365),
            per_risk_threshold: Dec::ratio(1, 4),
            services: Vec::new(),
            risks: Vec::new(),
            overrides: HashMap::new(),
            default_source: "built-in default".into(),
        }
    }
}

/// The settings every number of the budget stage rests on, shown in the
/// report's assumptions so a customer can challenge them.
#[derive(Clone, Debug)]
pub struct Basis {
    pub days_per_year: Dec,
    pub default_target: Dec,
    pub default_window_days: Dec,
    pub default_source: String,
    pub per_risk_threshold: Dec,
    /// `[risk-defaults."ID"]` of creview.toml, by check.
    pub overrides: std::collections::BTreeMap<String, RiskOverride>,
}

impl BudgetSettings {
    pub fn basis(&self) -> Basis {
        Basis {
            days_per_year: self.days_per_year,
            default_target: self.default_target.fraction(),
            default_window_days: self.default_window_days,
            default_source: self.default_source.clone(),
            per_risk_threshold: self.per_risk_threshold,
            overrides: self
                .overrides
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        }
    }
}

/// The price of one finding, as serialized on it.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct FindingRisk {
    pub bad_minutes_per_year: Dec,
    pub budget_share: Dec,
}

#[derive(Clone, Debug, Serialize)]
pub struct SloInfo {
    pub target: Dec,
    pub window_days: Dec,
    pub source: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct ErrorBudget {
    pub window_minutes: Dec,
    pub year_minutes: Dec,
}

/// One row of a service's risk catalog.
#[derive(Clone, Debug, Serialize)]
pub struct RiskRow {
    pub title: String,
    pub check: Option<String>,
    /// `finding` or `manual`.
    pub source: &'static str,
    pub events_per_year: Dec,
    pub ttd_minutes: Dec,
    pub ttr_minutes: Dec,
    pub impact: Dec,
    pub bad_minutes_per_year: Dec,
    pub budget_share: Dec,
    pub class: RiskClass,
    /// A suppressed finding or a manual risk marked accepted.
    pub accepted: bool,
    /// Fingerprint of the finding it comes from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finding: Option<String>,
    /// Where the event's numbers come from (the check's cited basis, an
    /// override in creview.toml, or a manual risk), so a reader can
    /// challenge them.
    pub basis: String,
}

/// A dependency as priced.
#[derive(Clone, Debug, Serialize)]
pub struct DependencyRow {
    pub name: String,
    pub availability: Dec,
    pub kind: &'static str,
}

/// The reliability gap of one service.
#[derive(Clone, Debug, Serialize)]
pub struct ServiceBudget {
    pub name: String,
    pub namespace: Option<String>,
    pub name_source: String,
    pub workloads: Vec<String>,
    pub slo: SloInfo,
    pub error_budget: ErrorBudget,
    /// Ranked, costliest first.
    pub risks: Vec<RiskRow>,
    pub expected_bad_minutes_per_year: Dec,
    pub budget_share: Dec,
    pub dependencies: Vec<DependencyRow>,
    pub projected_availability: Dec,
    /// Positive when the projection falls short of the SLO.
    pub gap_pp: Dec,
    pub gap_minutes_per_year: Dec,
    pub nines: f64,
    pub meets_slo: bool,
    /// Accepted risks alone take more than the whole budget.
    pub overcommitted: bool,
    pub risks_over_threshold: usize,
    pub assumptions: Vec<String>,
}

/// Where each model service ends up in the report.
struct ServiceSlot {
    budget: ServiceBudget,
    target: Target,
    deps: Vec<DependencyDecl>,
}

fn percent(d: Dec) -> String {
    format!("{}%", d.percent().round_str(4))
}

/// Assigns model services to declared ones (by `match`, else by name) and
/// adds declared services that have no manifests.
fn slots(
    inv: &Inventory,
    graph: &Graph,
    services: &Services,
    s: &BudgetSettings,
) -> (Vec<ServiceSlot>, HashMap<String, usize>) {
    let mut out: Vec<ServiceSlot> = Vec::new();
    let mut by_model_name: HashMap<String, usize> = HashMap::new();
    let new_slot = |name: &str, ns: Option<String>, source: String, decl: Option<&ServiceDecl>| {
        let target = decl.and_then(|d| d.target).unwrap_or(s.default_target);
        let window = decl
            .and_then(|d| d.window_days)
            .unwrap_or(s.default_window_days);
        let slo_source = match decl.and_then(|d| d.target) {
            Some(_) => "creview.toml".to_string(),
            None => format!("{} (assumed)", s.default_source),
        };
        ServiceSlot {
            target,
            deps: decl.map(|d| d.dependencies.clone()).unwrap_or_default(),
            budget: ServiceBudget {
                name: name.to_string(),
                namespace: ns,
                name_source: source,
                workloads: Vec::new(),
                slo: SloInfo {
                    target: target.fraction(),
                    window_days: window,
                    source: slo_source,
                },
                error_budget: ErrorBudget {
                    window_minutes: window_budget_minutes(target, window),
                    year_minutes: yearly_budget_minutes(target, s.days_per_year),
                },
                risks: Vec::new(),
                expected_bad_minutes_per_year: Dec::ZERO,
                budget_share: Dec::ZERO,
                dependencies: Vec::new(),
                projected_availability: Dec::ONE,
                gap_pp: Dec::ZERO,
                gap_minutes_per_year: Dec::ZERO,
                nines: 0.0,
                meets_slo: true,
                overcommitted: false,
                risks_over_threshold: 0,
                assumptions: Vec::new(),
            },
        }
    };
    let mut decl_slot: HashMap<usize, usize> = HashMap::new();
    for svc in &services.list {
        let workloads: Vec<(String, String, &crate::model::graph::Workload)> = svc
            .workloads
            .iter()
            .map(|w| {
                let wl = &graph.workloads[*w];
                let r = &inv.resources[wl.resource];
                (r.kind.clone(), r.name.clone(), wl)
            })
            .collect();
        let matches = |d: &ServiceDecl| -> bool {
            let has_match =
                d.namespace.is_some() || !d.labels.is_empty() || !d.workloads.is_empty();
            if !has_match {
                return d.name == svc.name;
            }
            let ns_ok = d.namespace.as_ref().is_none_or(|n| *n == svc.namespace);
            let sel = LabelSelector {
                requirements: d
                    .labels
                    .iter()
                    .map(|(k, v)| crate::model::selector::Requirement::Equals(k.clone(), v.clone()))
                    .collect(),
                invalid: false,
            };
            let labels_ok = d.labels.is_empty()
                || workloads
                    .iter()
                    .any(|(_, _, w)| sel.matches(|k| w.label(k)));
            let wl_ok = d.workloads.is_empty()
                || workloads.iter().any(|(kind, name, _)| {
                    d.workloads
                        .iter()
                        .any(|x| x == name || *x == format!("{kind}/{name}"))
                });
            ns_ok && labels_ok && wl_ok
        };
        let decl = s.services.iter().position(matches);
        let idx = match decl.and_then(|d| decl_slot.get(&d).copied()) {
            Some(i) => i,
            None => {
                let (name, source) = match decl {
                    Some(d) => (
                        s.services[d].name.clone(),
                        "creview.toml [[service]]".to_string(),
                    ),
                    None => (svc.name.clone(), svc.name_source.clone()),
                };
                out.push(new_slot(
                    &name,
                    Some(svc.namespace.clone()),
                    source,
                    decl.map(|d| &s.services[d]),
                ));
                if let Some(d) = decl {
                    decl_slot.insert(d, out.len() - 1);
                }
                out.len() - 1
            }
        };
        out[idx]
            .budget
            .workloads
            .extend(workloads.iter().map(|(k, n, _)| format!("{k}/{n}")));
        by_model_name.insert(svc.name.clone(), idx);
    }
    for (i, d) in s.services.iter().enumerate() {
        if !decl_slot.contains_key(&i) && !out.iter().any(|o| o.budget.name == d.name) {
            out.push(new_slot(
                &d.name,
                d.namespace.clone(),
                "creview.toml [[service]] (no manifests)".into(),
                Some(d),
            ));
        }
    }
    // SLOs declared in the repository set the target of services creview.toml
    // does not; an SLO for a service with no manifests makes it a service.
    let explicit: Vec<bool> = out
        .iter()
        .map(|o| !o.budget.slo.source.ends_with("(assumed)"))
        .collect();
    let slo_services: std::collections::BTreeSet<&str> =
        inv.slos.iter().map(|x| x.service.as_str()).collect();
    for name in slo_services {
        if !out.iter().any(|o| short_name(&o.budget.name) == name) {
            out.push(new_slot(name, None, "SLO spec (no manifests)".into(), None));
        }
    }
    for (i, slot) in out.iter_mut().enumerate() {
        if explicit.get(i).copied().unwrap_or(false) {
            continue;
        }
        let name = short_name(&slot.budget.name).to_string();
        // The availability SLO first, else the strictest.
        let best = inv
            .slos
            .iter()
            .filter(|x| x.service == name)
            .max_by_key(|x| (x.indicator == "availability", x.target));
        if let Some(spec) = best
            && let Ok(target) = Target::from_fraction(spec.target)
        {
            slot.target = target;
            let b = &mut slot.budget;
            b.slo = SloInfo {
                target: spec.target,
                window_days: spec.window_days,
                source: spec.source.clone(),
            };
            b.error_budget = ErrorBudget {
                window_minutes: window_budget_minutes(target, spec.window_days),
                year_minutes: yearly_budget_minutes(target, s.days_per_year),
            };
        }
    }
    (out, by_model_name)
}

/// `shop/checkout` -> `checkout`.
fn short_name(name: &str) -> &str {
    name.rsplit('/').next().unwrap_or(name)
}

/// An event of a check's risk, after overrides.
struct Event {
    name: String,
    f: Dec,
    ttd: Dec,
    ttr: Dec,
    impact: Dec,
    basis: String,
    /// How the event is priced, for the assumptions of every service that
    /// has it (the same text for all of them, so written once).
    note: String,
}

/// A check's risk: modifier or not, its events, and the TTD/TTR a modifier adds.
type CheckRisk = (bool, Vec<Event>, Dec, Dec);

fn events(reg: &Registry, check: &str, s: &BudgetSettings) -> Option<CheckRisk> {
    let spec = &reg.get(check)?.spec;
    let risk = spec.risk.as_ref()?;
    let ov = s.overrides.get(check);
    let evs = risk
        .events
        .iter()
        .map(|e| {
            let f = ov
                .and_then(|o| o.frequency_per_year)
                .unwrap_or(e.frequency_per_year);
            let ttd = ov.and_then(|o| o.ttd_minutes).unwrap_or(e.ttd_minutes);
            let ttr = ov.and_then(|o| o.ttr_minutes).unwrap_or(e.ttr_minutes);
            let impact = ov.and_then(|o| o.impact).unwrap_or(e.impact);
            let basis = if ov.is_some() {
                "overridden in creview.toml [risk-defaults]".to_string()
            } else {
                e.basis.clone()
            };
            let note = format!(
                "{check} {}: {f}/yr x ({ttd} + {ttr} min) x {impact} = {} bad min/yr{}",
                e.name,
                (f * (ttd + ttr) * impact).round_str(2),
                if basis.is_empty() {
                    String::new()
                } else {
                    format!(" [{basis}]")
                }
            );
            Event {
                name: e.name.clone(),
                f,
                ttd,
                ttr,
                impact,
                basis,
                note,
            }
        })
        .collect();
    let modifier = risk.model == "modifier";
    let (dttd, dttr) = risk
        .modifies
        .as_ref()
        .map(|m| {
            (
                m.ttd_minutes.unwrap_or(Dec::ZERO),
                m.ttr_minutes.unwrap_or(Dec::ZERO),
            )
        })
        .unwrap_or((Dec::ZERO, Dec::ZERO));
    Some((modifier, evs, dttd, dttr))
}

/// Prices the findings, raises severities by budget share, and computes
/// every service's reliability gap.
pub fn assess(
    findings: &mut [Finding],
    reg: &Registry,
    inv: &Inventory,
    graph: &Graph,
    services: &Services,
    s: &BudgetSettings,
) -> Vec<ServiceBudget> {
    let (mut slots, by_model_name) = slots(inv, graph, services, s);
    // Findings now carry the service name of the report.
    for f in findings.iter_mut() {
        if let Some(i) = f.service.as_ref().and_then(|n| by_model_name.get(n)) {
            f.service = Some(slots[*i].budget.name.clone());
        }
    }
    let mut slot_index: HashMap<String, usize> = HashMap::new();
    for (i, slot) in slots.iter().enumerate() {
        slot_index.entry(slot.budget.name.clone()).or_insert(i);
    }
    let finding_slots: Vec<Option<usize>> = findings
        .iter()
        .map(|f| f.service.as_ref().and_then(|n| slot_index.get(n).copied()))
        .collect();
    // The risk of each check, read once.
    let mut by_check: HashMap<String, Option<CheckRisk>> = HashMap::new();
    for f in findings.iter() {
        if !by_check.contains_key(&f.check) {
            by_check.insert(f.check.clone(), events(reg, &f.check, s));
        }
    }
    // A finding lowered all the way to info for its context (an example
    // configuration, a development stack) is not a risk of the deployment:
    // it is reported but not priced.
    let events = |f: &Finding| {
        let context_only = f.severity == Severity::Info
            && reg
                .get(&f.check)
                .is_some_and(|c| c.spec.severity > Severity::Info);
        if context_only {
            return None;
        }
        by_check.get(&f.check).and_then(|e| e.as_ref())
    };

    // Modifiers per service: the longest TTD added, the TTR additions summed.
    let mut modifiers: HashMap<usize, Modifiers> = HashMap::new();
    for (f, slot) in findings.iter().zip(&finding_slots) {
        let (Some(slot), Some((true, _, dttd, dttr))) = (slot, events(f)) else {
            continue;
        };
        let m = modifiers
            .entry(*slot)
            .or_insert((Dec::ZERO, Dec::ZERO, Vec::new()));
        if !m.2.contains(&f.check) {
            m.0 = m.0.max(*dttd);
            m.1 = m.1 + *dttr;
            m.2.push(f.check.clone());
        }
    }

    // Standalone risks: one set of rows per (check, resource); a finding of
    // the same check on the same resource gets the same price.
    let identities: Vec<String> = findings
        .par_iter()
        .map(|f| {
            f.resource
                .as_ref()
                .map(|r| r.to_string())
                .unwrap_or_else(|| f.location.path.clone())
        })
        .collect();
    let mut first_of: HashMap<(&str, &str), usize> = HashMap::new();
    // The finding whose price each finding takes (itself, or the first of
    // its check on its resource), and the findings priced.
    let mut priced_as: Vec<Option<usize>> = vec![None; findings.len()];
    let mut firsts: Vec<(usize, &[Event])> = Vec::new();
    for (i, f) in findings.iter().enumerate() {
        let Some((false, evs, _, _)) = events(f) else {
            continue;
        };
        let first = *first_of
            .entry((f.check.as_str(), identities[i].as_str()))
            .or_insert(i);
        if first == i {
            firsts.push((i, evs));
        }
        priced_as[i] = Some(first);
    }
    drop(first_of);
    // Each priced on its own, in parallel; their rows are filed in order.
    let priced: Vec<Priced> = firsts
        .par_iter()
        .map(|&(i, evs)| {
            let slot = finding_slots[i].map(|k| {
                let m = modifiers.get(&k);
                SlotPricing {
                    year_minutes: slots[k].budget.error_budget.year_minutes,
                    extra_ttd: m.map_or(Dec::ZERO, |m| m.0),
                    extra_ttr: m.map_or(Dec::ZERO, |m| m.1),
                }
            });
            price_standalone(&findings[i], &identities[i], evs, slot.as_ref(), s)
        })
        .collect();
    let mut price: Vec<Option<(Dec, Dec)>> = vec![None; findings.len()];
    let mut rows: HashMap<usize, Vec<RiskRow>> = HashMap::new();
    let mut assumptions: HashMap<usize, Vec<String>> = HashMap::new();
    // (service, check, event) already explained: the note depends on nothing
    // else, so it is written once, not once per finding.
    let mut explained: HashSet<(usize, &str, usize)> = HashSet::new();
    for (&(i, _), p) in firsts.iter().zip(priced) {
        price[i] = Some(p.price);
        let Some(k) = finding_slots[i] else {
            continue;
        };
        for (ei, row, note) in p.rows {
            rows.entry(k).or_default().push(row);
            if explained.insert((k, findings[i].check.as_str(), ei)) {
                assumptions.entry(k).or_default().push(note.to_string());
            }
        }
    }
    for (i, first) in priced_as.iter().enumerate() {
        if let Some(first) = first {
            price[i] = price[*first];
        }
    }

    // The price of each finding, and severity raised by budget share.
    for (i, f) in findings.iter_mut().enumerate() {
        let risk = match events(f) {
            Some((false, _, _, _)) => price[i].map(|(bm, share)| FindingRisk {
                bad_minutes_per_year: bm,
                budget_share: share,
            }),
            // A modifier costs what it adds to the other risks of its service.
            Some((true, _, dttd, dttr)) => finding_slots[i].map(|k| {
                let added = rows
                    .get(&k)
                    .map(|rs| {
                        rs.iter()
                            .filter(|r| r.source == "finding" && r.ttd_minutes > Dec::ZERO)
                            .map(|r| r.events_per_year * (*dttd + *dttr) * r.impact)
                            .fold(Dec::ZERO, |a, b| a + b)
                    })
                    .unwrap_or(Dec::ZERO);
                FindingRisk {
                    bad_minutes_per_year: added,
                    budget_share: share_of_budget(added, slots[k].budget.error_budget.year_minutes),
                }
            }),
            None => None,
        };
        // A finding lowered for its context (a replica, a non-serving or
        // non-production object) stays lowered: the share is raised only on
        // findings at their check's own severity or above.
        let lowered = reg
            .get(&f.check)
            .is_some_and(|c| f.severity < c.spec.severity);
        if let Some(r) = risk.as_ref().filter(|_| !lowered) {
            let service = f.service.clone().unwrap_or_else(|| "its service".into());
            if r.budget_share > Dec::ONE && f.severity < Severity::Critical {
                f.severity = Severity::Critical;
                f.severity_reasons.push(format!(
                    "raised to critical: this risk alone costs {} of the yearly error budget of {service}",
                    percent(r.budget_share)
                ));
            } else if r.budget_share >= Dec::ratio(1, 4) && f.severity < Severity::High {
                f.severity = Severity::High;
                f.severity_reasons.push(format!(
                    "raised to high: this risk alone costs {} of the yearly error budget of {service} (over a quarter)",
                    percent(r.budget_share)
                ));
            }
        }
        f.risk = risk;
    }

    // Manual risks.
    for m in &s.risks {
        let Some(k) = slot_index.get(&m.service).copied() else {
            continue;
        };
        let year = slots[k].budget.error_budget.year_minutes;
        let bm = m.events_per_year * (m.ttd_minutes + m.ttr_minutes) * m.impact;
        let share = share_of_budget(bm, year);
        rows.entry(k).or_default().push(RiskRow {
            title: m.title.clone(),
            check: None,
            source: "manual",
            events_per_year: m.events_per_year,
            ttd_minutes: m.ttd_minutes,
            ttr_minutes: m.ttr_minutes,
            impact: m.impact,
            bad_minutes_per_year: bm,
            budget_share: share,
            class: classify(share, s.per_risk_threshold),
            accepted: m.accepted,
            finding: None,
            basis: "manual risk in creview.toml [[risk]]".into(),
        });
        assumptions.entry(k).or_default().push(format!(
            "manual risk `{}`: {}/yr x ({} + {} min) x {} (creview.toml [[risk]])",
            m.title, m.events_per_year, m.ttd_minutes, m.ttr_minutes, m.impact
        ));
    }

    // Totals and gaps. Dependencies on other services use their projection:
    // services without dependencies are finished first (in parallel), then
    // the others in order of their number of dependencies, looked up by name.
    let mut pending: Vec<(usize, &mut ServiceSlot, Vec<RiskRow>, Vec<String>)> = slots
        .iter_mut()
        .enumerate()
        .map(|(k, slot)| {
            let list = rows.remove(&k).unwrap_or_default();
            let notes = assumptions.remove(&k).unwrap_or_default();
            (k, slot, list, notes)
        })
        .collect();
    pending.sort_by_key(|(_, slot, _, _)| slot.deps.len());
    let independent = pending.partition_point(|(_, slot, _, _)| slot.deps.is_empty());
    let dependent = pending.split_off(independent);
    let no_deps = HashMap::new();
    let achieved: Vec<(String, Dec)> = pending
        .into_par_iter()
        .map(|(k, slot, list, notes)| {
            let a = finish(slot, list, notes, modifiers.get(&k), &no_deps, s);
            (slot.budget.name.clone(), a)
        })
        .collect();
    let mut finished: HashMap<String, Dec> = achieved.into_iter().collect();
    for (k, slot, list, notes) in dependent {
        let a = finish(slot, list, notes, modifiers.get(&k), &finished, s);
        finished.insert(slot.budget.name.clone(), a);
    }
    slots.into_iter().map(|s| s.budget).collect()
}

/// A service's risk modifiers: the longest TTD added, the TTR additions
/// summed, and the checks that add them.
type Modifiers = (Dec, Dec, Vec<String>);

/// Totals a service's risk rows and projects its availability from them and
/// from its dependencies' projections in `finished`. Returns the projection.
fn finish(
    slot: &mut ServiceSlot,
    mut list: Vec<RiskRow>,
    assumptions: Vec<String>,
    modifiers: Option<&Modifiers>,
    finished: &HashMap<String, Dec>,
    s: &BudgetSettings,
) -> Dec {
    list.sort_by_key(|r| std::cmp::Reverse(r.bad_minutes_per_year));
    let total = list
        .iter()
        .fold(Dec::ZERO, |a, r| a + r.bad_minutes_per_year);
    let accepted: Vec<Dec> = list
        .iter()
        .filter(|r| r.accepted)
        .map(|r| r.budget_share)
        .collect();
    let b = &mut slot.budget;
    b.expected_bad_minutes_per_year = total;
    b.budget_share = share_of_budget(total, b.error_budget.year_minutes);
    b.overcommitted = super::risk::is_overcommitted(&accepted);
    b.risks_over_threshold = list
        .iter()
        .filter(|r| r.class != RiskClass::Acceptable)
        .count();
    b.risks = list;
    let deps: Vec<Dependency> = slot
        .deps
        .iter()
        .filter_map(|d| {
            let a = d.availability.or_else(|| finished.get(&d.name).copied())?;
            Some(Dependency {
                name: d.name.clone(),
                availability: a,
                kind: d.kind,
            })
        })
        .collect();
    let a = availability::assess_availability(slot.target, total, &deps, s.days_per_year);
    b.dependencies = deps
        .iter()
        .map(|d| DependencyRow {
            name: d.name.clone(),
            availability: d.availability,
            kind: match d.kind {
                DependencyKind::Hard => "hard",
                DependencyKind::Soft => "soft",
                DependencyKind::Degraded { .. } => "degraded",
            },
        })
        .collect();
    b.projected_availability = a.achievable;
    b.gap_pp = a.gap.percentage_points;
    b.gap_minutes_per_year = a.gap.minutes_per_year;
    b.nines = a.nines;
    b.meets_slo = a.achievable >= slot.target.fraction();
    let mut notes = vec![
        format!(
            "SLO {} over {} days ({})",
            percent(slot.target.fraction()),
            b.slo.window_days,
            b.slo.source
        ),
        format!(
            "year of {} days: yearly budget {} min, per-risk threshold {} ({} min)",
            s.days_per_year,
            b.error_budget.year_minutes.round_str(2),
            percent(s.per_risk_threshold),
            (b.error_budget.year_minutes * s.per_risk_threshold).round_str(2)
        ),
    ];
    if let Some((dttd, dttr, checks)) = modifiers {
        notes.push(format!(
            "{} add {} min to the time to detect and {} min to the time to repair of every finding-derived incident people must notice (TTD above 0)",
            checks.join(", "),
            dttd,
            dttr
        ));
    }
    for d in &slot.deps {
        if d.availability.is_none() && !finished.contains_key(&d.name) {
            notes.push(format!(
                "dependency `{}` has no availability: declare `availability` in creview.toml or a service of that name",
                d.name
            ));
        }
    }
    notes.extend(assumptions);
    b.assumptions = notes;
    a.achievable
}

/// What pricing a finding needs to know of its service.
struct SlotPricing {
    /// The service's yearly budget: F2 of its target.
    year_minutes: Dec,
    /// Added to the detection and repair of incidents people handle.
    extra_ttd: Dec,
    extra_ttr: Dec,
}

/// A finding's price (bad minutes a year, share of the yearly budget) and,
/// when it belongs to a service, its rows: (event index, row, the event's
/// note).
#[derive(Default)]
struct Priced<'e> {
    price: (Dec, Dec),
    rows: Vec<(usize, RiskRow, &'e str)>,
}

fn price_standalone<'e>(
    f: &Finding,
    identity: &str,
    evs: &'e [Event],
    slot: Option<&SlotPricing>,
    s: &BudgetSettings,
) -> Priced<'e> {
    let (extra_ttd, extra_ttr) =
        slot.map_or((Dec::ZERO, Dec::ZERO), |p| (p.extra_ttd, p.extra_ttr));
    let year = match slot {
        Some(p) => p.year_minutes,
        None => yearly_budget_minutes(s.default_target, s.days_per_year),
    };
    let mut out = Priced::default();
    let mut total = Dec::ZERO;
    for (ei, e) in evs.iter().enumerate() {
        // Modifiers lengthen incidents people detect and repair; events
        // the platform heals by itself (TTD 0: a pod rescheduled after a
        // drain) involve no alert and no owner.
        let human = e.ttd > Dec::ZERO;
        let ttd = e.ttd + if human { extra_ttd } else { Dec::ZERO };
        let ttr = e.ttr + if human { extra_ttr } else { Dec::ZERO };
        let bm = e.f * (ttd + ttr) * e.impact;
        total = total + bm;
        if slot.is_some() {
            let share = share_of_budget(bm, year);
            let row = RiskRow {
                title: format!("{} ({}): {}", f.title, short_identity(identity), e.name),
                check: Some(f.check.clone()),
                source: "finding",
                events_per_year: e.f,
                ttd_minutes: ttd,
                ttr_minutes: ttr,
                impact: e.impact,
                bad_minutes_per_year: bm,
                budget_share: share,
                class: classify(share, s.per_risk_threshold),
                accepted: !f.is_active(),
                finding: Some(f.fingerprint.clone()),
                basis: e.basis.clone(),
            };
            out.rows.push((ei, row, &e.note));
        }
    }
    out.price = (total, share_of_budget(total, year));
    out
}

fn short_identity(identity: &str) -> &str {
    // `namespace/Kind/name` -> `Kind/name`
    identity
        .split_once('/')
        .map(|(_, rest)| rest)
        .unwrap_or(identity)
}
