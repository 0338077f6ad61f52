//! creview: a reliability review of a repository's deployment, as a Customer
//! Reliability Engineer would do it.
//!
//! The pipeline flows one way: [`discover`] the files, [`load`] and parse them
//! with positions, build the [`model`] (resources, graph, services), run the
//! [`engine`]'s checks, then [`render`] the report. [`audit`] runs it all.

pub mod budget;
pub mod config;
pub mod discover;
pub mod engine;
pub mod finding;
pub mod load;
pub mod model;
pub mod render;
pub mod source;
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
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Input(String),
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
    pub notes: Vec<Note>,
    pub stats: Stats,
}

impl Report {
    /// Findings at or above a severity (what `--fail-on` gates on).
    pub fn count_at_least(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity >= severity)
            .count()
    }
}

/// Stage timings, printed to stderr when `CREVIEW_TIMINGS` is set (for
/// profiling; the benchmark measures whole runs).
struct Timings {
    enabled: bool,
    last: Instant,
    laps: Vec<(&'static str, Duration)>,
}

impl Timings {
    fn new() -> Timings {
        Timings {
            enabled: std::env::var_os("CREVIEW_TIMINGS").is_some(),
            last: Instant::now(),
            laps: Vec::new(),
        }
    }

    fn lap(&mut self, stage: &'static str) {
        let now = Instant::now();
        self.laps.push((stage, now - self.last));
        self.last = now;
    }

    fn report(&self) {
        if self.enabled {
            let text: Vec<String> = self
                .laps
                .iter()
                .map(|(s, d)| format!("{s} {:.1}ms", d.as_secs_f64() * 1000.0))
                .collect();
            eprintln!("timings: {}", text.join(", "));
        }
    }
}

/// Runs the whole review.
pub fn audit(settings: &Settings, registry: &Registry) -> Result<Report, Error> {
    let started = Instant::now();
    let mut timings = Timings::new();
    let root = discover::scan_root(&settings.inputs);
    let found =
        discover::discover(&settings.inputs, &root, &settings.discover).map_err(Error::Input)?;
    timings.lap("discover");
    let loaded = load::load(&found.candidates, &settings.load);
    timings.lap("load");
    let documents = loaded.documents.iter().map(Vec::len).sum();
    let mut inventory = model::build_inventory(loaded, found.helm_charts, &settings.model);
    let graph = Graph::build(&inventory);
    let services = Services::build(&inventory, &graph);
    timings.lap("model");
    let out = engine::run::run(registry, &settings.run, &inventory, &graph, &services);
    timings.lap("checks");
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
        findings: out.findings,
        notes,
        stats,
    })
}

pub mod cli;
