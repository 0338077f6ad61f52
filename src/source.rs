//! Source files as the rest of the pipeline sees them: text, a display path
//! relative to the scan root, and a line index computed once so that findings
//! never re-read or re-scan a file to find their code frame.

use serde::Serialize;

/// A 1-based line and column. Columns count Unicode scalar values, as editors
/// and rustc do, so a multi-byte character before a field does not shift it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
}

impl Pos {
    pub const START: Pos = Pos { line: 1, column: 1 };

    pub fn new(line: u32, column: u32) -> Pos {
        Pos { line, column }
    }
}

impl std::fmt::Display for Pos {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// Index of a file in [`crate::model::Inventory::files`].
pub type FileId = usize;

/// What kind of content a file holds, decided by discovery from its name.
/// What a YAML file holds is decided per document, by content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// YAML (Kubernetes, compose, rules, SLO specs, app config, ...),
    /// parsed into documents by the loader.
    Yaml,
    /// A Dockerfile (`Dockerfile`, `*.Dockerfile`, `Dockerfile.*`, `Containerfile`).
    Dockerfile,
    /// Terraform (`.tf`, `.tfvars`).
    Terraform,
    /// Java properties (`application.properties` and the like).
    Properties,
}

#[derive(Clone, Debug)]
pub struct SourceFile {
    /// Path relative to the scan root with `/` separators, or `<stdin>`.
    pub display: String,
    pub kind: FileKind,
    pub text: String,
    line_starts: Vec<usize>,
}

impl SourceFile {
    pub fn new(display: String, kind: FileKind, text: String) -> SourceFile {
        let mut line_starts = vec![0];
        line_starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        SourceFile {
            display,
            kind,
            text,
            line_starts,
        }
    }

    /// Number of lines (a trailing newline does not start a new line).
    pub fn line_count(&self) -> usize {
        let n = self.line_starts.len();
        if n > 1 && self.line_starts[n - 1] == self.text.len() {
            n - 1
        } else {
            n
        }
    }

    /// Byte range of a 1-based line, without its line terminator.
    pub fn line_range(&self, line: u32) -> Option<std::ops::Range<usize>> {
        let idx = (line as usize).checked_sub(1)?;
        let start = *self.line_starts.get(idx)?;
        let mut end = self
            .line_starts
            .get(idx + 1)
            .map(|e| e - 1)
            .unwrap_or(self.text.len());
        if end > start && self.text.as_bytes()[end - 1] == b'\r' {
            end -= 1;
        }
        Some(start..end.max(start))
    }

    pub fn line_text(&self, line: u32) -> &str {
        self.line_range(line)
            .map(|r| &self.text[r])
            .unwrap_or_default()
    }

    /// Byte offset of a position; clamps to the end of its line.
    pub fn offset(&self, pos: Pos) -> usize {
        let Some(range) = self.line_range(pos.line) else {
            return self.text.len();
        };
        let line = &self.text[range.clone()];
        let skip = pos.column.saturating_sub(1) as usize;
        let within = line
            .char_indices()
            .nth(skip)
            .map(|(i, _)| i)
            .unwrap_or(line.len());
        range.start + within
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_offsets() {
        let f = SourceFile::new("a".into(), FileKind::Yaml, "ab\r\ncé: 1\n".into());
        assert_eq!(f.line_count(), 2);
        assert_eq!(f.line_text(1), "ab");
        assert_eq!(f.line_text(2), "cé: 1");
        assert_eq!(f.line_text(3), "");
        // column 3 on line 2 is the ':' after a two-byte character
        assert_eq!(&f.text[f.offset(Pos::new(2, 3))..][..1], ":");
    }
}
