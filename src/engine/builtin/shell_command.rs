//! Reading container command lines and `sh -c` scripts without running
//! anything: enough of POSIX shell word splitting to tell which programs a
//! command line starts, with which arguments, and how they are chained.
//! Used by the probe checks (what an exec probe talks to) and by the
//! signal check (what ends up as PID 1).

use crate::yaml::Node;

/// How a simple command is joined to the next one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sep {
    /// `;` or a newline.
    Seq,
    And,
    Or,
    Pipe,
    /// `&`: runs in the background.
    Background,
    /// The end of the script.
    End,
}

/// One simple command: its words (quotes removed, expansions kept as
/// written) and what follows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Simple {
    pub words: Vec<String>,
    pub sep: Sep,
}

impl Simple {
    /// The program name without its folder (`/usr/bin/curl` gives `curl`).
    pub fn program(&self) -> &str {
        self.words.first().map_or("", |w| basename(w))
    }
}

pub fn basename(word: &str) -> &str {
    word.rsplit('/').next().unwrap_or(word)
}

/// Shell keywords that open or close compound commands.
const KEYWORDS: &[&str] = &[
    "if", "then", "else", "elif", "fi", "for", "while", "until", "do", "done", "case", "esac", "{",
    "}", "(", ")", "!",
];

pub fn is_keyword(word: &str) -> bool {
    KEYWORDS.contains(&word)
}

/// Splits a shell script into simple commands. Quotes are removed,
/// `$(...)`, backquotes and `${...}` stay inside their word, comments are
/// dropped. Leading keywords (`then`, `do`, `{`) stay as the first words so
/// callers can tell compound commands apart.
pub fn split(script: &str) -> Vec<Simple> {
    let mut out = Vec::new();
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let chars: Vec<char> = script.chars().collect();
    let mut i = 0;
    let finish_word = |word: &mut String, in_word: &mut bool, words: &mut Vec<String>| {
        if *in_word {
            words.push(std::mem::take(word));
            *in_word = false;
        }
    };
    let push = |words: &mut Vec<String>, sep: Sep, out: &mut Vec<Simple>| {
        if !words.is_empty() {
            out.push(Simple {
                words: std::mem::take(words),
                sep,
            });
        } else if sep != Sep::Seq
            && let Some(last) = out.last_mut()
        {
            // `a &\n` : the newline after `&` keeps the background marker.
            if last.sep == Sep::Seq || last.sep == Sep::End {
                last.sep = sep;
            }
        }
    };
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\'' => {
                in_word = true;
                i += 1;
                while i < chars.len() && chars[i] != '\'' {
                    word.push(chars[i]);
                    i += 1;
                }
                i += 1;
            }
            '"' => {
                in_word = true;
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    if chars[i] == '\\' && i + 1 < chars.len() {
                        i += 1;
                    }
                    word.push(chars[i]);
                    i += 1;
                }
                i += 1;
            }
            '\\' => {
                in_word = true;
                if i + 1 < chars.len() && chars[i + 1] != '\n' {
                    word.push(chars[i + 1]);
                }
                i += 2;
            }
            '$' if matches!(chars.get(i + 1), Some('(') | Some('{')) => {
                // Keep the whole substitution in the word, nesting included.
                in_word = true;
                let (open, close) = if chars[i + 1] == '(' {
                    ('(', ')')
                } else {
                    ('{', '}')
                };
                word.push('$');
                word.push(open);
                i += 2;
                let mut depth = 1;
                while i < chars.len() && depth > 0 {
                    if chars[i] == open {
                        depth += 1;
                    } else if chars[i] == close {
                        depth -= 1;
                    }
                    word.push(chars[i]);
                    i += 1;
                }
            }
            '`' => {
                in_word = true;
                word.push('`');
                i += 1;
                while i < chars.len() && chars[i] != '`' {
                    word.push(chars[i]);
                    i += 1;
                }
                word.push('`');
                i += 1;
            }
            '#' if !in_word => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            ' ' | '\t' | '\r' => {
                finish_word(&mut word, &mut in_word, &mut words);
                i += 1;
            }
            '\n' | ';' => {
                finish_word(&mut word, &mut in_word, &mut words);
                // `;;` in case arms is a separator too.
                push(&mut words, Sep::Seq, &mut out);
                i += 1;
            }
            '&' | '|' => {
                // `2>&1` and `>&2` are redirections, not separators.
                if c == '&' && i > 0 && chars[i - 1] == '>' {
                    word.push('&');
                    in_word = true;
                    i += 1;
                    continue;
                }
                finish_word(&mut word, &mut in_word, &mut words);
                let double = chars.get(i + 1) == Some(&c);
                let sep = match (c, double) {
                    ('&', true) => Sep::And,
                    ('&', false) => Sep::Background,
                    ('|', true) => Sep::Or,
                    _ => Sep::Pipe,
                };
                push(&mut words, sep, &mut out);
                i += if double { 2 } else { 1 };
            }
            '(' | ')' if !in_word => {
                finish_word(&mut word, &mut in_word, &mut words);
                words.push(c.to_string());
                i += 1;
            }
            _ => {
                in_word = true;
                word.push(c);
                i += 1;
            }
        }
    }
    finish_word(&mut word, &mut in_word, &mut words);
    push(&mut words, Sep::End, &mut out);
    if let Some(last) = out.last_mut()
        && last.sep == Sep::Seq
    {
        last.sep = Sep::End;
    }
    out
}

