//! Runs the selected checks over the model and turns their hits into
//! findings: location resolved to file:line:column, service attributed,
//! severity adjusted, fingerprint computed. Resources are checked in
//! parallel; every check of a resource runs in the same task so the
//! resource's CEL value is built once.

use super::borrowed::Borrowed;
use super::cel as celx;
use super::facts;
use super::node_val;
use super::registry::{CelLogic, Check, Logic, Registry, UsedFacts};
use super::value_ref;
use super::{Ctx, Hit, Params, Target};
use crate::engine::catalog::Each;
use crate::finding::{Finding, Location, Note, Severity, fingerprint};
use crate::model::graph::Graph;
use crate::model::service::Services;
use crate::model::{Inventory, Resource, ResourceId};
use crate::yaml::{Node, Value as Y, escape_segment, pointer_segments};
use cel::Value;
use cel::common::types::CelNull;
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, OnceLock};

/// Which checks run and how they are tuned.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// Check ids or prefixes (`SPOF`, `SPOF-001`); empty = all.
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    pub severity: HashMap<String, Severity>,
    pub params: HashMap<String, BTreeMap<String, serde_json::Value>>,
}

/// `ALL`, an exact id, a category (`SPOF`) or an id prefix (`SPOF-00`).
fn matches_prefix(id: &str, pattern: &str) -> bool {
    let pattern = pattern.trim();
    if pattern.is_empty() {
        return false;
    }
    if pattern.eq_ignore_ascii_case("ALL") || id == pattern {
        return true;
    }
    let Some(rest) = id.strip_prefix(pattern) else {
        return false;
    };
    // A category must end at the dash: SPOF selects SPOF-001, not SPOFX-001.
    pattern.contains('-') || rest.starts_with('-')
}

impl RunOptions {
    /// Whether a check runs. Input checks run unless ignored by name, so a
    /// narrow `--select` never hides a file that could not be read.
    pub fn enabled(&self, id: &str) -> bool {
        if self.ignore.iter().any(|p| matches_prefix(id, p)) {
            return false;
        }
        id.starts_with("INPUT-")
            || self.select.is_empty()
            || self.select.iter().any(|p| matches_prefix(id, p))
    }
}

pub struct RunOutput {
    pub findings: Vec<Finding>,
    pub notes: Vec<Note>,
    /// Per service of the model: the alert rules and SLOs linked to it.
    pub alerting: Vec<crate::model::alert_coverage::ServiceLinks>,
    /// Per service: the application config files linked to it, and how.
    pub config: Vec<crate::model::appconfig::view::ConfigLink>,
}

