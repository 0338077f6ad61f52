//! Property keys as Spring Boot binds them, and the two file formats that
//! carry them. YAML trees are flattened to dotted keys the way Spring does
//! (`a.b[0].c`); `.properties` files are parsed with positions. Relaxed
//! binding is a normalisation: `read-timeout`, `readTimeout`, `read_timeout`
//! and the environment variable `..._READ_TIMEOUT` compare equal once case,
//! dashes, underscores, dots and brackets are dropped ([`squash`]).

use crate::source::Pos;
use crate::yaml::{Node, Value};

/// One property as written in a source: the dotted key, where the key is,
/// and the scalar value (with its own position).
#[derive(Clone, Debug)]
pub struct Prop {
    pub key: String,
    pub key_pos: Pos,
    pub value: Node,
}

/// The key in the form relaxed binding compares: lowercase, without `-`,
/// `_`, `.`, `[` and `]`. `SPRING_DATASOURCE_HIKARI_MAXIMUM_POOL_SIZE` and
/// `spring.datasource.hikari.maximumPoolSize` give the same string.
pub fn squash(key: &str) -> String {
    lowercase_without(key, |c| matches!(c, '-' | '_' | '.' | '[' | ']'))
}

/// `text` lowercased, without the characters `drop` accepts. Keys are
/// squashed for every lookup; nearly all are ASCII, which skips Unicode case
/// mapping.
fn lowercase_without(text: &str, drop: impl Fn(char) -> bool) -> String {
    if text.is_ascii() {
        // Byte by byte: ASCII in, ASCII out.
        let mut bytes = Vec::with_capacity(text.len());
        for &b in text.as_bytes() {
            if !drop(char::from(b)) {
                bytes.push(b.to_ascii_lowercase());
            }
        }
        return String::from_utf8(bytes).unwrap_or_default();
    }
    text.chars()
        .filter(|c| !drop(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

/// The segments of a dotted key, each normalised (lowercase, no `-`/`_`);
/// `[i]` indexes and `[a.b]` map keys are segments of their own.
pub fn segments(key: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = key.chars().peekable();
    let norm = |s: &str| lowercase_without(s, |c| matches!(c, '-' | '_'));
    while let Some(c) = chars.next() {
        match c {
            '.' => {
                if !cur.is_empty() {
                    out.push(norm(&cur));
                    cur.clear();
                }
            }
            '[' => {
                if !cur.is_empty() {
                    out.push(norm(&cur));
                    cur.clear();
                }
                let mut inner = String::new();
                for d in chars.by_ref() {
                    if d == ']' {
                        break;
                    }
                    inner.push(d);
                }
                out.push(inner.to_ascii_lowercase());
            }
            _ => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(norm(&cur));
    }
    out
}

/// Flattens a YAML document to properties: nested maps join with `.`,
/// sequence items become `[i]`. Keys written in brackets (`"[a.b]"`) keep
/// their dots, as in Spring.
pub fn flatten(root: &Node) -> Vec<Prop> {
    let mut out = Vec::new();
    if let Value::Map(entries) = &root.value {
        for e in entries {
            walk(&e.key, e.key_pos, &e.value, &mut out, 0);
        }
    }
    out
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else if key.starts_with('[') {
        format!("{prefix}{key}")
    } else {
        format!("{prefix}.{key}")
    }
}

fn walk(key: &str, key_pos: Pos, node: &Node, out: &mut Vec<Prop>, depth: usize) {
    if depth > 64 {
        return;
    }
    match &node.value {
        Value::Map(entries) => {
            for e in entries {
                walk(&join(key, &e.key), e.key_pos, &e.value, out, depth + 1);
            }
        }
        Value::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                // An item has no key of its own: its position is the item's.
                let pos = if item.is_map() { key_pos } else { item.pos };
                walk(&format!("{key}[{i}]"), pos, item, out, depth + 1);
            }
        }
        _ => out.push(Prop {
            key: key.to_string(),
            key_pos,
            value: node.clone(),
        }),
    }
}

/// One document of a `.properties` file (Spring Boot splits a file into
/// documents at `#---` / `!---` lines).
#[derive(Debug, Default)]
pub struct PropertiesDoc {
    pub start: Pos,
    pub props: Vec<Prop>,
}

/// Parses a Java properties file with positions: comments (`#`, `!`),
/// separators `=`, `:` or whitespace, continuation lines ending in `\`,
/// escapes (`\:`, `\=`, `\uXXXX`). Never fails: a line that is not a
/// property is skipped.
pub fn parse_properties(text: &str) -> Vec<PropertiesDoc> {
    let mut docs = vec![PropertiesDoc {
        start: Pos::START,
        props: Vec::new(),
    }];
    let lines: Vec<&str> = text.split('\n').collect();
    let mut i = 0usize;
    while i < lines.len() {
        let line_no = i as u32 + 1;
        let raw = lines[i].strip_suffix('\r').unwrap_or(lines[i]);
        let raw = if i == 0 {
            raw.strip_prefix('\u{feff}').unwrap_or(raw)
        } else {
            raw
        };
        i += 1;
        let trimmed = raw.trim_start();
        if trimmed.is_empty() {
            continue;
        }
        if trimmed.starts_with('#') || trimmed.starts_with('!') {
            if trimmed == "#---" || trimmed == "!---" {
                docs.push(PropertiesDoc {
                    start: Pos::new(line_no + 1, 1),
                    props: Vec::new(),
                });
            }
            continue;
        }
        let indent = raw.chars().count() - trimmed.chars().count();
        // Join continuation lines (an odd number of trailing backslashes).
        let mut logical = trimmed.to_string();
        while ends_with_continuation(&logical) && i < lines.len() {
            logical.pop();
            let next = lines[i].strip_suffix('\r').unwrap_or(lines[i]);
            logical.push_str(next.trim_start());
            i += 1;
        }
        let (key, value_start, value) = split_property(&logical);
        if key.is_empty() {
            continue;
        }
        let key_pos = Pos::new(line_no, indent as u32 + 1);
        let value_pos = Pos::new(line_no, (indent + value_start) as u32 + 1);
        docs.last_mut()
            .expect("one document at least")
            .props
            .push(Prop {
                key,
                key_pos,
                value: Node {
                    value: Value::Str(value),
                    pos: value_pos,
                },
            });
    }
    docs
}

fn ends_with_continuation(s: &str) -> bool {
    s.chars().rev().take_while(|c| *c == '\\').count() % 2 == 1
}

/// Key, character offset of the value, and value (unescaped).
fn split_property(line: &str) -> (String, usize, String) {
    let chars: Vec<char> = line.chars().collect();
    let mut key = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' && i + 1 < chars.len() {
            let (ch, used) = unescape(&chars[i + 1..]);
            key.push(ch);
            i += 1 + used;
            continue;
        }
        if c == '=' || c == ':' || c.is_whitespace() {
            break;
        }
        key.push(c);
        i += 1;
    }
    // Skip whitespace, one separator, whitespace.
    while i < chars.len() && chars[i].is_whitespace() {
        i += 1;
    }
    if i < chars.len() && (chars[i] == '=' || chars[i] == ':') {
        i += 1;
    }
    while i < chars.len() && chars[i].is_whitespace() {
        i += 1;
    }
    let start = i;
    let mut value = String::new();
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' && i + 1 < chars.len() {
            let (ch, used) = unescape(&chars[i + 1..]);
            value.push(ch);
            i += 1 + used;
            continue;
        }
        value.push(c);
        i += 1;
    }
    (key, start, value.trim_end().to_string())
}

