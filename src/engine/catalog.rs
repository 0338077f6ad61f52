//! The check file format: one YAML file per check, the same for the built-in
//! catalog and for users' own checks. Deserialized with positions so that a
//! mistake in a check file is reported at its line and column.

use crate::budget::decimal::Dec;
use crate::finding::Severity;
use crate::source::Pos;
use serde::Deserialize;
use serde_saphyr::Spanned;
use std::collections::BTreeMap;

/// A check file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CheckFile {
    pub id: Spanned<String>,
    pub slug: Spanned<String>,
    pub title: String,
    pub category: Spanned<String>,
    pub severity: Spanned<String>,
    #[serde(default)]
    pub targets: Vec<String>,
    /// `cel` (default) or `builtin`.
    #[serde(default)]
    pub engine: Option<Spanned<String>>,
    pub when: Option<Spanned<String>>,
    pub each: Option<Spanned<String>>,
    pub rule: Option<Spanned<String>>,
    pub field_path: Option<Spanned<String>>,
    pub message: Option<String>,
    pub message_expression: Option<Spanned<String>>,
    #[serde(default)]
    pub adjust: Vec<AdjustFile>,
    pub docs: Docs,
    #[serde(default)]
    pub references: Vec<String>,
    pub risk: Option<Risk>,
    #[serde(default)]
    pub params: BTreeMap<String, serde_json::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdjustFile {
    pub when: Spanned<String>,
    pub severity: Option<Spanned<String>>,
    pub lower: Option<u8>,
    pub reason: String,
}

/// Documentation shown by `creview explain` and in reports.
#[derive(Clone, Debug, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Docs {
    pub why: String,
    pub example: String,
    pub fix: String,
}

/// Risk defaults of a check: the events it makes likely, priced in the CRE
/// risk-catalog style (events per year x (TTD + TTR) x impact).
#[derive(Clone, Debug, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Risk {
    /// `standalone` (its own bad minutes) or `modifier` (lengthens the TTD/TTR
    /// of the service's other risks).
    #[serde(default = "standalone")]
    pub model: String,
    /// The events priced (for a modifier: its standalone equivalent, shown
    /// by `creview explain`).
    pub events: Vec<RiskEvent>,
    /// For a modifier: minutes added to the TTD and TTR of every other
    /// finding-derived risk of the service.
    #[serde(default)]
    pub modifies: Option<Modifies>,
}

#[derive(Clone, Debug, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Modifies {
    #[serde(default)]
    pub ttd_minutes: Option<Dec>,
    #[serde(default)]
    pub ttr_minutes: Option<Dec>,
}

fn standalone() -> String {
    "standalone".into()
}

#[derive(Clone, Debug, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct RiskEvent {
    pub name: String,
    pub frequency_per_year: Dec,
    pub ttd_minutes: Dec,
    pub ttr_minutes: Dec,
    pub impact: Dec,
    /// Where the numbers come from (baseline codes, sources).
    #[serde(default)]
    pub basis: String,
}

/// What `each` iterates over.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Each {
    /// App containers of the pod template (not init containers).
    Containers,
    /// Init containers.
    InitContainers,
    /// Both: app containers, then init containers.
    AllContainers,
    /// A JSONPath (RFC 9535) over the object.
    JsonPath(String),
}

/// A validated check specification.
#[derive(Clone, Debug)]
pub struct CheckSpec {
    pub id: String,
    pub slug: String,
    pub title: String,
    pub category: String,
    pub severity: Severity,
    pub targets: Vec<String>,
    pub builtin: bool,
    /// Produced by a pipeline stage (suppressions) rather than by logic run
    /// per object.
    pub pipeline: bool,
    pub when: Option<String>,
    pub each: Option<Each>,
    pub rule: Option<String>,
    /// JSON Pointer of the offending field (relative to `self` with `each`).
    pub field_pointer: String,
    pub message: Option<String>,
    pub message_expression: Option<String>,
    pub adjust: Vec<Adjust>,
    pub docs: Docs,
    pub references: Vec<String>,
    pub risk: Option<Risk>,
    pub params: BTreeMap<String, serde_json::Value>,
    /// Where the check came from (a path, or `builtin` + path).
    pub origin: String,
    /// Positions of expression fields in the check file, for errors.
    pub positions: BTreeMap<&'static str, Pos>,
    /// The first paragraph of `docs.fix` on one line (see `remediation`).
    remediation: String,
}

#[derive(Clone, Debug)]
pub struct Adjust {
    pub when: String,
    pub severity: Option<Severity>,
    pub lower: u8,
    pub reason: String,
    pub pos: Pos,
}

