//! Dockerfiles: parsed into instructions with positions, kept as a
//! [`Resource`] (`api_version: dockerfile`, `kind: Dockerfile`, named by its
//! path) whose node is a small tree the checks read through [`view`]:
//!
//! ```yaml
//! args: {BASE: "node:20"}          # ARGs declared before the first FROM
//! stages:
//!   - from: "${BASE}"              # as written, positioned at the image
//!     image: "node:20"             # with global ARG defaults substituted
//!     name: build                  # `AS build`
//!     instructions:
//!       - instruction: CMD         # positioned at the keyword
//!         arguments: npm start     # continuations joined, comments dropped
//!         exec: [npm, start]       # only for the JSON (exec) form
//! ```
//!
//! What Docker would refuse (an unknown instruction, an instruction before
//! the first FROM, a FROM without an image, an unterminated heredoc) is an
//! INPUT-001 problem at its line; templates (`Dockerfile.j2`, `{{ }}`) and
//! ignore files (`Dockerfile.dockerignore`) are skipped with a note.

use super::{Inventory, Reader, Resource};
use crate::finding::Note;
use crate::load::InputProblem;
use crate::source::{FileKind, Pos};
use crate::yaml::{Entry, Node, Value};

pub const API_VERSION: &str = "dockerfile";
pub const KIND: &str = "Dockerfile";

const INSTRUCTIONS: &[&str] = &[
    "FROM",
    "RUN",
    "CMD",
    "LABEL",
    "MAINTAINER",
    "EXPOSE",
    "ENV",
    "ADD",
    "COPY",
    "ENTRYPOINT",
    "VOLUME",
    "USER",
    "WORKDIR",
    "ARG",
    "ONBUILD",
    "STOPSIGNAL",
    "HEALTHCHECK",
    "SHELL",
];

/// One instruction as written.
#[derive(Clone, Debug, PartialEq)]
pub struct Instruction {
    /// Upper-case keyword.
    pub keyword: String,
    pub keyword_pos: Pos,
    /// Arguments with continuations joined and comment lines dropped.
    pub arguments: String,
    pub arguments_pos: Pos,
    /// The JSON array of the exec form (`CMD ["node", "server.js"]`).
    pub exec: Option<Vec<String>>,
}

