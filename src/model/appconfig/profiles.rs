//! Spring profiles: which documents are active for a set of profiles
//! (`spring.config.activate.on-profile` expressions such as `prod`,
//! `!dev`, `prod & eu`, `prod | live`, lists meaning "any"), and which
//! profile stands for production when nothing says which ones run.

/// Whether a profile expression matches the active profiles. With no
/// active profile Spring runs the `default` profile.
pub fn matches(expr: &str, active: &[String]) -> bool {
    let default = ["default".to_string()];
    let active = if active.is_empty() {
        &default[..]
    } else {
        active
    };
    // A comma-separated list matches when any of its expressions does.
    expr.split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .any(|e| {
            let tokens = tokenize(e);
            let mut p = Parser {
                tokens: &tokens,
                at: 0,
                active,
            };
            p.or().unwrap_or(false)
        })
}

#[derive(Debug, PartialEq)]
enum Tok {
    Name(String),
    Not,
    And,
    Or,
    Open,
    Close,
}

fn tokenize(s: &str) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut name = String::new();
    let flush = |name: &mut String, out: &mut Vec<Tok>| {
        if !name.is_empty() {
            out.push(Tok::Name(std::mem::take(name)));
        }
    };
    for c in s.chars() {
        match c {
            '!' | '&' | '|' | '(' | ')' => {
                flush(&mut name, &mut out);
                out.push(match c {
                    '!' => Tok::Not,
                    '&' => Tok::And,
                    '|' => Tok::Or,
                    '(' => Tok::Open,
                    _ => Tok::Close,
                });
            }
            c if c.is_whitespace() => flush(&mut name, &mut out),
            c => name.push(c),
        }
    }
    flush(&mut name, &mut out);
    out
}

struct Parser<'a> {
    tokens: &'a [Tok],
    at: usize,
    active: &'a [String],
}

impl Parser<'_> {
    fn or(&mut self) -> Option<bool> {
        let mut v = self.and()?;
        while self.tokens.get(self.at) == Some(&Tok::Or) {
            self.at += 1;
            v |= self.and()?;
        }
        Some(v)
    }

    fn and(&mut self) -> Option<bool> {
        let mut v = self.unary()?;
        while self.tokens.get(self.at) == Some(&Tok::And) {
            self.at += 1;
            v &= self.unary()?;
        }
        Some(v)
    }

    fn unary(&mut self) -> Option<bool> {
        match self.tokens.get(self.at)? {
            Tok::Not => {
                self.at += 1;
                Some(!self.unary()?)
            }
            Tok::Open => {
                self.at += 1;
                let v = self.or()?;
                if self.tokens.get(self.at) == Some(&Tok::Close) {
                    self.at += 1;
                }
                Some(v)
            }
            Tok::Name(n) => {
                self.at += 1;
                Some(self.active.iter().any(|a| a.eq_ignore_ascii_case(n)))
            }
            _ => None,
        }
    }
}

/// The single profile names an expression mentions (`prod & eu` gives
/// both), to list the profiles a repository defines.
pub fn names(expr: &str) -> Vec<String> {
    expr.split(',')
        .flat_map(tokenize)
        .filter_map(|t| match t {
            Tok::Name(n) => Some(n),
            _ => None,
        })
        .collect()
}

/// Whether a profile name says production (`prod`, `production`, `prd`,
/// `live`, `prod-eu`, `k8s-prod`).
pub fn is_production(name: &str) -> bool {
    name.to_ascii_lowercase()
        .split(['-', '_', '.'])
        .any(|t| matches!(t, "prod" | "production" | "prd" | "live"))
}

/// A comma-separated profile list (`docker,prod`).
pub fn split_list(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        // `${...}` placeholders and Maven resource-filtering tokens
        // (`@spring.profiles.active@`) are not profile names.
        .filter(|p| !p.is_empty() && !p.contains("${") && !p.contains('@'))
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn act(p: &[&str]) -> Vec<String> {
        p.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn expressions() {
        assert!(matches("prod", &act(&["docker", "prod"])));
        assert!(!matches("prod", &act(&["docker"])));
        assert!(matches("!dev", &act(&["prod"])));
        assert!(matches("prod & eu", &act(&["prod", "eu"])));
        assert!(!matches("prod & eu", &act(&["prod"])));
        assert!(matches("dev | prod", &act(&["prod"])));
        assert!(matches("dev, prod", &act(&["prod"])));
        assert!(matches("default", &[]));
        assert!(!matches("default", &act(&["prod"])));
        assert!(matches("(a | b) & !c", &act(&["b"])));
        assert_eq!(names("prod & !eu"), vec!["prod", "eu"]);
        assert!(is_production("prod"));
        assert!(is_production("k8s-production"));
        assert!(!is_production("product"));
        assert!(!is_production("docker"));
    }
}
