//! The `creview` binary: command line -> library -> exit code.
//! Exit codes: 0 nothing at or above `--fail-on`, 1 findings at or above it,
//! 2 usage, configuration or internal error.

use anyhow::{Context, Result};
use clap::Parser;
use creview::cli::{
    BudgetArgs, ChecksArgs, Cli, ColorChoice, Command, ExplainArgs, InitArgs, OutputFormat,
    ScanArgs,
};
use creview::engine::registry::Registry;
use creview::finding::Severity;
use creview::render::{self, Format, OutputSpec, human::HumanOptions};
use creview::{audit, settings};
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

// See Cargo.toml for why and where.
#[cfg(all(
    not(target_os = "windows"),
    not(target_os = "openbsd"),
    not(target_os = "aix"),
    not(target_os = "android"),
    any(
        target_arch = "x86_64",
        target_arch = "aarch64",
        target_arch = "powerpc64",
        target_arch = "riscv64"
    )
))]
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            let _ = writeln!(anstream::stderr(), "error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Scan(args) => scan(*args),
        Command::Checks(args) => checks(args),
        Command::Explain(args) => explain(args),
        Command::Init(args) => init(args),
        Command::Budget(args) => budget(args),
        Command::Generate(args) => generate(args),
        Command::Completions(args) => {
            use clap::CommandFactory;
            let mut cmd = Cli::command();
            clap_complete::generate(args.shell, &mut cmd, "creview", &mut std::io::stdout());
            Ok(0)
        }
        Command::Synth(args) => {
            let (files, bytes) = creview::synth::generate(&args.dir, args.apps)?;
            let _ = writeln!(
                anstream::stdout(),
                "wrote {} apps: {files} files, {bytes} bytes in {}",
                args.apps,
                args.dir.display()
            );
            Ok(0)
        }
        Command::Parse(args) => {
            let inputs: Vec<creview::discover::Input> = args
                .paths
                .iter()
                .map(|p| creview::discover::Input::parse(p))
                .collect();
            let root = creview::discover::scan_root(&inputs);
            let found = creview::discover::discover(&inputs, &root, &Default::default())
                .map_err(anyhow::Error::msg)?;
            let loaded = creview::load::load(&found.candidates, &Default::default());
            let docs: usize = loaded.documents.iter().map(Vec::len).sum();
            let bytes: usize = loaded.files.iter().map(|f| f.text.len()).sum();
            let _ = writeln!(
                anstream::stdout(),
                "{} files, {docs} documents, {bytes} bytes, {} problems",
                loaded.files.len(),
                loaded.problems.len()
            );
            std::mem::forget(loaded);
            Ok(0)
        }
        Command::Man => {
            use clap::CommandFactory;
            let mut out = Vec::new();
            clap_mangen::Man::new(Cli::command()).render(&mut out)?;
            write_output(None, &String::from_utf8_lossy(&out))?;
            Ok(0)
        }
    }
}

fn registry(dirs: &[std::path::PathBuf]) -> Result<Registry> {
    let mut reg = Registry::builtin().context("the built-in check catalog is invalid")?;
    for dir in dirs {
        reg.load_dir(dir)?;
    }
    Ok(reg)
}

fn use_color(choice: ColorChoice, to_file: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            !to_file
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    }
}

fn scan(args: ScanArgs) -> Result<u8> {
    let request = settings::Request {
        paths: args.paths.clone(),
        config: args.config.clone(),
        isolated: args.isolated,
        select: args.select.clone(),
        ignore: args.ignore.clone(),
        severity: args.severity.clone(),
        fail_on: args.fail_on.map(|f| f.severity()),
        exclude: args.exclude.clone(),
        check_dirs: args.check_dirs.clone(),
        max_file_size: args.max_file_size,
        namespace: args.namespace.clone(),
        environment: args.environment.clone(),
        days_per_year: args.days_per_year,
        baseline: args.baseline.clone(),
    };
    let prepared = creview::timings::time("settings and checks", || settings::prepare(&request))?;
    let mut outputs = args.format.clone();
    if outputs.is_empty() {
        outputs.push(OutputSpec {
            format: Format::Human,
            path: None,
        });
    }
    let to_stdout = outputs.iter().filter(|o| o.path.is_none()).count();
    if to_stdout > 1 {
        anyhow::bail!(
            "several formats without a file: give all but one a file, as in `--format sarif=creview.sarif`"
        );
    }
    let progress = creview::progress::Progress::for_terminal(args.quiet);
    let report = creview::audit_with(&prepared.settings, &prepared.registry, &progress)?;
    creview::timings::time("render", || -> Result<()> {
        for out in &outputs {
            // `-` is stdout, as for the paths to scan.
            let target = out
                .path
                .as_deref()
                .or(args.output.as_deref())
                .filter(|p| *p != std::path::Path::new("-"));
            let color = use_color(args.color, target.is_some());
            let text = match out.format {
                // Written as it is put together: tens of megabytes on a
                // large repository.
                Format::Json => {
                    write_output_with(target, |w| render::json::write(&report, w))?;
                    continue;
                }
                Format::Human => render::human::render(
                    &report,
                    &HumanOptions {
                        color,
                        min_severity: if args.show_all {
                            Severity::Info
                        } else {
                            Severity::Medium
                        },
                    },
                ),
                Format::Sarif => render::sarif::render(&report, &prepared.registry),
                Format::Junit => render::junit::render(&report),
                Format::Github => render::github::render(&report),
                Format::Gitlab => render::gitlab::render(&report),
                Format::Markdown => render::markdown::render(&report, &prepared.registry),
                Format::Html => render::html::render(&report, &prepared.registry),
            };
            write_output(target, &text)?;
        }
        Ok(())
    })?;
    if let Some(path) = &args.write_baseline {
        let b = creview::baseline::Baseline::of(&report.findings);
        b.write(path).map_err(anyhow::Error::msg)?;
        if !args.quiet {
            let _ = writeln!(
                anstream::stderr(),
                "wrote {} finding(s) to the baseline {}",
                b.findings.len(),
                path.display()
            );
        }
    }
    let failed = prepared
        .fail_on
        .is_some_and(|s| report.count_at_least(s) > 0);
    let gap = args.fail_on_gap && report.budgets.iter().any(|b| !b.meets_slo);
    // The process ends now: freeing every node of a large scan one by one
    // would only delay the exit.
    std::mem::forget(report);
    Ok(u8::from(failed || gap))
}

