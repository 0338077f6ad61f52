//! The command line (clap derive). Help, completions and the man page are
//! generated from these definitions.

use crate::finding::Severity;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "creview",
    version = concat!(env!("CARGO_PKG_VERSION"), " (", env!("CREVIEW_CHECK_COUNT"), " checks)"),
    about = "Reliability review of a repository's deployment: finds the risks to your SLO and prices them in error-budget minutes",
    long_about = None,
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Review manifests and config under the given paths (`-` reads stdin).
    Scan(Box<ScanArgs>),
    /// List the check catalog.
    Checks(ChecksArgs),
    /// Show the documentation of one check.
    Explain(ExplainArgs),
    /// Write a commented starter creview.toml listing the services found.
    Init(InitArgs),
    /// Print the error budget and the burn-rate alert tiers of an SLO.
    Budget(BudgetArgs),
    /// Generate remediation: burn-rate alerts for SLOs that have none.
    Generate(GenerateArgs),
    /// Print shell completions (bash, zsh, fish, powershell, elvish).
    Completions(CompletionsArgs),
    /// Print the man page (roff).
    Man,
    /// Write a synthetic repository of N apps (for benchmarks).
    #[command(hide = true)]
    Synth(SynthArgs),
    /// Discover and parse only, and print counts (the baseline of benchmarks).
    #[command(hide = true)]
    Parse(ParseArgs),
}

#[derive(Debug, Args)]
pub struct SynthArgs {
    pub dir: PathBuf,
    #[arg(long, default_value_t = 500)]
    pub apps: usize,
}

#[derive(Debug, Args)]
pub struct ParseArgs {
    #[arg(default_value = ".")]
    pub paths: Vec<String>,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Human,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, ValueEnum)]
pub enum SeverityArg {
    Info,
    Low,
    Medium,
    High,
    Critical,
    /// Never fail on findings.
    None,
}

impl SeverityArg {
    pub fn severity(self) -> Option<Severity> {
        match self {
            SeverityArg::Info => Some(Severity::Info),
            SeverityArg::Low => Some(Severity::Low),
            SeverityArg::Medium => Some(Severity::Medium),
            SeverityArg::High => Some(Severity::High),
            SeverityArg::Critical => Some(Severity::Critical),
            SeverityArg::None => None,
        }
    }
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files or folders to review; `-` reads a YAML stream from stdin.
    #[arg(default_value = ".")]
    pub paths: Vec<String>,

    /// Output format: human, json, sarif, junit, github, gitlab, markdown, html.
    /// Repeat it for several reports in one run; `FORMAT=FILE` writes that
    /// one to a file (`--format human --format sarif=creview.sarif`).
    #[arg(long, value_parser = crate::render::parse_output, value_name = "FORMAT[=FILE]")]
    pub format: Vec<crate::render::OutputSpec>,

    /// Write the report (the one format without `=FILE`) to this file instead of stdout
    /// (`-` is stdout).
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Only findings not in this baseline are new and count toward the exit code.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Record today's findings in a baseline file.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,

    /// Exit with 1 when an unsuppressed finding is at or above this severity
    /// [default: critical, or `[scan] fail-on` of creview.toml].
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<SeverityArg>,

    /// When to use colours (NO_COLOR is honoured with `auto`).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Skip paths matching this gitignore-style glob (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,

    /// Only run these checks: ids or prefixes, comma-separated (`SPOF,HEALTH-001`).
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    pub select: Vec<String>,

    /// Do not run these checks: ids or prefixes, comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    pub ignore: Vec<String>,

    /// Set a check's severity, e.g. `SPOF-003=low` (repeatable).
    #[arg(long, value_name = "ID=LEVEL")]
    pub severity: Vec<String>,

    /// Also load the check files in this folder (repeatable).
    #[arg(long = "checks", value_name = "DIR")]
    pub check_dirs: Vec<PathBuf>,

    /// Use this configuration file instead of looking for creview.toml.
    #[arg(long, value_name = "FILE", conflicts_with = "isolated")]
    pub config: Option<PathBuf>,

    /// Ignore any creview.toml.
    #[arg(long)]
    pub isolated: bool,

