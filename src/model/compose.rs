//! docker-compose: every service of a compose project becomes a
//! [`Resource`] (`api_version: compose`, `kind: ComposeService`, named by the
//! service, in the namespace of its project) that is a service of the report.
//!
//! **Files.** `compose.yaml`, `compose.yml`, `docker-compose*.y*ml`,
//! `compose.*.y*ml`, and any YAML whose top level is a compose document (a
//! `services:` map of service maps and only compose top-level keys).
//!
//! **Projects.** The compose files of one folder are one project, named by
//! the folder. They are merged in compose order: the default file
//! (`compose.yaml`, `docker-compose.yml`, ...), then its override
//! (`docker-compose.override.yml`), then the other layers of the folder
//! (`docker-compose.monitoring.yml`, `app.yml`...), then production
//! variants (`docker-compose.prod.yml`). A production variant is used with
//! `-f base -f prod`, which skips the override, so when one exists the
//! override is left out. Development variants (`docker-compose.dev.yml`,
//! `-local`, `-test`, `-ci`, `-load`) are alternatives to the reviewed
//! configuration and are left out with a note, unless the folder has nothing
//! else. `extends` (same file or `file:`) is resolved first; `x-` fields,
//! anchors and `<<` merge keys are already expanded by the loader.
//!
//! **Where fields come from.** The merged node keeps each field's position in
//! the file that set it. The resource lives in the file that first defines
//! the service; for every other file that set a field, a
//! `ComposeServiceLayer` resource (same name, namespace and service, that
//! file, the same merged node) lets a finding on such a field point at the
//! right file and line ([`Facts::origin`]).
//!
//! **Production or development.** Decided per project and recorded on every
//! service under `x-creview` (see [`Facts`]) and as a note. Compose files are
//! mostly local development stacks, so without a production signal a project
//! is development. Production signals: a production file or folder name, Swarm
//! `deploy` settings, production settings (`NODE_ENV=production`, a
//! `.env.prod`), TLS certificates from an ACME resolver, restart policies,
//! resource limits, log rotation. Placeholder credentials
//! (`POSTGRES_PASSWORD=password`) outweigh restart policies and resource
//! limits, not the explicit production signals. Development signals win over the weaker
//! production ones: a development file or folder name, a comment saying the
//! file is for development, source code bind-mounted into a container,
//! `develop:` (compose watch), a `development` build target, dev servers
//! (`npm run dev`, `nodemon`, `--reload`), `NODE_ENV=development`.
//! Checks report development services at info level, saying why.

use super::datastore::{self, Engine};
use super::dockerfile;
use super::k8s::ImageRef;
use super::{Inventory, Reader, Resource};
use crate::finding::Note;
use crate::source::{FileId, FileKind, Pos};
use crate::yaml::{Entry, Node, Value, escape_segment, pointer_segments};
use std::collections::{BTreeMap, HashMap, HashSet};

pub const API_VERSION: &str = "compose";
pub const KIND: &str = "ComposeService";
/// The same service seen from another file of its project (see the module
/// docs); never checked itself.
pub const LAYER_KIND: &str = "ComposeServiceLayer";
/// The key under which the reader records its facts on a service's node.
pub const FACTS_KEY: &str = "x-creview";

const TOP_LEVEL: &[&str] = &[
    "version", "name", "services", "volumes", "networks", "secrets", "configs", "include", "models",
];

/// Keys of a compose service: a map with one of them is a service.
const SERVICE_KEYS: &[&str] = &[
    "image",
    "build",
    "command",
    "entrypoint",
    "environment",
    "env_file",
    "ports",
    "expose",
    "volumes",
    "depends_on",
    "restart",
    "healthcheck",
    "deploy",
    "container_name",
    "networks",
    "extends",
    "labels",
    "profiles",
    "links",
    "hostname",
    "working_dir",
    "user",
    "logging",
    "secrets",
    "configs",
    "mem_limit",
    "network_mode",
    "init",
    "develop",
    "stop_grace_period",
    "ulimits",
    "cap_add",
    "privileged",
    "tmpfs",
    "extra_hosts",
    "platform",
    "pull_policy",
];

const PROD_WORDS: &[&str] = &["prod", "production", "prd", "live", "release", "swarm"];
const DEV_WORDS: &[&str] = &[
    "dev",
    "develop",
    "development",
    "local",
    "debug",
    "test",
    "tests",
    "testing",
    "e2e",
    "ci",
    "load",
    "loadtest",
    "perf",
    "mock",
    "mocks",
    "sandbox",
    "staging",
    "stage",
    "qa",
    "demo",
];

/// Folder and file names of examples: what they run is documentation, a
/// starting point to copy, not a deployment.
const EXAMPLE_WORDS: &[&str] = &[
    "example",
    "examples",
    "sample",
    "samples",
    "quickstart",
    "playground",
    "tutorial",
    "tutorials",
];

