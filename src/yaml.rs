//! YAML with positions. Every YAML detail of creview lives in this module so the
//! parser can be swapped without touching the model or the checks.
//!
//! Manifests are read into a spanned [`Node`] tree straight from the event
//! stream of `granit-parser` (the parser under serde-saphyr): building the tree
//! ourselves is about three times faster than going through serde, keeps a
//! position for every key and value, and lets us bound alias expansion and
//! nesting ourselves. Typed YAML (check files) goes through serde-saphyr, whose
//! errors already point into the file ([`from_str_typed`]).
//!
//! A stream is split into documents on `---` / `...` marker lines before it is
//! parsed, so a syntax error in one document costs only that document: the
//! others are still read and checked.

use crate::source::Pos;
use granit_parser::{Event, Parser, ScalarStyle};
use std::borrow::Cow;
use std::collections::HashMap;

/// Resource limits for one stream. Defaults are generous for real manifests
/// (a `helm template` of a large platform has thousands of documents) and
/// small enough that hostile input fails fast instead of eating memory.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Maximum nesting of collections.
    pub max_depth: usize,
    /// Maximum nodes in one document, counting every copy made by an alias.
    pub max_nodes: usize,
    /// Maximum documents in one stream.
    pub max_documents: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 128,
            max_nodes: 1_000_000,
            max_documents: 1_000_000,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub value: Value,
    /// Where the node starts (for a block mapping: its first key).
    pub pos: Pos,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// The key as text; non-string keys are rendered as YAML would print them.
    pub key: String,
    pub key_pos: Pos,
    pub value: Node,
}

/// One parsed document of a stream.
#[derive(Debug)]
pub struct Document {
    /// 0-based index of the document in its stream.
    pub index: usize,
    pub root: Node,
}

/// Something wrong with the input, with the parser's position.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    pub pos: Pos,
    pub message: String,
    /// `true` when the document was lost; `false` for a warning (duplicate key).
    pub fatal: bool,
}

#[derive(Debug, Default)]
pub struct Stream {
    pub documents: Vec<Document>,
    pub problems: Vec<Problem>,
}

/// Parses a multi-document YAML stream. Never panics; every failure becomes a
/// [`Problem`] and the remaining documents are still returned.
pub fn parse_stream(text: &str, limits: &Limits) -> Stream {
    let chunks = split_documents(text);
    let mut out = Stream::default();
    if chunks.len() > limits.max_documents {
        out.problems.push(Problem {
            pos: Pos::START,
            message: format!(
                "stream has {} documents, more than the limit of {}",
                chunks.len(),
                limits.max_documents
            ),
            fatal: true,
        });
        return out;
    }
    let parse_chunk =
        |chunk: &Chunk| parse_chunk(&text[chunk.start..chunk.end], chunk.first_line, limits);
    // Big streams (helm template output) are parsed in parallel, document by
    // document; the order of results is kept.
    let results: Vec<(Vec<Node>, Vec<Problem>)> = if chunks.len() > 64 {
        use rayon::prelude::*;
        chunks.par_iter().map(parse_chunk).collect()
    } else {
        chunks.iter().map(parse_chunk).collect()
    };
    for (index, (nodes, problems)) in results.into_iter().enumerate() {
        for root in nodes {
            out.documents.push(Document { index, root });
        }
        out.problems.extend(problems);
    }
    out
}

#[derive(Debug, Clone, Copy)]
struct Chunk {
    start: usize,
    end: usize,
    /// 1-based line of the chunk's first line in the whole stream.
    first_line: u32,
}