pub fn run(
    reg: &Registry,
    opts: &RunOptions,
    inv: &Inventory,
    graph: &Graph,
    services: &Services,
) -> RunOutput {
    let checks: Vec<&Check> = reg
        .checks
        .iter()
        .filter(|c| opts.enabled(&c.spec.id))
        .collect();
    let params: Vec<Params> = checks
        .iter()
        .map(|c| {
            let mut p = c.spec.params.clone();
            if let Some(over) = opts.params.get(&c.spec.id) {
                p.extend(over.clone());
            }
            Params(p)
        })
        .collect();

    // CEL checks by target kind.
    let mut by_kind: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, c) in checks.iter().enumerate() {
        if matches!(c.logic, Logic::Cel(_)) {
            for t in &c.spec.targets {
                by_kind.entry(t.as_str()).or_default().push(i);
            }
        }
    }
    let shared = Shared::new(inv, graph, services, &params);
    let derived = super::derived::Derived::new(inv, graph, services);

    // Declarative checks per resource, builtin checks per check, and the
    // JSON's alerting and config links all run at once: a slow builtin
    // check then overlaps the others instead of ending the stage alone.
    let run_cel = || -> Vec<ResourceHits> {
        inv.resources
            .par_iter()
            .enumerate()
            .filter_map(|(rid, r)| {
                let idx = by_kind.get(r.kind.as_str())?;
                Some(run_resource(&shared, &checks, idx, rid, r))
            })
            .collect()
    };
    let run_builtin = || -> Vec<(usize, Hit)> {
        checks
            .par_iter()
            .enumerate()
            .filter_map(|(i, c)| match c.logic {
                Logic::Builtin(b) => Some((i, b)),
                Logic::Cel(_) | Logic::Pipeline => None,
            })
            .flat_map_iter(|(i, b)| {
                let ctx = Ctx {
                    inv,
                    graph,
                    services,
                    params: &params[i],
                    derived: &derived,
                };
                let mut hits = Vec::new();
                crate::timings::time_if_slow(
                    format_args!("check {}", checks[i].spec.id),
                    std::time::Duration::from_millis(5),
                    || b.run(&ctx, &mut hits),
                );
                hits.into_iter().map(move |h| (i, h))
            })
            .collect()
    };
    let links = || {
        (
            derived.coverage().links(inv, services),
            derived.apps(true).links(inv, services),
        )
    };
    let ((cel_results, builtin_hits), (alerting, config)) =
        rayon::join(|| rayon::join(run_cel, run_builtin), links);

    let mut errors: BTreeMap<String, (String, usize)> = BTreeMap::new();
    let mut hits = builtin_hits;
    for (h, errs) in cel_results {
        hits.extend(h);
        for e in errs {
            let (id, msg) = e.split_once('\u{0}').unwrap_or(("", &e));
            let entry = errors.entry(id.to_string()).or_insert((msg.to_string(), 0));
            entry.1 += 1;
        }
    }
    // The resources' facts are freed beside the findings' making: tens of
    // thousands of small allocations on a large repository, which freed
    // after it kept one core busy and the other idle.
    let (mut findings, ()) = rayon::join(
        || -> Vec<Finding> {
            hits.into_par_iter()
                .map(|(i, hit)| to_finding(checks[i], opts, hit, inv, graph, services))
                .collect()
        },
        move || drop(shared),
    );
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    findings.dedup_by(|a, b| a.fingerprint == b.fingerprint && a.location == b.location);

    let notes = errors
        .into_iter()
        .map(|(id, (msg, n))| Note {
            path: String::new(),
            line: None,
            message: format!("check {id} could not be evaluated on {n} object(s): {msg}"),
        })
        .collect();
    RunOutput {
        findings,
        notes,
        alerting,
        config,
    }
}

/// Hits of one resource (with the index of their check) and evaluation errors.
type ResourceHits = (Vec<(usize, Hit)>, Vec<String>);

/// What every resource task shares: precomputed workload facts and the
/// lazily built `resources` list.
struct Shared<'a> {
    inv: &'a Inventory,
    graph: &'a Graph,
    services: &'a Services,
    params: Vec<Value>,
    workload_facts: Vec<Value>,
    resources: OnceLock<Value>,
}

impl<'a> Shared<'a> {
    fn new(
        inv: &'a Inventory,
        graph: &'a Graph,
        services: &'a Services,
        params: &[Params],
    ) -> Self {
        let names: Vec<Value> = inv
            .resources
            .iter()
            .map(|r| Value::from(r.name.as_str()))
            .collect();
        let workload_facts = graph
            .workloads
            .par_iter()
            .map(|w| facts::workload(inv, graph, w, &names))
            .collect();
        let params = params
            .iter()
            .map(|p| {
                celx::from_json(&serde_json::Value::Object(
                    p.0.clone().into_iter().collect(),
                ))
            })
            .collect();
        Shared {
            inv,
            graph,
            services,
            params,
            workload_facts,
            resources: OnceLock::new(),
        }
    }

    fn resources(&self) -> Value {
        self.resources
            .get_or_init(|| {
                Value::List(Arc::new(
                    self.inv
                        .resources
                        .iter()
                        .map(|r| celx::from_node(&r.node))
                        .collect(),
                ))
            })
            .clone()
    }
}

