//! From what the user asked (command line) and what the repository declares
//! (creview.toml) to the [`crate::Settings`] of a scan and its check
//! registry. Command-line flags win over the file; lists of ignores and
//! excludes add up.

use crate::budget::availability::DependencyKind;
use crate::budget::decimal::Dec;
use crate::budget::services::{
    BudgetSettings, DependencyDecl, ManualRisk, RiskOverride, ServiceDecl,
};
use crate::budget::target::Target;
use crate::budget::window::parse_window_days;
use crate::config::{self, Config, ConfigError};
use crate::discover::{self, Input};
use crate::engine::registry::Registry;
use crate::environment::Environment;
use crate::finding::{Location, Severity};
use crate::suppress::WaiverSpec;
use crate::{Error, Settings};
use std::path::{Path, PathBuf};

/// What the command line asked for. `None` means "not given".
#[derive(Clone, Debug, Default)]
pub struct Request {
    pub paths: Vec<String>,
    pub config: Option<PathBuf>,
    pub isolated: bool,
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    /// `ID=LEVEL` overrides.
    pub severity: Vec<String>,
    /// `Some(None)` = `--fail-on none`.
    pub fail_on: Option<Option<Severity>>,
    pub exclude: Vec<String>,
    pub check_dirs: Vec<PathBuf>,
    pub max_file_size: Option<u64>,
    pub namespace: Option<String>,
    pub environment: Option<String>,
    /// Year length for the budget math (365 or 365.25).
    pub days_per_year: Option<Dec>,
    /// A baseline file whose findings are not new.
    pub baseline: Option<PathBuf>,
}

/// A scan ready to run.
pub struct Prepared {
    pub settings: Settings,
    pub registry: Registry,
    /// The severity that fails the run (`None`: never).
    pub fail_on: Option<Severity>,
    pub config: Config,
}

fn config_error(e: ConfigError) -> Error {
    Error::Config(e.to_string())
}

