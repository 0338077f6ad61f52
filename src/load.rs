//! Reads the discovered files (in parallel) and parses them into documents.
//! A file that cannot be read or parsed is kept as a problem with its
//! position; it never stops the other files from being read.

use crate::discover::Candidate;
use crate::source::{FileId, FileKind, Pos, SourceFile};
use crate::yaml::{self, Document, Limits, Problem};
use rayon::prelude::*;
use std::io::Read;

#[derive(Clone, Debug)]
pub struct LoadOptions {
    pub max_file_size: u64,
    pub limits: Limits,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            max_file_size: 16 * 1024 * 1024,
            limits: Limits::default(),
        }
    }
}

/// A problem with an input file, reported as INPUT-001 (fatal) or as a
/// warning note.
#[derive(Clone, Debug)]
pub struct InputProblem {
    pub file: FileId,
    pub pos: Pos,
    pub message: String,
    pub fatal: bool,
}

#[derive(Debug, Default)]
pub struct Loaded {
    pub files: Vec<SourceFile>,
    /// Parsed documents per file, indexed like `files`.
    pub documents: Vec<Vec<Document>>,
    pub problems: Vec<InputProblem>,
}

/// Reads and parses every candidate.
pub fn load(candidates: &[Candidate], options: &LoadOptions) -> Loaded {
    load_with(candidates, options, &crate::progress::Progress::hidden())
}

/// Reads and parses every candidate, counting files on the progress bar.
pub fn load_with(
    candidates: &[Candidate],
    options: &LoadOptions,
    progress: &crate::progress::Progress,
) -> Loaded {
    let results: Vec<(SourceFile, Vec<Document>, Vec<Problem>)> = candidates
        .par_iter()
        .map(|c| {
            let r = load_one(c, options);
            progress.inc();
            r
        })
        .collect();
    let mut out = Loaded::default();
    for (id, (file, docs, problems)) in results.into_iter().enumerate() {
        out.problems
            .extend(problems.into_iter().map(|p| InputProblem {
                file: id,
                pos: p.pos,
                message: p.message,
                fatal: p.fatal,
            }));
        out.files.push(file);
        out.documents.push(docs);
    }
    out
}

fn load_one(c: &Candidate, options: &LoadOptions) -> (SourceFile, Vec<Document>, Vec<Problem>) {
    let text = match read_text(c, options.max_file_size) {
        Ok(t) => t,
        Err((pos, message)) => {
            let file = SourceFile::new(c.display.clone(), c.kind, String::new());
            let problem = Problem {
                pos,
                message,
                fatal: true,
            };
            return (file, Vec::new(), vec![problem]);
        }
    };
    let file = SourceFile::new(c.display.clone(), c.kind, text);
    match c.kind {
        FileKind::Yaml => {
            let stream = yaml::parse_stream(&file.text, &options.limits);
            (file, stream.documents, stream.problems)
        }
        // Parsed by their readers in the model, which need several files at
        // once (tfvars beside .tf files, profiles beside application.yml).
        FileKind::Dockerfile | FileKind::Terraform | FileKind::Properties => {
            (file, Vec::new(), Vec::new())
        }
    }
}

/// Reads a file of `size` bytes (as stat reported it), at most `max + 1`.
/// A regular file normally still holds what it held when stat'ed: once that
/// much is read, the read that would only confirm the end of the file is
/// skipped (one system call in five for a repository of small files). A file
/// that grew, or reports no size (procfs), is read on to its end.
fn read_stat_size(
    mut file: std::fs::File,
    size: u64,
    max: u64,
    bytes: &mut Vec<u8>,
) -> std::io::Result<()> {
    let size = size.min(max) as usize;
    // One spare byte tells a file that grew from one that did not.
    bytes.resize(size + 1, 0);
    let mut filled = 0;
    loop {
        match file.read(&mut bytes[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
        if filled == size || filled == bytes.len() {
            break;
        }
    }
    bytes.truncate(filled);
    if filled > size {
        file.take(max + 1 - filled as u64).read_to_end(bytes)?;
    }
    Ok(())
}

/// Reads a file as UTF-8 text, refusing what is too large or not text.
fn read_text(c: &Candidate, max: u64) -> Result<String, (Pos, String)> {
    let start = |m: String| (Pos::START, m);
    let mut bytes = Vec::new();
    match &c.path {
        None => {
            std::io::stdin()
                .lock()
                .take(max + 1)
                .read_to_end(&mut bytes)
                .map_err(|e| start(format!("cannot read stdin: {e}")))?;
        }
        Some(path) => {
            // Stat before opening: opening a FIFO would block.
            let meta = std::fs::metadata(path).map_err(|e| start(format!("cannot read: {e}")))?;
            if !meta.is_file() {
                return Err(start("not a regular file".into()));
            }
            if meta.len() > max {
                return Err(start(format!(
                    "file is {} bytes, larger than the limit of {max} bytes (raise it with --max-file-size)",
                    meta.len()
                )));
            }
            std::fs::File::open(path)
                .and_then(|f| read_stat_size(f, meta.len(), max, &mut bytes))
                .map_err(|e| start(format!("cannot read: {e}")))?;
        }
    }
    if bytes.len() as u64 > max {
        return Err(start(format!(
            "input is larger than the limit of {max} bytes (raise it with --max-file-size)"
        )));
    }
    if let Some(at) = bytes.iter().position(|b| *b == 0) {
        return Err((
            pos_of_offset(&bytes, at),
            "binary file (contains NUL bytes); not YAML".into(),
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        (
            pos_of_offset(e.as_bytes(), at),
            "not valid UTF-8; YAML must be UTF-8 text".to_string(),
        )
    })
}

/// Line and column of a byte offset, counting characters of the valid prefix.
fn pos_of_offset(bytes: &[u8], at: usize) -> Pos {
    let before = &bytes[..at];
    let line_start = before
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |i| i + 1);
    let line = before.iter().filter(|b| **b == b'\n').count() as u32 + 1;
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count() as u32
        + 1;
    Pos::new(line, column)
}

#[cfg(test)]
mod tests {
    use super::read_stat_size;
    use std::io::Write;

    fn read(content: &[u8], stat_size: u64, max: u64) -> Vec<u8> {
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(content).unwrap();
        std::io::Seek::rewind(&mut file).unwrap();
        let mut bytes = Vec::new();
        read_stat_size(file, stat_size, max, &mut bytes).unwrap();
        bytes
    }

    #[test]
    fn reads_what_stat_reported() {
        assert_eq!(read(b"kind: A\n", 8, 100), b"kind: A\n");
        assert_eq!(read(b"", 0, 100), b"");
    }

    #[test]
    fn reads_on_when_the_file_grew_or_reports_no_size() {
        assert_eq!(read(b"kind: A\nname: b\n", 8, 100), b"kind: A\nname: b\n");
        assert_eq!(read(b"kind: A\n", 0, 100), b"kind: A\n");
    }

    #[test]
    fn stops_one_byte_past_the_limit() {
        // The caller reports "larger than the limit" from the extra byte.
        assert_eq!(read(b"0123456789", 4, 5), b"012345");
    }
}