fn generate(args: creview::cli::GenerateArgs) -> Result<u8> {
    let creview::cli::GenerateWhat::Alerts(a) = args.what;
    let request = settings::Request {
        paths: a.paths,
        config: a.config,
        ..settings::Request::default()
    };
    let options = creview::generate::AlertsOptions {
        plain: a.plain,
        runbook_url: a.runbook_url,
    };
    let text = creview::generate::alerts(&request, &options)?;
    write_output(None, &text)?;
    Ok(0)
}

fn budget(args: BudgetArgs) -> Result<u8> {
    use creview::budget::{
        report::budget_report_with_year, target::Target, window::parse_window_days,
    };
    let target =
        Target::parse(&args.slo).map_err(|e| anyhow::anyhow!("--slo {}: {e}", args.slo))?;
    let days = parse_window_days(&args.window)
        .map_err(|e| anyhow::anyhow!("--window {}: {e}", args.window))?;
    let report = budget_report_with_year(target, days, args.days_per_year);
    let text = match args.format {
        OutputFormat::Json => {
            let mut s = serde_json::to_string_pretty(&report)?;
            s.push('\n');
            s
        }
        OutputFormat::Human => render::budget::human(&report, args.days_per_year),
    };
    write_output(None, &text)?;
    Ok(0)
}

fn init(args: InitArgs) -> Result<u8> {
    let target = args.path.join(creview::config::FILE_NAME);
    if target.exists() && !args.force {
        anyhow::bail!(
            "{} already exists; use --force to overwrite it",
            target.display()
        );
    }
    let request = settings::Request {
        paths: vec![args.path.to_string_lossy().into_owned()],
        isolated: true,
        ..settings::Request::default()
    };
    let prepared = settings::prepare(&request)?;
    let report = audit(&prepared.settings, &prepared.registry)?;
    std::fs::write(&target, creview::init::starter_config(&report))
        .with_context(|| format!("cannot write {}", target.display()))?;
    let _ = writeln!(
        anstream::stdout(),
        "wrote {} ({} service(s) found)",
        target.display(),
        report.services.list.len()
    );
    Ok(0)
}

fn write_output(path: Option<&std::path::Path>, text: &str) -> Result<()> {
    write_output_with(path, |w| w.write_all(text.as_bytes()))
}

/// Writes to the file, or to stdout when there is none.
fn write_output_with(
    path: Option<&std::path::Path>,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    match path {
        Some(p) => std::fs::File::create(p)
            .and_then(|f| {
                let mut f = std::io::BufWriter::new(f);
                write(&mut f)?;
                f.flush()
            })
            .with_context(|| format!("cannot write {}", p.display())),
        None => {
            let mut out = std::io::stdout().lock();
            // A closed pipe (`creview scan | head`) is not an error.
            match write(&mut out).and_then(|_| out.flush()) {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                other => other.context("cannot write to stdout"),
            }
        }
    }
}

fn checks(args: ChecksArgs) -> Result<u8> {
    let reg = registry(&args.check_dirs)?;
    let text = match args.format {
        OutputFormat::Json => render::catalog::json(&reg),
        OutputFormat::Human => render::catalog::table(&reg),
    };
    write_output(None, &text)?;
    Ok(0)
}

fn explain(args: ExplainArgs) -> Result<u8> {
    let reg = registry(&args.check_dirs)?;
    let wanted = args.check.to_ascii_uppercase();
    let Some(check) = reg
        .checks
        .iter()
        .find(|c| c.spec.id == wanted || c.spec.slug == args.check)
    else {
        anyhow::bail!("no check `{}`; `creview checks` lists them", args.check);
    };
    write_output(None, &render::catalog::explain(&check.spec))?;
    Ok(0)
}