/// Loads the configuration and the checks, and merges them with the request.
pub fn prepare(req: &Request) -> Result<Prepared, Error> {
    let inputs: Vec<Input> = req.paths.iter().map(|p| Input::parse(p)).collect();
    let root = discover::scan_root(&inputs);
    let config = if req.isolated {
        Config::default()
    } else {
        let path = match &req.config {
            Some(p) => Some(p.clone()),
            None => config::find(&root),
        };
        match path {
            Some(p) => Config::load(&p).map_err(config_error)?,
            None => Config::default(),
        }
    };
    let file = &config.file;
    let config_dir = config
        .path
        .as_ref()
        .and_then(|p| p.parent().map(Path::to_path_buf))
        .unwrap_or_else(|| PathBuf::from("."));

    let mut registry = Registry::builtin().map_err(|e| Error::Check(e.to_string()))?;
    for dir in file
        .checks
        .paths
        .iter()
        .map(|p| config_dir.join(p))
        .chain(req.check_dirs.iter().cloned())
    {
        registry
            .load_dir(&dir)
            .map_err(|e| Error::Check(e.to_string()))?;
    }
    let known = |id: &str| {
        registry
            .checks
            .iter()
            .any(|c| crate::suppress::names(id, &c.spec.id))
    };
    config.validate_ids(known).map_err(config_error)?;
    for id in req.select.iter().chain(&req.ignore) {
        if !known(id) {
            return Err(Error::Usage(format!(
                "unknown check `{id}` (see `creview checks`)"
            )));
        }
    }

    let mut settings = Settings {
        inputs,
        ..Settings::default()
    };
    settings.discover.excludes = file.scan.exclude.clone();
    settings
        .discover
        .excludes
        .extend(req.exclude.iter().cloned());
    if let Some(size) = req.max_file_size {
        settings.load.max_file_size = size;
    }
    if let Some(ns) = req
        .namespace
        .clone()
        .or_else(|| file.scan.namespace.clone())
    {
        settings.model.default_namespace = ns;
    }
    settings.run.select = if req.select.is_empty() {
        file.checks
            .select
            .iter()
            .map(|s| s.get_ref().clone())
            .collect()
    } else {
        req.select.clone()
    };
    settings.run.ignore = file
        .checks
        .ignore
        .iter()
        .map(|s| s.get_ref().clone())
        .collect();
    settings.run.ignore.extend(req.ignore.iter().cloned());
    for (id, sev) in &file.checks.severity {
        if let Some(s) = Severity::parse(sev.get_ref()) {
            settings.run.severity.insert(id.get_ref().clone(), s);
        }
    }
    for item in &req.severity {
        let (id, level) = item
            .split_once('=')
            .ok_or_else(|| Error::Usage(format!("--severity expects ID=LEVEL, got `{item}`")))?;
        let level = Severity::parse(level.trim()).ok_or_else(|| {
            Error::Usage(format!("unknown severity `{level}` in --severity {item}"))
        })?;
        if !known(id.trim()) {
            return Err(Error::Usage(format!("unknown check `{id}` in --severity")));
        }
        settings.run.severity.insert(id.trim().to_string(), level);
    }
    for (id, params) in &file.checks.params {
        let json = params
            .iter()
            .map(|(k, v)| (k.clone(), toml_to_json(v)))
            .collect();
        settings.run.params.insert(id.get_ref().clone(), json);
    }
    // The alerting and SLO checks learn which services declare an SLO or
    // alerting kept outside the repository (`slo`, `external_alerting`).
    let decls = service_decls(file);
    for id in ["ALERT-001", "ALERT-002", "SLO-001", "SLO-002"] {
        settings
            .run
            .params
            .entry(id.to_string())
            .or_default()
            .insert("serviceDecls".into(), decls.clone());
    }
    let env_name = req
        .environment
        .clone()
        .or_else(|| file.scan.environment.as_ref().map(|e| e.get_ref().clone()));
    settings.environment = match env_name {
        None => None,
        Some(e) => Some(Environment::parse(&e).ok_or_else(|| {
            Error::Usage(format!(
                "unknown environment `{e}`; expected production, staging or dev"
            ))
        })?),
    };
    let config_display = config
        .path
        .as_ref()
        .map(|p| discover::display_path(p, &root))
        .unwrap_or_else(|| config::FILE_NAME.to_string());
    settings.waivers = file
        .waiver
        .iter()
        .map(|w| {
            let pos = config.pos(w.check.span().start);
            WaiverSpec {
                check: w.check.get_ref().clone(),
                resource: w.resource.get_ref().clone(),
                reason: w.reason.get_ref().clone(),
                owner: w.owner.clone(),
                expires: w.expires.as_ref().map(|d| d.get_ref().to_string()),
                location: Location {
                    path: config_display.clone(),
                    line: pos.line,
                    column: pos.column,
                },
            }
        })
        .collect();
    settings.today = crate::suppress::today();
    settings.budget = budget_settings(&config, req)?;
    if let Some(path) = &req.baseline {
        settings.baseline = Some(crate::baseline::Baseline::load(path).map_err(Error::Usage)?);
    }

    let fail_on = match (&req.fail_on, file.scan.fail_on.as_ref()) {
        (Some(f), _) => *f,
        (None, Some(s)) if s.get_ref() == "none" => None,
        (None, Some(s)) => Severity::parse(s.get_ref()),
        (None, None) => Some(Severity::Critical),
    };
    Ok(Prepared {
        settings,
        registry,
        fail_on,
        config,
    })
}