fn words_of(name: &str) -> Vec<String> {
    name.to_ascii_lowercase()
        .split(['-', '_', '.', ' '])
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

// ---------------------------------------------------------------------------
// Finding compose files.

fn file_name(display: &str) -> &str {
    display.rsplit('/').next().unwrap_or(display)
}

fn dir_of(display: &str) -> &str {
    display.rsplit_once('/').map(|(d, _)| d).unwrap_or("")
}

fn is_yaml_name(lower: &str) -> bool {
    lower.ends_with(".yaml") || lower.ends_with(".yml")
}

/// `compose.yaml`, `docker-compose*.yml`, `compose.*.yaml`, `compose-*.yml`.
pub fn compose_named(display: &str) -> bool {
    let lower = file_name(display).to_ascii_lowercase();
    is_yaml_name(&lower)
        && (lower.starts_with("docker-compose")
            || lower.starts_with("compose.")
            || lower.starts_with("compose-")
            || lower.starts_with("compose_"))
}

/// A document is a compose file: a compose-named file with a `services:`
/// map, or any YAML whose top level is only compose keys with a `services:`
/// map of service maps.
pub fn is_compose(display: &str, root: &Node) -> bool {
    let top_ok = || {
        root.entries()
            .iter()
            .all(|e| TOP_LEVEL.contains(&e.key.as_str()) || e.key.starts_with("x-"))
    };
    let Some(services) = root.get("services") else {
        // A file that only includes other compose files.
        let includes = root.get("include").is_some_and(|i| !i.items().is_empty());
        return includes && (compose_named(display) || top_ok());
    };
    if !services.is_map() {
        return false;
    }
    if compose_named(display) {
        return true;
    }
    let top_ok = top_ok();
    let list = services.entries();
    top_ok
        && !list.is_empty()
        && list.iter().all(|e| {
            e.value.is_map()
                && e.value
                    .entries()
                    .iter()
                    .any(|k| SERVICE_KEYS.contains(&k.key.as_str()))
        })
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Role {
    Default,
    Override,
    Layer,
    Prod,
    Dev,
}

fn role(display: &str) -> Role {
    let lower = file_name(display).to_ascii_lowercase();
    let stem = lower
        .strip_suffix(".yaml")
        .or_else(|| lower.strip_suffix(".yml"))
        .unwrap_or(&lower);
    match stem {
        "compose" | "docker-compose" => return Role::Default,
        "compose.override" | "docker-compose.override" => return Role::Override,
        _ => {}
    }
    let rest = stem
        .strip_prefix("docker-compose")
        .or_else(|| stem.strip_prefix("compose"))
        .unwrap_or(stem);
    let words = words_of(rest);
    if words.iter().any(|w| PROD_WORDS.contains(&w.as_str())) {
        Role::Prod
    } else if words
        .iter()
        .any(|w| DEV_WORDS.contains(&w.as_str()) || EXAMPLE_WORDS.contains(&w.as_str()))
    {
        Role::Dev
    } else {
        Role::Layer
    }
}

struct ComposeFile {
    file: FileId,
    doc: usize,
    display: String,
    root: Node,
}

// ---------------------------------------------------------------------------
// A node tagged with the file each part comes from, for merging.

#[derive(Clone, Debug)]
struct T {
    file: FileId,
    pos: Pos,
    v: TV,
}

#[derive(Clone, Debug)]
enum TV {
    Leaf(Value),
    Seq(Vec<T>),
    Map(Vec<TE>),
}

#[derive(Clone, Debug)]
struct TE {
    key: String,
    key_pos: Pos,
    file: FileId,
    value: T,
}

impl T {
    fn from_node(n: &Node, file: FileId) -> T {
        let v = match &n.value {
            Value::Seq(items) => TV::Seq(items.iter().map(|i| T::from_node(i, file)).collect()),
            Value::Map(entries) => TV::Map(
                entries
                    .iter()
                    .map(|e| TE {
                        key: e.key.clone(),
                        key_pos: e.key_pos,
                        file,
                        value: T::from_node(&e.value, file),
                    })
                    .collect(),
            ),
            other => TV::Leaf(other.clone()),
        };
        T {
            file,
            pos: n.pos,
            v,
        }
    }

    fn to_node(&self) -> Node {
        let value = match &self.v {
            TV::Leaf(v) => v.clone(),
            TV::Seq(items) => Value::Seq(items.iter().map(T::to_node).collect()),
            TV::Map(entries) => Value::Map(
                entries
                    .iter()
                    .map(|e| Entry {
                        key: e.key.clone(),
                        key_pos: e.key_pos,
                        value: e.value.to_node(),
                    })
                    .collect(),
            ),
        };
        Node {
            value,
            pos: self.pos,
        }
    }

    /// Pointers of the parts that come from another file than their parent.
    fn origins(&self, parent: FileId, ptr: &str, out: &mut Vec<(String, FileId)>) {
        match &self.v {
            TV::Leaf(_) => {}
            TV::Seq(items) => {
                for (i, it) in items.iter().enumerate() {
                    let p = format!("{ptr}/{i}");
                    if it.file != parent {
                        out.push((p.clone(), it.file));
                    }
                    it.origins(it.file, &p, out);
                }
            }
            TV::Map(entries) => {
                for e in entries {
                    let p = format!("{ptr}/{}", escape_segment(&e.key));
                    if e.file != parent {
                        out.push((p.clone(), e.file));
                    }
                    e.value.origins(e.file, &p, out);
                }
            }
        }
    }

    fn get(&self, key: &str) -> Option<&T> {
        match &self.v {
            TV::Map(entries) => entries.iter().find(|e| e.key == key).map(|e| &e.value),
            _ => None,
        }
    }

    fn entry_file(&self, key: &str) -> Option<FileId> {
        match &self.v {
            TV::Map(entries) => entries.iter().find(|e| e.key == key).map(|e| e.file),
            _ => None,
        }
    }

    fn remove(&mut self, key: &str) {
        if let TV::Map(entries) = &mut self.v {
            entries.retain(|e| e.key != key);
        }
    }

    fn text(&self) -> Option<String> {
        match &self.v {
            TV::Leaf(v) => Node {
                value: v.clone(),
                pos: self.pos,
            }
            .scalar_text(),
            _ => None,
        }
    }
}

/// Fields whose value replaces the base's instead of merging with it.
const REPLACED: &[&str] = &["command", "entrypoint", "test"];
/// Sequences that are really maps (`KEY=value` items), merged by key.
const KEYED_LISTS: &[&str] = &[
    "environment",
    "labels",
    "extra_hosts",
    "sysctls",
    "annotations",
];

/// The key of a `KEY=value` (or `host:ip`) item.
fn item_key(field: &str, item: &T) -> Option<String> {
    let text = item.text()?;
    let sep = if field == "extra_hosts" {
        [':', '=']
    } else {
        ['=', '=']
    };
    Some(
        text.split_once(sep)
            .map(|(k, _)| k.to_string())
            .unwrap_or(text),
    )
}

/// The container path of a volume item (short or long syntax).
fn volume_target(item: &T) -> Option<String> {
    if let Some(t) = item.get("target") {
        return t.text();
    }
    let text = item.text()?;
    let parts: Vec<&str> = text.split(':').collect();
    Some(match parts.len() {
        1 => parts[0].to_string(),
        _ => parts[1].to_string(),
    })
}

/// A list turned into a map: `KEY=value` items (environment, labels) or
/// names (depends_on, networks), each keeping its position and file.
fn list_to_map(field: &str, t: &T) -> T {
    let TV::Seq(items) = &t.v else {
        return t.clone();
    };
    let entries = items
        .iter()
        .filter_map(|it| {
            let text = it.text()?;
            let (key, value) = if KEYED_LISTS.contains(&field) {
                let sep = if field == "extra_hosts" { ':' } else { '=' };
                match text.split_once(sep) {
                    Some((k, v)) => (k.to_string(), TV::Leaf(Value::Str(v.to_string()))),
                    None => (text.clone(), TV::Leaf(Value::Null)),
                }
            } else {
                (text.clone(), TV::Leaf(Value::Null))
            };
            Some(TE {
                key,
                key_pos: it.pos,
                file: it.file,
                value: T {
                    file: it.file,
                    pos: it.pos,
                    v: value,
                },
            })
        })
        .collect();
    T {
        file: t.file,
        pos: t.pos,
        v: TV::Map(entries),
    }
}

/// Merges `over` into `base` as compose merges an override into its base:
/// maps recursively, `command`/`entrypoint`/`healthcheck.test` replaced,
/// `KEY=value` lists by key, volumes by container path, other lists
/// appended without duplicates, scalars replaced.
fn merge(base: &mut T, over: T, field: &str) {
    match (&mut base.v, over.v) {
        (TV::Map(bentries), TV::Map(oentries)) => {
            for oe in oentries {
                match bentries.iter_mut().find(|b| b.key == oe.key) {
                    None => bentries.push(oe),
                    Some(be) => {
                        let replace = REPLACED.contains(&oe.key.as_str())
                            || matches!(oe.value.v, TV::Leaf(_))
                            || matches!(be.value.v, TV::Leaf(_));
                        if replace {
                            *be = oe;
                        } else {
                            let key = oe.key.clone();
                            // Mixed list/map forms: merge as maps.
                            let mixed = matches!(
                                (&be.value.v, &oe.value.v),
                                (TV::Seq(_), TV::Map(_)) | (TV::Map(_), TV::Seq(_))
                            );
                            let ov = if mixed {
                                be.value = list_to_map(&key, &be.value);
                                list_to_map(&key, &oe.value)
                            } else {
                                oe.value
                            };
                            merge(&mut be.value, ov, &key);
                        }
                    }
                }
            }
        }
        (TV::Seq(bitems), TV::Seq(oitems)) => {
            for oi in oitems {
                let same = |b: &T| -> bool {
                    if KEYED_LISTS.contains(&field) {
                        item_key(field, b).is_some() && item_key(field, b) == item_key(field, &oi)
                    } else if field == "volumes" {
                        volume_target(b).is_some() && volume_target(b) == volume_target(&oi)
                    } else {
                        b.to_node() == oi.to_node() || (b.text().is_some() && b.text() == oi.text())
                    }
                };
                match bitems.iter().position(same) {
                    Some(i) => bitems[i] = oi,
                    None => bitems.push(oi),
                }
            }
        }
        (_, v) => {
            base.v = v;
            base.file = over.file;
            base.pos = over.pos;
        }
    }
}

// ---------------------------------------------------------------------------
// Paths.

/// Joins a relative path to a folder and normalises `.` and `..`; `None`
/// when it leaves the scan root or is absolute or a URL.
fn join(dir: &str, rel: &str) -> Option<String> {
    if rel.starts_with('/') || rel.contains("://") || rel.starts_with("git@") || rel.contains('$') {
        return None;
    }
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for seg in rel.split(['/', '\\']) {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    Some(parts.join("/"))
}

// ---------------------------------------------------------------------------
// Reading services.

/// Splits a command string as compose does (no shell: quotes and
/// backslashes only).
pub fn split_command(s: &str) -> Vec<String> {
    super::words::split(s, true)
}

/// `command:` or `entrypoint:` as an argv: a list as is, a string split.
pub fn argv(node: Option<&Node>) -> Option<Vec<String>> {
    let n = node?;
    match &n.value {
        Value::Seq(items) => Some(items.iter().filter_map(Node::scalar_text).collect()),
        Value::Null => None,
        _ => n.scalar_text().map(|s| split_command(&s)),
    }
}

/// Environment variables: (name, value, pointer of the item or key).
pub fn env_vars(service: &Node) -> Vec<(String, Option<String>, String)> {
    let Some(env) = service.get("environment") else {
        return Vec::new();
    };
    match &env.value {
        Value::Map(entries) => entries
            .iter()
            .map(|e| {
                (
                    e.key.clone(),
                    e.value.scalar_text(),
                    format!("/environment/{}", escape_segment(&e.key)),
                )
            })
            .collect(),
        Value::Seq(items) => items
            .iter()
            .enumerate()
            .filter_map(|(i, it)| {
                let t = it.scalar_text()?;
                let (k, v) = match t.split_once('=') {
                    Some((k, v)) => (k.to_string(), Some(v.to_string())),
                    None => (t, None),
                };
                Some((k, v, format!("/environment/{i}")))
            })
            .collect(),
        _ => Vec::new(),
    }
}

pub fn env_var(service: &Node, name: &str) -> Option<String> {
    env_vars(service)
        .into_iter()
        .find(|(k, _, _)| k == name)
        .and_then(|(_, v, _)| v)
}

/// A `depends_on` entry.
#[derive(Clone, Debug)]
pub struct Dependency {
    pub service: String,
    /// `service_started` (the default), `service_healthy`,
    /// `service_completed_successfully`.
    pub condition: String,
    /// Written in the short syntax (a list of names).
    pub short: bool,
    pub pointer: String,
}

pub fn depends_on(service: &Node) -> Vec<Dependency> {
    let Some(d) = service.get("depends_on") else {
        return Vec::new();
    };
    match &d.value {
        Value::Seq(items) => items
            .iter()
            .enumerate()
            .filter_map(|(i, it)| {
                Some(Dependency {
                    service: it.scalar_text()?,
                    condition: "service_started".into(),
                    short: true,
                    pointer: format!("/depends_on/{i}"),
                })
            })
            .collect(),
        Value::Map(entries) => entries
            .iter()
            .map(|e| Dependency {
                service: e.key.clone(),
                condition: e
                    .value
                    .get("condition")
                    .and_then(Node::scalar_text)
                    .unwrap_or_else(|| "service_started".into()),
                short: e.value.is_null(),
                pointer: format!("/depends_on/{}", escape_segment(&e.key)),
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// What backs a container path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MountKind {
    /// A named volume (declared under the top-level `volumes:`).
    Named(String),
    /// A host path (persistent on that host).
    Bind(String),
    /// A volume without a name: created per container, orphaned by
    /// `docker compose down` and the next `up` starts empty.
    Anonymous,
    /// tmpfs: memory, gone on every stop.
    Tmpfs,
}

#[derive(Clone, Debug)]
pub struct Mount {
    pub kind: MountKind,
    pub target: String,
    pub pointer: String,
}

fn source_kind(source: &str) -> MountKind {
    let bind = source.starts_with('.')
        || source.starts_with('/')
        || source.starts_with('~')
        || source.starts_with('$')
        || source.contains('/')
        || source.contains('\\');
    if bind {
        MountKind::Bind(source.to_string())
    } else {
        MountKind::Named(source.to_string())
    }
}

/// The service's volumes and tmpfs mounts.
pub fn mounts(service: &Node) -> Vec<Mount> {
    let mut out = Vec::new();
    for (i, v) in service
        .get("volumes")
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let pointer = format!("/volumes/{i}");
        if v.is_map() {
            let Some(target) = v.get("target").and_then(Node::scalar_text) else {
                continue;
            };
            let source = v.get("source").and_then(Node::scalar_text);
            let kind = match v.get("type").and_then(Node::as_str) {
                Some("tmpfs") => MountKind::Tmpfs,
                Some("bind") => MountKind::Bind(source.unwrap_or_default()),
                Some("volume") | None => match source {
                    Some(s) if !s.is_empty() => source_kind(&s),
                    _ => MountKind::Anonymous,
                },
                // npipe, cluster, image: not a data directory we can judge.
                Some(_) => MountKind::Bind(source.unwrap_or_default()),
            };
            out.push(Mount {
                kind,
                target,
                pointer,
            });
        } else if let Some(text) = v.scalar_text() {
            // `[SOURCE:]TARGET[:MODE]`; a Windows drive letter is not a source.
            let parts: Vec<&str> = text.split(':').collect();
            let (source, target) = match parts.as_slice() {
                [t] => (None, *t),
                [d, rest @ ..] if d.len() == 1 && rest.len() >= 2 => {
                    (Some(format!("{d}:{}", rest[0])), rest[1])
                }
                [s, t, ..] => (Some(s.to_string()), *t),
                [] => continue,
            };
            out.push(Mount {
                kind: source.map_or(MountKind::Anonymous, |s| source_kind(&s)),
                target: target.to_string(),
                pointer,
            });
        }
    }
    match service.get("tmpfs").map(|t| &t.value) {
        Some(Value::Str(s)) => out.push(Mount {
            kind: MountKind::Tmpfs,
            target: s.split(':').next().unwrap_or(s).to_string(),
            pointer: "/tmpfs".into(),
        }),
        Some(Value::Seq(items)) => {
            for (i, it) in items.iter().enumerate() {
                if let Some(s) = it.scalar_text() {
                    out.push(Mount {
                        kind: MountKind::Tmpfs,
                        target: s.split(':').next().unwrap_or(&s).to_string(),
                        pointer: format!("/tmpfs/{i}"),
                    });
                }
            }
        }
        _ => {}
    }
    out
}

/// A restart policy as compose applies it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Restart {
    /// `restart` absent: the spec default, `no`.
    Absent,
    No,
    /// `always`, `unless-stopped`, `on-failure[:N]`, or a Swarm
    /// `deploy.restart_policy` other than `none`.
    Yes,
}

pub fn restart(service: &Node) -> Restart {
    let deploy = service
        .path(&["deploy", "restart_policy"])
        .filter(|p| !p.is_null());
    if let Some(p) = deploy {
        let cond = p
            .get("condition")
            .and_then(Node::scalar_text)
            .unwrap_or_else(|| "any".into());
        if cond != "none" {
            return Restart::Yes;
        }
    }
    match service.get("restart") {
        None => {
            if deploy.is_some() {
                Restart::No
            } else {
                Restart::Absent
            }
        }
        Some(r) => match r.scalar_text().as_deref() {
            None => Restart::Absent,
            Some("no") | Some("false") | Some("") => Restart::No,
            Some(_) => Restart::Yes,
        },
    }
}

/// The image a service runs as written (`None` when only built).
pub fn image(service: &Node) -> Option<String> {
    service
        .get("image")
        .and_then(Node::scalar_text)
        .filter(|s| !s.trim().is_empty())
}

/// `build:` as written (the string form is the context).
pub fn builds(service: &Node) -> bool {
    service.get("build").is_some_and(|b| !b.is_null())
}

/// Swarm placement: replicas spread by an orchestrator.
pub fn swarm_keys(service: &Node) -> Vec<&'static str> {
    let Some(d) = service.get("deploy") else {
        return Vec::new();
    };
    [
        "placement",
        "mode",
        "replicas",
        "update_config",
        "rollback_config",
        "endpoint_mode",
    ]
    .into_iter()
    .filter(|k| d.get(k).is_some_and(|v| !v.is_null()))
    .collect()
}

// ---------------------------------------------------------------------------
// Facts recorded on each service.

/// What the reader decided about a service, read from its node.
#[derive(Clone, Copy, Debug)]
pub struct Facts<'a> {
    node: &'a Node,
}

impl<'a> Facts<'a> {
    pub fn of(r: &'a Resource) -> Option<Facts<'a>> {
        if r.api_version != API_VERSION || (r.kind != KIND && r.kind != LAYER_KIND) {
            return None;
        }
        Some(Facts {
            node: r.node.get(FACTS_KEY)?,
        })
    }

    fn text(&self, key: &str) -> Option<&'a str> {
        self.node.get(key).and_then(Node::as_str)
    }

    pub fn project(&self) -> &'a str {
        self.text("project").unwrap_or_default()
    }

    /// Decided production (the project, and the service is not only
    /// started with a development profile).
    pub fn production(&self) -> bool {
        self.text("environment") == Some("production")
    }

    /// Why the service counts as production or development.
    pub fn environment_reason(&self) -> &'a str {
        self.text("environmentReason").unwrap_or_default()
    }

    /// Why the service is a one-shot task (a migration, an init job), if it
    /// is one.
    pub fn one_shot(&self) -> Option<&'a str> {
        self.text("oneShot")
    }

    /// Display path of the Dockerfile the service builds, when it is in the
    /// input.
    pub fn dockerfile(&self) -> Option<&'a str> {
        self.node
            .path(&["build", "dockerfile"])
            .and_then(Node::as_str)
    }

    /// The build target stage (`build.target`).
    pub fn build_target(&self) -> Option<&'a str> {
        self.node.path(&["build", "target"]).and_then(Node::as_str)
    }

    /// Why the Dockerfile of a built service could not be read, if it is
    /// built and its Dockerfile is not in the input.
    pub fn dockerfile_unknown(&self) -> Option<&'a str> {
        self.node.path(&["build", "unknown"]).and_then(Node::as_str)
    }

    /// The project places services with Swarm settings (replicas, placement).
    pub fn swarm(&self) -> bool {
        self.node
            .get("swarm")
            .and_then(Node::as_bool)
            .unwrap_or(false)
    }

    /// Display path of the file that set the field a pointer names (its
    /// deepest existing part), when that is not the service's own file.
    pub fn origin(&self, service: &Node, pointer: &str) -> Option<&'a str> {
        let origins = self.node.get("origins")?;
        // The deepest existing prefix of the pointer.
        let mut existing = String::new();
        let mut cur = service;
        for seg in pointer_segments(pointer) {
            let next = match &cur.value {
                Value::Map(_) => cur.get(&seg),
                Value::Seq(items) => seg.parse::<usize>().ok().and_then(|i| items.get(i)),
                _ => None,
            };
            match next {
                Some(n) => {
                    existing.push('/');
                    existing.push_str(&escape_segment(&seg));
                    cur = n;
                }
                None => break,
            }
        }
        origins
            .entries()
            .iter()
            .filter(|e| existing == e.key || existing.starts_with(&format!("{}/", e.key)))
            .max_by_key(|e| e.key.len())
            .and_then(|e| e.value.as_str())
    }
}