/// Splits a stream at document markers at column 0. `---` starts a document
/// (the marker belongs to it), `...` ends one. YAML forbids both markers at
/// column 0 inside any scalar, so this split agrees with the grammar; it only
/// keeps directives and comments before a `---` with the document they precede.
fn split_documents(text: &str) -> Vec<Chunk> {
    let mut chunks = Vec::new();
    let mut start = 0usize;
    let mut first_line = 1u32;
    let mut has_content = false;
    let mut offset = 0usize;
    let mut line_no = 1u32;
    for line in text.split_inclusive('\n') {
        let bare = line.strip_prefix('\u{feff}').unwrap_or(line);
        let trimmed = bare.trim_end_matches(['\n', '\r']);
        if is_marker(trimmed, "---") {
            if has_content {
                chunks.push(Chunk {
                    start,
                    end: offset,
                    first_line,
                });
                start = offset;
                first_line = line_no;
            }
            // An explicit document, even an empty one.
            has_content = true;
        } else if is_marker(trimmed, "...") {
            offset += line.len();
            line_no += 1;
            if has_content {
                chunks.push(Chunk {
                    start,
                    end: offset,
                    first_line,
                });
            }
            start = offset;
            first_line = line_no;
            has_content = false;
            continue;
        } else if !has_content {
            let t = trimmed.trim();
            if !(t.is_empty() || t.starts_with('#') || t.starts_with('%')) {
                has_content = true;
            }
        }
        offset += line.len();
        line_no += 1;
    }
    if has_content {
        chunks.push(Chunk {
            start,
            end: text.len(),
            first_line,
        });
    }
    chunks
}

fn is_marker(line: &str, marker: &str) -> bool {
    line.starts_with(marker)
        && line[marker.len()..]
            .chars()
            .next()
            .is_none_or(|c| c == ' ' || c == '\t')
}

/// Parses the documents of one chunk. Positions are shifted by `first_line`.
fn parse_chunk(body: &str, first_line: u32, limits: &Limits) -> (Vec<Node>, Vec<Problem>) {
    let options = granit_parser::options! {
        block_nesting_limit: limits.max_depth,
        flow_nesting_limit: limits.max_depth,
    };
    let mut builder = Builder::new(first_line, limits);
    let mut problems = Vec::new();
    for item in Parser::new_from_str_with_options(body, options) {
        match item {
            Ok((event, span)) => {
                let pos = builder.pos(span.start.line(), span.start.col());
                if let Err(message) = builder.event(event, pos) {
                    problems.push(Problem {
                        pos,
                        message,
                        fatal: true,
                    });
                    return (builder.done, problems);
                }
            }
            Err(e) => {
                let m = e.marker();
                problems.push(Problem {
                    pos: builder.pos(m.line(), m.col()),
                    message: e.kind().to_string(),
                    fatal: true,
                });
                return (builder.done, problems);
            }
        }
    }
    problems.append(&mut builder.warnings);
    (builder.done, problems)
}

enum Frame {
    Seq {
        items: Vec<Node>,
        pos: Pos,
        anchor: usize,
        nodes: usize,
    },
    Map {
        entries: Vec<(Node, bool, Node)>,
        pending_key: Option<(Node, bool)>,
        pos: Pos,
        anchor: usize,
        nodes: usize,
    },
}

struct Builder<'l> {
    line_shift: u32,
    limits: &'l Limits,
    stack: Vec<Frame>,
    anchors: HashMap<usize, (Node, usize)>,
    nodes: usize,
    done: Vec<Node>,
    warnings: Vec<Problem>,
}

impl<'l> Builder<'l> {
    fn new(first_line: u32, limits: &'l Limits) -> Self {
        Builder {
            line_shift: first_line.saturating_sub(1),
            limits,
            stack: Vec::new(),
            anchors: HashMap::new(),
            nodes: 0,
            done: Vec::new(),
            warnings: Vec::new(),
        }
    }

    fn pos(&self, line: usize, col0: usize) -> Pos {
        Pos::new(
            (line as u32).saturating_add(self.line_shift),
            (col0 as u32).saturating_add(1),
        )
    }

    fn count(&mut self, n: usize) -> Result<(), String> {
        self.nodes += n;
        if self.nodes > self.limits.max_nodes {
            return Err(format!(
                "document has more than {} nodes (alias expansion included); refusing to expand it",
                self.limits.max_nodes
            ));
        }
        Ok(())
    }

