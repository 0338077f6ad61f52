//! Finds the files to review. Walks directories with the `ignore` crate
//! (honouring `.gitignore` and `.creviewignore`), never follows a symlink out
//! of the scan root, survives symlink loops, and recognises Helm chart
//! templates, which are not YAML until rendered.

use crate::finding::Note;
use crate::source::FileKind;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

/// One thing to scan, as given on the command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    Path(PathBuf),
    Stdin,
}

impl Input {
    pub fn parse(arg: &str) -> Input {
        if arg == "-" {
            Input::Stdin
        } else {
            Input::Path(PathBuf::from(arg))
        }
    }
}

/// A file discovery decided to read.
#[derive(Clone, Debug)]
pub struct Candidate {
    /// Where to read it (`None` for stdin).
    pub path: Option<PathBuf>,
    /// Path shown to the user, relative to the scan root.
    pub display: String,
    pub kind: FileKind,
}

/// A Helm chart whose templates were skipped.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct HelmChart {
    /// Display path of the chart's `Chart.yaml`.
    pub chart_file: String,
    /// Display path of the chart folder.
    pub dir: String,
    pub templates: usize,
}

#[derive(Debug, Default)]
pub struct Discovery {
    pub candidates: Vec<Candidate>,
    pub helm_charts: Vec<HelmChart>,
    pub notes: Vec<Note>,
}

#[derive(Clone, Debug, Default)]
pub struct DiscoverOptions {
    /// gitignore-style globs, relative to the scan root.
    pub excludes: Vec<String>,
}

/// The folder display paths are relative to: the one directory argument, or
/// else the current directory.
pub fn scan_root(inputs: &[Input]) -> PathBuf {
    if let [Input::Path(p)] = inputs
        && p.is_dir()
    {
        return p.clone();
    }
    PathBuf::from(".")
}

/// Finds the files to scan. Fails only when a path given does not exist.
pub fn discover(
    inputs: &[Input],
    root: &Path,
    options: &DiscoverOptions,
) -> Result<Discovery, String> {
    for input in inputs {
        if let Input::Path(p) = input
            && std::fs::symlink_metadata(p).is_err()
        {
            return Err(format!("{}: no such file or directory", p.display()));
        }
    }
    let mut out = Discovery::default();
    let overrides = match build_overrides(root, &options.excludes) {
        Ok(o) => o,
        Err(e) => {
            out.notes.push(Note {
                path: String::new(),
                line: None,
                message: format!("ignoring --exclude patterns: {e}"),
            });
            ignore::overrides::Override::empty()
        }
    };
    for input in inputs {
        match input {
            Input::Stdin => out.candidates.push(Candidate {
                path: None,
                display: "<stdin>".into(),
                kind: FileKind::Yaml,
            }),
            Input::Path(p) if p.is_dir() => walk(p, root, &overrides, &mut out),
            Input::Path(p) => explicit_file(p, root, &mut out),
        }
    }
    out.candidates.sort_by(|a, b| a.display.cmp(&b.display));
    out.candidates.dedup_by(|a, b| a.display == b.display);
    out.helm_charts.sort();
    out.helm_charts.dedup();
    out.notes.sort();
    Ok(out)
}

fn build_overrides(
    root: &Path,
    excludes: &[String],
) -> Result<ignore::overrides::Override, ignore::Error> {
    let mut b = ignore::overrides::OverrideBuilder::new(root);
    for pattern in excludes {
        b.add(&format!("!{pattern}"))?;
    }
    b.build()
}

/// Kind of a file by name. Content decides what a YAML file holds.
pub fn classify(path: &Path) -> Option<FileKind> {
    let name = path.file_name()?.to_str()?;
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".yaml") || lower.ends_with(".yml") {
        return Some(FileKind::Yaml);
    }
    if lower == "dockerfile"
        || lower == "containerfile"
        || lower.ends_with(".dockerfile")
        || lower.starts_with("dockerfile.")
    {
        return Some(FileKind::Dockerfile);
    }
    if cfg!(feature = "terraform") && (lower.ends_with(".tf") || lower.ends_with(".tfvars")) {
        return Some(FileKind::Terraform);
    }
    if lower.ends_with(".properties") {
        return Some(FileKind::Properties);
    }
    None
}