/// A build stage: a FROM and the instructions up to the next one.
#[derive(Clone, Debug, PartialEq)]
pub struct Stage {
    /// The image reference as written.
    pub from: String,
    /// With the global ARG defaults substituted (`${BASE}` -> `node:20`).
    pub image: String,
    pub from_pos: Pos,
    pub name: Option<String>,
    pub instructions: Vec<Instruction>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Parsed {
    pub args: Vec<(String, Option<String>)>,
    pub stages: Vec<Stage>,
}

/// Why a Dockerfile could not be read.
#[derive(Clone, Debug, PartialEq)]
pub struct ParseError {
    pub pos: Pos,
    pub message: String,
}

/// Parses a Dockerfile. Never panics; what Docker would refuse is an error at
/// its position.
pub fn parse(text: &str) -> Result<Parsed, ParseError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines: Vec<&str> = text
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect();
    let escape = escape_directive(&lines);
    let mut out = Parsed::default();
    let mut i = 0usize;
    while i < lines.len() {
        let line = lines[i];
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            i += 1;
            continue;
        }
        let line_no = i as u32 + 1;
        let indent = line.chars().count() - trimmed.chars().count();
        let kw_len = trimmed
            .find(|c: char| c.is_whitespace())
            .unwrap_or(trimmed.len());
        let word = &trimmed[..kw_len];
        let keyword = word.to_ascii_uppercase();
        let keyword_pos = Pos::new(line_no, indent as u32 + 1);
        if !INSTRUCTIONS.contains(&keyword.as_str()) {
            return Err(ParseError {
                pos: keyword_pos,
                message: format!("unknown instruction `{}`", abbreviate(word)),
            });
        }
        // Arguments: the rest of the line, then continuation lines.
        let rest = &trimmed[kw_len..];
        let rest_trimmed = rest.trim_start();
        let args_col =
            indent + word.chars().count() + (rest.chars().count() - rest_trimmed.chars().count());
        let arguments_pos = Pos::new(line_no, args_col as u32 + 1);
        let mut arguments = String::new();
        let mut segment = rest_trimmed.to_string();
        i += 1;
        loop {
            let body = segment.trim_end();
            match body.strip_suffix(escape) {
                Some(cont) => {
                    arguments.push_str(cont);
                    // The next non-comment line continues the instruction.
                    let mut next = None;
                    while i < lines.len() {
                        let l = lines[i];
                        i += 1;
                        let t = l.trim_start();
                        if t.starts_with('#') || t.is_empty() {
                            continue;
                        }
                        next = Some(l.to_string());
                        break;
                    }
                    match next {
                        Some(n) => segment = n,
                        None => break,
                    }
                }
                _ => {
                    arguments.push_str(body);
                    break;
                }
            }
        }
        let arguments = arguments.trim().to_string();
        // BuildKit heredocs (`RUN <<EOF ... EOF`): their bodies are not
        // instructions.
        if matches!(keyword.as_str(), "RUN" | "COPY" | "ADD") {
            for (word, strip_tabs) in heredoc_words(&arguments) {
                let start = i;
                let mut closed = false;
                while i < lines.len() {
                    let l = lines[i];
                    i += 1;
                    let candidate = if strip_tabs {
                        l.trim_start_matches('\t')
                    } else {
                        l
                    };
                    if candidate == word {
                        closed = true;
                        break;
                    }
                }
                if !closed {
                    return Err(ParseError {
                        pos: Pos::new(start as u32, 1),
                        message: format!("heredoc `<<{word}` is never closed by a line `{word}`"),
                    });
                }
            }
        }
        let exec = matches!(
            keyword.as_str(),
            "CMD" | "ENTRYPOINT" | "SHELL" | "RUN" | "HEALTHCHECK"
        )
        .then(|| exec_form(healthcheck_command(&keyword, &arguments)))
        .flatten();
        let instruction = Instruction {
            keyword: keyword.clone(),
            keyword_pos,
            arguments,
            arguments_pos,
            exec,
        };
        match keyword.as_str() {
            "FROM" => {
                let stage = from_stage(&instruction, &out.args)?;
                out.stages.push(stage);
            }
            "ARG" if out.stages.is_empty() => {
                for a in split_words(&instruction.arguments) {
                    let (name, default) = match a.split_once('=') {
                        Some((n, v)) => (n.to_string(), Some(unquote(v))),
                        None => (a.clone(), None),
                    };
                    out.args.push((name, default));
                }
            }
            _ => match out.stages.last_mut() {
                Some(stage) => stage.instructions.push(instruction),
                None => {
                    return Err(ParseError {
                        pos: keyword_pos,
                        message: format!(
                            "`{keyword}` before the first FROM: only ARG may come before FROM"
                        ),
                    });
                }
            },
        }
    }
    if out.stages.is_empty() {
        return Err(ParseError {
            pos: Pos::START,
            message: "no FROM instruction: not a Dockerfile Docker can build".into(),
        });
    }
    Ok(out)
}

fn abbreviate(s: &str) -> String {
    if s.chars().count() > 40 {
        format!("{}...", s.chars().take(37).collect::<String>())
    } else {
        s.to_string()
    }
}

/// `# escape=`` ` parser directive (only before the first instruction or comment
/// that is not a directive).
fn escape_directive(lines: &[&str]) -> char {
    for l in lines {
        let t = l.trim();
        let Some(body) = t.strip_prefix('#') else {
            break;
        };
        let Some((k, v)) = body.split_once('=') else {
            break;
        };
        if k.trim().eq_ignore_ascii_case("escape") && v.trim() == "`" {
            return '`';
        }
    }
    '\\'
}

