//! Who owns what: CODEOWNERS rules and owner labels. Used by OPS-001 and by
//! the report to say whom a finding concerns.

use std::path::Path;

/// Where GitHub and GitLab look for CODEOWNERS, relative to the repository.
const LOCATIONS: &[&str] = &[
    "CODEOWNERS",
    ".github/CODEOWNERS",
    ".gitlab/CODEOWNERS",
    "docs/CODEOWNERS",
];

/// The rules of a CODEOWNERS file. The last matching rule wins, and a rule
/// without owners un-owns its paths, as on GitHub.
#[derive(Debug, Default)]
pub struct CodeOwners {
    /// Path of the file, relative to its repository.
    pub file: String,
    /// The scan root relative to the repository (`k8s/` when scanning
    /// `repo/k8s`), prefixed to display paths before matching.
    prefix: String,
    rules: Vec<(ignore::gitignore::Gitignore, Vec<String>)>,
}

impl CodeOwners {
    /// Finds the CODEOWNERS of the repository holding `root`: in the scan
    /// root or an ancestor, up to the folder holding `.git`.
    pub fn find(root: &Path) -> Option<CodeOwners> {
        let root = std::fs::canonicalize(root).ok()?;
        for dir in root.ancestors() {
            for rel in LOCATIONS {
                if let Ok(text) = std::fs::read_to_string(dir.join(rel)) {
                    let mut c = CodeOwners::parse(dir, rel, &text);
                    let prefix = root.strip_prefix(dir).unwrap_or(Path::new(""));
                    c.prefix = prefix
                        .components()
                        .map(|p| format!("{}/", p.as_os_str().to_string_lossy()))
                        .collect();
                    return Some(c);
                }
            }
            if dir.join(".git").exists() {
                break;
            }
        }
        None
    }

    pub fn parse(root: &Path, display: &str, text: &str) -> CodeOwners {
        let mut rules = Vec::new();
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with('[') {
                continue;
            }
            let mut parts = line.split_whitespace();
            let Some(pattern) = parts.next() else {
                continue;
            };
            let owners: Vec<String> = parts
                .take_while(|p| !p.starts_with('#'))
                .map(str::to_string)
                .collect();
            let mut b = ignore::gitignore::GitignoreBuilder::new(root);
            if b.add_line(None, pattern).is_ok()
                && let Ok(g) = b.build()
            {
                rules.push((g, owners));
            }
        }
        CodeOwners {
            file: display.to_string(),
            prefix: String::new(),
            rules,
        }
    }

    /// Owners of a path relative to the scan root (empty: explicitly
    /// unowned, or no rule).
    pub fn owners_of(&self, path: &str) -> &[String] {
        let path = format!("{}{path}", self.prefix);
        self.rules
            .iter()
            .rev()
            .find(|(g, _)| g.matched_path_or_any_parents(&path, false).is_ignore())
            .map(|(_, o)| o.as_slice())
            .unwrap_or_default()
    }
}

/// Label and annotation keys that name an owning team.
pub fn is_owner_key(key: &str) -> bool {
    let name = key.rsplit('/').next().unwrap_or(key).to_ascii_lowercase();
    matches!(
        name.as_str(),
        "owner" | "team" | "owning-team" | "team-name" | "squad" | "maintainer" | "contact"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_rule_wins_and_empty_rules_unown() {
        let c = CodeOwners::parse(
            Path::new("/repo"),
            "CODEOWNERS",
            "# comment\n*.yaml @platform\n/k8s/payments/ @team-payments @ops\n/k8s/legacy/\n",
        );
        assert_eq!(
            c.owners_of("k8s/payments/deploy.yaml"),
            ["@team-payments", "@ops"]
        );
        assert_eq!(c.owners_of("k8s/web.yaml"), ["@platform"]);
        assert!(c.owners_of("k8s/legacy/old.yaml").is_empty());
        assert!(c.owners_of("README.md").is_empty());
    }

    #[test]
    fn owner_keys() {
        assert!(is_owner_key("team"));
        assert!(is_owner_key("example.com/owner"));
        assert!(!is_owner_key("app"));
    }
}