    fn event(&mut self, event: Event<'_>, pos: Pos) -> Result<(), String> {
        match event {
            Event::StreamStart | Event::StreamEnd => {}
            Event::DocumentStart(..) => {
                self.anchors.clear();
                self.nodes = 0;
            }
            Event::DocumentEnd => {}
            Event::Alias(id) => {
                let (node, n) = self
                    .anchors
                    .get(&id)
                    .cloned()
                    .ok_or_else(|| "alias to an unknown anchor".to_string())?;
                self.count(n)?;
                self.push_node(node, false, n)?;
            }
            Event::Scalar(text, style, anchor, tag) => {
                self.count(1)?;
                let plain = style == ScalarStyle::Plain;
                let tag_suffix = tag
                    .as_ref()
                    .and_then(|t| t.suffix_in_namespace("tag:yaml.org,2002:"))
                    .map(|s| s.into_owned());
                let value = resolve_scalar(text, plain, tag_suffix.as_deref());
                let node = Node { value, pos };
                if anchor != 0 {
                    self.anchors.insert(anchor, (node.clone(), 1));
                }
                self.push_node(node, plain, 1)?;
            }
            Event::SequenceStart(_, anchor, _) => {
                self.count(1)?;
                self.stack.push(Frame::Seq {
                    items: Vec::new(),
                    pos,
                    anchor,
                    nodes: 1,
                });
            }
            Event::MappingStart(_, anchor, _) => {
                self.count(1)?;
                self.stack.push(Frame::Map {
                    entries: Vec::new(),
                    pending_key: None,
                    pos,
                    anchor,
                    nodes: 1,
                });
            }
            Event::SequenceEnd => {
                if let Some(Frame::Seq {
                    items,
                    pos,
                    anchor,
                    nodes,
                }) = self.stack.pop()
                {
                    let node = Node {
                        value: Value::Seq(items),
                        pos,
                    };
                    self.finish(node, anchor, nodes)?;
                }
            }
            Event::MappingEnd => {
                if let Some(Frame::Map {
                    entries,
                    pos,
                    anchor,
                    nodes,
                    ..
                }) = self.stack.pop()
                {
                    let entries = self.close_map(entries);
                    let node = Node {
                        value: Value::Map(entries),
                        pos,
                    };
                    self.finish(node, anchor, nodes)?;
                }
            }
            // Anchor names, comments and unresolved aliases are not emitted
            // with the options we use.
            #[allow(unreachable_patterns)]
            _ => {}
        }
        Ok(())
    }

    fn finish(&mut self, node: Node, anchor: usize, nodes: usize) -> Result<(), String> {
        if anchor != 0 {
            self.anchors.insert(anchor, (node.clone(), nodes));
        }
        self.push_node(node, false, nodes)
    }

    /// Hands a completed node to its parent (or completes the document).
    fn push_node(&mut self, node: Node, plain: bool, nodes: usize) -> Result<(), String> {
        match self.stack.last_mut() {
            None => self.done.push(node),
            Some(Frame::Seq {
                items, nodes: n, ..
            }) => {
                *n += nodes;
                items.push(node);
            }
            Some(Frame::Map {
                entries,
                pending_key,
                nodes: n,
                ..
            }) => {
                *n += nodes;
                match pending_key.take() {
                    None => *pending_key = Some((node, plain)),
                    Some((key, key_plain)) => entries.push((key, key_plain, node)),
                }
            }
        }
        Ok(())
    }

    /// Turns raw entries into the final map: `<<` merge keys expanded
    /// (explicit keys win, then earlier merge sources), duplicate keys reported
    /// and resolved last-wins, as Kubernetes' decoder would.
    fn close_map(&mut self, raw: Vec<(Node, bool, Node)>) -> Vec<Entry> {
        let mut entries: Vec<Entry> = Vec::with_capacity(raw.len());
        let mut keys = KeyIndex::default();
        let mut merges: Vec<Node> = Vec::new();
        for (key, key_plain, value) in raw {
            let key_pos = key.pos;
            let text = key_text(key.value);
            if key_plain && text == "<<" {
                merges.push(value);
                continue;
            }
            if let Some(i) = keys.find(&entries, &text) {
                self.warnings.push(Problem {
                    pos: key_pos,
                    message: format!(
                        "duplicate key `{text}` (first at line {}); the last one wins, but kubectl rejects such files",
                        entries[i].key_pos.line
                    ),
                    fatal: false,
                });
                keys.remove(i);
            }
            keys.insert(&entries, &text);
            entries.push(Entry {
                key: text,
                key_pos,
                value,
            });
        }
        for source in merges {
            let sources = match source.value {
                Value::Map(m) => vec![m],
                Value::Seq(items) => items
                    .into_iter()
                    .filter_map(|n| match n.value {
                        Value::Map(m) => Some(m),
                        _ => None,
                    })
                    .collect(),
                _ => Vec::new(),
            };
            for map in sources {
                for e in map {
                    if keys.find(&entries, &e.key).is_none() {
                        keys.insert(&entries, &e.key);
                        entries.push(e);
                    }
                }
            }
        }
        keys.drop_removed(&mut entries);
        entries
    }
}