/// Delimiters of the heredocs an instruction opens (`<<EOF`, `<<-"EOT"`).
fn heredoc_words(args: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let bytes = args.as_bytes();
    let mut i = 0;
    while i + 1 < bytes.len() {
        if bytes[i] == b'<' && bytes[i + 1] == b'<' {
            // `<<<` is a here-string, not a heredoc.
            if bytes.get(i + 2) == Some(&b'<') {
                i += 3;
                continue;
            }
            let mut j = i + 2;
            let strip = bytes.get(j) == Some(&b'-');
            if strip {
                j += 1;
            }
            let quote = bytes.get(j).copied().filter(|c| *c == b'"' || *c == b'\'');
            if quote.is_some() {
                j += 1;
            }
            let start = j;
            while j < bytes.len() && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_') {
                j += 1;
            }
            let word = &args[start..j];
            let starts_ok = word
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
            if starts_ok {
                out.push((word.to_string(), strip));
            }
            i = j.max(i + 2);
        } else {
            i += 1;
        }
    }
    out
}

/// For `HEALTHCHECK [options] CMD ...`, the part after `CMD`.
fn healthcheck_command<'a>(keyword: &str, args: &'a str) -> &'a str {
    if keyword != "HEALTHCHECK" {
        return args;
    }
    let mut rest = args.trim_start();
    while rest.starts_with("--") {
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        rest = rest[end..].trim_start();
    }
    match rest.get(..3) {
        Some(w) if w.eq_ignore_ascii_case("CMD") => rest[3..].trim_start(),
        _ => "",
    }
}

/// The JSON array of the exec form; anything else is the shell form, as
/// Docker decides.
fn exec_form(args: &str) -> Option<Vec<String>> {
    let t = args.trim();
    if !t.starts_with('[') {
        return None;
    }
    serde_json::from_str::<Vec<String>>(t).ok()
}

/// Words of an instruction's arguments, quotes removed.
fn split_words(s: &str) -> Vec<String> {
    super::words::split(s, false)
}

fn unquote(v: &str) -> String {
    let v = v.trim();
    for q in ['"', '\''] {
        if let Some(inner) = v.strip_prefix(q).and_then(|x| x.strip_suffix(q)) {
            return inner.to_string();
        }
    }
    v.to_string()
}