fn explicit_file(p: &Path, root: &Path, out: &mut Discovery) {
    let display = display_path(p, root);
    if let Some(chart_dir) = helm_chart_of_template(p) {
        record_chart(&chart_dir, root, &mut out.helm_charts);
        return;
    }
    match std::fs::metadata(p) {
        Ok(m) if m.is_file() => out.candidates.push(Candidate {
            path: Some(p.to_path_buf()),
            display,
            // A file named on the command line is read as YAML whatever its name.
            kind: classify(p).unwrap_or(FileKind::Yaml),
        }),
        Ok(_) => out.notes.push(Note {
            path: display,
            line: None,
            message: "not a regular file (FIFO, socket or device); skipped".into(),
        }),
        // Unreadable (permissions, a dangling symlink): loading reports it.
        Err(_) => out.candidates.push(Candidate {
            path: Some(p.to_path_buf()),
            display,
            kind: classify(p).unwrap_or(FileKind::Yaml),
        }),
    }
}

/// If `p` lies in the `templates/` folder of a Helm chart, the chart folder.
fn helm_chart_of_template(p: &Path) -> Option<PathBuf> {
    p.ancestors().skip(1).find_map(|dir| {
        (dir.file_name()? == "templates" && dir.parent()?.join("Chart.yaml").is_file())
            .then(|| dir.parent().map(Path::to_path_buf))
            .flatten()
    })
}

fn record_chart(chart_dir: &Path, root: &Path, charts: &mut Vec<HelmChart>) {
    let templates = count_files(&chart_dir.join("templates"), 0);
    charts.push(HelmChart {
        chart_file: display_path(&chart_dir.join("Chart.yaml"), root),
        dir: display_path(chart_dir, root),
        templates,
    });
}

fn count_files(dir: &Path, depth: usize) -> usize {
    if depth > 16 {
        return 0;
    }
    let Ok(rd) = std::fs::read_dir(dir) else {
        return 0;
    };
    rd.flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => count_files(&e.path(), depth + 1),
            Ok(t) if t.is_file() => 1,
            _ => 0,
        })
        .sum()
}

fn walk(dir: &Path, root: &Path, overrides: &ignore::overrides::Override, out: &mut Discovery) {
    let canonical_root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let canonical_dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    // The walk may go anywhere under the directory given, and through
    // symlinks only to places under the scan root (or under the directory
    // itself when it lies outside the root).
    let allowed: Vec<PathBuf> = vec![canonical_root, canonical_dir];
    let shared_notes: Arc<Mutex<Vec<Note>>> = Arc::default();
    let shared_charts: Arc<Mutex<Vec<PathBuf>>> = Arc::default();

    let mut builder = ignore::WalkBuilder::new(dir);
    builder
        .follow_links(true)
        .require_git(false)
        .add_custom_ignore_filename(".creviewignore")
        .overrides(overrides.clone());
    {
        let notes = Arc::clone(&shared_notes);
        let charts = Arc::clone(&shared_charts);
        let root = root.to_path_buf();
        builder.filter_entry(move |entry| {
            let path = entry.path();
            if entry.path_is_symlink() {
                let target = std::fs::canonicalize(path);
                let inside = target
                    .as_ref()
                    .map(|t| allowed.iter().any(|a| t.starts_with(a)))
                    .unwrap_or(false);
                if !inside {
                    let why = match &target {
                        Ok(_) => "symlink points outside the scan root; not followed",
                        Err(_) => "broken symlink; skipped",
                    };
                    lock(&notes).push(Note {
                        path: display_path(path, &root),
                        line: None,
                        message: why.into(),
                    });
                    return false;
                }
            }
            let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
            if is_dir
                && path.file_name().is_some_and(|n| n == "templates")
                && path
                    .parent()
                    .is_some_and(|p| p.join("Chart.yaml").is_file())
            {
                if let Some(parent) = path.parent() {
                    lock(&charts).push(parent.to_path_buf());
                }
                return false;
            }
            true
        });
    }
    // Walked in parallel (directory reads and stats are most of discovery's
    // time); the caller sorts what was found, so the order is stable.
    let found: Mutex<Vec<Candidate>> = Mutex::default();
    builder
        .threads(rayon::current_num_threads())
        .build_parallel()
        .run(|| {
            Box::new(|result| {
                match result {
                    Ok(entry) => match visit(&entry, root) {
                        Some(Ok(c)) => lock(&found).push(c),
                        Some(Err(n)) => lock(&shared_notes).push(n),
                        None => {}
                    },
                    Err(err) => {
                        let (path, message) = describe_walk_error(&err);
                        lock(&shared_notes).push(Note {
                            path: path.map(|p| display_path(&p, root)).unwrap_or_default(),
                            line: None,
                            message,
                        });
                    }
                }
                ignore::WalkState::Continue
            })
        });
    out.candidates
        .append(&mut found.into_inner().unwrap_or_else(|p| p.into_inner()));
    out.notes.append(&mut lock(&shared_notes));
    for chart in lock(&shared_charts).iter() {
        record_chart(chart, root, &mut out.helm_charts);
    }
}