/// A mistake in a check file, at a position in it.
#[derive(Clone, Debug, thiserror::Error)]
#[error("{origin}:{pos}: {message}")]
pub struct CheckError {
    pub origin: String,
    pub pos: Pos,
    pub message: String,
}

pub const CATEGORIES: &[&str] = &[
    "SPOF", "HEALTH", "SHUTDOWN", "DISRUPT", "ROLLOUT", "CAPACITY", "DEPEND", "ALERT", "SLO",
    "DATA", "CONFIG", "OPS", "INPUT",
];

fn pos_of<T>(s: &Spanned<T>) -> Pos {
    Pos::new(s.referenced.line() as u32, s.referenced.column() as u32)
}

impl CheckSpec {
    /// Parses and validates a check file. Expressions are compiled later by
    /// the registry, which reports errors at the positions kept here.
    pub fn parse(text: &str, origin: &str) -> Result<CheckSpec, CheckError> {
        let err = |pos: Pos, message: String| CheckError {
            origin: origin.to_string(),
            pos,
            message,
        };
        let file: CheckFile =
            crate::yaml::from_str_typed(text).map_err(|(pos, message)| err(pos, message))?;

        let id = file.id.value.clone();
        let category = file.category.value.clone();
        if !CATEGORIES.contains(&category.as_str()) {
            return Err(err(
                pos_of(&file.category),
                format!(
                    "unknown category `{category}`; expected one of {}",
                    CATEGORIES.join(", ")
                ),
            ));
        }
        let valid_id = id
            .strip_prefix(&format!("{category}-"))
            .is_some_and(|n| n.len() == 3 && n.bytes().all(|b| b.is_ascii_digit()));
        if !valid_id {
            return Err(err(
                pos_of(&file.id),
                format!("check id `{id}` must be `{category}-NNN` (its category and three digits)"),
            ));
        }
        let slug_ok = !file.slug.value.is_empty()
            && file
                .slug
                .value
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !slug_ok {
            return Err(err(
                pos_of(&file.slug),
                "slug must be lowercase letters, digits and dashes".into(),
            ));
        }
        let severity = Severity::parse(&file.severity.value).ok_or_else(|| {
            err(
                pos_of(&file.severity),
                format!(
                    "unknown severity `{}`; expected critical, high, medium, low or info",
                    file.severity.value
                ),
            )
        })?;
        let (builtin, pipeline) = match file.engine.as_ref().map(|e| e.value.as_str()) {
            None | Some("cel") => (false, false),
            Some("builtin") => (true, false),
            Some("pipeline") if category == "INPUT" || category == "SLO" => (true, true),
            Some(other) => {
                return Err(err(
                    pos_of(file.engine.as_ref().expect("engine is set")),
                    format!("unknown engine `{other}`; expected `cel` or `builtin`"),
                ));
            }
        };
        let mut positions = BTreeMap::new();
        positions.insert("id", pos_of(&file.id));
        if builtin {
            if let Some(rule) = &file.rule {
                return Err(err(
                    pos_of(rule),
                    "a builtin check has no `rule`: its logic is in Rust".into(),
                ));
            }
        } else {
            let Some(rule) = &file.rule else {
                return Err(err(
                    pos_of(&file.id),
                    "a CEL check needs a `rule` (true means OK) or `engine: builtin`".into(),
                ));
            };
            positions.insert("rule", pos_of(rule));
            if file.targets.is_empty() {
                return Err(err(
                    pos_of(&file.id),
                    "a CEL check needs `targets`: the kinds it applies to".into(),
                ));
            }
        }
        if let Some(w) = &file.when {
            positions.insert("when", pos_of(w));
        }
        if let Some(m) = &file.message_expression {
            positions.insert("messageExpression", pos_of(m));
        }
        let each = match &file.each {
            None => None,
            Some(e) => {
                positions.insert("each", pos_of(e));
                Some(match e.value.as_str() {
                    "containers" => Each::Containers,
                    "initContainers" => Each::InitContainers,
                    "allContainers" => Each::AllContainers,
                    p if p.starts_with('$') => {
                        serde_json_path::JsonPath::parse(p)
                            .map_err(|x| err(pos_of(e), format!("invalid JSONPath: {x}")))?;
                        Each::JsonPath(p.to_string())
                    }
                    other => {
                        return Err(err(
                            pos_of(e),
                            format!(
                                "unknown `each` value `{other}`; use `containers`, `initContainers`, `allContainers` or a JSONPath starting with `$`"
                            ),
                        ));
                    }
                })
            }
        };
        if file.message.is_none() && file.message_expression.is_none() && !builtin {
            return Err(err(
                pos_of(&file.id),
                "a CEL check needs a `message` or a `messageExpression`".into(),
            ));
        }
        for (field, text) in [
            ("why", &file.docs.why),
            ("example", &file.docs.example),
            ("fix", &file.docs.fix),
        ] {
            if text.trim().is_empty() {
                return Err(err(pos_of(&file.id), format!("docs.{field} is empty")));
            }
        }
        let mut adjust = Vec::new();
        for a in file.adjust {
            let severity = match &a.severity {
                None => None,
                Some(s) => Some(
                    Severity::parse(&s.value)
                        .ok_or_else(|| err(pos_of(s), format!("unknown severity `{}`", s.value)))?,
                ),
            };
            if severity.is_none() && a.lower.is_none() {
                return Err(err(
                    pos_of(&a.when),
                    "an adjustment needs `severity` or `lower`".into(),
                ));
            }
            adjust.push(Adjust {
                pos: pos_of(&a.when),
                when: a.when.value,
                severity,
                lower: a.lower.unwrap_or(0),
                reason: a.reason,
            });
        }
        if let Some(risk) = &file.risk {
            if risk.model != "standalone" && risk.model != "modifier" {
                return Err(err(
                    pos_of(&file.id),
                    format!(
                        "risk.model `{}` must be `standalone` or `modifier`",
                        risk.model
                    ),
                ));
            }
            for ev in &risk.events {
                if ev.impact < Dec::ZERO || ev.impact > Dec::ONE {
                    return Err(err(
                        pos_of(&file.id),
                        format!("risk event `{}`: impact must be between 0 and 1", ev.name),
                    ));
                }
            }
        }
        let field_pointer = file
            .field_path
            .as_ref()
            .map(|f| crate::yaml::dotted_to_pointer(&f.value))
            .unwrap_or_default();
        let remediation = one_paragraph(&file.docs.fix);
        Ok(CheckSpec {
            id,
            slug: file.slug.value,
            title: file.title,
            category,
            severity,
            targets: file.targets,
            builtin,
            pipeline,
            when: file.when.map(|w| w.value),
            each,
            rule: file.rule.map(|r| r.value),
            field_pointer,
            message: file.message,
            message_expression: file.message_expression.map(|m| m.value),
            adjust,
            docs: file.docs,
            references: file.references,
            risk: file.risk,
            remediation,
            params: file.params,
            origin: origin.to_string(),
            positions,
        })
    }