/// `FROM [--platform=...] image [AS name]`.
fn from_stage(ins: &Instruction, args: &[(String, Option<String>)]) -> Result<Stage, ParseError> {
    let text = &ins.arguments;
    // Positions of words, to point at the image.
    let mut words: Vec<(usize, &str)> = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        if c.is_whitespace() {
            if let Some(s) = start.take() {
                words.push((s, &text[s..i]));
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(s) = start {
        words.push((s, &text[s..]));
    }
    let mut it = words.into_iter().skip_while(|(_, w)| w.starts_with("--"));
    let Some((at, image)) = it.next() else {
        return Err(ParseError {
            pos: ins.keyword_pos,
            message: "FROM names no image".into(),
        });
    };
    let name = match (it.next(), it.next()) {
        (Some((_, kw)), Some((_, n))) if kw.eq_ignore_ascii_case("as") => Some(n.to_string()),
        _ => None,
    };
    // The image token is on the FROM line unless continuations were joined
    // before it; the column is exact in the common case.
    let col = ins.arguments_pos.column + text[..at].chars().count() as u32;
    Ok(Stage {
        from: image.to_string(),
        image: substitute(image, args),
        from_pos: Pos::new(ins.arguments_pos.line, col),
        name,
        instructions: Vec::new(),
    })
}

/// Replaces `$VAR`, `${VAR}` and `${VAR:-default}` with the global ARG
/// defaults; an ARG without a default stays as written.
pub fn substitute(s: &str, args: &[(String, Option<String>)]) -> String {
    let lookup = |name: &str| {
        args.iter()
            .rev()
            .find(|(n, _)| n == name)
            .and_then(|(_, v)| v.clone())
    };
    let mut out = String::new();
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '$' {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        if chars.get(i + 1) == Some(&'{') {
            let Some(end) = chars[i + 2..].iter().position(|c| *c == '}') else {
                out.extend(&chars[i..]);
                break;
            };
            let inner: String = chars[i + 2..i + 2 + end].iter().collect();
            let (name, default) = match inner.split_once(":-") {
                Some((n, d)) => (n.to_string(), Some(d.to_string())),
                None => match inner.split_once('-') {
                    Some((n, d)) => (n.to_string(), Some(d.to_string())),
                    None => (inner.clone(), None),
                },
            };
            match lookup(&name).or(default) {
                Some(v) => out.push_str(&v),
                None => {
                    out.push_str("${");
                    out.push_str(&inner);
                    out.push('}');
                }
            }
            i += end + 3;
        } else {
            let len = chars[i + 1..]
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric() || **c == '_')
                .count();
            if len == 0 {
                out.push('$');
                i += 1;
                continue;
            }
            let name: String = chars[i + 1..i + 1 + len].iter().collect();
            match lookup(&name) {
                Some(v) => out.push_str(&v),
                None => {
                    out.push('$');
                    out.push_str(&name);
                }
            }
            i += len + 1;
        }
    }
    out
}

// ---------------------------------------------------------------------------
// The resource node and reading it back.

fn str_node(s: &str, pos: Pos) -> Node {
    Node {
        value: Value::Str(s.to_string()),
        pos,
    }
}

fn entry(key: &str, value: Node) -> Entry {
    Entry {
        key: key.to_string(),
        key_pos: value.pos,
        value,
    }
}

impl Parsed {
    /// The node of the Dockerfile's resource.
    pub fn to_node(&self) -> Node {
        let args = Node {
            value: Value::Map(
                self.args
                    .iter()
                    .map(|(n, v)| Entry {
                        key: n.clone(),
                        key_pos: Pos::START,
                        value: match v {
                            Some(v) => str_node(v, Pos::START),
                            None => Node::null(Pos::START),
                        },
                    })
                    .collect(),
            ),
            pos: Pos::START,
        };
        let stages = self
            .stages
            .iter()
            .map(|s| {
                let mut entries = vec![
                    entry("from", str_node(&s.from, s.from_pos)),
                    entry("image", str_node(&s.image, s.from_pos)),
                ];
                if let Some(n) = &s.name {
                    entries.push(entry("name", str_node(n, s.from_pos)));
                }
                let instructions = s
                    .instructions
                    .iter()
                    .map(|ins| {
                        let mut e = vec![
                            entry("instruction", str_node(&ins.keyword, ins.keyword_pos)),
                            entry("arguments", str_node(&ins.arguments, ins.arguments_pos)),
                        ];
                        if let Some(exec) = &ins.exec {
                            e.push(entry(
                                "exec",
                                Node {
                                    value: Value::Seq(
                                        exec.iter()
                                            .map(|w| str_node(w, ins.arguments_pos))
                                            .collect(),
                                    ),
                                    pos: ins.arguments_pos,
                                },
                            ));
                        }
                        Node {
                            value: Value::Map(e),
                            pos: ins.keyword_pos,
                        }
                    })
                    .collect();
                entries.push(entry(
                    "instructions",
                    Node {
                        value: Value::Seq(instructions),
                        pos: s.from_pos,
                    },
                ));
                Node {
                    value: Value::Map(entries),
                    pos: Pos::new(s.from_pos.line, 1),
                }
            })
            .collect();
        Node {
            value: Value::Map(vec![
                Entry {
                    key: "args".into(),
                    key_pos: Pos::START,
                    value: args,
                },
                Entry {
                    key: "stages".into(),
                    key_pos: Pos::START,
                    value: Node {
                        value: Value::Seq(stages),
                        pos: Pos::START,
                    },
                },
            ]),
            pos: Pos::START,
        }
    }

    /// Reads a Dockerfile resource's node back (see the module docs).
    pub fn from_node(node: &Node) -> Parsed {
        let text = |n: Option<&Node>| n.and_then(Node::scalar_text);
        let args = node
            .get("args")
            .map(Node::entries)
            .unwrap_or_default()
            .iter()
            .map(|e| (e.key.clone(), e.value.scalar_text()))
            .collect();
        let stages = node
            .get("stages")
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .map(|s| Stage {
                from: text(s.get("from")).unwrap_or_default(),
                image: text(s.get("image")).unwrap_or_default(),
                from_pos: s.get("from").map_or(s.pos, |n| n.pos),
                name: text(s.get("name")),
                instructions: s
                    .get("instructions")
                    .map(Node::items)
                    .unwrap_or_default()
                    .iter()
                    .map(|i| Instruction {
                        keyword: text(i.get("instruction")).unwrap_or_default(),
                        keyword_pos: i.pos,
                        arguments: text(i.get("arguments")).unwrap_or_default(),
                        arguments_pos: i.get("arguments").map_or(i.pos, |n| n.pos),
                        exec: i
                            .get("exec")
                            .map(|e| e.items().iter().filter_map(Node::scalar_text).collect()),
                    })
                    .collect(),
            })
            .collect();
        Parsed { args, stages }
    }

    /// The stage a `FROM` names, if it names an earlier stage.
    pub fn stage_named(&self, name: &str, before: usize) -> Option<usize> {
        self.stages[..before.min(self.stages.len())]
            .iter()
            .rposition(|s| {
                s.name
                    .as_deref()
                    .is_some_and(|n| n.eq_ignore_ascii_case(name))
            })
            .or_else(|| {
                // `FROM 0` names the first stage by index.
                name.parse::<usize>().ok().filter(|i| *i < before)
            })
    }

    /// The stage a build target selects (`target:` in compose), else the last.
    pub fn target(&self, name: Option<&str>) -> Option<usize> {
        match name {
            Some(n) => self
                .stages
                .iter()
                .position(|s| s.name.as_deref().is_some_and(|x| x.eq_ignore_ascii_case(n))),
            None => self.stages.len().checked_sub(1),
        }
    }

    /// The chain of stages a stage builds on, itself first.
    pub fn chain(&self, stage: usize) -> Vec<usize> {
        let mut out = vec![stage];
        let mut cur = stage;
        while let Some(parent) = self.stage_named(&self.stages[cur].image, cur) {
            if out.contains(&parent) {
                break;
            }
            out.push(parent);
            cur = parent;
        }
        out
    }

    /// The external image a stage is built on, following stages it builds
    /// on (`FROM build AS final` -> the image of `build`).
    pub fn base_image(&self, stage: usize) -> &str {
        let chain = self.chain(stage);
        let last = *chain.last().unwrap_or(&stage);
        &self.stages[last].image
    }

    /// The last instruction of a kind that applies to a stage, inherited
    /// from the stages it builds on (not from external base images).
    pub fn effective(&self, stage: usize, keyword: &str) -> Option<&Instruction> {
        self.chain(stage).into_iter().find_map(|s| {
            self.stages[s]
                .instructions
                .iter()
                .rev()
                .find(|i| i.keyword == keyword)
        })
    }

    /// Whether the stage's image declares a health check: `Some(true)` for a
    /// HEALTHCHECK with a command, `Some(false)` for `HEALTHCHECK NONE`,
    /// `None` when the Dockerfile does not say (the base image may).
    pub fn healthcheck(&self, stage: usize) -> Option<bool> {
        self.effective(stage, "HEALTHCHECK").map(|i| {
            let a = i.arguments.trim();
            !a.eq_ignore_ascii_case("none") && !healthcheck_command("HEALTHCHECK", a).is_empty()
        })
    }

    /// The shell of the shell form (`SHELL ["/bin/bash", "-c"]`), default
    /// `/bin/sh -c`.
    pub fn shell(&self, stage: usize) -> Vec<String> {
        self.effective(stage, "SHELL")
            .and_then(|i| i.exec.clone())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| vec!["/bin/sh".into(), "-c".into()])
    }

    /// The argv a CMD or ENTRYPOINT runs: the exec form as is, the shell
    /// form wrapped in the stage's shell.
    pub fn argv(&self, stage: usize, ins: &Instruction) -> Vec<String> {
        match &ins.exec {
            Some(words) => words.clone(),
            None => {
                let mut argv = self.shell(stage);
                argv.push(ins.arguments.clone());
                argv
            }
        }
    }
}