fn run_resource(
    sh: &Shared<'_>,
    checks: &[&Check],
    idx: &[usize],
    rid: ResourceId,
    r: &Resource,
) -> ResourceHits {
    let mut hits = Vec::new();
    let mut errors = Vec::new();
    // Objects are bound without copying: see `node_val`.
    let workload_id = sh.graph.workload_of.get(&rid).copied();
    let uses = idx
        .iter()
        .filter_map(|&i| match &checks[i].logic {
            Logic::Cel(l) => Some(l.uses),
            _ => None,
        })
        .fold(UsedFacts::default(), UsedFacts::union);
    // Facts computed for this resource are bound borrowed too: converting a
    // `selected` list of 1,000 workloads for each of 1,000 PDBs took 70 s.
    let ns = uses
        .ns
        .then(|| facts::namespace(sh.graph, rid, &r.namespace));
    let service = uses
        .service
        .then(|| facts::service(sh.services, sh.services.of_resource(sh.graph, rid)));
    let selected = uses.selected.then(|| value_ref::Picked {
        ids: sh
            .graph
            .service_targets
            .get(&rid)
            .or_else(|| sh.graph.pdb_targets.get(&rid))
            .map_or(&[], Vec::as_slice),
        facts: &sh.workload_facts,
    });
    let mut ctx = celx::new_context();
    ctx.add_variable_as_val("object", node_val::val(&r.node));
    if uses.workload {
        ctx.add_variable_as_val(
            "workload",
            workload_id
                .map(|w| value_ref::val(&sh.workload_facts[w]))
                .unwrap_or_else(|| Box::new(CelNull)),
        );
    }
    if let Some(ns) = &ns {
        ctx.add_variable_as_val("ns", value_ref::val(ns));
    }
    if let Some(service) = &service {
        ctx.add_variable_as_val("service", value_ref::val(service));
    }
    if uses.target {
        let target = sh
            .graph
            .autoscaler_target
            .get(&rid)
            .copied()
            .flatten()
            .map(|w| value_ref::val(&sh.workload_facts[w]))
            .unwrap_or_else(|| Box::new(CelNull));
        ctx.add_variable_as_val("target", target);
    }
    if let Some(selected) = &selected {
        ctx.add_variable_as_val("selected", Box::new(Borrowed::new(selected)));
    }
    ctx.add_variable_as_val("self", node_val::val(&r.node));

    let mut containers: Option<Vec<ContainerValue>> = None;
    for &i in idx {
        let check = checks[i];
        let Logic::Cel(logic) = &check.logic else {
            continue;
        };
        // Bound in the resource's scope, replacing the previous check's: CEL
        // resolves `object.spec.x` by trying `object.spec.x`, `object.spec`
        // and `object` in every scope from the innermost, so a scope per
        // check made every field access a third dearer.
        ctx.add_variable_as_val("params", value_ref::val(&sh.params[i]));
        if logic.uses_resources {
            ctx.add_variable_from_value("resources", sh.resources());
        }
        let mut eval = Evaluation {
            check,
            logic,
            hits: &mut hits,
            errors: &mut errors,
            index: i,
            rid,
        };
        match &logic.each {
            None => eval.element(&ctx, String::new()),
            Some(each @ (Each::Containers | Each::InitContainers | Each::AllContainers)) => {
                // Container values are built once per resource and shared by
                // every container check.
                let containers =
                    containers.get_or_insert_with(|| container_values(sh, r, workload_id));
                for (init, pointer, node, facts) in containers.iter() {
                    let wanted = match each {
                        Each::Containers => !*init,
                        Each::InitContainers => *init,
                        _ => true,
                    };
                    if !wanted {
                        continue;
                    }
                    let mut ectx = ctx.new_inner_scope();
                    ectx.add_variable_as_val("self", node_val::val(node));
                    ectx.add_variable_as_val("container", value_ref::val(facts));
                    eval.element(&ectx, pointer.clone());
                }
            }
            Some(Each::JsonPath(path)) => {
                let Ok(jp) = serde_json_path::JsonPath::parse(path) else {
                    continue;
                };
                let json = r.node.to_json();
                for located in jp.query_located(&json) {
                    let mut ectx = ctx.new_inner_scope();
                    ectx.add_variable_from_value("self", celx::from_json(located.node()));
                    ectx.add_variable_from_value("container", Value::Null);
                    eval.element(&ectx, located.location().to_json_pointer());
                }
            }
        }
    }
    (hits, errors)
}