/// The stateful system a service runs: by its image, else by the base image
/// of the Dockerfile it builds.
pub fn engine(inv: &Inventory, r: &Resource) -> Option<(&'static Engine, ImageRef)> {
    let node = &r.node;
    if let Some(img) = image(node) {
        let image = ImageRef::parse(&img);
        if let Some(e) = datastore::engine_of_image(&image) {
            return Some((e, image));
        }
    }
    let facts = Facts::of(r)?;
    let df = dockerfile::resource_of(inv, facts.dockerfile()?)?;
    let parsed = dockerfile::Parsed::from_node(&inv.resources[df].node);
    let stage = parsed.target(facts.build_target())?;
    let image = ImageRef::parse(parsed.base_image(stage));
    datastore::engine_of_image(&image).map(|e| (e, image))
}

// ---------------------------------------------------------------------------
// Production or development.

const SOURCE_DIRS: &[&str] = &[
    "/app",
    "/usr/src/app",
    "/usr/src",
    "/usr/app",
    "/code",
    "/src",
    "/srv/app",
    "/workspace",
    "/workdir",
    "/home/node/app",
    "/home/app",
    "/opt/app",
    "/var/www/app",
    "/go/src",
    "/project",
    "/application",
    "/frontend",
    "/backend",
];

const DEV_COMMANDS: &[&str] = &[
    "npm run dev",
    "npm run start:dev",
    "npm run serve",
    "npm run watch",
    "yarn dev",
    "yarn serve",
    "yarn watch",
    "pnpm dev",
    "nodemon",
    "--reload",
    "runserver",
    "flask run",
    "ng serve",
    "webpack-dev-server",
    "webpack serve",
    "vite",
    "watchexec",
    "cargo watch",
    "dotnet watch",
    "spring-boot:run",
    "bootrun",
    "air",
    "reflex",
    "--watch",
    "debugpy",
    "--inspect",
];