/// Names that say a file is not a Dockerfile to build (a template, an
/// ignore file, documentation), though discovery matched `Dockerfile.*`.
fn not_a_dockerfile(display: &str) -> Option<&'static str> {
    let name = display
        .rsplit('/')
        .next()
        .unwrap_or(display)
        .to_ascii_lowercase();
    const IGNORE: &[&str] = &[".dockerignore"];
    const TEMPLATES: &[&str] = &[
        ".j2",
        ".jinja",
        ".jinja2",
        ".tmpl",
        ".tpl",
        ".template",
        ".erb",
        ".in",
        ".mustache",
        ".hbs",
        ".ejs",
        ".gotmpl",
    ];
    const OTHER: &[&str] = &[
        ".md",
        ".txt",
        ".rst",
        ".bak",
        ".orig",
        ".rej",
        ".swp",
        ".old",
        ".disabled",
        ".sh",
        ".yaml",
        ".yml",
        ".json",
        ".lock",
    ];
    if IGNORE.iter().any(|s| name.ends_with(s)) {
        return Some("a Docker ignore file");
    }
    if TEMPLATES.iter().any(|s| name.ends_with(s)) {
        return Some("a template, not a Dockerfile until rendered");
    }
    if OTHER.iter().any(|s| name.ends_with(s)) {
        return Some("not a Dockerfile by its extension");
    }
    None
}