/// What one walked entry is: a file to read, a note (a FIFO, a socket), or
/// nothing of interest (a directory, a file creview does not read).
fn visit(entry: &ignore::DirEntry, root: &Path) -> Option<Result<Candidate, Note>> {
    let ft = entry.file_type()?;
    if ft.is_dir() {
        return None;
    }
    let path = entry.path();
    let kind = classify(path)?;
    let display = display_path(path, root);
    if !ft.is_file() {
        return Some(Err(Note {
            path: display,
            line: None,
            message: "not a regular file (FIFO, socket or device); skipped".into(),
        }));
    }
    Some(Ok(Candidate {
        path: Some(path.to_path_buf()),
        display,
        kind,
    }))
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn describe_walk_error(err: &ignore::Error) -> (Option<PathBuf>, String) {
    match err {
        ignore::Error::WithPath { path, err } => (Some(path.clone()), describe_walk_error(err).1),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            describe_walk_error(err)
        }
        ignore::Error::Loop { child, .. } => (
            Some(child.clone()),
            "symlink loop; not followed again".into(),
        ),
        ignore::Error::Io(e) => (None, format!("cannot read: {e}")),
        other => (None, other.to_string()),
    }
}

/// `path` relative to `root`, with `/` separators; as given when outside it.
pub fn display_path(path: &Path, root: &Path) -> String {
    let Ok(rel) = path.strip_prefix(root) else {
        return path.to_string_lossy().replace('\\', "/");
    };
    let parts: Vec<String> = rel
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.is_empty() {
        return path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| ".".into());
    }
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_paths_are_relative_and_slashed() {
        assert_eq!(
            display_path(Path::new("a/b/c.yaml"), Path::new("a")),
            "b/c.yaml"
        );
        assert_eq!(
            display_path(Path::new("./x.yaml"), Path::new(".")),
            "x.yaml"
        );
        assert_eq!(
            display_path(Path::new("/abs/y.yaml"), Path::new("other")),
            "/abs/y.yaml"
        );
    }

    #[test]
    fn classify_by_name() {
        assert_eq!(classify(Path::new("a/B.YML")), Some(FileKind::Yaml));
        assert_eq!(
            classify(Path::new("svc/Dockerfile")),
            Some(FileKind::Dockerfile)
        );
        assert_eq!(
            classify(Path::new("svc/api.Dockerfile")),
            Some(FileKind::Dockerfile)
        );
        assert_eq!(
            classify(Path::new("src/main/resources/application-prod.properties")),
            Some(FileKind::Properties)
        );
        assert_eq!(classify(Path::new("a/b.json")), None);
    }
}