/// A container as CEL sees it: (init, pointer, `self`, `container` facts).
type ContainerValue<'r> = (bool, String, &'r Node, Value);

fn container_values<'r>(
    sh: &Shared<'_>,
    r: &'r Resource,
    workload: Option<usize>,
) -> Vec<ContainerValue<'r>> {
    let Some(w) = workload.map(|w| &sh.graph.workloads[w]) else {
        return Vec::new();
    };
    w.containers
        .iter()
        .zip(&w.serves)
        .filter_map(|(c, serves)| {
            let node = r.node.pointer(&c.pointer)?;
            Some((
                c.init,
                c.pointer.clone(),
                node,
                facts::container(node, c, *serves),
            ))
        })
        .collect()
}

struct Evaluation<'e> {
    check: &'e Check,
    logic: &'e CelLogic,
    hits: &'e mut Vec<(usize, Hit)>,
    errors: &'e mut Vec<String>,
    index: usize,
    rid: ResourceId,
}

impl Evaluation<'_> {
    fn error(&mut self, what: &str, e: String) {
        self.errors
            .push(format!("{}\u{0}{what}: {e}", self.check.spec.id));
    }

    /// Evaluates `when`, `rule`, message and adjustments on one element.
    fn element(&mut self, ctx: &cel::Context<'_, '_>, base_pointer: String) {
        if let Some(when) = &self.logic.when {
            match celx::eval_bool(when, ctx) {
                Ok(true) => {}
                Ok(false) => return,
                Err(e) => return self.error("when", e),
            }
        }
        match celx::eval_bool(&self.logic.rule, ctx) {
            Ok(true) => return,
            Ok(false) => {}
            Err(e) => return self.error("rule", e),
        }
        let spec = &self.check.spec;
        let message = match &self.logic.message {
            Some(m) => match celx::eval_string(m, ctx) {
                Ok(s) => s,
                Err(e) => {
                    self.error("messageExpression", e);
                    spec.message.clone().unwrap_or_else(|| spec.title.clone())
                }
            },
            None => spec.message.clone().unwrap_or_else(|| spec.title.clone()),
        };
        let mut severity = None;
        let mut lower = 0u8;
        let mut reasons = Vec::new();
        for (program, adj) in &self.logic.adjust {
            match celx::eval_bool(program, ctx) {
                Ok(true) => {
                    reasons.push(adj.reason.clone());
                    if let Some(s) = adj.severity {
                        severity = Some(s);
                        break;
                    }
                    lower = lower.saturating_add(adj.lower);
                }
                Ok(false) => {}
                Err(e) => self.error("adjust.when", e),
            }
        }
        self.hits.push((
            self.index,
            Hit {
                target: Target::Resource {
                    id: self.rid,
                    pointer: format!("{base_pointer}{}", spec.field_pointer),
                },
                message,
                severity,
                lower,
                reasons,
            },
        ));
    }
}