/// Text that is a template (Jinja, Go templates, ERB) rather than a
/// Dockerfile.
fn templated(text: &str) -> bool {
    text.contains("{{") || text.contains("{%") || text.contains("<%")
}

pub struct DockerfileReader;

impl Reader for DockerfileReader {
    fn name(&self) -> &'static str {
        "dockerfile"
    }

    fn read(&self, inv: &mut Inventory) {
        let mut new = Vec::new();
        for (id, f) in inv.files.iter().enumerate() {
            if f.kind != FileKind::Dockerfile {
                continue;
            }
            // A file that could not be read is already a problem.
            if f.text.is_empty() && inv.problems.iter().any(|p| p.file == id) {
                continue;
            }
            if let Some(why) = not_a_dockerfile(&f.display) {
                inv.notes.push(Note {
                    path: f.display.clone(),
                    line: None,
                    message: format!("skipped: {why}"),
                });
                continue;
            }
            if f.text.trim().is_empty() {
                inv.notes.push(Note {
                    path: f.display.clone(),
                    line: None,
                    message: "empty Dockerfile skipped".into(),
                });
                continue;
            }
            match parse(&f.text) {
                Ok(parsed) => new.push(Resource {
                    file: id,
                    doc: 0,
                    api_version: API_VERSION.into(),
                    kind: KIND.into(),
                    name: f.display.clone(),
                    namespace: String::new(),
                    namespace_explicit: false,
                    node: parsed.to_node(),
                    service_hint: None,
                }),
                Err(e) if templated(&f.text) => inv.notes.push(Note {
                    path: f.display.clone(),
                    line: Some(e.pos.line),
                    message: format!(
                        "skipped: a templated Dockerfile ({}); render it to review it",
                        e.message
                    ),
                }),
                Err(e) => inv.problems.push(InputProblem {
                    file: id,
                    pos: e.pos,
                    message: format!("cannot parse Dockerfile: {}", e.message),
                    fatal: true,
                }),
            }
        }
        inv.resources.extend(new);
    }
}