fn unescape(rest: &[char]) -> (char, usize) {
    match rest[0] {
        't' => ('\t', 1),
        'n' => ('\n', 1),
        'r' => ('\r', 1),
        'f' => ('\u{c}', 1),
        'u' if rest.len() >= 5 => {
            let hex: String = rest[1..5].iter().collect();
            match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                Some(c) => (c, 5),
                None => ('u', 1),
            }
        }
        c => (c, 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relaxed_binding_forms_compare_equal() {
        let k = squash("spring.http.client.read-timeout");
        assert_eq!(squash("spring.http.client.readTimeout"), k);
        assert_eq!(squash("spring.http.client.read_timeout"), k);
        assert_eq!(squash("SPRING_HTTP_CLIENT_READ_TIMEOUT"), k);
        assert_eq!(
            squash("spring.cloud.gateway.routes[0].uri"),
            squash("SPRING_CLOUD_GATEWAY_ROUTES_0_URI")
        );
        assert_eq!(
            segments("resilience4j.retry.instances.backendA.max-attempts"),
            vec![
                "resilience4j",
                "retry",
                "instances",
                "backenda",
                "maxattempts"
            ]
        );
        assert_eq!(
            segments("logging.level[org.springframework]"),
            vec!["logging", "level", "org.springframework"]
        );
        assert_eq!(segments("a.routes[0].uri"), vec!["a", "routes", "0", "uri"]);
    }

    #[test]
    fn yaml_is_flattened_with_positions() {
        let s = crate::yaml::parse_stream(
            "spring:\n  datasource.url: jdbc:x\n  profiles:\n    - a\n    - b\nroutes:\n  - id: r\n    uri: lb://x\n",
            &Default::default(),
        );
        let props = flatten(&s.documents[0].root);
        let keys: Vec<&str> = props.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(
            keys,
            vec![
                "spring.datasource.url",
                "spring.profiles[0]",
                "spring.profiles[1]",
                "routes[0].id",
                "routes[0].uri"
            ]
        );
        assert_eq!(props[0].key_pos, Pos::new(2, 3));
        assert_eq!(props[4].key_pos, Pos::new(8, 5));
    }

    #[test]
    fn properties_files() {
        let docs = parse_properties(
            "# c\nspring.datasource.url = jdbc:postgresql://db/app\n  a\\:b:c\nlong=one \\\n  two\n#---\nspring.config.activate.on-profile=prod\nx y\n",
        );
        assert_eq!(docs.len(), 2);
        let p = &docs[0].props;
        assert_eq!(p[0].key, "spring.datasource.url");
        assert_eq!(p[0].value.as_str(), Some("jdbc:postgresql://db/app"));
        assert_eq!(p[0].key_pos, Pos::new(2, 1));
        assert_eq!(p[0].value.pos, Pos::new(2, 25));
        assert_eq!(p[1].key, "a:b");
        assert_eq!(p[1].value.as_str(), Some("c"));
        assert_eq!(p[1].key_pos, Pos::new(3, 3));
        assert_eq!(p[2].value.as_str(), Some("one two"));
        assert_eq!(docs[1].props[0].key, "spring.config.activate.on-profile");
        assert_eq!(docs[1].props[1].key, "x");
        assert_eq!(docs[1].props[1].value.as_str(), Some("y"));
    }
}
