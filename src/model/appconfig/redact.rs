//! Secrets in application config never reach the output. Values of keys
//! that name a password, token, secret or key are masked, and so are the
//! credentials inside URLs (`jdbc:postgresql://app:****@db:5432/app`,
//! `?password=****`). The reader also masks them in the text of the files
//! it reads, so that code frames printed around a finding cannot show them;
//! every message a check builds from config values goes through [`text`].

use super::keys::segments;

pub const MASK: &str = "****";

/// Words that make the last segment of a key (or an environment variable
/// name) a secret: `spring.datasource.password`, `SPRING_RABBITMQ_PASSWORD`,
/// `jwt.base64-secret`, `client-secret`, `api-key`, `access-token`.
const SECRET_WORDS: &[&str] = &[
    "password",
    "passwd",
    "passphrase",
    "secret",
    "credential",
    "apikey",
    "accesskey",
    "privatekey",
    "secretkey",
    "signingkey",
    "encryptionkey",
];
/// Endings that are secrets only at the end (`access-token` is, `token-uri`
/// and `token-validity-in-seconds` are not).
const SECRET_ENDINGS: &[&str] = &["token", "pwd"];
/// Endings that say the value is not the secret itself.
const NOT_SECRET_ENDINGS: &[&str] = &[
    "uri",
    "url",
    "file",
    "path",
    "location",
    "enabled",
    "type",
    "algorithm",
    "length",
    "name",
    "header",
    "ref",
    "encoder",
    "policy",
    "store", // key-store itself is a path; key-store-password is caught above
    "seconds",
    "validity",
    "expiration",
    "ttl",
];

/// Whether a key (dotted or an environment variable name) holds a secret.
pub fn is_secret_key(key: &str) -> bool {
    // Most keys name none of the words: answer without allocating.
    if !["pass", "secret", "credential", "key", "token", "pwd"]
        .iter()
        .any(|w| contains_ignore_case(key, w))
    {
        return false;
    }
    let last = if key.contains('.') || key.contains('[') {
        segments(key).pop().unwrap_or_default()
    } else {
        key.to_ascii_lowercase().replace(['_', '-'], "")
    };
    if NOT_SECRET_ENDINGS.iter().any(|e| last.ends_with(e)) {
        return false;
    }
    SECRET_WORDS.iter().any(|w| last.contains(w))
        || SECRET_ENDINGS.iter().any(|e| last.ends_with(e))
}

/// Whether `hay` contains the lowercase ASCII `needle`, ignoring case.
fn contains_ignore_case(hay: &str, needle: &str) -> bool {
    let n = needle.as_bytes();
    hay.as_bytes()
        .windows(n.len())
        .any(|w| w.eq_ignore_ascii_case(n))
}

/// Whether a value is only a placeholder (`${DB_PASSWORD}`), not a secret.
pub fn is_placeholder(value: &str) -> bool {
    let v = value.trim();
    v.is_empty() || (v.starts_with("${") && v.ends_with('}'))
}

/// A value as it may be printed: masked when its key is a secret,
/// credentials in URLs masked otherwise.
pub fn value(key: &str, value: &str) -> String {
    if is_secret_key(key) && !is_placeholder(value) {
        return MASK.to_string();
    }
    text(value)
}

/// Byte ranges of the secret parts of a text: the password (or a lone
/// token) of every `scheme://user:password@host`, and the values of
/// `password=` / `pwd=` / `secret=` / `token=` parameters.
pub fn secret_ranges(s: &str) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    if !s.contains("://") && !s.contains('=') {
        return out;
    }
    let mut from = 0;
    while let Some(i) = s[from..].find("://") {
        let start = from + i + 3;
        let end = s[start..]
            .find(|c: char| {
                matches!(
                    c,
                    '/' | '?' | '#' | '`' | '"' | '\'' | ')' | '>' | '<' | ';'
                ) || c.is_whitespace()
            })
            .map_or(s.len(), |e| start + e);
        let authority = &s[start..end];
        if let Some(at) = authority.rfind('@') {
            let userinfo = &authority[..at];
            match userinfo.find(':') {
                Some(colon) if colon + 1 < userinfo.len() => {
                    out.push(start + colon + 1..start + at);
                }
                Some(_) => {}
                // A lone user part can be a token (`https://ghp_x@github.com`).
                None if userinfo.len() >= 20 => out.push(start..start + at),
                None => {}
            }
        }
        from = end.max(start);
    }
    let lower = s.to_ascii_lowercase();
    for name in [
        "password=",
        "pwd=",
        "secret=",
        "token=",
        "apikey=",
        "api_key=",
    ] {
        let mut from = 0;
        while let Some(i) = lower[from..].find(name) {
            let at = from + i;
            let boundary = at == 0
                || matches!(
                    lower.as_bytes()[at - 1],
                    b'?' | b'&' | b';' | b' ' | b',' | b'\t'
                );
            let start = at + name.len();
            let end = s[start..]
                .find(|c: char| {
                    matches!(c, '&' | ';' | '`' | '"' | '\'' | ',') || c.is_whitespace()
                })
                .map_or(s.len(), |e| start + e);
            if boundary && end > start {
                out.push(start..end);
            }
            from = end.max(start);
        }
    }
    out.sort_by_key(|r| r.start);
    out
}