const DEV_COMMENTS: &[&str] = &[
    "development purpose",
    "for development",
    "local development",
    "development only",
    "development environment",
    "dev only",
    "not for production",
    "not intended for production",
    "not meant for production",
    "not production ready",
    "not production-ready",
    "not suitable for production",
    "do not use in production",
    "do not use this in production",
    "don't use in production",
    "don't use this in production",
    "not be used in production",
    "for testing",
    "testing purpose",
    "local testing",
    "for local",
    "harden it for production",
];

#[derive(Default)]
struct Signals {
    prod_named: Option<String>,
    dev_named: Option<String>,
    dev_comment: Option<String>,
    dev: Vec<String>,
    swarm: Vec<String>,
    prod: Vec<String>,
    weak: Vec<String>,
    /// Placeholder credentials (`POSTGRES_PASSWORD=password`): a sample or
    /// a local stack. They outweigh the weak production hints, not the
    /// explicit ones.
    placeholder: Vec<String>,
    /// Long-running services, and how many of them have a restart policy.
    long_running: usize,
    kept: usize,
}

fn push_once(list: &mut Vec<String>, s: String) {
    if !list.contains(&s) {
        list.push(s);
    }
}

fn dev_comment(text: &str) -> Option<String> {
    for line in text.lines() {
        let t = line.trim();
        let Some(c) = t.strip_prefix('#') else {
            continue;
        };
        let lower = c.to_ascii_lowercase();
        if DEV_COMMENTS.iter().any(|p| lower.contains(p)) {
            let c = c.trim();
            let c = if c.chars().count() > 90 {
                format!("{}...", c.chars().take(87).collect::<String>())
            } else {
                c.to_string()
            };
            return Some(c);
        }
    }
    None
}

fn contains_word(hay: &str, needle: &str) -> bool {
    let hay = hay.to_ascii_lowercase();
    let mut start = 0;
    while let Some(i) = hay[start..].find(needle) {
        let at = start + i;
        let before = hay[..at].chars().next_back();
        let after = hay[at + needle.len()..].chars().next();
        let boundary = |c: Option<char>| c.is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_'));
        if boundary(before) && boundary(after) {
            return true;
        }
        start = at + needle.len();
    }
    false
}

/// The environment a variable's value names, for variables that name one.
fn env_setting(name: &str, value: &str) -> Option<bool> {
    let v = value.trim().to_ascii_lowercase();
    let names_env = matches!(
        name,
        "NODE_ENV"
            | "RAILS_ENV"
            | "RACK_ENV"
            | "APP_ENV"
            | "ENV"
            | "ENVIRONMENT"
            | "FLASK_ENV"
            | "ASPNETCORE_ENVIRONMENT"
            | "DOTNET_ENVIRONMENT"
            | "GO_ENV"
            | "MIX_ENV"
            | "SPRING_PROFILES_ACTIVE"
            | "QUARKUS_PROFILE"
            | "MICRONAUT_ENVIRONMENTS"
    );
    if names_env {
        let words = words_of(&v.replace(',', " "));
        if words
            .iter()
            .any(|w| matches!(w.as_str(), "prod" | "production"))
        {
            return Some(true);
        }
        if words
            .iter()
            .any(|w| matches!(w.as_str(), "dev" | "development" | "local" | "debug"))
        {
            return Some(false);
        }
        return None;
    }
    let truthy = matches!(v.as_str(), "1" | "true" | "yes" | "on");
    if matches!(name, "FLASK_DEBUG" | "DEBUG" | "DJANGO_DEBUG" | "APP_DEBUG") && truthy {
        return Some(false);
    }
    None
}

/// A secret variable set to a well-known placeholder value: nobody
/// deploys `POSTGRES_PASSWORD=password` on purpose. Messages name the
/// variable, never its value.
fn is_placeholder_secret(name: &str, value: &str) -> bool {
    const PLACEHOLDERS: &[&str] = &[
        "password",
        "passw0rd",
        "pass",
        "secret",
        "changeme",
        "change_me",
        "changeit",
        "example",
        "admin",
        "root",
        "test",
        "123456",
        "12345678",
        "postgres",
        "mysql",
        "guest",
    ];
    let upper = name.to_ascii_uppercase();
    (upper.contains("PASSWORD") || upper.ends_with("_PASS") || upper.ends_with("_SECRET"))
        && PLACEHOLDERS.contains(&value.trim().to_ascii_lowercase().as_str())
}

