//! creview: a reliability review of a repository's deployment, as a Customer
//! Reliability Engineer would do it.
//!
//! The pipeline flows one way: [`discover`] the files, [`load`] and parse them
//! with positions, build the [`model`] (resources, graph, services), run the
//! [`engine`]'s checks, then [`render`] the report. [`audit`] runs it all.

pub mod baseline;
pub mod budget;
pub mod config;
pub mod discover;
pub mod engine;
pub mod environment;
pub mod finding;
pub mod generate;
pub mod init;
pub mod last_wins;
pub mod load;
pub mod model;
pub mod progress;
pub mod render;
pub mod settings;
pub mod slo_gap;
pub mod source;
pub mod suppress;
pub mod synth;
pub mod timings;
pub mod yaml;

use discover::{DiscoverOptions, Input};
use engine::registry::Registry;
use engine::run::RunOptions;
use finding::{Finding, Note, Severity};
use load::LoadOptions;
use model::graph::Graph;
use model::service::Services;
use model::{Inventory, ModelOptions};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Everything that decides what a scan does.
#[derive(Clone, Debug, Default)]
pub struct Settings {
    pub inputs: Vec<Input>,
    pub discover: DiscoverOptions,
    pub load: LoadOptions,
    pub model: ModelOptions,
    pub run: RunOptions,
    /// Waivers from creview.toml.
    pub waivers: Vec<suppress::WaiverSpec>,
    /// The environment declared for the whole scan, if any.
    pub environment: Option<environment::Environment>,
    /// Today (`YYYY-MM-DD`), for waiver expiry.
    pub today: String,
    /// SLOs, risk overrides and manual risks for the budget stage.
    pub budget: budget::services::BudgetSettings,
    /// Findings already known (`--baseline`): reported but not new.
    pub baseline: Option<baseline::Baseline>,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A path to scan does not exist.
    #[error("{0}")]
    Input(String),
    /// creview.toml is invalid (the message carries file:line:column).
    #[error("{0}")]
    Config(String),
    /// A check file is invalid (the message carries file:line:column).
    #[error("{0}")]
    Check(String),
    /// The command line asks for something that does not exist.
    #[error("{0}")]
    Usage(String),
}

/// Counts and timings of a scan.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Stats {
    pub files: usize,
    pub documents: usize,
    pub resources: usize,
    pub checks: usize,
    #[serde(skip)]
    pub duration: Duration,
}

/// The result of a scan, handed to the renderers.
pub struct Report {
    /// The folder paths are relative to.
    pub root: PathBuf,
    pub inventory: Inventory,
    pub graph: Graph,
    pub services: Services,
    pub findings: Vec<Finding>,
    /// The reliability gap of every service.
    pub budgets: Vec<budget::services::ServiceBudget>,
    pub notes: Vec<Note>,
    pub stats: Stats,
    /// The scan date (`YYYY-MM-DD`, UTC; `SOURCE_DATE_EPOCH` when set).
    pub date: String,
    /// The defaults the budgets rest on.
    pub budget_basis: budget::services::Basis,
    /// Per service of the model: the alert rules and SLOs linked to it.
    pub alerting: Vec<model::alert_coverage::ServiceLinks>,
    /// Per service of the model: the application config files linked to it.
    pub config: Vec<model::appconfig::view::ConfigLink>,
}

impl Report {
    /// Unsuppressed findings at or above a severity (what `--fail-on` gates on).
    pub fn count_at_least(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.is_active() && f.severity >= severity)
            .count()
    }
}

/// Applies suppressions and reports expired waivers (INPUT-003) and
/// suppressions that matched nothing (INPUT-004).
fn suppress_findings(
    findings: &mut Vec<Finding>,
    inv: &Inventory,
    settings: &Settings,
    registry: &Registry,
) {
    let mut sup = suppress::Suppressions::collect(inv, &settings.waivers, &settings.today);
    sup.apply(findings);
    let spec = |id: &str| {
        registry
            .get(id)
            .filter(|_| settings.run.enabled(id))
            .map(|c| c.spec.clone())
    };
    if let Some(spec) = spec("INPUT-003") {
        for w in sup.expired() {
            let message = format!(
                "the waiver of {} for `{}` expired on {}{}: it no longer suppresses anything; fix the finding or renew the waiver with a new reason",
                w.check,
                w.resource,
                w.expires.as_deref().unwrap_or("?"),
                w.owner
                    .as_deref()
                    .map(|o| format!(" (owner {o})"))
                    .unwrap_or_default()
            );
            findings.push(suppress::suppression_finding(
                &spec,
                w.location.clone(),
                message,
            ));
        }
    }
    if let Some(spec) = spec("INPUT-004") {
        let ran = |pattern: &str| {
            registry
                .checks
                .iter()
                .any(|c| settings.run.enabled(&c.spec.id) && suppress::names(pattern, &c.spec.id))
        };
        for (location, message) in sup.unused(ran) {
            findings.push(suppress::suppression_finding(&spec, location, message));
        }
    }
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
}

/// Runs the whole review.
pub fn audit(settings: &Settings, registry: &Registry) -> Result<Report, Error> {
    audit_with(settings, registry, &progress::Progress::hidden())
}

/// Runs the whole review, reporting progress.
pub fn audit_with(
    settings: &Settings,
    registry: &Registry,
    progress: &progress::Progress,
) -> Result<Report, Error> {
    let started = Instant::now();
    let mut timings = timings::Laps::new();
    let root = discover::scan_root(&settings.inputs);
    let found =
        discover::discover(&settings.inputs, &root, &settings.discover).map_err(Error::Input)?;
    timings.lap("discover");
    progress.stage("reading");
    progress.set_length(found.candidates.len());
    let loaded = load::load_with(&found.candidates, &settings.load, progress);
    progress.stage("checking");
    timings.lap("load");
    let documents = loaded.documents.iter().map(Vec::len).sum();
    let mut inventory = model::build_inventory(loaded, found.helm_charts, &settings.model);
    inventory.codeowners = model::ownership::CodeOwners::find(&root);
    let graph = timings::time("graph", || Graph::build(&inventory));
    let services = timings::time("services", || Services::build(&inventory, &graph));
    timings.lap("model");
    let out = engine::run::run(registry, &settings.run, &inventory, &graph, &services);
    timings.lap("checks");
    let mut findings = out.findings;
    let alerting = out.alerting;
    let config = out.config;
    environment::apply(&mut findings, settings.environment);
    suppress_findings(&mut findings, &inventory, settings, registry);
    timings.lap("suppress");
    let budgets = budget::services::assess(
        &mut findings,
        registry,
        &inventory,
        &graph,
        &services,
        &settings.budget,
    );
    slo_gap::slo_ceiling(&mut findings, &budgets, &inventory, registry, settings);
    timings.lap("budget");
    progress.finish();
    if let Some(b) = &settings.baseline {
        b.apply(&mut findings);
    }
    timings.report();

    let mut notes = found.notes;
    notes.append(&mut inventory.notes);
    notes.extend(out.notes);
    let stats = Stats {
        files: inventory.files.len(),
        documents,
        resources: inventory.resources.len(),
        checks: registry
            .checks
            .iter()
            .filter(|c| settings.run.enabled(&c.spec.id))
            .count(),
        duration: started.elapsed(),
    };
    Ok(Report {
        root,
        inventory,
        graph,
        services,
        findings,
        budgets,
        notes,
        stats,
        date: settings.today.clone(),
        budget_basis: settings.budget.basis(),
        alerting,
        config,
    })
}

pub mod cli;