/// Finds a key among the entries of a mapping being built: a scan while
/// the mapping is small (most are), a hash map once it is large, so that a
/// mapping of 100,000 keys is not 5 billion comparisons. An entry replaced
/// by a later duplicate is marked and dropped at the end, so that the
/// others keep their places meanwhile.
#[derive(Default)]
struct KeyIndex {
    hashed: Option<HashMap<String, usize>>,
    /// Replaced entries, by index (empty until the first duplicate).
    removed: Vec<bool>,
}

impl KeyIndex {
    const SCAN_UP_TO: usize = 32;

    fn is_removed(&self, i: usize) -> bool {
        self.removed.get(i).copied().unwrap_or(false)
    }

    /// The index of a live entry with this key.
    fn find(&self, entries: &[Entry], key: &str) -> Option<usize> {
        match &self.hashed {
            Some(map) => map.get(key).copied(),
            None => (0..entries.len()).find(|&i| entries[i].key == key && !self.is_removed(i)),
        }
    }

    fn remove(&mut self, i: usize) {
        if self.removed.len() <= i {
            self.removed.resize(i + 1, false);
        }
        self.removed[i] = true;
    }

    /// Records that `key` is the next entry.
    fn insert(&mut self, entries: &[Entry], key: &str) {
        if self.hashed.is_none() && entries.len() >= Self::SCAN_UP_TO {
            let live = (0..entries.len())
                .filter(|&i| !self.is_removed(i))
                .map(|i| (entries[i].key.clone(), i));
            self.hashed = Some(live.collect());
        }
        if let Some(map) = &mut self.hashed {
            map.insert(key.to_string(), entries.len());
        }
    }

    fn drop_removed(&self, entries: &mut Vec<Entry>) {
        if self.removed.contains(&true) {
            let mut i = 0;
            entries.retain(|_| {
                i += 1;
                !self.is_removed(i - 1)
            });
        }
    }
}

/// A key's text; takes the key so that a string key is moved, not copied
/// (keys are half of all scalars).
fn key_text(v: Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Str(s) => s,
        Value::Seq(_) | Value::Map(_) => "<complex key>".into(),
    }
}

/// Resolves a scalar with the YAML 1.2 core schema. Quoted scalars and
/// `!!str` are strings; other explicit core tags force their type when the
/// text allows it. Text the parser already copied (escapes, folded lines)
/// is moved into the value.
fn resolve_scalar(text: Cow<'_, str>, plain: bool, core_tag: Option<&str>) -> Value {
    match core_tag {
        Some("str") => return Value::Str(text.into_owned()),
        Some("null") => return Value::Null,
        Some("bool") | Some("int") | Some("float") => {
            let v = resolve_plain(&text);
            if !matches!(v, Value::Str(_)) {
                return v;
            }
            return Value::Str(text.into_owned());
        }
        _ => {}
    }
    if !plain {
        return Value::Str(text.into_owned());
    }
    resolve_plain(&text)
}

fn resolve_plain(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Value::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return Value::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Value::Float(f64::NAN),
        _ => {}
    }
    let first = text.as_bytes()[0];
    if !(first.is_ascii_digit() || first == b'-' || first == b'+' || first == b'.') {
        return Value::Str(text.to_string());
    }
    if let Some(hex) = text.strip_prefix("0x") {
        if let Ok(i) = i64::from_str_radix(hex, 16) {
            return Value::Int(i);
        }
    } else if let Some(oct) = text.strip_prefix("0o") {
        if let Ok(i) = i64::from_str_radix(oct, 8) {
            return Value::Int(i);
        }
    } else if is_decimal_int(text) {
        if let Ok(i) = text.parse::<i64>() {
            return Value::Int(i);
        }
    } else if is_float(text)
        && let Ok(f) = text.parse::<f64>()
    {
        return Value::Float(f);
    }
    Value::Str(text.to_string())
}

