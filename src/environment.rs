//! Environment awareness: findings on objects that are clearly not production
//! are lowered one level, and the report says why. An object is clearly not
//! production when its namespace or one of the folders of its file is named
//! like a non-production environment (`dev`, `staging`, `preview`, ...), or
//! when the whole scan is declared non-production (`[scan] environment`).
//! Anything that names production (`prod`, `production`) is never lowered.

use crate::finding::Finding;
use std::collections::HashMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Environment {
    Production,
    Staging,
    Dev,
}

impl Environment {
    pub fn parse(s: &str) -> Option<Environment> {
        match s {
            "production" => Some(Environment::Production),
            "staging" => Some(Environment::Staging),
            "dev" => Some(Environment::Dev),
            _ => None,
        }
    }
}

const NON_PRODUCTION: &[&str] = &[
    "dev",
    "development",
    "develop",
    "test",
    "tests",
    "testing",
    "e2e",
    "staging",
    "stage",
    "stg",
    "preview",
    "previews",
    "qa",
    "uat",
    "sandbox",
    "local",
    "ephemeral",
];
const PRODUCTION: &[&str] = &["prod", "production", "prd", "live"];

/// Which naming says what, for one name (namespace or folder).
fn classify(name: &str) -> Option<bool> {
    let lower = name.to_ascii_lowercase();
    // `shop-dev`, `dev-shop`, `staging` ... but not `devices`.
    let parts: Vec<&str> = lower.split(['-', '_', '.']).collect();
    if parts.iter().any(|p| PRODUCTION.contains(p)) {
        return Some(true);
    }
    if parts.iter().any(|p| NON_PRODUCTION.contains(p)) {
        return Some(false);
    }
    None
}

/// Why a location is not production, if it clearly is not.
fn non_production_reason(namespace: Option<&str>, path: &str) -> Option<String> {
    let mut reason = None;
    let folders = path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    for folder in folders.split('/').filter(|f| !f.is_empty()) {
        match classify(folder) {
            Some(true) => return None,
            Some(false) => {
                reason = Some(format!(
                    "its folder `{folder}` is a non-production environment"
                ))
            }
            None => {}
        }
    }
    if let Some(ns) = namespace {
        match classify(ns) {
            Some(true) => return None,
            Some(false) => {
                reason = Some(format!("namespace `{ns}` is a non-production environment"))
            }
            None => {}
        }
    }
    reason
}

/// Lowers findings outside production by one level, saying why.
pub fn apply(findings: &mut [Finding], declared: Option<Environment>) {
    let mut cache: HashMap<(Option<String>, String), Option<String>> = HashMap::new();
    for f in findings.iter_mut() {
        if f.check.starts_with("INPUT-") {
            continue;
        }
        let ns = f.resource.as_ref().map(|r| r.namespace.clone());
        let reason = match declared {
            Some(Environment::Production) => None,
            Some(Environment::Staging) => {
                Some("the scan is declared a staging environment".to_string())
            }
            Some(Environment::Dev) => Some("the scan is declared a dev environment".to_string()),
            None => cache
                .entry((ns.clone(), f.location.path.clone()))
                .or_insert_with(|| non_production_reason(ns.as_deref(), &f.location.path))
                .clone(),
        };
        if let Some(reason) = reason {
            f.severity = f.severity.lowered(1);
            f.severity_reasons
                .push(format!("lowered one level: {reason}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(classify("dev"), Some(false));
        assert_eq!(classify("shop-staging"), Some(false));
        assert_eq!(classify("devices"), None);
        assert_eq!(classify("prod-eu"), Some(true));
        assert_eq!(classify("shop"), None);
    }

    #[test]
    fn production_always_wins() {
        assert!(non_production_reason(Some("dev"), "k8s/app.yaml").is_some());
        assert!(non_production_reason(None, "overlays/staging/app.yaml").is_some());
        assert!(non_production_reason(Some("default"), "overlays/production/app.yaml").is_none());
        assert!(non_production_reason(Some("prod"), "overlays/dev/app.yaml").is_none());
        // The file name is not a folder: `app-dev.yaml` alone says nothing.
        assert!(non_production_reason(None, "k8s/app-dev.yaml").is_none());
        assert!(non_production_reason(Some("shop"), "k8s/app.yaml").is_none());
    }
}
