//! Helpers shared by the application-config checks (DEPEND-*, and the app
//! side of HEALTH-002/004): one finding per offending setting even when
//! several applications share it (a config repository's
//! `application.yml`, a ConfigMap every service loads), with every secret
//! masked in the message.

use crate::engine::Hit;
use crate::finding::Severity;
use crate::model::ResourceId;
use crate::model::appconfig::mesh::Mesh;
use crate::model::appconfig::redact;
use crate::model::appconfig::view::{App, Setting};

struct Item {
    rid: ResourceId,
    pointer: String,
    core: String,
    apps: Vec<String>,
    note: String,
    lower: u8,
    severity: Option<Severity>,
    reasons: Vec<String>,
    secrets: Vec<String>,
}

/// Collects hits; a setting reported for several applications becomes one
/// hit that names them all.
#[derive(Default)]
pub struct Emitter {
    items: Vec<Item>,
}

/// How a hit's severity differs from the check's.
#[derive(Default, Clone)]
pub struct Adjust {
    pub lower: u8,
    pub severity: Option<Severity>,
    pub reasons: Vec<String>,
}

impl Adjust {
    pub fn none() -> Adjust {
        Adjust::default()
    }

    pub fn lower(reason: impl Into<String>) -> Adjust {
        Adjust {
            lower: 1,
            severity: None,
            reasons: vec![reason.into()],
        }
    }
}

impl Emitter {
    /// A finding at a setting of an application.
    pub fn at(&mut self, app: &App, s: &Setting, core: String, adjust: Adjust) {
        self.at_pointer(app, s.rid, s.pointer.clone(), core, adjust);
    }

    /// A finding at any field of a resource, about an application.
    pub fn at_pointer(
        &mut self,
        app: &App,
        rid: ResourceId,
        pointer: String,
        core: String,
        adjust: Adjust,
    ) {
        if let Some(item) = self
            .items
            .iter_mut()
            .find(|i| i.rid == rid && i.pointer == pointer)
        {
            if !item.apps.contains(&app.name) {
                item.apps.push(app.name.clone());
            }
            item.secrets.extend(app.secrets.iter().cloned());
            return;
        }
        self.items.push(Item {
            rid,
            pointer,
            core,
            apps: vec![app.name.clone()],
            note: app.note_at(rid),
            lower: adjust.lower,
            severity: adjust.severity,
            reasons: adjust.reasons,
            secrets: app.secrets.clone(),
        });
    }

    pub fn finish(self, hits: &mut Vec<Hit>) {
        for i in self.items {
            let note = if i.apps.len() > 1 {
                let names: Vec<String> = i.apps.iter().map(|a| format!("`{a}`")).collect();
                format!("[shared by apps {}]", names.join(", "))
            } else {
                i.note
            };
            let text = if note.is_empty() {
                i.core
            } else {
                format!("{} {note}", i.core)
            };
            let message = redact::message(&text, &i.secrets);
            let mut hit = Hit::resource(i.rid, i.pointer, message);
            hit.lower = i.lower;
            hit.severity = i.severity;
            hit.reasons = i.reasons;
            hits.push(hit);
        }
    }
}

/// `a`, `b` and `c` for messages (at most `max`, then "and N more").
pub fn list(items: &[String], max: usize) -> String {
    let shown: Vec<String> = items.iter().take(max).map(|s| format!("`{s}`")).collect();
    let more = items.len().saturating_sub(max);
    let mut out = shown.join(", ");
    if more > 0 {
        out.push_str(&format!(" and {more} more"));
    }
    out
}

/// A probe path as Spring Boot matches it: no query, no trailing slash.
fn normalize_path(path: &str) -> String {
    let p = path.split('?').next().unwrap_or(path).trim_end_matches('/');
    if p.is_empty() {
        "/".into()
    } else {
        p.to_string()
    }
}

/// Whether a probe path is one of a health group's paths.
pub fn on_group(paths: &[String], path: &str) -> bool {
    paths.contains(&normalize_path(path))
}

/// Whether a probe path is the app's aggregate health endpoint.
pub fn is_aggregate(app: &App, path: &str) -> bool {
    on_group(
        &crate::model::appconfig::spring::health_paths(app).aggregate,
        path,
    )
}

/// Runs `check` on every application that has config files (environment-only
/// applications are for the checks that read the environment), with the
/// mesh view, and emits one finding per offending setting.
pub fn each_configured_app(
    ctx: &crate::engine::Ctx<'_>,
    hits: &mut Vec<Hit>,
    check: impl Fn(&crate::engine::Ctx<'_>, &App, &Mesh, &mut Emitter),
) {
    let apps = ctx.derived.apps(true);
    if !apps.apps.iter().any(|a| a.has_config) {
        return;
    }
    let mesh = ctx.derived.mesh();
    let mut out = Emitter::default();
    for app in apps.apps.iter().filter(|a| a.has_config) {
        check(ctx, app, mesh, &mut out);
    }
    out.finish(hits);
}