/// A text with the secret parts of its URLs and parameters masked.
pub fn text(s: &str) -> String {
    let ranges = secret_ranges(s);
    if ranges.is_empty() {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut last = 0;
    for r in ranges {
        if r.start < last {
            continue;
        }
        out.push_str(&s[last..r.start]);
        out.push_str(MASK);
        last = r.end;
    }
    out.push_str(&s[last..]);
    out
}

/// A message with every known secret value and every URL credential masked.
pub fn message(msg: &str, secrets: &[String]) -> String {
    let mut m = text(msg);
    for s in secrets {
        if s.chars().count() >= 4 && m.contains(s.as_str()) {
            m = m.replace(s.as_str(), MASK);
        }
    }
    m
}

/// Masks characters of `line` (a char range, 0-based columns) with `*`.
fn mask_chars(line: &str, from: usize, to: usize) -> String {
    line.chars()
        .enumerate()
        .map(|(i, c)| if i >= from && i < to { '*' } else { c })
        .collect()
}

/// What to mask in a file's text: on a line (1-based), from a column
/// (1-based) either the whole scalar value or only the given substrings.
#[derive(Debug, Clone)]
pub enum Mask {
    /// The scalar that starts at this position (quoted, plain or block).
    Value { line: u32, column: u32 },
    /// Occurrences of these strings on the line, at or after the column.
    Parts {
        line: u32,
        column: u32,
        parts: Vec<String>,
    },
}

/// Applies masks to a text; characters are replaced one for one, so lines
/// and columns do not move. Only the lines masks touch are copied.
pub fn mask_text(text: &str, masks: &[Mask]) -> String {
    if masks.is_empty() {
        return text.to_string();
    }
    let mut lines: Vec<&str> = text.split('\n').collect();
    let mut changed: std::collections::BTreeMap<usize, String> = Default::default();
    let get = |changed: &std::collections::BTreeMap<usize, String>, lines: &[&str], i: usize| {
        changed
            .get(&i)
            .cloned()
            .unwrap_or_else(|| lines.get(i).map(|l| l.to_string()).unwrap_or_default())
    };
    for m in masks {
        match m {
            Mask::Value { line, column } => {
                let Some(idx) = (*line as usize).checked_sub(1) else {
                    continue;
                };
                if idx >= lines.len() {
                    continue;
                }
                let l = get(&changed, &lines, idx);
                let col = column.saturating_sub(1) as usize;
                let chars: Vec<char> = l.chars().collect();
                if col >= chars.len() {
                    continue;
                }
                let first = chars[col];
                if first == '|' || first == '>' {
                    // Block scalar: mask the more-indented lines below.
                    let key_indent = chars.iter().take_while(|c| **c == ' ').count();
                    let mut j = idx + 1;
                    while j < lines.len() {
                        let next = get(&changed, &lines, j);
                        let t = next.trim_start();
                        let ind = next.chars().count() - t.chars().count();
                        if !t.trim().is_empty() && ind <= key_indent {
                            break;
                        }
                        let n = next.trim_end_matches('\r').chars().count();
                        changed.insert(j, mask_chars(&next, ind, n));
                        j += 1;
                    }
                    continue;
                }
                if first == '"' || first == '\'' {
                    let mut k = col + 1;
                    while k < chars.len() && chars[k] != first {
                        if first == '"' && chars[k] == '\\' {
                            k += 1;
                        }
                        k += 1;
                    }
                    changed.insert(idx, mask_chars(&l, col + 1, k.min(chars.len())));
                    continue;
                }
                // A plain scalar ends at a comment or the end of the line.
                let mut k = col;
                while k < chars.len() {
                    if chars[k] == '#' && k > col && chars[k - 1].is_whitespace() {
                        break;
                    }
                    k += 1;
                }
                while k > col && (chars[k - 1].is_whitespace() || chars[k - 1] == '\r') {
                    k -= 1;
                }
                changed.insert(idx, mask_chars(&l, col, k));
            }
            Mask::Parts {
                line,
                column,
                parts,
            } => {
                let Some(idx) = (*line as usize).checked_sub(1) else {
                    continue;
                };
                if idx >= lines.len() {
                    continue;
                }
                let mut masked = get(&changed, &lines, idx);
                let col = column.saturating_sub(1) as usize;
                let byte_col = masked
                    .char_indices()
                    .nth(col)
                    .map_or(masked.len(), |(b, _)| b);
                for p in parts {
                    if p.is_empty() {
                        continue;
                    }
                    let mut from = byte_col;
                    while let Some(i) = masked[from..].find(p.as_str()) {
                        let start = from + i;
                        let stars = "*".repeat(p.chars().count());
                        masked.replace_range(start..start + p.len(), &stars);
                        from = start + stars.len();
                    }
                }
                changed.insert(idx, masked);
            }
        }
    }
    for (i, l) in &changed {
        lines[*i] = l.as_str();
    }
    lines.join("\n")
}

/// The substrings of a value that [`secret_ranges`] says are secret.
pub fn secret_parts(value: &str) -> Vec<String> {
    secret_ranges(value)
        .into_iter()
        .map(|r| value[r].to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_keys() {
        assert!(is_secret_key("spring.datasource.password"));
        assert!(is_secret_key("SPRING_DATASOURCE_PASSWORD"));
        assert!(is_secret_key(
            "jhipster.security.authentication.jwt.base64-secret"
        ));
        assert!(is_secret_key("security.oauth2.client.clientSecret"));
        assert!(is_secret_key("app.api-key"));
        assert!(is_secret_key("github.access-token"));
        assert!(is_secret_key("sql_password"));
        assert!(!is_secret_key("security.oauth2.client.accessTokenUri"));
        assert!(!is_secret_key("jwt.token-validity-in-seconds"));
        assert!(!is_secret_key("spring.datasource.username"));
        assert!(!is_secret_key("server.ssl.key-store"));
    }

    #[test]
    fn urls_and_parameters() {
        assert_eq!(
            text("jdbc:postgresql://user:s3cret@db:5432/app"),
            "jdbc:postgresql://user:****@db:5432/app"
        );
        assert_eq!(
            text("jdbc:mysql://db/app?user=a&password=xyz&ssl=true"),
            "jdbc:mysql://db/app?user=a&password=****&ssl=true"
        );
        assert_eq!(
            text("jdbc:sqlserver://db:1433;databaseName=x;password=p@ss"),
            "jdbc:sqlserver://db:1433;databaseName=x;password=****"
        );
        assert_eq!(
            text("mongodb://u:p@h1:27017,h2:27017/db?replicaSet=rs0"),
            "mongodb://u:****@h1:27017,h2:27017/db?replicaSet=rs0"
        );
        assert_eq!(text("http://db:5432/app"), "http://db:5432/app");
        assert_eq!(value("spring.datasource.password", "hunter2"), MASK);
        assert_eq!(value("spring.datasource.password", "${DB_PW}"), "${DB_PW}");
        assert_eq!(
            message("connects with hunter22 to x", &["hunter22".into()]),
            "connects with **** to x"
        );
    }

    #[test]
    fn masking_keeps_positions() {
        let t = "a:\n  password: hunter2 # c\n  url: \"jdbc:x://u:pw@h/d\"\nk: |\n  -----BEGIN\n  abc\nz: 1\n";
        let out = mask_text(
            t,
            &[
                Mask::Value {
                    line: 2,
                    column: 13,
                },
                Mask::Parts {
                    line: 3,
                    column: 8,
                    parts: vec!["pw".into()],
                },
                Mask::Value { line: 4, column: 4 },
            ],
        );
        assert_eq!(
            out,
            "a:\n  password: ******* # c\n  url: \"jdbc:x://u:**@h/d\"\nk: |\n  **********\n  ***\nz: 1\n"
        );
    }
}