fn to_finding(
    check: &Check,
    opts: &RunOptions,
    hit: Hit,
    inv: &Inventory,
    graph: &Graph,
    services: &Services,
) -> Finding {
    let spec = &check.spec;
    let base = opts
        .severity
        .get(&spec.id)
        .copied()
        .unwrap_or(spec.severity);
    let mut reasons = hit.reasons;
    let severity = hit.severity.unwrap_or(base.lowered(hit.lower));
    if opts.severity.contains_key(&spec.id) && hit.severity.is_none() {
        reasons.push(format!("severity set to {base} by configuration"));
    }
    let (location, resource, service, identity, logical) = match &hit.target {
        Target::Resource { id, pointer } => {
            let r = &inv.resources[*id];
            let pos = r.locate(pointer);
            let service = services
                .of_resource(graph, *id)
                .map(|s| services.list[s].name.clone());
            (
                Location {
                    path: inv.files[r.file].display.clone(),
                    line: pos.line,
                    column: pos.column,
                },
                Some(r.reference()),
                service,
                r.identity(),
                logical_pointer(&r.node, pointer),
            )
        }
        Target::File {
            path,
            pos,
            identity,
        } => (
            Location {
                path: path.clone(),
                line: pos.line,
                column: pos.column,
            },
            None,
            None,
            path.clone(),
            identity.clone(),
        ),
    };
    let field_path = match &hit.target {
        Target::Resource { pointer, .. } => pointer.clone(),
        Target::File { .. } => String::new(),
    };
    Finding {
        fingerprint: fingerprint(&[&spec.id, &identity, &logical]),
        check: spec.id.clone(),
        slug: spec.slug.clone(),
        title: spec.title.clone(),
        severity,
        category: spec.category.clone(),
        message: hit.message,
        location,
        resource,
        service,
        remediation: spec.remediation(),
        field_path,
        severity_reasons: reasons,
        suppressed: None,
        risk: None,
        baseline: false,
    }
}

/// A pointer that survives reordering: sequence items that have a `name`
/// are addressed by it (`/spec/template/spec/containers/[web]/image`).
fn logical_pointer(root: &Node, pointer: &str) -> String {
    let mut node = Some(root);
    let mut out = String::new();
    for seg in pointer_segments(pointer) {
        out.push('/');
        let next = node.and_then(|n| match &n.value {
            Y::Seq(items) => seg.parse::<usize>().ok().and_then(|i| items.get(i)),
            Y::Map(_) => n.get(&seg),
            _ => None,
        });
        let named = node
            .is_some_and(|n| matches!(n.value, Y::Seq(_)))
            .then(|| next.and_then(|c| c.get("name")).and_then(Node::scalar_text))
            .flatten();
        match named {
            Some(name) => {
                out.push('[');
                out.push_str(&escape_segment(&name));
                out.push(']');
            }
            None => out.push_str(&escape_segment(&seg)),
        }
        node = next;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selection_by_id_and_prefix() {
        let o = RunOptions {
            select: vec!["SPOF".into(), "HEALTH-001".into()],
            ignore: vec!["SPOF-003".into()],
            ..RunOptions::default()
        };
        assert!(o.enabled("SPOF-001"));
        assert!(!o.enabled("SPOF-003"));
        assert!(o.enabled("HEALTH-001"));
        assert!(!o.enabled("HEALTH-002"));
        assert!(o.enabled("INPUT-001"));
        assert!(
            !RunOptions {
                ignore: vec!["INPUT".into()],
                ..Default::default()
            }
            .enabled("INPUT-001")
        );
        // A prefix must end at a dash: SPOF does not select SPOFX-001.
        assert!(!o.enabled("SPOFX-001"));
    }

    #[test]
    fn logical_pointers_use_names() {
        let node = crate::yaml::parse_stream(
            "spec:\n  containers:\n  - name: web\n    image: x\n  - image: y\n",
            &Default::default(),
        )
        .documents
        .remove(0)
        .root;
        assert_eq!(
            logical_pointer(&node, "/spec/containers/0/image"),
            "/spec/containers/[web]/image"
        );
        assert_eq!(
            logical_pointer(&node, "/spec/containers/1/image"),
            "/spec/containers/1/image"
        );
    }
}