fn service_signals(name: &str, node: &Node, one_shot: bool, sig: &mut Signals) {
    // Source code bind-mounted over the app's folder: live reload.
    for m in mounts(node) {
        if let MountKind::Bind(src) = &m.kind {
            let relative = src.starts_with('.');
            let target = m.target.trim_end_matches('/');
            // The app's own folder (or its `src`), not a data or config
            // folder inside it.
            let code_dir = SOURCE_DIRS.contains(&target) || target.ends_with("/src");
            let last = src.trim_end_matches('/').rsplit('/').next().unwrap_or("");
            let file_like = last.contains('.') && last != "." && last != "..";
            if relative && code_dir && !file_like {
                push_once(
                    &mut sig.dev,
                    format!(
                        "source code is bind-mounted into `{name}` (`{src}:{}`)",
                        m.target
                    ),
                );
            }
        }
    }
    if node.get("develop").is_some() {
        push_once(
            &mut sig.dev,
            format!("`{name}` has a `develop:` (compose watch) section"),
        );
    }
    if let Some(t) = node.path(&["build", "target"]).and_then(Node::scalar_text) {
        let w = words_of(&t);
        if w.iter()
            .any(|w| matches!(w.as_str(), "dev" | "development" | "develop" | "debug"))
        {
            push_once(&mut sig.dev, format!("`{name}` builds the `{t}` target"));
        }
    }
    for field in ["command", "entrypoint"] {
        if let Some(words) = argv(node.get(field)) {
            let line = words.join(" ");
            if let Some(d) = DEV_COMMANDS.iter().find(|d| contains_word(&line, d)) {
                push_once(
                    &mut sig.dev,
                    format!("`{name}` runs a development server (`{d}`)"),
                );
            }
        }
    }
    for (k, v, _) in env_vars(node) {
        let Some(v) = v else { continue };
        if is_placeholder_secret(&k, &v) {
            push_once(
                &mut sig.placeholder,
                format!("`{name}` sets `{k}` to a well-known placeholder value"),
            );
        }
        match env_setting(&k, &v) {
            Some(true) => push_once(&mut sig.prod, format!("`{name}` sets `{k}={v}`")),
            Some(false) => push_once(&mut sig.dev, format!("`{name}` sets `{k}={v}`")),
            None => {}
        }
    }
    for f in node
        .get("env_file")
        .map(|e| match &e.value {
            Value::Seq(items) => items
                .iter()
                .filter_map(|i| {
                    i.scalar_text()
                        .or_else(|| i.get("path").and_then(Node::scalar_text))
                })
                .collect(),
            _ => e.scalar_text().into_iter().collect::<Vec<_>>(),
        })
        .unwrap_or_default()
    {
        let w = words_of(file_name(&f));
        if w.iter().any(|w| PROD_WORDS.contains(&w.as_str())) {
            push_once(
                &mut sig.prod,
                format!("`{name}` reads the production env file `{f}`"),
            );
        } else if w
            .iter()
            .any(|w| matches!(w.as_str(), "dev" | "development" | "local"))
        {
            push_once(
                &mut sig.dev,
                format!("`{name}` reads the development env file `{f}`"),
            );
        }
    }
    let labels = node
        .get("labels")
        .map(|l| l.to_json().to_string())
        .unwrap_or_default();
    if labels.contains("certresolver") || labels.to_ascii_lowercase().contains("letsencrypt") {
        push_once(
            &mut sig.prod,
            format!("`{name}` gets TLS certificates from an ACME resolver"),
        );
    }
    let keys = swarm_keys(node);
    if !keys.is_empty() {
        push_once(
            &mut sig.swarm,
            format!(
                "`{name}` has Swarm settings (`deploy.{}`)",
                keys.join("`, `deploy.")
            ),
        );
    }
    let restarts = restart(node) == Restart::Yes;
    if restarts {
        let how = node
            .get("restart")
            .and_then(Node::scalar_text)
            .map(|r| format!("`restart: {r}`"))
            .unwrap_or_else(|| "`deploy.restart_policy`".into());
        push_once(&mut sig.weak, format!("{how} on `{name}`"));
    }
    if node.path(&["deploy", "resources"]).is_some() || node.get("mem_limit").is_some() {
        push_once(&mut sig.weak, format!("resource limits on `{name}`"));
    }
    if node.path(&["logging", "options"]).is_some() {
        push_once(&mut sig.weak, format!("log rotation on `{name}`"));
    }
    if !one_shot {
        sig.long_running += 1;
        if restarts {
            sig.kept += 1;
        }
    }
}

/// Production (`true`) or development, and why.
fn decide(sig: &Signals) -> (bool, String) {
    let list = |v: &[String]| {
        let shown: Vec<&str> = v.iter().take(3).map(String::as_str).collect();
        let more = v.len().saturating_sub(3);
        if more > 0 {
            format!("{} and {more} more", shown.join("; "))
        } else {
            shown.join("; ")
        }
    };
    if let Some(n) = &sig.prod_named {
        return (true, n.clone());
    }
    if let Some(n) = &sig.dev_named {
        return (false, n.clone());
    }
    if let Some(c) = &sig.dev_comment {
        return (false, format!("a comment says so: \"{c}\""));
    }
    if !sig.swarm.is_empty() {
        return (true, format!("deployed with Swarm: {}", list(&sig.swarm)));
    }
    if !sig.dev.is_empty() {
        let over = if sig.prod.is_empty() && sig.weak.is_empty() {
            String::new()
        } else {
            " (these outweigh the production hints)".to_string()
        };
        return (false, format!("{}{over}", list(&sig.dev)));
    }
    if !sig.prod.is_empty() {
        return (true, list(&sig.prod));
    }
    if !sig.placeholder.is_empty() {
        let over = if sig.weak.is_empty() {
            String::new()
        } else {
            format!(" (this outweighs {})", list(&sig.weak))
        };
        return (false, format!("{}{over}", list(&sig.placeholder)));
    }
    // A restart policy on the database alone is a copied default, and
    // memory limits keep JVMs off a laptop's swap: a deployment keeps more
    // than half of its long-running services running.
    if !sig.weak.is_empty() && sig.kept * 2 > sig.long_running {
        return (
            true,
            format!("kept running as a deployment would be: {}", list(&sig.weak)),
        );
    }
    if !sig.weak.is_empty() {
        return (
            false,
            format!(
                "no production signal beyond {} (restart policies on {} of {} long-running services): compose files default to a local development stack",
                list(&sig.weak),
                sig.kept,
                sig.long_running
            ),
        );
    }
    (
        false,
        "no production signal (no restart policy, no deploy or resource settings, no production file name or settings): compose files default to a local development stack".into(),
    )
}

// ---------------------------------------------------------------------------
// One-shot services.

const ONE_SHOT_WORDS: &[&str] = &[
    "init",
    "migrate",
    "migration",
    "migrations",
    "migrator",
    "setup",
    "seed",
    "seeder",
    "seeding",
    "bootstrap",
    "provision",
    "provisioner",
    "loader",
    "populate",
    "importer",
    "oneshot",
    "job",
    "createbuckets",
    "create",
];

const ONE_SHOT_COMMANDS: &[&str] = &[
    "migrate",
    "db:migrate",
    "db:seed",
    "alembic upgrade",
    "flyway",
    "liquibase",
    "prisma migrate",
];

fn one_shot(name: &str, node: &Node, completed_by: &HashSet<String>) -> Option<String> {
    if completed_by.contains(name) {
        return Some(
            "other services wait for it to complete (`service_completed_successfully`)".into(),
        );
    }
    if let Some(w) = words_of(name)
        .iter()
        .find(|w| ONE_SHOT_WORDS.contains(&w.as_str()))
    {
        return Some(format!("its name says it is a one-shot task (`{w}`)"));
    }
    if let Some(img) = image(node) {
        let repo = ImageRef::parse(&img).repository.to_ascii_lowercase();
        let last = repo.rsplit('/').next().unwrap_or(&repo);
        if words_of(last)
            .iter()
            .any(|w| matches!(w.as_str(), "flyway" | "liquibase" | "migrate"))
        {
            return Some(format!("its image `{img}` runs migrations"));
        }
    }
    for field in ["command", "entrypoint"] {
        if let Some(words) = argv(node.get(field)) {
            let line = words.join(" ");
            if let Some(c) = ONE_SHOT_COMMANDS.iter().find(|c| contains_word(&line, c)) {
                return Some(format!("its command runs migrations (`{c}`)"));
            }
        }
    }
    None
}

// ---------------------------------------------------------------------------
// The reader.

pub struct ComposeReader;

