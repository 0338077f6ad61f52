//! `creview.toml`: found at the scan root or an ancestor (up to the repository
//! root), deserialized with spans and then validated, so that every mistake
//! (an unknown key, a wrong type, an unknown check id) is reported at its
//! line and column in the file, in the style of cargo-deny.

use crate::finding::Severity;
use crate::source::Pos;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml::Spanned;

pub const FILE_NAME: &str = "creview.toml";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ConfigFile {
    #[serde(default)]
    pub scan: ScanSection,
    #[serde(default)]
    pub checks: ChecksSection,
    #[serde(default)]
    pub budget: BudgetSection,
    #[serde(default)]
    pub service: Vec<ServiceDecl>,
    #[serde(default)]
    pub risk: Vec<RiskDecl>,
    #[serde(default)]
    pub risk_defaults: BTreeMap<String, Spanned<RiskOverride>>,
    #[serde(default)]
    pub waiver: Vec<Waiver>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ScanSection {
    #[serde(default)]
    pub exclude: Vec<String>,
    pub fail_on: Option<Spanned<String>>,
    pub environment: Option<Spanned<String>>,
    pub namespace: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ChecksSection {
    #[serde(default)]
    pub select: Vec<Spanned<String>>,
    #[serde(default)]
    pub ignore: Vec<Spanned<String>>,
    #[serde(default)]
    pub paths: Vec<String>,
    #[serde(default)]
    pub severity: BTreeMap<Spanned<String>, Spanned<String>>,
    #[serde(default)]
    pub params: BTreeMap<Spanned<String>, BTreeMap<String, toml::Value>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct BudgetSection {
    /// Default SLO in percent for services that declare none.
    pub default_slo: Option<Spanned<f64>>,
    pub window: Option<Spanned<String>>,
    pub days_per_year: Option<Spanned<f64>>,
    /// Share of the yearly budget one risk may take, in percent (default 25).
    pub per_risk_threshold: Option<Spanned<f64>>,
}

/// A service declared (or renamed, or given an SLO) in the configuration.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ServiceDecl {
    pub name: Spanned<String>,
    #[serde(default, rename = "match")]
    pub matcher: Option<ServiceMatch>,
    /// SLO target in percent (`99.95`).
    pub slo: Option<Spanned<f64>>,
    pub window: Option<Spanned<String>>,
    #[serde(default)]
    pub dependencies: Vec<Dependency>,
    /// Alerting or SLO defined outside the repository (a SaaS, another repo).
    pub external_alerting: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceMatch {
    pub namespace: Option<String>,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Names of workloads (`Deployment/web` or `web`).
    #[serde(default)]
    pub workloads: Vec<String>,
}

/// A dependency: a name, or a table with its availability and kind.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Dependency {
    Name(String),
    Detailed {
        name: String,
        /// Availability in percent.
        availability: Option<f64>,
        /// `hard` (default), `soft` or `degraded`.
        kind: Option<String>,
        /// For `degraded`: share of requests affected when it is down (0-1).
        impact: Option<f64>,
    },
}

/// A risk entered by the CRE, in the risk-catalog form.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RiskDecl {
    pub service: Spanned<String>,
    pub title: String,
    pub frequency_per_year: Option<f64>,
    pub ettf_days: Option<f64>,
    pub ttd_minutes: f64,
    pub ttr_minutes: f64,
    pub impact: f64,
    #[serde(default)]
    pub accepted: bool,
}

/// Overrides of a check's risk parameters (applied to every event).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RiskOverride {
    pub frequency_per_year: Option<f64>,
    pub ttd_minutes: Option<f64>,
    pub ttr_minutes: Option<f64>,
    pub impact: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Waiver {
    pub check: Spanned<String>,
    /// `namespace/Kind/name`, or a glob over file paths.
    pub resource: Spanned<String>,
    pub reason: Spanned<String>,
    pub owner: Option<String>,
    pub expires: Option<Spanned<toml::value::Datetime>>,
}

/// A mistake in the configuration, at a position in the file.
#[derive(Clone, Debug, thiserror::Error)]
#[error("{path}:{pos}: {message}")]
pub struct ConfigError {
    pub path: String,
    pub pos: Pos,
    pub message: String,
}

/// The configuration as loaded: the parsed file and where it came from.
#[derive(Debug, Default)]
pub struct Config {
    pub file: ConfigFile,
    /// `None` when no file was found (or `--isolated`).
    pub path: Option<PathBuf>,
    text: String,
}

/// Looks for `creview.toml` in `start` and its ancestors, stopping at the
/// repository root (the folder holding `.git`).
pub fn find(start: &Path) -> Option<PathBuf> {
    let start = std::fs::canonicalize(start).ok()?;
    let start = if start.is_file() {
        start.parent()?.to_path_buf()
    } else {
        start
    };
    for dir in start.ancestors() {
        let candidate = dir.join(FILE_NAME);
        if candidate.is_file() {
            return Some(candidate);
        }
        if dir.join(".git").exists() {
            break;
        }
    }
    None
}

impl Config {
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let display = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            path: display.clone(),
            pos: Pos::START,
            message: format!("cannot read: {e}"),
        })?;
        Config::parse(&text, &display).map(|mut c| {
            c.path = Some(path.to_path_buf());
            c
        })
    }

    pub fn parse(text: &str, display: &str) -> Result<Config, ConfigError> {
        let file: ConfigFile = toml::from_str(text).map_err(|e| ConfigError {
            path: display.to_string(),
            pos: e
                .span()
                .map(|s| pos_at(text, s.start))
                .unwrap_or(Pos::START),
            message: e.message().trim().to_string(),
        })?;
        let config = Config {
            file,
            path: Some(PathBuf::from(display)),
            text: text.to_string(),
        };
        config.validate_values()?;
        Ok(config)
    }

    fn display(&self) -> String {
        self.path
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| FILE_NAME.to_string())
    }

    /// An error at a span of the file.
    pub fn error(&self, span: Range<usize>, message: impl Into<String>) -> ConfigError {
        ConfigError {
            path: self.display(),
            pos: pos_at(&self.text, span.start),
            message: message.into(),
        }
    }

    /// Position of a byte offset in the file (for findings about the config).
    pub fn pos(&self, offset: usize) -> Pos {
        pos_at(&self.text, offset)
    }

    /// Checks values that do not depend on the catalog.
    fn validate_values(&self) -> Result<(), ConfigError> {
        let f = &self.file;
        if let Some(s) = &f.scan.fail_on
            && s.get_ref() != "none"
            && Severity::parse(s.get_ref()).is_none()
        {
            return Err(self.error(
                s.span(),
                format!(
                    "unknown severity `{}`; expected critical, high, medium, low, info or none",
                    s.get_ref()
                ),
            ));
        }
        if let Some(e) = &f.scan.environment
            && !matches!(e.get_ref().as_str(), "production" | "staging" | "dev")
        {
            return Err(self.error(
                e.span(),
                format!(
                    "unknown environment `{}`; expected production, staging or dev",
                    e.get_ref()
                ),
            ));
        }
        for (id, sev) in &f.checks.severity {
            if Severity::parse(sev.get_ref()).is_none() {
                return Err(self.error(
                    sev.span(),
                    format!("unknown severity `{}` for {}", sev.get_ref(), id.get_ref()),
                ));
            }
        }
        let pct =
            |v: &Option<Spanned<f64>>, what: &str, lo: f64, hi: f64| -> Result<(), ConfigError> {
                match v {
                    Some(s) if !(lo < *s.get_ref() && *s.get_ref() < hi) => Err(self.error(
                        s.span(),
                        format!(
                            "{what} must be between {lo} and {hi} (exclusive), got {}",
                            s.get_ref()
                        ),
                    )),
                    _ => Ok(()),
                }
            };
        pct(&f.budget.default_slo, "default-slo (percent)", 0.0, 100.0)?;
        pct(
            &f.budget.per_risk_threshold,
            "per-risk-threshold (percent)",
            0.0,
            100.01,
        )?;
        if let Some(d) = &f.budget.days_per_year
            && !(360.0..=366.0).contains(d.get_ref())
        {
            return Err(self.error(d.span(), "days-per-year must be 365 or 365.25"));
        }
        for w in f
            .budget
            .window
            .iter()
            .chain(f.service.iter().filter_map(|s| s.window.as_ref()))
        {
            if crate::budget::window::parse_window_days(w.get_ref()).is_err() {
                return Err(self.error(
                    w.span(),
                    format!(
                        "window `{}` must be a number of days or weeks, like 28d, 30d or 4w",
                        w.get_ref()
                    ),
                ));
            }
        }
        for s in &f.service {
            pct(&s.slo, "slo (percent)", 0.0, 100.0)?;
        }
        for r in &f.risk {
            if r.frequency_per_year.is_none() == r.ettf_days.is_none() {
                return Err(self.error(
                    r.service.span(),
                    format!(
                        "risk `{}` needs exactly one of frequency-per-year and ettf-days",
                        r.title
                    ),
                ));
            }
            if !(0.0..=1.0).contains(&r.impact) {
                return Err(self.error(
                    r.service.span(),
                    format!("risk `{}`: impact must be between 0 and 1", r.title),
                ));
            }
        }
        for w in &f.waiver {
            if w.reason.get_ref().trim().is_empty() {
                return Err(self.error(w.reason.span(), "a waiver needs a reason"));
            }
        }
        Ok(())
    }

    /// Checks every check id the configuration names against the catalog.
    /// `known` says whether an id or prefix names at least one check.
    pub fn validate_ids(&self, known: impl Fn(&str) -> bool) -> Result<(), ConfigError> {
        let f = &self.file;
        let named = f
            .checks
            .select
            .iter()
            .chain(&f.checks.ignore)
            .chain(f.checks.severity.keys())
            .chain(f.checks.params.keys())
            .chain(f.waiver.iter().map(|w| &w.check));
        for id in named {
            if !known(id.get_ref()) {
                return Err(self.error(
                    id.span(),
                    format!("unknown check `{}` (see `creview checks`)", id.get_ref()),
                ));
            }
        }
        for (id, ov) in &f.risk_defaults {
            if !known(id) {
                return Err(self.error(
                    ov.span(),
                    format!("unknown check `{id}` in [risk-defaults]"),
                ));
            }
        }
        Ok(())
    }
}

