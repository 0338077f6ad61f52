//! The `creview` binary: command line -> library -> exit code.
//! Exit codes: 0 nothing at or above `--fail-on`, 1 findings at or above it,
//! 2 usage, configuration or internal error.

use anyhow::{Context, Result};
use clap::Parser;
use creview::cli::{ChecksArgs, Cli, ColorChoice, Command, ExplainArgs, OutputFormat, ScanArgs};
use creview::discover::{DiscoverOptions, Input};
use creview::engine::registry::Registry;
use creview::engine::run::RunOptions;
use creview::load::LoadOptions;
use creview::model::ModelOptions;
use creview::render::{self, human::HumanOptions};
use creview::{Settings, audit};
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

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
        Command::Scan(args) => scan(args),
        Command::Checks(args) => checks(args),
        Command::Explain(args) => explain(args),
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
    let reg = registry(&args.check_dirs)?;
    let settings = Settings {
        inputs: args.paths.iter().map(|p| Input::parse(p)).collect(),
        discover: DiscoverOptions {
            excludes: args.exclude.clone(),
        },
        load: LoadOptions {
            max_file_size: args.max_file_size,
            ..LoadOptions::default()
        },
        model: ModelOptions {
            default_namespace: args.namespace.clone(),
        },
        run: RunOptions {
            select: args.select.clone(),
            ignore: args.ignore.clone(),
            ..RunOptions::default()
        },
    };
    let report = audit(&settings, &reg)?;
    let color = use_color(args.color, args.output.is_some());
    let text = match args.format {
        OutputFormat::Json => render::json::render(&report),
        OutputFormat::Human => render::human::render(
            &report,
            &HumanOptions {
                color,
                min_severity: if args.show_all {
                    creview::finding::Severity::Info
                } else {
                    creview::finding::Severity::Medium
                },
            },
        ),
    };
    write_output(args.output.as_deref(), &text)?;
    let failed = args
        .fail_on
        .severity()
        .is_some_and(|s| report.count_at_least(s) > 0);
    Ok(u8::from(failed))
}

fn write_output(path: Option<&std::path::Path>, text: &str) -> Result<()> {
    match path {
        Some(p) => std::fs::write(p, text).with_context(|| format!("cannot write {}", p.display())),
        None => {
            let mut out = std::io::stdout().lock();
            // A closed pipe (`creview scan | head`) is not an error.
            match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
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