struct Project {
    namespace: String,
    files: Vec<usize>,
    /// Service name -> (merged tree, home file index).
    services: Vec<(String, T, usize)>,
    /// Index of each service in `services`, by name.
    by_name: HashMap<String, usize>,
}

fn str_node(s: &str, pos: Pos) -> Node {
    Node {
        value: Value::Str(s.to_string()),
        pos,
    }
}

fn entry(key: &str, value: Node) -> Entry {
    Entry {
        key: key.to_string(),
        key_pos: value.pos,
        value,
    }
}

impl Reader for ComposeReader {
    fn name(&self) -> &'static str {
        "compose"
    }

    fn read(&self, inv: &mut Inventory) {
        let mut files: Vec<ComposeFile> = Vec::new();
        let mut seen: HashSet<FileId> = HashSet::new();
        for d in &inv.other_documents {
            let display = &inv.files[d.file].display;
            if inv.files[d.file].kind == FileKind::Yaml
                && !seen.contains(&d.file)
                && is_compose(display, &d.node)
            {
                seen.insert(d.file);
                files.push(ComposeFile {
                    file: d.file,
                    doc: d.doc,
                    display: display.clone(),
                    root: d.node.clone(),
                });
            }
        }
        if files.is_empty() {
            return;
        }
        // Files another project includes are reviewed as part of it.
        let mut included_by: BTreeMap<usize, usize> = BTreeMap::new();
        for fi in 0..files.len() {
            for i in includes(&files, fi) {
                if i != fi {
                    included_by.entry(i).or_insert(fi);
                }
            }
        }
        // A folder whose every compose file another project includes is
        // reviewed only there; otherwise it stays a project of its own.
        let mut folder_included: BTreeMap<&str, bool> = BTreeMap::new();
        for (i, f) in files.iter().enumerate() {
            let all = folder_included.entry(dir_of(&f.display)).or_insert(true);
            *all &= included_by.contains_key(&i);
        }
        let mut notes = Vec::new();
        let mut by_dir: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, f) in files.iter().enumerate() {
            let skip = folder_included
                .get(dir_of(&f.display))
                .copied()
                .unwrap_or(false);
            if let Some(by) = included_by.get(&i).filter(|_| skip) {
                notes.push(Note {
                    path: f.display.clone(),
                    line: None,
                    message: format!(
                        "compose: reviewed as part of the project of {}, which includes it",
                        files[*by].display
                    ),
                });
                continue;
            }
            by_dir
                .entry(dir_of(&f.display).to_string())
                .or_default()
                .push(i);
        }
        let mut resources = Vec::new();
        for (dir, members) in by_dir {
            read_project(inv, &files, &dir, members, &mut resources, &mut notes);
        }
        // Link built Dockerfiles to the first service that builds them.
        for r in &resources {
            let Some(f) = Facts::of(r) else { continue };
            if r.kind != KIND {
                continue;
            }
            if let Some(df) = f.dockerfile().and_then(|d| dockerfile::resource_of(inv, d)) {
                let d = &mut inv.resources[df];
                if d.service_hint.is_none() {
                    d.service_hint = Some(r.name.clone());
                    d.namespace = r.namespace.clone();
                }
            }
        }
        // Each service's own resource comes first, before its layers and
        // the Dockerfiles linked to it: code that anchors a service on its
        // first resource then anchors it on the compose service.
        let mut tail = Vec::new();
        while inv
            .resources
            .last()
            .is_some_and(|r| r.api_version == dockerfile::API_VERSION && r.kind == dockerfile::KIND)
        {
            tail.extend(inv.resources.pop());
        }
        tail.reverse();
        resources.sort_by_key(|r| r.kind == LAYER_KIND);
        inv.resources.extend(resources);
        inv.resources.extend(tail);
        // Several projects may hit the same unresolved `extends`.
        for n in notes {
            if !inv.notes.contains(&n) {
                inv.notes.push(n);
            }
        }
    }
}

fn read_project(
    inv: &Inventory,
    files: &[ComposeFile],
    dir: &str,
    mut members: Vec<usize>,
    resources: &mut Vec<Resource>,
    notes: &mut Vec<Note>,
) {
    members.sort_by_key(|&i| (role(&files[i].display), files[i].display.clone()));
    let has_prod = members
        .iter()
        .any(|&i| role(&files[i].display) == Role::Prod);
    // Files whose services other files only extend (`common.yml`) are
    // bases, not layers of the project.
    let bases = extends_targets(files);
    let only_bases = |i: usize| {
        let services = files[i]
            .root
            .get("services")
            .map(Node::entries)
            .unwrap_or_default();
        !services.is_empty() && services.iter().all(|e| bases.contains(&(i, e.key.clone())))
    };
    let mut included: Vec<usize> = Vec::new();
    let mut left_out: Vec<(usize, &str)> = Vec::new();
    for &i in &members {
        match role(&files[i].display) {
            Role::Layer if only_bases(i) => left_out.push((
                i,
                "its services are only bases that other files `extends`, reviewed there",
            )),
            Role::Dev => left_out.push((i, "a development variant used instead of it with `-f`")),
            Role::Override if has_prod => left_out.push((
                i,
                "the override file, which `-f <base> -f <production file>` does not apply",
            )),
            _ => included.push(i),
        }
    }
    let only_dev = included.is_empty();
    if only_dev {
        included = members.clone();
        left_out.clear();
    }
    let namespace = if dir.is_empty() {
        included
            .iter()
            .find_map(|&i| files[i].root.get("name").and_then(Node::as_str))
            .filter(|n| !n.is_empty() && !n.contains('$'))
            .unwrap_or("default")
            .to_string()
    } else {
        dir.to_string()
    };
    let mut project = Project {
        namespace,
        files: included.clone(),
        services: Vec::new(),
        by_name: HashMap::new(),
    };
    let mut visited = HashSet::new();
    for &fi in &included {
        add_services(files, fi, &mut project, &mut visited, notes);
    }
    for (i, why) in &left_out {
        notes.push(Note {
            path: files[*i].display.clone(),
            line: None,
            message: format!(
                "compose: not merged into project `{}`: {why}",
                project.namespace
            ),
        });
    }

    // Production or development.
    let mut sig = Signals::default();
    let mut folder_words = words_of(&dir.replace('/', " "));
    folder_words.retain(|w| !w.is_empty());
    for &fi in &project.files {
        if role(&files[fi].display) == Role::Prod {
            sig.prod_named = Some(format!(
                "the production file `{}` is part of it",
                file_name(&files[fi].display)
            ));
        }
    }
    if sig.prod_named.is_none() {
        for seg in dir.split('/') {
            let w = words_of(seg);
            if w.iter().any(|w| PROD_WORDS.contains(&w.as_str())) {
                sig.prod_named = Some(format!("its folder `{seg}` names production"));
            }
        }
    }
    if only_dev {
        sig.dev_named = Some(format!(
            "its only compose files are named for development (`{}`)",
            file_name(&files[included[0]].display)
        ));
    }
    if sig.dev_named.is_none() {
        for seg in dir.split('/') {
            let w = words_of(seg);
            if w.iter().any(|w| EXAMPLE_WORDS.contains(&w.as_str())) {
                sig.dev_named = Some(format!(
                    "its folder `{seg}` holds an example, not a deployment"
                ));
            } else if w
                .iter()
                .any(|w| DEV_WORDS.contains(&w.as_str()) && w != "demo")
            {
                sig.dev_named = Some(format!(
                    "its folder `{seg}` names a non-production environment"
                ));
            }
        }
    }
    for &fi in &project.files {
        if let Some(c) = dev_comment(&inv.files[files[fi].file].text) {
            sig.dev_comment = Some(format!("{c} ({})", file_name(&files[fi].display)));
            break;
        }
    }
    let nodes: Vec<(String, Node)> = project
        .services
        .iter()
        .map(|(n, t, _)| (n.clone(), t.to_node()))
        .collect();
    // Services other services wait for to complete.
    let mut completed_by: HashSet<String> = HashSet::new();
    for (_, node) in &nodes {
        for d in depends_on(node) {
            if d.condition == "service_completed_successfully" {
                completed_by.insert(d.service);
            }
        }
    }
    for (name, node) in &nodes {
        let short_lived = one_shot(name, node, &completed_by).is_some();
        service_signals(name, node, short_lived, &mut sig);
    }
    let (production, reason) = decide(&sig);
    let swarm = !sig.swarm.is_empty();
    let first_display = files[project.files[0]].display.clone();
    notes.push(Note {
        path: first_display,
        line: None,
        message: format!(
            "compose project `{}` ({}) reviewed as {}: {reason}{}",
            project.namespace,
            project
                .files
                .iter()
                .map(|&i| {
                    let d = &files[i].display;
                    if dir_of(d) == dir {
                        file_name(d).to_string()
                    } else {
                        d.clone()
                    }
                })
                .collect::<Vec<_>>()
                .join(" + "),
            if production {
                "production"
            } else {
                "a development stack"
            },
            if production {
                ""
            } else {
                "; its findings are info only"
            }
        ),
    });

    for ((name, t, home), (_, mut node)) in project.services.iter().zip(nodes) {
        // Neither an image nor a build (an `extends` that did not resolve):
        // there is nothing to review.
        if image(&node).is_none() && !builds(&node) {
            notes.push(Note {
                path: files[*home].display.clone(),
                line: Some(node.pos.line),
                message: format!(
                    "compose: service `{name}` of project `{}` has neither `image` nor `build`; skipped",
                    project.namespace
                ),
            });
            continue;
        }
        let home_file = files[*home].file;
        let mut origins = Vec::new();
        t.origins(home_file, "", &mut origins);
        let mut facts = vec![entry("project", str_node(&project.namespace, node.pos))];
        // Environment of the service: its project's, unless only a
        // development profile starts it.
        let dev_profile = node
            .get("profiles")
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .filter_map(Node::scalar_text)
            .find(|p| {
                words_of(p)
                    .iter()
                    .any(|w| DEV_WORDS.contains(&w.as_str()) || w == "tools")
            });
        let (env, why) = match (&dev_profile, production) {
            (Some(p), _) => ("development", format!("only the `{p}` profile starts it")),
            (None, true) => (
                "production",
                format!(
                    "compose project `{}` is production: {reason}",
                    project.namespace
                ),
            ),
            (None, false) => (
                "development",
                format!(
                    "compose project `{}` is a development stack: {reason}",
                    project.namespace
                ),
            ),
        };
        facts.push(entry("environment", str_node(env, node.pos)));
        facts.push(entry("environmentReason", str_node(&why, node.pos)));
        if let Some(r) = one_shot(name, &node, &completed_by) {
            facts.push(entry("oneShot", str_node(&r, node.pos)));
        }
        facts.push(entry(
            "swarm",
            Node {
                value: Value::Bool(swarm),
                pos: node.pos,
            },
        ));
        if let Some(b) = build_facts(inv, files, t, node.pos) {
            facts.push(entry("build", b));
        }
        let mut layer_files: Vec<FileId> = Vec::new();
        let origin_entries = origins
            .iter()
            .map(|(p, f)| {
                if !layer_files.contains(f) {
                    layer_files.push(*f);
                }
                Entry {
                    key: p.clone(),
                    key_pos: node.pos,
                    value: str_node(&inv.files[*f].display, node.pos),
                }
            })
            .collect();
        facts.push(entry(
            "origins",
            Node {
                value: Value::Map(origin_entries),
                pos: node.pos,
            },
        ));
        let facts_node = Node {
            value: Value::Map(facts),
            pos: node.pos,
        };
        if let Value::Map(entries) = &mut node.value {
            entries.retain(|e| e.key != FACTS_KEY);
            entries.push(Entry {
                key: FACTS_KEY.into(),
                key_pos: node.pos,
                value: facts_node,
            });
        }
        for f in layer_files {
            let doc = files.iter().find(|c| c.file == f).map_or(0, |c| c.doc);
            resources.push(Resource {
                file: f,
                doc,
                api_version: API_VERSION.into(),
                kind: LAYER_KIND.into(),
                name: name.clone(),
                namespace: project.namespace.clone(),
                namespace_explicit: false,
                node: node.clone(),
                service_hint: Some(name.clone()),
            });
        }
        resources.push(Resource {
            file: home_file,
            doc: files[*home].doc,
            api_version: API_VERSION.into(),
            kind: KIND.into(),
            name: name.clone(),
            namespace: project.namespace.clone(),
            namespace_explicit: false,
            node,
            service_hint: Some(name.clone()),
        });
    }
}