/// 1-based line and column of a byte offset.
fn pos_at(text: &str, offset: usize) -> Pos {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() as u32 + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() as u32 + 1;
    Pos::new(line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, "creview.toml")
    }

    #[test]
    fn a_full_config_parses() {
        let c = parse(
            r#"
[scan]
exclude = ["vendor/**"]
fail-on = "high"
environment = "production"

[checks]
select = ["SPOF", "HEALTH-001"]
ignore = ["SPOF-003"]
paths = ["policies"]
severity = { "SPOF-004" = "low" }

[checks.params."SPOF-001"]
minReplicas = 3

[budget]
default-slo = 99.9
window = "30d"

[[service]]
name = "payments"
match = { namespace = "shop", labels = { app = "payments" } }
slo = 99.95
window = "28d"
dependencies = ["catalog-db", { name = "stripe", availability = 99.99 }]

[[risk]]
service = "payments"
title = "Card processor outage"
frequency-per-year = 2
ttd-minutes = 5
ttr-minutes = 60
impact = 0.5

[[waiver]]
check = "SPOF-001"
resource = "shop/Deployment/orders-worker"
reason = "singleton consumer"
owner = "team-orders"
expires = 2027-01-31
"#,
        )
        .unwrap();
        assert_eq!(c.file.scan.exclude, ["vendor/**"]);
        assert_eq!(c.file.service[0].name.get_ref(), "payments");
        assert_eq!(c.file.waiver.len(), 1);
    }

    #[test]
    fn unknown_keys_and_wrong_types_point_into_the_file() {
        let e = parse("[scan]\nexclude = []\nfail_on = \"high\"\n").unwrap_err();
        assert_eq!(e.pos.line, 3, "{e}");
        assert!(e.message.contains("fail_on"), "{e}");
        let e = parse("[checks]\nselect = \"SPOF\"\n").unwrap_err();
        assert_eq!(e.pos.line, 2, "{e}");
        let e = parse("[scan]\nfail-on = \"huge\"\n").unwrap_err();
        assert_eq!(e.pos, Pos::new(2, 11));
        let e = parse("[[waiver]]\ncheck = \"SPOF-001\"\nresource = \"x\"\nreason = \"  \"\n")
            .unwrap_err();
        assert_eq!(e.pos.line, 4);
    }

    #[test]
    fn unknown_check_ids_point_at_the_id() {
        let c = parse("[checks]\nselect = [\"SPOF\", \"SPOF-999\"]\n").unwrap();
        let e = c
            .validate_ids(|id| id == "SPOF" || id == "SPOF-001")
            .unwrap_err();
        assert_eq!(e.pos, Pos::new(2, 19));
        assert!(e.message.contains("SPOF-999"));
    }
}