fn is_decimal_int(t: &str) -> bool {
    let d = t.strip_prefix(['-', '+']).unwrap_or(t);
    !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit())
}

fn is_float(t: &str) -> bool {
    // [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
    let s = t.strip_prefix(['-', '+']).unwrap_or(t).as_bytes();
    let mut i = 0;
    let int_digits = s.iter().take_while(|b| b.is_ascii_digit()).count();
    i += int_digits;
    let mut frac_digits = 0;
    if i < s.len() && s[i] == b'.' {
        i += 1;
        frac_digits = s[i..].iter().take_while(|b| b.is_ascii_digit()).count();
        i += frac_digits;
    }
    if int_digits == 0 && frac_digits == 0 {
        return false;
    }
    if i < s.len() && (s[i] == b'e' || s[i] == b'E') {
        i += 1;
        if i < s.len() && (s[i] == b'-' || s[i] == b'+') {
            i += 1;
        }
        let exp = s[i..].iter().take_while(|b| b.is_ascii_digit()).count();
        if exp == 0 {
            return false;
        }
        i += exp;
    }
    i == s.len()
}

// ---------------------------------------------------------------------------
// Reading nodes

impl Node {
    pub fn null(pos: Pos) -> Node {
        Node {
            value: Value::Null,
            pos,
        }
    }