/// The services (file index, name) that a service of another file
/// extends.
fn extends_targets(files: &[ComposeFile]) -> HashSet<(usize, String)> {
    let mut out = HashSet::new();
    for (fi, f) in files.iter().enumerate() {
        for e in f
            .root
            .get("services")
            .map(Node::entries)
            .unwrap_or_default()
        {
            let Some(ext) = e.value.get("extends") else {
                continue;
            };
            let (Some(path), Some(svc)) = (
                ext.get("file").and_then(Node::scalar_text),
                ext.get("service").and_then(Node::scalar_text),
            ) else {
                continue;
            };
            if let Some(t) = join(dir_of(&f.display), &path)
                .and_then(|t| files.iter().position(|x| x.display == t))
                .filter(|t| *t != fi)
            {
                out.insert((t, svc));
            }
        }
    }
    out
}

/// The compose files a file includes (`include:`), as indices.
fn includes(files: &[ComposeFile], fi: usize) -> Vec<usize> {
    let Some(inc) = files[fi].root.get("include") else {
        return Vec::new();
    };
    let dir = dir_of(&files[fi].display);
    let mut out = Vec::new();
    for item in inc.items() {
        let paths: Vec<String> = match item.get("path") {
            Some(p) if !p.items().is_empty() => {
                p.items().iter().filter_map(Node::scalar_text).collect()
            }
            Some(p) => p.scalar_text().into_iter().collect(),
            None => item.scalar_text().into_iter().collect(),
        };
        for p in paths {
            if let Some(i) = join(dir, &p).and_then(|t| files.iter().position(|f| f.display == t)) {
                out.push(i);
            }
        }
    }
    out
}

/// Adds the services of a file (after those of the files it includes) to
/// a project, merging a service defined again over its earlier definition.
fn add_services(
    files: &[ComposeFile],
    fi: usize,
    project: &mut Project,
    visited: &mut HashSet<usize>,
    notes: &mut Vec<Note>,
) {
    if !visited.insert(fi) {
        return;
    }
    for i in includes(files, fi) {
        if !project.files.contains(&i) {
            project.files.push(i);
        }
        add_services(files, i, project, visited, notes);
    }
    let Some(services) = files[fi].root.get("services") else {
        return;
    };
    for e in services.entries() {
        if !e.value.is_map() {
            continue;
        }
        let mut stack = vec![(fi, e.key.clone())];
        let Some(mut t) = resolve_node(files, fi, &e.key, &e.value, &mut stack, notes) else {
            continue;
        };
        t.pos = e.key_pos;
        match project.by_name.get(&e.key) {
            Some(&i) => merge(&mut project.services[i].1, t, ""),
            None => {
                project
                    .by_name
                    .insert(e.key.clone(), project.services.len());
                project.services.push((e.key.clone(), t, fi));
            }
        }
    }
}

/// Resolves a service of a file with its `extends` chain.
fn resolve(
    files: &[ComposeFile],
    fi: usize,
    name: &str,
    stack: &mut Vec<(usize, String)>,
    notes: &mut Vec<Note>,
) -> Option<T> {
    let node = files[fi].root.get("services")?.get(name)?;
    resolve_node(files, fi, name, node, stack, notes)
}

