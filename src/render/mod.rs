//! Renderers: turn a [`crate::Report`] into text. They never compute; what
//! they show comes from the report (and [`summary`], which only counts).

pub mod budget;
pub mod catalog;
pub mod github;
pub mod gitlab;
pub mod html;
pub mod human;
pub mod json;
pub mod junit;
pub mod markdown;
mod pretty;
pub mod review;
pub mod sarif;
pub mod summary;
pub mod svg;
pub mod table;

use std::path::PathBuf;

/// Output formats of `scan`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Sarif,
    Junit,
    Github,
    Gitlab,
    Markdown,
    Html,
}

pub const FORMATS: &[(&str, Format)] = &[
    ("human", Format::Human),
    ("json", Format::Json),
    ("sarif", Format::Sarif),
    ("junit", Format::Junit),
    ("github", Format::Github),
    ("gitlab", Format::Gitlab),
    ("markdown", Format::Markdown),
    ("html", Format::Html),
];

/// One output: a format, and the file it goes to (`None`: standard output
/// or `--output`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutputSpec {
    pub format: Format,
    pub path: Option<PathBuf>,
}

/// Parses `sarif` or `sarif=out.sarif`.
pub fn parse_output(s: &str) -> Result<OutputSpec, String> {
    let (name, path) = match s.split_once('=') {
        Some((n, p)) if !p.is_empty() => (n, Some(PathBuf::from(p))),
        Some((n, _)) => return Err(format!("`{n}=` needs a file name after `=`")),
        None => (s, None),
    };
    let format = FORMATS
        .iter()
        .find(|(n, _)| *n == name.trim())
        .map(|(_, f)| *f)
        .ok_or_else(|| {
            let names: Vec<&str> = FORMATS.iter().map(|(n, _)| *n).collect();
            format!(
                "unknown format `{name}`; expected one of {}",
                names.join(", ")
            )
        })?;
    Ok(OutputSpec { format, path })
}
