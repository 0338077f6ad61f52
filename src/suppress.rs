//! Suppressions: what the user decided to accept, with a reason on record.
//!
//! - the annotation `creview.io/ignore: "SPOF-001=leader elected, HEALTH-005=sidecar"`
//!   on an object or its pod template;
//! - a comment `# creview: ignore[SPOF-001] reason` on the offending line or
//!   the line above, or `# creview: file-ignore[ID,...] reason` anywhere in a file;
//!   in Terraform (`#` or `//`), a comment on or above a block's first line
//!   also covers every finding of that block;
//! - a `[[waiver]]` in creview.toml (check, resource, reason, owner, expires).
//!
//! Suppressed findings stay in the report, marked, and never count toward the
//! exit code. A suppression that matched nothing is reported (INPUT-004) so
//! stale ones get cleaned up; an expired waiver stops suppressing and is
//! reported itself (INPUT-003).

use crate::finding::{Finding, Location, fingerprint};
use crate::model::Inventory;
use crate::source::Pos;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::HashMap;

pub const ANNOTATION: &str = "creview.io/ignore";

/// How a finding was suppressed, as serialized in the JSON report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Suppressed {
    /// `annotation`, `comment`, `file-comment` or `waiver`.
    pub by: &'static str,
    pub reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}

/// A waiver from the configuration, resolved to plain values.
#[derive(Clone, Debug)]
pub struct WaiverSpec {
    pub check: String,
    /// `namespace/Kind/name` or a glob over file paths.
    pub resource: String,
    pub reason: String,
    pub owner: Option<String>,
    /// `YYYY-MM-DD`.
    pub expires: Option<String>,
    /// Where it is written (for INPUT-003/004 findings).
    pub location: Location,
}

/// One suppression found in the input, and whether it was used.
#[derive(Clone, Debug)]
struct Entry {
    pattern: String,
    reason: String,
    by: &'static str,
    owner: Option<String>,
    expires: Option<String>,
    location: Location,
    /// For waivers: the `namespace/Kind/name` or path glob written.
    resource: Option<String>,
    used: bool,
}

/// Whether a check id is named by a suppression pattern (an id or a prefix
/// such as `SPOF`).
pub fn names(pattern: &str, id: &str) -> bool {
    let p = pattern.trim();
    p.eq_ignore_ascii_case("all")
        || id == p
        || id
            .strip_prefix(p)
            .is_some_and(|rest| rest.starts_with('-') || p.ends_with('-'))
}

/// Parses `SPOF-001=reason, HEALTH-005=other reason`. A comma starts a new
/// entry only when a check id (or category) follows it, so reasons may
/// contain commas.
pub fn parse_annotation(value: &str) -> Vec<(String, String)> {
    let id_like = |s: &str| {
        let s = s.trim();
        let (cat, num) = s.split_once('-').unwrap_or((s, ""));
        cat.len() >= 2
            && cat.bytes().all(|b| b.is_ascii_uppercase())
            && num.bytes().all(|b| b.is_ascii_digit())
    };
    let mut out: Vec<(String, String)> = Vec::new();
    for part in value.split(',') {
        let (head, reason) = part.split_once('=').unwrap_or((part, ""));
        if id_like(head) {
            out.push((head.trim().to_string(), reason.trim().to_string()));
        } else if let Some(last) = out.last_mut() {
            last.1 = format!("{}, {}", last.1, part.trim())
                .trim_start_matches(", ")
                .to_string();
        }
    }
    out
}

/// A suppression comment on a line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comment {
    pub ids: Vec<String>,
    pub reason: String,
    pub file_wide: bool,
    /// Column of the `#`.
    pub column: u32,
}

/// Parses `# creview: ignore[ID,...] reason` or `# creview: file-ignore[...]`.
pub fn parse_comment(line: &str) -> Option<Comment> {
    // `#` (YAML, HCL, properties) or `//` (HCL).
    [
        line.find('#').map(|i| (i, 1)),
        line.find("//").map(|i| (i, 2)),
    ]
    .into_iter()
    .flatten()
    .find_map(|(at, len)| parse_comment_at(line, at, len))
}

fn parse_comment_at(line: &str, hash: usize, len: usize) -> Option<Comment> {
    let rest = line[hash + len..].trim_start();
    let rest = rest.strip_prefix("creview:")?.trim_start();
    let (file_wide, rest) = if let Some(r) = rest.strip_prefix("file-ignore[") {
        (true, r)
    } else {
        (false, rest.strip_prefix("ignore[")?)
    };
    let close = rest.find(']')?;
    let ids: Vec<String> = rest[..close]
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    if ids.is_empty() {
        return None;
    }
    Some(Comment {
        ids,
        reason: rest[close + 1..].trim().to_string(),
        file_wide,
        column: line[..hash].chars().count() as u32 + 1,
    })
}