/// A shell started with a script: `sh -c "..."`, `bash -ec "..."`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShellScript {
    /// Program name without folder (`sh`, `bash`, `ash`...).
    pub shell: String,
    pub script: String,
}

const SHELLS: &[&str] = &["sh", "bash", "ash", "dash", "zsh", "ksh", "mksh"];

pub fn is_shell(program: &str) -> bool {
    SHELLS.contains(&basename(program))
}

/// The script of a `<shell> [-options] -c <script>` command line.
pub fn shell_script(argv: &[String]) -> Option<ShellScript> {
    let first = argv.first()?;
    if !is_shell(first) {
        return None;
    }
    let mut has_c = false;
    let mut i = 1;
    while i < argv.len() {
        let a = argv[i].as_str();
        if a == "-o" || a == "+o" {
            i += 2;
            continue;
        }
        if a == "--" {
            i += 1;
            break;
        }
        if (a.starts_with('-') || a.starts_with('+')) && a.len() > 1 && !a.starts_with("--") {
            has_c |= a[1..].contains('c');
            // `-euo pipefail`: a cluster ending in `o` takes an option name.
            i += if a.ends_with('o') { 2 } else { 1 };
            continue;
        }
        if a.starts_with("--") {
            i += 1;
            continue;
        }
        break;
    }
    if !has_c {
        return None;
    }
    Some(ShellScript {
        shell: basename(first).to_string(),
        script: argv.get(i)?.clone(),
    })
}

/// The simple commands an argv runs: the script's commands for a shell
/// with `-c`, else the argv itself as one command.
pub fn commands(argv: &[String]) -> Vec<Simple> {
    match shell_script(argv) {
        Some(s) => split(&s.script),
        None if argv.is_empty() => Vec::new(),
        None => vec![Simple {
            words: argv.to_vec(),
            sep: Sep::End,
        }],
    }
}

/// The strings of a YAML list (`command:`, `args:`), scalars as text.
pub fn string_list(node: Option<&Node>) -> Vec<String> {
    node.map(Node::items)
        .unwrap_or_default()
        .iter()
        .filter_map(Node::scalar_text)
        .collect()
}

/// A variable named by a whole word: `$X`, `${X}`, or Kubernetes' `$(X)`.
pub fn variable_name(word: &str) -> Option<&str> {
    let name = if let Some(rest) = word.strip_prefix("${") {
        rest.strip_suffix('}')?
    } else if let Some(rest) = word.strip_prefix("$(") {
        rest.strip_suffix(')')?
    } else {
        word.strip_prefix('$')?
    };
    // `${X:-default}` still names X.
    let name = name.split([':', '-', '=']).next().unwrap_or(name);
    (!name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn splits_lists_and_pipelines() {
        let c = split("cd /app && java -jar 'app.jar' | tee /tmp/log; echo done &");
        let words: Vec<_> = c.iter().map(|s| (s.words.join(" "), s.sep)).collect();
        assert_eq!(
            words,
            vec![
                ("cd /app".to_string(), Sep::And),
                ("java -jar app.jar".to_string(), Sep::Pipe),
                ("tee /tmp/log".to_string(), Sep::Seq),
                ("echo done".to_string(), Sep::Background),
            ]
        );
    }

    #[test]
    fn keeps_substitutions_and_redirections_in_words() {
        let c = split("pg_isready -h $(hostname -i) 2>&1 # comment\n");
        assert_eq!(c.len(), 1);
        assert_eq!(
            c[0].words,
            argv(&["pg_isready", "-h", "$(hostname -i)", "2>&1"])
        );
        assert_eq!(c[0].sep, Sep::End);
    }

    #[test]
    fn finds_shell_scripts() {
        let s = shell_script(&argv(&["/bin/bash", "-euo", "pipefail", "-c", "exec java"]));
        assert_eq!(s.map(|s| s.script), Some("exec java".to_string()));
        assert!(shell_script(&argv(&["sh", "/entrypoint.sh"])).is_none());
        assert!(shell_script(&argv(&["java", "-c", "x"])).is_none());
        let s = shell_script(&argv(&["sh", "-ec", "npm start"])).unwrap();
        assert_eq!(s.shell, "sh");
    }

    #[test]
    fn variables() {
        assert_eq!(variable_name("$DB_HOST"), Some("DB_HOST"));
        assert_eq!(variable_name("${DB_HOST}"), Some("DB_HOST"));
        assert_eq!(variable_name("$(POD_IP)"), Some("POD_IP"));
        assert_eq!(variable_name("${H:-localhost}"), Some("H"));
        assert_eq!(variable_name("$(hostname -i)"), None);
        assert_eq!(variable_name("db"), None);
    }
}