    /// The one-paragraph remediation shown with each finding.
    pub fn remediation(&self) -> String {
        self.remediation.clone()
    }
}

/// The first paragraph of a text, on one line.
fn one_paragraph(text: &str) -> String {
    text.trim()
        .split("\n\n")
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
id: SPOF-901
slug: demo
title: Demo
category: SPOF
severity: high
targets: [Deployment]
rule: "true"
message: ok
docs:
  why: because
  example: x
  fix: |
    Do this.

    And more.
risk:
  events:
    - {name: e, frequency_per_year: 0.5, ttd_minutes: 0, ttr_minutes: 8, impact: 1.0}
"#;

    #[test]
    fn parses_a_valid_check() {
        let c = CheckSpec::parse(GOOD, "t.yaml").unwrap();
        assert_eq!(c.id, "SPOF-901");
        assert_eq!(c.severity, Severity::High);
        assert_eq!(c.remediation(), "Do this.");
        assert_eq!(
            c.risk.unwrap().events[0].frequency_per_year,
            Dec::parse("0.5").unwrap()
        );
    }

    #[test]
    fn errors_point_into_the_file() {
        let bad = GOOD.replace("severity: high", "severity: huge");
        let e = CheckSpec::parse(&bad, "t.yaml").unwrap_err();
        assert_eq!(e.pos.line, 6);
        assert!(e.message.contains("huge"), "{e}");

        let bad = GOOD.replace("title: Demo", "title: Demo\ncolour: red");
        let e = CheckSpec::parse(&bad, "t.yaml").unwrap_err();
        assert!(e.message.contains("colour"), "{e}");
        assert_eq!(e.pos.line, 5);

        let bad = GOOD.replace("id: SPOF-901", "id: SPOF-1");
        let e = CheckSpec::parse(&bad, "t.yaml").unwrap_err();
        assert_eq!(e.pos, Pos::new(2, 5));
    }
}