/// Every suppression of a run, matched against the findings.
pub struct Suppressions {
    /// By resource identity (`namespace/Kind/name`).
    annotations: HashMap<String, Vec<Entry>>,
    /// By file path: (line, entry) for line comments; file-wide entries.
    comments: HashMap<String, Vec<(u32, Entry)>>,
    file_wide: HashMap<String, Vec<Entry>>,
    /// Terraform blocks by resource identity: (path, line of the block's
    /// first line). A comment on or above that line covers every finding of
    /// the block, as HCL users write it (tfsec, checkov), not only the one
    /// on the next line.
    blocks: HashMap<String, (String, u32)>,
    waivers: Vec<(Entry, globset::GlobMatcher)>,
    expired: Vec<WaiverSpec>,
}

impl Suppressions {
    pub fn collect(inv: &Inventory, waivers: &[WaiverSpec], today: &str) -> Suppressions {
        let mut annotations: HashMap<String, Vec<Entry>> = HashMap::new();
        for r in &inv.resources {
            let mut places = vec![String::new()];
            if let Some(kind) = crate::model::k8s::WorkloadKind::of(&r.api_version, &r.kind)
                && !kind.template_pointer().is_empty()
            {
                places.push(kind.template_pointer().to_string());
            }
            for base in places {
                // Looked up by path first: the pointer text is built only for
                // the few resources that have the annotation.
                let Some(value) = r
                    .node
                    .pointer(&base)
                    .and_then(|n| n.path(&["metadata", "annotations", "creview.io/ignore"]))
                    .and_then(|n| n.as_str())
                else {
                    continue;
                };
                let pointer = format!("{base}/metadata/annotations/creview.io~1ignore");
                let pos = r.locate(&pointer);
                for (id, reason) in parse_annotation(value) {
                    annotations.entry(r.identity()).or_default().push(Entry {
                        pattern: id,
                        reason,
                        by: "annotation",
                        owner: None,
                        expires: None,
                        location: location(&inv.files[r.file].display, pos),
                        resource: None,
                        used: false,
                    });
                }
            }
        }
        let mut comments: HashMap<String, Vec<(u32, Entry)>> = HashMap::new();
        let mut file_wide: HashMap<String, Vec<Entry>> = HashMap::new();
        // Searching every file's text for the marker is most of this stage
        // on a large repository: done in parallel.
        let marked: Vec<&crate::source::SourceFile> = inv
            .files
            .par_iter()
            .filter(|f| f.text.contains("creview:"))
            .collect();
        for f in marked {
            for (i, line) in f.text.lines().enumerate() {
                let Some(c) = parse_comment(line) else {
                    continue;
                };
                let line_no = i as u32 + 1;
                for id in &c.ids {
                    let entry = Entry {
                        pattern: id.clone(),
                        reason: c.reason.clone(),
                        by: if c.file_wide {
                            "file-comment"
                        } else {
                            "comment"
                        },
                        owner: None,
                        expires: None,
                        location: location(&f.display, Pos::new(line_no, c.column)),
                        resource: None,
                        used: false,
                    };
                    if c.file_wide {
                        file_wide.entry(f.display.clone()).or_default().push(entry);
                    } else {
                        comments
                            .entry(f.display.clone())
                            .or_default()
                            .push((line_no, entry));
                    }
                }
            }
        }
        let blocks = inv
            .resources
            .iter()
            .filter(|r| r.api_version == "terraform")
            .filter(|r| comments.contains_key(&inv.files[r.file].display))
            .map(|r| {
                (
                    r.identity(),
                    (inv.files[r.file].display.clone(), r.node.pos.line),
                )
            })
            .collect();
        let mut active = Vec::new();
        let mut expired = Vec::new();
        for w in waivers {
            if w.expires.as_deref().is_some_and(|e| e < today) {
                expired.push(w.clone());
                continue;
            }
            let glob = globset::GlobBuilder::new(&w.resource)
                .literal_separator(false)
                .build()
                .unwrap_or_else(|_| globset::Glob::new("\u{0}").expect("a literal glob"))
                .compile_matcher();
            active.push((
                Entry {
                    pattern: w.check.clone(),
                    reason: w.reason.clone(),
                    by: "waiver",
                    owner: w.owner.clone(),
                    expires: w.expires.clone(),
                    location: w.location.clone(),
                    resource: Some(w.resource.clone()),
                    used: false,
                },
                glob,
            ));
        }
        Suppressions {
            annotations,
            comments,
            file_wide,
            blocks,
            waivers: active,
            expired,
        }
    }

