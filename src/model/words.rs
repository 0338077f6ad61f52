//! Splitting a command or argument string into words the way container
//! tools do without a shell: whitespace separates, single and double quotes
//! group and are removed. Compose also honours backslash escapes (outside
//! quotes and inside double quotes); Dockerfile `ARG` lines do not.

/// The words of `s`; `backslash_escapes` as compose reads a command.
pub fn split(s: &str, backslash_escapes: bool) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match quote {
            Some(q) if c == q => quote = None,
            Some('"') if backslash_escapes && c == '\\' => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            Some(_) => cur.push(c),
            None if c == '"' || c == '\'' => {
                quote = Some(c);
                in_word = true;
            }
            None if backslash_escapes && c == '\\' => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                    in_word = true;
                }
            }
            None if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            None => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn quotes_group_and_escapes_only_when_asked() {
        assert_eq!(split(r#"a "b c" 'd e'"#, false), ["a", "b c", "d e"]);
        assert_eq!(split(r"a\ b", true), ["a b"]);
        assert_eq!(split(r"a\ b", false), [r"a\", "b"]);
        assert_eq!(split(r#""x\"y""#, true), [r#"x"y"#]);
        assert_eq!(split("  ", true), Vec::<String>::new());
    }
}