/// The `[[service]]` declarations as the alerting and SLO checks read them.
fn service_decls(file: &config::ConfigFile) -> serde_json::Value {
    serde_json::Value::Array(
        file.service
            .iter()
            .map(|s| {
                let m = s.matcher.as_ref();
                serde_json::json!({
                    "name": s.name.get_ref(),
                    "namespace": m.and_then(|m| m.namespace.clone()),
                    "labels": m.map(|m| m.labels.clone()).unwrap_or_default(),
                    "workloads": m.map(|m| m.workloads.clone()).unwrap_or_default(),
                    "slo": s.slo.is_some(),
                    "externalAlerting": s.external_alerting.unwrap_or(false),
                })
            })
            .collect(),
    )
}

/// Decimal from a TOML float, through its shortest decimal form (99.95
/// stays 99.95).
fn dec(f: f64) -> Dec {
    Dec::from_f64(f).unwrap_or(Dec::ZERO)
}

/// The budget stage's settings: `[budget]`, `[[service]]`, `[[risk]]`,
/// `[risk-defaults]`, and the command line's `--days-per-year`.
fn budget_settings(config: &Config, req: &Request) -> Result<BudgetSettings, Error> {
    let file = &config.file;
    let mut b = BudgetSettings::default();
    let target = |v: &toml::Spanned<f64>| {
        Target::from_number(dec(*v.get_ref()))
            .map_err(|e| Error::Config(config.error(v.span(), e.to_string()).to_string()))
    };
    if let Some(t) = &file.budget.default_slo {
        b.default_target = target(t)?;
        b.default_source = "creview.toml [budget] default-slo".into();
    }
    if let Some(w) = &file.budget.window {
        b.default_window_days = parse_window_days(w.get_ref())
            .map_err(|e| Error::Config(config.error(w.span(), e.to_string()).to_string()))?;
    }
    if let Some(d) = &file.budget.days_per_year {
        b.days_per_year = dec(*d.get_ref());
    }
    if let Some(d) = req.days_per_year {
        b.days_per_year = d;
    }
    if let Some(t) = &file.budget.per_risk_threshold {
        b.per_risk_threshold = dec(*t.get_ref()) / Dec::int(100);
    }
    for s in &file.service {
        let m = s.matcher.as_ref();
        b.services.push(ServiceDecl {
            name: s.name.get_ref().clone(),
            namespace: m.and_then(|m| m.namespace.clone()),
            labels: m.map(|m| m.labels.clone()).unwrap_or_default(),
            workloads: m.map(|m| m.workloads.clone()).unwrap_or_default(),
            target: s.slo.as_ref().map(target).transpose()?,
            window_days: match &s.window {
                Some(w) => Some(parse_window_days(w.get_ref()).map_err(|e| {
                    Error::Config(config.error(w.span(), e.to_string()).to_string())
                })?),
                None => None,
            },
            dependencies: s
                .dependencies
                .iter()
                .map(|d| match d {
                    config::Dependency::Name(n) => DependencyDecl {
                        name: n.clone(),
                        availability: None,
                        kind: DependencyKind::Hard,
                    },
                    config::Dependency::Detailed {
                        name,
                        availability,
                        kind,
                        impact,
                    } => DependencyDecl {
                        name: name.clone(),
                        availability: availability.map(|a| dec(a) / Dec::int(100)),
                        kind: match kind.as_deref() {
                            Some("soft") => DependencyKind::Soft,
                            Some("degraded") => DependencyKind::Degraded {
                                degraded_impact: dec(impact.unwrap_or(0.5)),
                            },
                            _ => DependencyKind::Hard,
                        },
                    },
                })
                .collect(),
        });
    }
    for r in &file.risk {
        let events_per_year = match (r.frequency_per_year, r.ettf_days) {
            (Some(f), _) => dec(f),
            (None, Some(d)) if d > 0.0 => b.days_per_year / dec(d),
            _ => Dec::ZERO,
        };
        b.risks.push(ManualRisk {
            service: r.service.get_ref().clone(),
            title: r.title.clone(),
            events_per_year,
            ttd_minutes: dec(r.ttd_minutes),
            ttr_minutes: dec(r.ttr_minutes),
            impact: dec(r.impact),
            accepted: r.accepted,
        });
    }
    for (id, o) in &file.risk_defaults {
        let o = o.get_ref();
        b.overrides.insert(
            id.clone(),
            RiskOverride {
                frequency_per_year: o.frequency_per_year.map(dec),
                ttd_minutes: o.ttd_minutes.map(dec),
                ttr_minutes: o.ttr_minutes.map(dec),
                impact: o.impact.map(dec),
            },
        );
    }
    Ok(b)
}