    /// Marks the findings that a suppression covers. The first matching
    /// suppression wins, in the order annotation, comment, file comment, waiver.
    pub fn apply(&mut self, findings: &mut [Finding]) {
        for f in findings.iter_mut() {
            if f.check.starts_with("INPUT-") && f.check != "INPUT-001" && f.check != "INPUT-002" {
                continue;
            }
            let identity = f.resource.as_ref().map(|r| r.to_string());
            let hit = identity
                .as_ref()
                .and_then(|id| self.annotations.get_mut(id))
                .and_then(|list| list.iter_mut().find(|e| names(&e.pattern, &f.check)))
                .or_else(|| {
                    // On or above the finding's line; else on or above the
                    // first line of its Terraform block.
                    let mut spots = vec![(f.location.path.clone(), f.location.line)];
                    if let Some((path, start)) = identity.as_ref().and_then(|i| self.blocks.get(i))
                    {
                        spots.push((path.clone(), *start));
                    }
                    let (path, index) = spots.iter().find_map(|(path, at)| {
                        self.comments
                            .get(path)?
                            .iter()
                            .position(|(line, e)| {
                                (*line == *at || *line + 1 == *at) && names(&e.pattern, &f.check)
                            })
                            .map(|i| (path.clone(), i))
                    })?;
                    self.comments.get_mut(&path).map(|list| &mut list[index].1)
                })
                .or_else(|| {
                    self.file_wide
                        .get_mut(&f.location.path)
                        .and_then(|list| list.iter_mut().find(|e| names(&e.pattern, &f.check)))
                })
                .or_else(|| {
                    self.waivers
                        .iter_mut()
                        .find(|(e, glob)| {
                            names(&e.pattern, &f.check)
                                && (identity.is_some() && identity == e.resource
                                    || glob.is_match(&f.location.path))
                        })
                        .map(|(e, _)| e)
                });
            if let Some(e) = hit {
                e.used = true;
                f.suppressed = Some(Suppressed {
                    by: e.by,
                    reason: e.reason.clone(),
                    owner: e.owner.clone(),
                    expires: e.expires.clone(),
                });
            }
        }
    }

    /// Suppressions that matched nothing, among the checks that ran.
    pub fn unused(&self, ran: impl Fn(&str) -> bool) -> Vec<(Location, String)> {
        let all = self
            .annotations
            .values()
            .flatten()
            .chain(self.comments.values().flatten().map(|(_, e)| e))
            .chain(self.file_wide.values().flatten())
            .chain(self.waivers.iter().map(|(e, _)| e));
        let mut out: Vec<(Location, String)> = all
            .filter(|e| !e.used && ran(&e.pattern))
            .map(|e| {
                (
                    e.location.clone(),
                    format!(
                        "the {} suppressing `{}` matched no finding; remove it if the problem is fixed",
                        e.by, e.pattern
                    ),
                )
            })
            .collect();
        out.sort();
        out
    }

    pub fn expired(&self) -> &[WaiverSpec] {
        &self.expired
    }
}

fn location(path: &str, pos: Pos) -> Location {
    Location {
        path: path.to_string(),
        line: pos.line,
        column: pos.column,
    }
}

/// A finding about a suppression itself (INPUT-003, INPUT-004).
pub fn suppression_finding(
    spec: &crate::engine::catalog::CheckSpec,
    location: Location,
    message: String,
) -> Finding {
    Finding {
        fingerprint: fingerprint(&[&spec.id, &location.path, &message]),
        check: spec.id.clone(),
        slug: spec.slug.clone(),
        title: spec.title.clone(),
        severity: spec.severity,
        category: spec.category.clone(),
        message,
        location,
        resource: None,
        service: None,
        remediation: spec.remediation(),
        field_path: String::new(),
        severity_reasons: Vec::new(),
        suppressed: None,
        risk: None,
        baseline: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annotations() {
        assert_eq!(
            parse_annotation("SPOF-001=leader elected, HEALTH-005=sidecar,CAPACITY"),
            [
                ("SPOF-001".to_string(), "leader elected".to_string()),
                ("HEALTH-005".to_string(), "sidecar".to_string()),
                ("CAPACITY".to_string(), String::new()),
            ]
        );
        assert_eq!(
            parse_annotation("SPOF-001=blue/green pair, the other half is web-b"),
            [(
                "SPOF-001".to_string(),
                "blue/green pair, the other half is web-b".to_string()
            )]
        );
    }

    #[test]
    fn comments() {
        let c = parse_comment("  replicas: 1  # creview: ignore[SPOF-001, ROLLOUT-002] singleton")
            .unwrap();
        assert_eq!(c.ids, ["SPOF-001", "ROLLOUT-002"]);
        assert_eq!(c.reason, "singleton");
        assert!(!c.file_wide);
        assert_eq!(c.column, 16);
        let f = parse_comment("# creview: file-ignore[HEALTH] generated").unwrap();
        assert!(f.file_wide);
        assert!(parse_comment("# just a comment").is_none());
        assert!(parse_comment("# creview: ignore[] nothing").is_none());
        let hcl = parse_comment("  multi_az = false // creview: ignore[SPOF-005] dev").unwrap();
        assert_eq!(hcl.ids, ["SPOF-005"]);
        assert_eq!(hcl.column, 20);
        // A URL before a `#` comment is not a comment.
        let url =
            parse_comment("image: http://x/y  # creview: ignore[ROLLOUT-003] pinned").unwrap();
        assert_eq!(url.ids, ["ROLLOUT-003"]);
    }

    #[test]
    fn patterns() {
        assert!(names("SPOF-001", "SPOF-001"));
        assert!(names("SPOF", "SPOF-003"));
        assert!(!names("SPOF", "SPOFX-003"));
        assert!(!names("SPOF-001", "SPOF-002"));
        assert!(names("all", "HEALTH-001"));
    }
}

/// Today's date in UTC as `YYYY-MM-DD` (for waiver expiry and the report
/// date). `SOURCE_DATE_EPOCH` (the reproducible-builds convention) fixes it,
/// so a report can be regenerated byte for byte.
pub fn today() -> String {
    let fixed = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok());
    let secs = fixed.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
    });
    civil_date((secs / 86_400) as i64)
}

/// Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's algorithm).
fn civil_date(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod date_tests {
    #[test]
    fn civil_dates() {
        assert_eq!(super::civil_date(0), "1970-01-01");
        assert_eq!(super::civil_date(19_782), "2024-02-29");
        assert_eq!(super::civil_date(20_783), "2026-11-26");
    }
}

#[cfg(test)]
mod apply_tests {
    use super::*;
    use crate::finding::{ResourceRef, Severity};
    use crate::load::Loaded;
    use crate::source::{FileKind, SourceFile};

    fn inventory(text: &str) -> Inventory {
        let loaded = Loaded {
            files: vec![SourceFile::new(
                "app.yaml".into(),
                FileKind::Yaml,
                text.into(),
            )],
            documents: vec![crate::yaml::parse_stream(text, &Default::default()).documents],
            problems: Vec::new(),
        };
        crate::model::build_inventory(loaded, Vec::new(), &Default::default())
    }

    fn finding(check: &str, name: &str, line: u32) -> Finding {
        Finding {
            check: check.into(),
            slug: String::new(),
            title: String::new(),
            severity: Severity::High,
            category: String::new(),
            message: String::new(),
            location: Location {
                path: "app.yaml".into(),
                line,
                column: 3,
            },
            resource: Some(ResourceRef {
                kind: "Deployment".into(),
                namespace: "default".into(),
                name: name.into(),
            }),
            service: None,
            remediation: String::new(),
            field_path: String::new(),
            fingerprint: String::new(),
            severity_reasons: Vec::new(),
            suppressed: None,
            risk: None,
            baseline: false,
        }
    }

    #[test]
    fn pod_template_annotations_and_file_comments() {
        let inv = inventory(
            "# creview: file-ignore[CAPACITY] sized by the platform team\n\
             apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    metadata:\n      annotations:\n        creview.io/ignore: \"HEALTH-005=static files\"\n    spec:\n      containers: []\n",
        );
        let mut sup = Suppressions::collect(&inv, &[], "2026-01-01");
        let mut findings = vec![
            finding("HEALTH-005", "web", 12),
            finding("CAPACITY-001", "web", 12),
            finding("SPOF-001", "web", 6),
        ];
        sup.apply(&mut findings);
        assert_eq!(findings[0].suppressed.as_ref().unwrap().by, "annotation");
        assert_eq!(findings[1].suppressed.as_ref().unwrap().by, "file-comment");
        assert_eq!(
            findings[1].suppressed.as_ref().unwrap().reason,
            "sized by the platform team"
        );
        assert!(findings[2].suppressed.is_none());
        assert!(sup.unused(|_| true).is_empty());
    }

    #[test]
    fn a_comment_covers_its_line_and_the_next_only() {
        let inv =
            inventory("a: 1\n# creview: ignore[SPOF-001] one replica by design\nb: 2\nc: 3\n");
        let mut sup = Suppressions::collect(&inv, &[], "2026-01-01");
        let mut findings = vec![finding("SPOF-001", "x", 3), finding("SPOF-001", "y", 4)];
        sup.apply(&mut findings);
        assert!(findings[0].suppressed.is_some());
        assert!(findings[1].suppressed.is_none());
    }
}