    /// The value of a mapping key.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    pub fn entry(&self, key: &str) -> Option<&Entry> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|e| e.key == key),
            _ => None,
        }
    }

    /// Follows mapping keys.
    pub fn path(&self, keys: &[&str]) -> Option<&Node> {
        keys.iter().try_fold(self, |n, k| n.get(k))
    }

    /// Follows an RFC 6901 JSON Pointer (`/spec/template/spec/containers/0`).
    pub fn pointer(&self, pointer: &str) -> Option<&Node> {
        pointer_segments(pointer).try_fold(self, |n, seg| n.child(&seg))
    }

    fn child(&self, segment: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(_) => self.get(segment),
            Value::Seq(items) => segment.parse::<usize>().ok().and_then(|i| items.get(i)),
            _ => None,
        }
    }

    /// Position of the field a pointer names: the key of a mapping entry, the
    /// start of a sequence item. A field that does not exist resolves to its
    /// nearest existing parent; the flag says whether it was found exactly.
    pub fn locate(&self, pointer: &str) -> (Pos, bool) {
        let mut node = self;
        let mut pos = self.pos;
        for seg in pointer_segments(pointer) {
            let next = match &node.value {
                Value::Map(entries) => entries
                    .iter()
                    .find(|e| e.key == seg)
                    .map(|e| (&e.value, e.key_pos)),
                Value::Seq(items) => seg
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| items.get(i))
                    .map(|n| (n, n.pos)),
                _ => None,
            };
            match next {
                Some((n, p)) => {
                    node = n;
                    pos = p;
                }
                None => return (pos, false),
            }
        }
        (pos, true)
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match &self.value {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match &self.value {
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match &self.value {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// A scalar as text, whatever its type (`replicas: 3` gives "3").
    pub fn scalar_text(&self) -> Option<String> {
        match &self.value {
            Value::Str(s) => Some(s.clone()),
            Value::Int(i) => Some(i.to_string()),
            Value::Float(f) => Some(f.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Null | Value::Seq(_) | Value::Map(_) => None,
        }
    }

    pub fn items(&self) -> &[Node] {
        match &self.value {
            Value::Seq(items) => items,
            _ => &[],
        }
    }

    pub fn entries(&self) -> &[Entry] {
        match &self.value {
            Value::Map(entries) => entries,
            _ => &[],
        }
    }

    pub fn is_map(&self) -> bool {
        matches!(self.value, Value::Map(_))
    }

    /// Converts to JSON (for JSONPath queries and debugging). Non-finite
    /// floats become null, as JSON has no spelling for them.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f)
                .map(J::Number)
                .unwrap_or(J::Null),
            Value::Str(s) => J::String(s.clone()),
            Value::Seq(items) => J::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(entries) => J::Object(
                entries
                    .iter()
                    .map(|e| (e.key.clone(), e.value.to_json()))
                    .collect(),
            ),
        }
    }
}

/// Splits a JSON Pointer into unescaped segments.
pub fn pointer_segments(pointer: &str) -> impl Iterator<Item = std::borrow::Cow<'_, str>> + '_ {
    pointer.split('/').skip(1).map(|s| {
        if s.contains('~') {
            std::borrow::Cow::Owned(s.replace("~1", "/").replace("~0", "~"))
        } else {
            std::borrow::Cow::Borrowed(s)
        }
    })
}

/// Escapes one JSON Pointer segment.
pub fn escape_segment(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

/// Turns a dotted field path (`spec.template.spec.containers[0].image`) into a
/// JSON Pointer. Paths that already start with `/` are returned unchanged.
pub fn dotted_to_pointer(path: &str) -> String {
    if path.is_empty() || path.starts_with('/') {
        return path.to_string();
    }
    let mut out = String::new();
    for part in path.split('.') {
        let (name, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !name.is_empty() {
            out.push('/');
            out.push_str(&escape_segment(name));
        }
        while let Some(close) = rest.find(']') {
            out.push('/');
            out.push_str(rest[1..close].trim_matches(['\'', '"']));
            rest = &rest[close + 1..];
        }
    }
    out
}

/// Deserializes typed YAML (a check file) with serde-saphyr. The error carries
/// the 1-based position serde-saphyr reports.
pub fn from_str_typed<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, (Pos, String)> {
    let options = serde_saphyr::options! { with_snippet: false };
    serde_saphyr::from_str_with_options(text, options).map_err(|e| {
        let pos = e
            .location()
            .map(|l| Pos::new(l.line() as u32, l.column() as u32))
            .unwrap_or(Pos::START);
        (pos, e.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Stream {
        parse_stream(text, &Limits::default())
    }

    #[test]
    fn positions_of_keys_and_values() {
        let s = parse(
            "apiVersion: v1\nkind: Pod\nspec:\n  replicas: 3\n  list:\n    - a\n    - b: 1\n",
        );
        assert!(s.problems.is_empty(), "{:?}", s.problems);
        let root = &s.documents[0].root;
        assert_eq!(root.locate("/spec/replicas"), (Pos::new(4, 3), true));
        assert_eq!(
            root.get("spec").unwrap().get("replicas").unwrap().pos,
            Pos::new(4, 13)
        );
        assert_eq!(root.locate("/spec/list/1/b"), (Pos::new(7, 7), true));
        // missing field: nearest existing parent
        assert_eq!(root.locate("/spec/missing/deeper"), (Pos::new(3, 1), false));
        assert_eq!(root.pointer("/spec/list/0").unwrap().as_str(), Some("a"));
    }

    #[test]
    fn scalars_follow_the_core_schema() {
        let s = parse(
            "a: 1\nb: '1'\nc: 1.5\nd: true\ne: ~\nf: 0x10\ng: 1.20.3\nh: -2\ni: .5\nj: 1e3\n",
        );
        let r = &s.documents[0].root;
        assert_eq!(r.get("a").unwrap().value, Value::Int(1));
        assert_eq!(r.get("b").unwrap().value, Value::Str("1".into()));
        assert_eq!(r.get("c").unwrap().value, Value::Float(1.5));
        assert_eq!(r.get("d").unwrap().value, Value::Bool(true));
        assert_eq!(r.get("e").unwrap().value, Value::Null);
        assert_eq!(r.get("f").unwrap().value, Value::Int(16));
        assert_eq!(r.get("g").unwrap().value, Value::Str("1.20.3".into()));
        assert_eq!(r.get("h").unwrap().value, Value::Int(-2));
        assert_eq!(r.get("i").unwrap().value, Value::Float(0.5));
        assert_eq!(r.get("j").unwrap().value, Value::Float(1000.0));
    }

    #[test]
    fn multi_document_streams_survive_a_broken_document() {
        let s = parse("a: 1\n---\nb: [unclosed\n---\nc: 3\n");
        assert_eq!(s.documents.len(), 2);
        assert_eq!(s.documents[0].index, 0);
        assert_eq!(s.documents[1].index, 2);
        assert_eq!(s.documents[1].root.locate("/c").0, Pos::new(5, 1));
        assert_eq!(s.problems.len(), 1);
        assert!(s.problems[0].fatal);
        assert_eq!(s.problems[0].pos.line, 3);
    }

    #[test]
    fn bom_and_crlf_keep_positions() {
        let s = parse("\u{feff}a: 1\r\nb:\r\n  c: 2\r\n");
        assert!(s.problems.is_empty(), "{:?}", s.problems);
        let r = &s.documents[0].root;
        assert_eq!(r.locate("/a").0, Pos::new(1, 1));
        assert_eq!(r.locate("/b/c").0, Pos::new(3, 3));
    }

    #[test]
    fn merge_keys_and_aliases() {
        let s = parse("base: &b {x: 1, y: 2}\nsvc:\n  <<: *b\n  y: 3\n");
        let svc = s.documents[0].root.get("svc").unwrap();
        assert_eq!(svc.get("x").unwrap().value, Value::Int(1));
        assert_eq!(svc.get("y").unwrap().value, Value::Int(3));
        assert!(svc.get("<<").is_none());
    }

    #[test]
    fn alias_bombs_are_refused() {
        let mut text = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        let mut prev = 'a';
        for c in 'b'..='k' {
            text.push_str(&format!(
                "{c}: &{c} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
            ));
            prev = c;
        }
        let s = parse(&text);
        assert!(s.documents.is_empty());
        assert!(s.problems[0].message.contains("nodes"));
    }

    #[test]
    fn duplicate_keys_are_a_warning() {
        let s = parse("a: 1\na: 2\n");
        assert_eq!(s.documents[0].root.get("a").unwrap().value, Value::Int(2));
        assert_eq!(s.problems.len(), 1);
        assert!(!s.problems[0].fatal);
        assert_eq!(s.problems[0].pos, Pos::new(2, 1));
    }

    #[test]
    fn large_mappings_keep_duplicate_and_merge_semantics() {
        // Past the size where keys are hashed: the same outcome as a scan.
        let mut text: String = (0..100).map(|i| format!("k{i}: {i}\n")).collect();
        text.push_str("k3: again\nk50: again\nk3: third\n<<: {k7: merged, m: merged}\n");
        let s = parse(&text);
        let root = &s.documents[0].root;
        let keys: Vec<&str> = root.entries().iter().map(|e| e.key.as_str()).collect();
        assert_eq!(keys.len(), 101);
        assert_eq!(&keys[98..], ["k50", "k3", "m"]);
        assert_eq!(root.get("k3").unwrap().as_str(), Some("third"));
        assert_eq!(root.get("k7").unwrap().value, Value::Int(7));
        let lines: Vec<u32> = s.problems.iter().map(|p| p.pos.line).collect();
        assert_eq!(lines, [101, 102, 103]);
        assert!(s.problems[2].message.contains("first at line 101"));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let text = "[".repeat(100_000);
        let s = parse(&text);
        assert!(s.documents.is_empty());
        assert!(s.problems[0].fatal);
    }

    #[test]
    fn dotted_paths() {
        assert_eq!(
            dotted_to_pointer("spec.template.spec.containers[0].image"),
            "/spec/template/spec/containers/0/image"
        );
        assert_eq!(
            dotted_to_pointer("metadata.annotations['a/b']"),
            "/metadata/annotations/a/b"
        );
        assert_eq!(dotted_to_pointer("/spec"), "/spec");
    }

    #[test]
    fn marker_lines_split_documents() {
        let chunks = split_documents("# c\n---\na: 1\n...\n%YAML 1.2\n---\nb: 2\n--- x\n---\n");
        assert_eq!(chunks.len(), 4);
        assert_eq!(chunks[0].first_line, 1);
        assert_eq!(chunks[1].first_line, 5);
        assert_eq!(chunks[2].first_line, 8);
    }
}