/// The Dockerfile resource of a file path, if one was read.
pub fn resource_of(inv: &Inventory, display: &str) -> Option<usize> {
    inv.resources
        .iter()
        .position(|r| r.kind == KIND && r.api_version == API_VERSION && r.name == display)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_instructions_and_positions() {
        let p = parse(
            "# syntax=docker/dockerfile:1\nARG BASE=node:20\nFROM ${BASE} AS build\nRUN npm ci \\\n  # a comment\n  && npm run build\n\nFROM --platform=$BUILDPLATFORM gcr.io/distroless/nodejs20 AS final\nCOPY --from=build /app /app\nCMD [\"server.js\"]\nHEALTHCHECK --interval=5s CMD [\"/healthcheck\"]\n",
        )
        .unwrap();
        assert_eq!(p.stages.len(), 2);
        assert_eq!(p.stages[0].from, "${BASE}");
        assert_eq!(p.stages[0].image, "node:20");
        assert_eq!(p.stages[0].from_pos, Pos::new(3, 6));
        assert_eq!(
            p.stages[0].instructions[0].arguments,
            "npm ci   && npm run build"
        );
        assert_eq!(p.stages[1].from_pos, Pos::new(8, 32));
        assert_eq!(p.stages[1].name.as_deref(), Some("final"));
        let cmd = &p.stages[1].instructions[1];
        assert_eq!(cmd.keyword_pos, Pos::new(10, 1));
        assert_eq!(cmd.exec.as_deref(), Some(&["server.js".to_string()][..]));
        assert_eq!(p.healthcheck(1), Some(true));
        // Round trip through the resource node.
        assert_eq!(Parsed::from_node(&p.to_node()), p);
    }

    #[test]
    fn shell_and_exec_forms() {
        let p =
            parse("FROM debian:12\nCMD npm start\nENTRYPOINT [\"tini\", \"--\"]\nCMD [not json\n")
                .unwrap();
        let s = &p.stages[0];
        assert!(s.instructions[0].exec.is_none());
        assert_eq!(s.instructions[1].exec.as_ref().unwrap().len(), 2);
        // Invalid JSON is the shell form, as Docker decides.
        assert!(s.instructions[2].exec.is_none());
        assert_eq!(
            p.argv(0, &s.instructions[0]),
            vec!["/bin/sh", "-c", "npm start"]
        );
    }

    #[test]
    fn chains_and_inheritance() {
        let p = parse(
            "FROM python:3.12 AS base\nHEALTHCHECK CMD curl -f localhost\nCMD python app.py\nFROM base AS dev\nHEALTHCHECK NONE\nFROM base\n",
        )
        .unwrap();
        assert_eq!(p.chain(2), vec![2, 0]);
        assert_eq!(p.base_image(2), "python:3.12");
        assert_eq!(p.healthcheck(2), Some(true));
        assert_eq!(p.healthcheck(1), Some(false));
        assert_eq!(p.effective(2, "CMD").unwrap().arguments, "python app.py");
        assert_eq!(p.target(Some("dev")), Some(1));
    }

    #[test]
    fn heredocs_and_escape_directive() {
        let p = parse("FROM alpine:3.20\nRUN <<EOF\nFROM not an instruction\nEOF\nCMD [\"x\"]\n")
            .unwrap();
        assert_eq!(p.stages.len(), 1);
        assert_eq!(p.stages[0].instructions.len(), 2);
        let p = parse(
            "# escape=`\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\nRUN dir `\n  c:\\\n",
        )
        .unwrap();
        assert_eq!(p.stages[0].instructions[0].arguments, "dir   c:\\");
        assert!(parse("FROM alpine\nRUN <<EOF\necho\n").is_err());
    }

    #[test]
    fn errors_point_at_the_problem() {
        let e = parse("FROM alpine\nFOO bar\n").unwrap_err();
        assert_eq!(e.pos, Pos::new(2, 1));
        let e = parse("RUN echo\nFROM alpine\n").unwrap_err();
        assert_eq!(e.pos, Pos::new(1, 1));
        assert!(parse("# nothing\n").is_err());
        assert!(parse("FROM\n").is_err());
        // Never panics on odd input.
        for s in [
            "\\",
            "FROM a \\",
            "FROM a\nCMD \\\n",
            "\u{feff}FROM a\r\nCMD [\"a\"]\r\n",
            "FROM a\nRUN <<",
            "FROM ${",
            "FROM $",
        ] {
            let _ = parse(s);
        }
    }

    #[test]
    fn real_world_shapes() {
        let text = "# syntax=docker/dockerfile:1.7\n\
ARG NODE=20.14.0\n\
FROM --platform=$BUILDPLATFORM node:${NODE}-bookworm-slim AS deps\n\
WORKDIR /app\n\
RUN --mount=type=cache,target=/root/.npm \\\n\
    npm ci\n\
RUN <<-EOT bash\n\
\tset -e\n\
\techo FROM inside\n\
\tEOT\n\
COPY <<EOF /etc/app.conf\n\
key=value\n\
EOF\n\
\n\
FROM deps AS release\n\
onbuild RUN echo later\n\
env A=1 B=\"two words\"\n\
STOPSIGNAL SIGQUIT\n\
USER node\n\
EXPOSE 3000\n\
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \\\n\
  CMD node healthcheck.js\n\
ENTRYPOINT [\"docker-entrypoint.sh\"]\n\
CMD [\"node\", \"server.js\"]\n";
        let p = parse(text).unwrap();
        assert_eq!(p.stages.len(), 2);
        assert_eq!(p.stages[0].image, "node:20.14.0-bookworm-slim");
        assert_eq!(p.base_image(1), "node:20.14.0-bookworm-slim");
        assert_eq!(p.healthcheck(1), Some(true));
        assert_eq!(p.stages[1].instructions[0].keyword, "ONBUILD");
        assert_eq!(
            p.effective(1, "CMD").unwrap().exec.as_deref(),
            Some(&["node".to_string(), "server.js".to_string()][..])
        );
    }

    #[test]
    fn stage_chosen_by_a_build_argument() {
        let p = parse(
            "ARG SOURCE=remote\nFROM alpine:3.20.1 AS base\nRUN apk add \\\n    bash \\\n    # a comment inside the continuation\n    curl\nFROM base AS remote-install\nFROM base AS local-install\nFROM ${SOURCE}-install AS final\nHEALTHCHECK CMD dig @127.0.0.1 || exit 1\nENTRYPOINT [\"start.sh\"]\n",
        )
        .unwrap();
        assert_eq!(
            p.stages[0].instructions[0].arguments,
            "apk add     bash     curl"
        );
        assert_eq!(p.stages[3].image, "remote-install");
        assert_eq!(p.chain(3), vec![3, 1, 0]);
        assert_eq!(p.base_image(3), "alpine:3.20.1");
        assert_eq!(p.healthcheck(3), Some(true));
    }

    proptest::proptest! {
        #[test]
        fn never_panics(text in "(FROM|RUN|CMD|ARG|HEALTHCHECK|<<|EOF|[ \\\\\\n\\t\\[\\]\\\"$:{}#a-z0-9-]){0,60}") {
            let _ = parse(&text);
            if let Ok(p) = parse(&text) {
                let last = p.stages.len() - 1;
                let _ = p.healthcheck(last);
                let _ = p.base_image(last);
                let _ = Parsed::from_node(&p.to_node());
            }
        }
    }

    #[test]
    fn substitution() {
        let args = vec![
            ("TAG".to_string(), Some("1.2".to_string())),
            ("X".to_string(), None),
        ];
        assert_eq!(substitute("app:${TAG}", &args), "app:1.2");
        assert_eq!(substitute("app:$TAG-slim", &args), "app:1.2-slim");
        assert_eq!(substitute("app:${X:-3}", &args), "app:3");
        assert_eq!(substitute("app:${X}", &args), "app:${X}");
    }
}