fn toml_to_json(v: &toml::Value) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        toml::Value::String(s) => J::String(s.clone()),
        toml::Value::Integer(i) => J::from(*i),
        toml::Value::Float(f) => serde_json::Number::from_f64(*f)
            .map(J::Number)
            .unwrap_or(J::Null),
        toml::Value::Boolean(b) => J::Bool(*b),
        toml::Value::Datetime(d) => J::String(d.to_string()),
        toml::Value::Array(a) => J::Array(a.iter().map(toml_to_json).collect()),
        toml::Value::Table(t) => J::Object(
            t.iter()
                .map(|(k, v)| (k.clone(), toml_to_json(v)))
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_config(text: &str) -> (tempfile_like::Dir, Request) {
        let dir = tempfile_like::Dir::new();
        std::fs::write(dir.path.join("creview.toml"), text).unwrap();
        let req = Request {
            paths: vec![dir.path.to_string_lossy().into_owned()],
            ..Request::default()
        };
        (dir, req)
    }

    /// A temporary folder without a dev-dependency in unit tests.
    mod tempfile_like {
        pub struct Dir {
            pub path: std::path::PathBuf,
        }
        impl Dir {
            pub fn new() -> Dir {
                use std::sync::atomic::{AtomicUsize, Ordering};
                static N: AtomicUsize = AtomicUsize::new(0);
                let path = std::env::temp_dir().join(format!(
                    "creview-settings-{}-{}",
                    std::process::id(),
                    N.fetch_add(1, Ordering::SeqCst)
                ));
                std::fs::create_dir_all(&path).unwrap();
                Dir { path }
            }
        }
        impl Drop for Dir {
            fn drop(&mut self) {
                let _ = std::fs::remove_dir_all(&self.path);
            }
        }
    }

    #[test]
    fn file_settings_apply_and_flags_win() {
        let (_d, mut req) = with_config(
            "[scan]\nfail-on = \"high\"\nexclude = [\"vendor/**\"]\n[checks]\nignore = [\"SPOF-003\"]\nseverity = { \"SPOF-004\" = \"low\" }\n",
        );
        let p = prepare(&req).unwrap();
        assert_eq!(p.fail_on, Some(Severity::High));
        assert_eq!(p.settings.discover.excludes, ["vendor/**"]);
        assert_eq!(
            p.settings.run.severity.get("SPOF-004"),
            Some(&Severity::Low)
        );
        assert!(!p.settings.run.enabled("SPOF-003"));
        req.fail_on = Some(None);
        req.ignore = vec!["HEALTH".into()];
        let p = prepare(&req).unwrap();
        assert_eq!(p.fail_on, None);
        assert!(!p.settings.run.enabled("SPOF-003") && !p.settings.run.enabled("HEALTH-001"));
        req.fail_on = None;
        req.isolated = true;
        let p = prepare(&req).unwrap();
        assert_eq!(p.fail_on, Some(Severity::Critical));
        assert!(p.settings.run.enabled("SPOF-003"));
    }

    #[test]
    fn unknown_ids_are_errors_with_positions() {
        let (_d, req) = with_config("[checks]\nselect = [\"SPOF-999\"]\n");
        let Err(Error::Config(e)) = prepare(&req) else {
            panic!("expected a config error")
        };
        assert!(e.contains("creview.toml:2:11"), "{e}");
        let (_d, mut req) = with_config("");
        req.select = vec!["NOPE".into()];
        assert!(matches!(prepare(&req), Err(Error::Usage(_))));
    }
}