    /// Declare the environment of everything scanned: findings outside
    /// production are lowered one level.
    #[arg(long, value_parser = ["production", "staging", "dev"], value_name = "ENV")]
    pub environment: Option<String>,

    /// Largest file read, e.g. `16MiB`, `500k` or a byte count [default: 16MiB].
    #[arg(long, value_parser = parse_size, value_name = "SIZE")]
    pub max_file_size: Option<u64>,

    /// Namespace for objects that name none [default: default].
    #[arg(long, value_name = "NAME")]
    pub namespace: Option<String>,

    /// Print every finding in full, including low and info.
    #[arg(long)]
    pub show_all: bool,

    /// No progress bar and no notes on stderr.
    #[arg(long, short)]
    pub quiet: bool,

    /// Also exit with 1 when a service's projected availability is below its SLO.
    #[arg(long)]
    pub fail_on_gap: bool,

    /// Year length of the budget math: 365 (SRE book) or 365.25 [default: 365].
    #[arg(long, value_parser = parse_days_per_year, value_name = "DAYS")]
    pub days_per_year: Option<crate::budget::decimal::Dec>,
}

#[derive(Debug, Args)]
pub struct BudgetArgs {
    /// SLO target: percent (`99.9`) or fraction (`0.999`).
    #[arg(long)]
    pub slo: String,
    /// SLO window: `28d`, `30d`, `4w`, `90d`.
    #[arg(long, default_value = "30d")]
    pub window: String,
    /// Year length: 365 or 365.25.
    #[arg(long, default_value = "365", value_parser = parse_days_per_year, value_name = "DAYS")]
    pub days_per_year: crate::budget::decimal::Dec,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub format: OutputFormat,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    #[command(subcommand)]
    pub what: GenerateWhat,
}

#[derive(Debug, Subcommand)]
pub enum GenerateWhat {
    /// Print multiwindow, multi-burn-rate page and ticket alerts (and their
    /// recording rules) for every SLO under PATHS without burn-rate alerting.
    Alerts(GenerateAlertsArgs),
}

#[derive(Debug, Args)]
pub struct GenerateAlertsArgs {
    /// Files or folders holding the SLO specs (and the Prometheus objects
    /// whose rule selectors the output should match).
    #[arg(default_value = ".")]
    pub paths: Vec<String>,
    /// Print a plain Prometheus rule file instead of PrometheusRule objects.
    #[arg(long)]
    pub plain: bool,
    /// `runbook_url` of the alerts; `{service}` and `{slo}` are replaced.
    #[arg(
        long,
        value_name = "URL",
        default_value = "https://runbooks.example.com/slo/{service}/{slo}"
    )]
    pub runbook_url: String,
    /// Use this creview.toml instead of the one found from the paths.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

fn parse_days_per_year(s: &str) -> Result<crate::budget::decimal::Dec, String> {
    match s.trim() {
        "365" | "365.25" => {
            crate::budget::decimal::Dec::parse(s.trim()).ok_or_else(|| "not a number".into())
        }
        other => Err(format!("`{other}`: the year is 365 or 365.25 days")),
    }
}

#[derive(Debug, Args)]
pub struct ChecksArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub format: OutputFormat,
    /// Also load the check files in this folder (repeatable).
    #[arg(long = "checks", value_name = "DIR")]
    pub check_dirs: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Check id (`SPOF-001`) or slug (`k8s-single-replica`).
    pub check: String,
    /// Also load the check files in this folder (repeatable).
    #[arg(long = "checks", value_name = "DIR")]
    pub check_dirs: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The repository to describe.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Overwrite an existing creview.toml.
    #[arg(long)]
    pub force: bool,
}

/// Parses `16MiB`, `16M`, `500k`, `1024`.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num.parse().map_err(|_| format!("`{s}` is not a size"))?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        other => return Err(format!("unknown size unit `{other}`")),
    };
    n.checked_mul(mult)
        .ok_or_else(|| format!("`{s}` is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("16MiB"), Ok(16 << 20));
        assert_eq!(parse_size("500k"), Ok(500 << 10));
        assert_eq!(parse_size("12"), Ok(12));
        assert!(parse_size("x").is_err());
        assert!(parse_size("5 parsecs").is_err());
    }

    #[test]
    fn cli_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