/// [`resolve`] for a service whose node is at hand: looking each one up by
/// name in a file of 20,000 services was quadratic.
fn resolve_node(
    files: &[ComposeFile],
    fi: usize,
    name: &str,
    node: &Node,
    stack: &mut Vec<(usize, String)>,
    notes: &mut Vec<Note>,
) -> Option<T> {
    if !node.is_map() {
        return None;
    }
    let mut t = T::from_node(node, files[fi].file);
    let Some(ext) = node.get("extends") else {
        return Some(t);
    };
    let (target_file, target_name) = match &ext.value {
        Value::Str(s) => (Some(fi), s.clone()),
        Value::Map(_) => {
            let svc = ext
                .get("service")
                .and_then(Node::scalar_text)
                .unwrap_or_default();
            match ext.get("file").and_then(Node::scalar_text) {
                None => (Some(fi), svc),
                Some(path) => {
                    let target = join(dir_of(&files[fi].display), &path);
                    (
                        target.and_then(|t| files.iter().position(|f| f.display == t)),
                        svc,
                    )
                }
            }
        }
        _ => return Some(t),
    };
    let unresolved = |why: &str, notes: &mut Vec<Note>| {
        notes.push(Note {
            path: files[fi].display.clone(),
            line: Some(ext.pos.line),
            message: format!("compose: `extends` of service `{name}` not resolved: {why}"),
        });
    };
    let Some(tf) = target_file else {
        unresolved(
            "the file it names is not a compose file in the input",
            notes,
        );
        return Some(t);
    };
    if stack.contains(&(tf, target_name.clone())) {
        unresolved("it extends itself in a cycle", notes);
        return Some(t);
    }
    stack.push((tf, target_name.clone()));
    let base = resolve(files, tf, &target_name, stack, notes);
    stack.pop();
    let Some(mut base) = base else {
        unresolved(
            &format!("no service `{target_name}` in {}", files[tf].display),
            notes,
        );
        return Some(t);
    };
    t.remove("extends");
    base.file = t.file;
    base.pos = t.pos;
    // The base's own top-level entries keep their file; the extending
    // service's fields win.
    merge(&mut base, t, "");
    Some(base)
}

/// `build:` facts: the Dockerfile's display path when it is in the input,
/// else why not.
fn build_facts(inv: &Inventory, files: &[ComposeFile], t: &T, pos: Pos) -> Option<Node> {
    let build = t.get("build")?;
    let file = t.entry_file("build").unwrap_or(t.file);
    let dir = files
        .iter()
        .find(|f| f.file == file)
        .map(|f| dir_of(&f.display).to_string())
        .unwrap_or_default();
    let (context, dockerfile, target, inline) = match &build.v {
        TV::Map(_) => (
            build
                .get("context")
                .and_then(T::text)
                .unwrap_or_else(|| ".".into()),
            build.get("dockerfile").and_then(T::text),
            build.get("target").and_then(T::text),
            build.get("dockerfile_inline").is_some(),
        ),
        TV::Leaf(_) => (
            build.text().unwrap_or_else(|| ".".into()),
            None,
            None,
            false,
        ),
        TV::Seq(_) => return None,
    };
    let mut entries = Vec::new();
    if let Some(t) = &target {
        entries.push(entry("target", str_node(t, pos)));
    }
    let dockerfile_name = dockerfile.clone().unwrap_or_else(|| "Dockerfile".into());
    let path = if inline {
        Err("its Dockerfile is written inline (`dockerfile_inline`)".to_string())
    } else {
        join(&dir, &context)
            .and_then(|c| join(&c, &dockerfile_name))
            .ok_or_else(|| {
                format!(
                    "its build context `{context}` (Dockerfile `{dockerfile_name}`) is outside the input or set at build time"
                )
            })
    };
    match path {
        Ok(p) => {
            let found = inv
                .files
                .iter()
                .position(|f| f.display == p && f.kind == FileKind::Dockerfile);
            match found {
                Some(_) if dockerfile::resource_of(inv, &p).is_some() => {
                    entries.push(entry("dockerfile", str_node(&p, pos)));
                }
                Some(_) => entries.push(entry(
                    "unknown",
                    str_node(&format!("its Dockerfile `{p}` could not be read"), pos),
                )),
                None => entries.push(entry(
                    "unknown",
                    str_node(&format!("its Dockerfile `{p}` is not in the input"), pos),
                )),
            }
        }
        Err(why) => entries.push(entry("unknown", str_node(&why, pos))),
    }
    Some(Node {
        value: Value::Map(entries),
        pos,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{Limits, parse_stream};

    fn node(text: &str) -> Node {
        parse_stream(text, &Limits::default())
            .documents
            .remove(0)
            .root
    }

    #[test]
    fn names_and_roles() {
        assert!(compose_named("a/docker-compose.prod.yml"));
        assert!(compose_named("compose.yaml"));
        assert!(!compose_named("app.yml"));
        assert_eq!(role("docker-compose.yml"), Role::Default);
        assert_eq!(role("x/compose.override.yaml"), Role::Override);
        assert_eq!(role("docker-compose.prod.yml"), Role::Prod);
        assert_eq!(role("docker-compose-local.yml"), Role::Dev);
        assert_eq!(role("docker-compose.monitoring.yml"), Role::Layer);
        assert_eq!(role("app.yml"), Role::Layer);
    }

    #[test]
    fn content_detection() {
        assert!(is_compose(
            "app.yml",
            &node("services:\n  app:\n    image: x\n")
        ));
        assert!(!is_compose(
            "application.yml",
            &node("services:\n  app:\n    url: x\nspring: {}\n")
        ));
        assert!(!is_compose("a.yml", &node("services: [a]\n")));
    }

    #[test]
    fn merging_keeps_the_file_of_each_field() {
        let base = node(
            "image: app:1\nenvironment:\n  - A=1\n  - B=2\nvolumes:\n  - data:/data\ncommand: [a]\n",
        );
        let over = node(
            "environment:\n  B: 3\n  C: 4\nvolumes:\n  - ./d:/data\nrestart: always\ncommand: [b]\n",
        );
        let mut t = T::from_node(&base, 0);
        merge(&mut t, T::from_node(&over, 1), "");
        let n = t.to_node();
        assert_eq!(n.get("restart").unwrap().as_str(), Some("always"));
        assert_eq!(env_var(&n, "A").as_deref(), Some("1"));
        assert_eq!(env_var(&n, "B").as_deref(), Some("3"));
        assert_eq!(mounts(&n).len(), 1);
        assert_eq!(mounts(&n)[0].kind, MountKind::Bind("./d".into()));
        assert_eq!(argv(n.get("command")).unwrap(), vec!["b"]);
        let mut origins = Vec::new();
        t.origins(0, "", &mut origins);
        assert!(origins.contains(&("/restart".to_string(), 1)));
        assert!(origins.contains(&("/environment/C".to_string(), 1)));
        assert!(!origins.iter().any(|(p, _)| p == "/image"));
    }

    #[test]
    fn service_fields() {
        let n = node(
            "depends_on:\n  db:\n    condition: service_healthy\n  cache: {}\nvolumes:\n  - /var/lib/x\n  - type: tmpfs\n    target: /tmp\n  - C:\\data:/data\nrestart: 'no'\n",
        );
        let d = depends_on(&n);
        assert_eq!(d[0].condition, "service_healthy");
        assert_eq!(d[1].condition, "service_started");
        let m = mounts(&n);
        assert_eq!(m[0].kind, MountKind::Anonymous);
        assert_eq!(m[1].kind, MountKind::Tmpfs);
        assert_eq!(m[2].target, "/data");
        assert_eq!(restart(&n), Restart::No);
        assert_eq!(
            split_command("sh -c 'a && b' \"c d\""),
            vec!["sh", "-c", "a && b", "c d"]
        );
        assert_eq!(
            join("a/b", "../c/./Dockerfile").as_deref(),
            Some("a/c/Dockerfile")
        );
        assert_eq!(join("", "../x"), None);
    }

    #[test]
    fn environment_decisions() {
        let mut s = Signals::default();
        assert!(!decide(&s).0);
        s.weak.push("restart".into());
        s.long_running = 3;
        s.kept = 1;
        assert!(!decide(&s).0);
        s.kept = 2;
        assert!(decide(&s).0);
        s.dev.push("source mount".into());
        assert!(!decide(&s).0);
        s.prod_named = Some("prod file".into());
        assert!(decide(&s).0);
        assert!(
            dev_comment("# This configuration is intended for development purpose\nservices: {}\n")
                .is_some()
        );
        assert!(contains_word("npm run dev", "npm run dev"));
        let mut s = Signals::default();
        s.weak.push("restart".into());
        s.long_running = 1;
        s.kept = 1;
        assert!(decide(&s).0);
        s.placeholder.push("POSTGRES_PASSWORD=password".into());
        assert!(!decide(&s).0);
        s.prod.push("NODE_ENV=production".into());
        assert!(decide(&s).0);
        assert!(is_placeholder_secret("RABBITMQ_DEFAULT_PASS", "password"));
        assert!(is_placeholder_secret("POSTGRES_PASSWORD", "postgres"));
        assert!(!is_placeholder_secret(
            "POSTGRES_PASSWORD",
            "${PG_PASSWORD}"
        ));
        assert!(!is_placeholder_secret("POSTGRES_USER", "postgres"));
        assert!(!contains_word("fair", "air"));
    }
}
