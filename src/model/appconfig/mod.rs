//! Application config: Spring Boot `application*.yml|properties` and
//! `bootstrap*` files, Spring Cloud Config repositories (`<app>.yml` beside a
//! shared `application.yml`) and `application.yaml` keys of ConfigMaps
//! (Spring Cloud Kubernetes). Each config source becomes a resource
//! (`apiVersion: spring`, `kind: SpringConfig`) whose node keeps the
//! flattened properties of every document with their positions, so that
//! findings point at the offending key, and records the application it
//! configures and the workloads it was linked to, and how
//! ([`link`]). [`view`] turns those resources, the workloads' environment
//! and the active profiles into the effective settings the checks read.
//!
//! Secrets found here are masked in the files' text ([`redact`]), so no code
//! frame can print them, and checks pass their messages through
//! [`redact::message`].

pub mod duration;
pub mod keys;
pub mod link;
pub mod mesh;
pub mod profiles;
pub mod redact;
pub mod spring;
pub mod view;

use super::{Inventory, OtherDocument};
use crate::source::{FileId, FileKind, Pos, SourceFile};
use crate::yaml::Node;
use keys::{Prop, squash};
use redact::Mask;
use std::collections::HashMap;

pub const API_VERSION: &str = "spring";
pub const KIND: &str = "SpringConfig";

/// The reader of Spring Boot configuration.
pub struct Reader;

impl super::Reader for Reader {
    fn name(&self) -> &'static str {
        "spring-config"
    }

    fn read(&self, inv: &mut Inventory) {
        self.read_all(inv);
    }
}

impl Reader {
    fn read_all(&self, inv: &mut Inventory) {
        let mut masks: HashMap<FileId, Vec<Mask>> = HashMap::new();
        manifest_masks(inv, &mut masks);
        let sources = collect(inv, &mut masks);
        apply_masks(inv, masks);
        if sources.is_empty() {
            return;
        }
        let resources = link::resources(inv, sources);
        inv.resources.extend(resources);
    }
}

/// One document of a config source.
#[derive(Debug)]
pub struct Doc {
    /// Index of the document in its file (or ConfigMap value).
    pub index: usize,
    pub start: Pos,
    /// The `spring.config.activate.on-profile` (or legacy `spring.profiles`)
    /// expression, when the document is profile-specific.
    pub on_profile: Option<String>,
    pub props: Vec<Prop>,
}

/// A config source: a file, or one key of a ConfigMap.
#[derive(Debug)]
pub struct Source {
    pub file: FileId,
    /// Resource name: the file's path, or `<configmap>/<key>`.
    pub name: String,
    pub format: &'static str,
    /// The ConfigMap holding it (resource id), for embedded config.
    pub config_map: Option<usize>,
    /// File name without extension (`application-prod`, `customers-service`).
    pub stem: String,
    /// Folder of the file (display path).
    pub folder: String,
    pub docs: Vec<Doc>,
}

/// Top-level keys that make a YAML file of a config repository Spring
/// configuration.
const SPRING_ROOTS: &[&str] = &[
    "spring",
    "server",
    "management",
    "eureka",
    "resilience4j",
    "hystrix",
    "ribbon",
    "feign",
    "zuul",
];

/// Whether a host (or a URL) is the pod itself: `localhost`, loopback,
/// `0.0.0.0`, or empty.
pub fn is_local_host(h: &str) -> bool {
    let h = h.trim();
    let h = match h.split_once("://") {
        Some((_, rest)) => rest
            .split(['/', '?'])
            .next()
            .unwrap_or_default()
            .rsplit_once('@')
            .map_or(
                rest.split(['/', '?']).next().unwrap_or_default(),
                |(_, x)| x,
            ),
        None => h,
    };
    let host = if let Some(v6) = h.strip_prefix('[') {
        v6.split(']').next().unwrap_or_default()
    } else if h.matches(':').count() > 1 {
        h
    } else {
        h.split(':').next().unwrap_or(h)
    }
    .to_ascii_lowercase();
    host.is_empty()
        || host == "localhost"
        || host.ends_with(".localhost")
        || host.starts_with("127.")
        || host == "::1"
        || host == "0.0.0.0"
}

fn base_name(display: &str) -> &str {
    display.rsplit('/').next().unwrap_or(display)
}

fn folder_of(display: &str) -> String {
    display
        .rsplit_once('/')
        .map(|(d, _)| d.to_string())
        .unwrap_or_default()
}

/// `(stem, format)` of a file named like Spring config.
fn split_ext(name: &str) -> Option<(String, &'static str)> {
    for (ext, format) in [
        (".yml", "yaml"),
        (".yaml", "yaml"),
        (".properties", "properties"),
    ] {
        if name.len() > ext.len()
            && name.is_char_boundary(name.len() - ext.len())
            && name[name.len() - ext.len()..].eq_ignore_ascii_case(ext)
        {
            return Some((name[..name.len() - ext.len()].to_string(), format));
        }
    }
    None
}

/// `application`, `application-prod`, `bootstrap`, `bootstrap-k8s`.
pub fn is_spring_stem(stem: &str) -> bool {
    let s = stem.to_ascii_lowercase();
    ["application", "bootstrap"]
        .iter()
        .any(|b| s == *b || s.strip_prefix(b).is_some_and(|r| r.starts_with('-')))
}

/// Paths that hold test config or build output, not what runs.
fn ignored_path(display: &str) -> bool {
    let parts: Vec<&str> = display.split('/').collect();
    parts.windows(2).any(|w| {
        (w[0] == "src" && (w[1] == "test" || w[1].ends_with("Test") || w[1] == "it"))
            || (w[0] == "target" && (w[1] == "classes" || w[1] == "test-classes"))
            || (w[0] == "build" && (w[1] == "resources" || w[1] == "classes"))
            || (w[0] == "out" && w[1] == "production")
    }) || parts
        .iter()
        .any(|p| *p == "node_modules" || *p == ".github")
}

fn looks_like_spring(props: &[Prop]) -> bool {
    props.iter().any(|p| {
        let first = p.key.split(['.', '[']).next().unwrap_or_default();
        SPRING_ROOTS.contains(&first.to_ascii_lowercase().as_str())
    })
}

/// The profile expression a document activates on.
fn on_profile(props: &[Prop]) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    for p in props {
        // Only `spring.*` keys activate profiles: skip the rest unsquashed.
        if !p
            .key
            .get(..6)
            .is_some_and(|s| s.eq_ignore_ascii_case("spring"))
        {
            continue;
        }
        let k = squash(&p.key);
        let activation = k == "springconfigactivateonprofile"
            || k == "springprofiles"
            || (k.starts_with("springconfigactivateonprofile")
                && k["springconfigactivateonprofile".len()..]
                    .chars()
                    .all(|c| c.is_ascii_digit()))
            || (k.starts_with("springprofiles")
                && !k["springprofiles".len()..].is_empty()
                && k["springprofiles".len()..]
                    .chars()
                    .all(|c| c.is_ascii_digit()));
        if activation && let Some(v) = p.value.scalar_text() {
            parts.push(v);
        }
    }
    (!parts.is_empty()).then(|| parts.join(","))
}

fn docs_of_yaml(roots: &[(usize, &Node)]) -> Vec<Doc> {
    roots
        .iter()
        .map(|(index, root)| {
            let props = keys::flatten(root);
            Doc {
                index: *index,
                start: root.pos,
                on_profile: on_profile(&props),
                props,
            }
        })
        .collect()
}

fn docs_of_properties(text: &str) -> Vec<Doc> {
    keys::parse_properties(text)
        .into_iter()
        .enumerate()
        .filter(|(_, d)| !d.props.is_empty())
        .map(|(index, d)| Doc {
            index,
            start: d.start,
            on_profile: on_profile(&d.props),
            props: d.props,
        })
        .collect()
}

/// Every config source of the input, with masks for their secrets.
fn collect(inv: &Inventory, masks: &mut HashMap<FileId, Vec<Mask>>) -> Vec<Source> {
    // Folders that hold a base `application.*` outside a module's resources
    // are candidates for a config repository.
    let mut base_folders: std::collections::HashSet<String> = Default::default();
    for f in inv.files.iter() {
        let name = base_name(&f.display);
        if let Some((stem, _)) = split_ext(name)
            && stem.eq_ignore_ascii_case("application")
            && matches!(f.kind, FileKind::Yaml | FileKind::Properties)
            && !ignored_path(&f.display)
        {
            base_folders.insert(folder_of(&f.display));
        }
    }
    // Candidate files: named like Spring config, or in such a folder.
    let mut candidates: Vec<(FileId, String, &'static str, String, bool)> = Vec::new();
    for (file, f) in inv.files.iter().enumerate() {
        if f.display == "<stdin>" || !matches!(f.kind, FileKind::Yaml | FileKind::Properties) {
            continue;
        }
        let name = base_name(&f.display);
        let Some((stem, format)) = split_ext(name) else {
            continue;
        };
        let own = is_spring_stem(&stem);
        let folder = folder_of(&f.display);
        if (!own && !base_folders.contains(&folder)) || ignored_path(&f.display) {
            continue;
        }
        candidates.push((file, stem, format, folder, own));
    }
    if candidates.is_empty() {
        return config_map_sources(inv, masks);
    }
    let wanted: std::collections::HashSet<FileId> = candidates.iter().map(|c| c.0).collect();
    let mut yaml_docs: HashMap<FileId, Vec<&OtherDocument>> = HashMap::new();
    for d in &inv.other_documents {
        if wanted.contains(&d.file) {
            yaml_docs.entry(d.file).or_default().push(d);
        }
    }
    let mut out = Vec::new();
    for (file, stem, format, folder, own) in candidates {
        let f = &inv.files[file];
        let docs = match (f.kind, format) {
            (FileKind::Yaml, "yaml") => {
                let Some(list) = yaml_docs.get(&file) else {
                    continue;
                };
                let roots: Vec<(usize, &Node)> = list.iter().map(|d| (d.doc, &d.node)).collect();
                docs_of_yaml(&roots)
            }
            (FileKind::Properties, "properties") => docs_of_properties(&f.text),
            _ => continue,
        };
        if docs.is_empty() {
            continue;
        }
        if !own && !docs.iter().any(|d| looks_like_spring(&d.props)) {
            continue;
        }
        let m = masks.entry(file).or_default();
        for d in &docs {
            secret_masks(&d.props, format == "properties", m);
        }
        out.push(Source {
            file,
            name: f.display.clone(),
            format,
            config_map: None,
            stem,
            folder,
            docs,
        });
    }
    out.extend(config_map_sources(inv, masks));
    out
}

/// Masks for the secrets among properties.
fn secret_masks(props: &[Prop], properties: bool, out: &mut Vec<Mask>) {
    for p in props {
        let Some(text) = p.value.scalar_text() else {
            continue;
        };
        let pos = p.value.pos;
        if redact::is_secret_key(&p.key) && !redact::is_placeholder(&text) {
            if properties {
                out.push(Mask::Parts {
                    line: pos.line,
                    column: pos.column,
                    parts: vec![text],
                });
            } else {
                out.push(Mask::Value {
                    line: pos.line,
                    column: pos.column,
                });
            }
            continue;
        }
        let parts = redact::secret_parts(&text);
        if !parts.is_empty() {
            out.push(Mask::Parts {
                line: pos.line,
                column: pos.column,
                parts,
            });
        }
    }
}

/// `application*.yaml|properties` keys of ConfigMaps: Spring Cloud
/// Kubernetes reads them as config sources.
fn config_map_sources(inv: &Inventory, masks: &mut HashMap<FileId, Vec<Mask>>) -> Vec<Source> {
    let mut out = Vec::new();
    for (rid, r) in inv.resources.iter().enumerate() {
        if r.kind != "ConfigMap" {
            continue;
        }
        let file = &inv.files[r.file];
        for e in r.node.get("data").map(Node::entries).unwrap_or_default() {
            let Some((stem, format)) = split_ext(&e.key) else {
                continue;
            };
            if !is_spring_stem(&stem) {
                continue;
            }
            let Some(text) = e.value.as_str() else {
                continue;
            };
            // A literal block keeps the value's lines: positions map back to
            // the manifest by the block's first line and indentation.
            let shift = block_shift(file, e.value.pos);
            let mut docs = match format {
                "yaml" => {
                    let stream = crate::yaml::parse_stream(text, &Default::default());
                    let roots: Vec<(usize, &Node)> = stream
                        .documents
                        .iter()
                        .filter(|d| d.root.is_map())
                        .map(|d| (d.index, &d.root))
                        .collect();
                    docs_of_yaml(&roots)
                }
                _ => docs_of_properties(text),
            };
            if docs.is_empty() {
                continue;
            }
            for d in &mut docs {
                match shift {
                    Some((dl, dc)) => {
                        d.start = shifted(d.start, dl, dc);
                        for p in &mut d.props {
                            p.key_pos = shifted(p.key_pos, dl, dc);
                            p.value.pos = shifted(p.value.pos, dl, dc);
                        }
                    }
                    None => {
                        d.start = e.key_pos;
                        for p in &mut d.props {
                            p.key_pos = e.key_pos;
                            p.value.pos = e.key_pos;
                        }
                    }
                }
            }
            if shift.is_some() {
                let m = masks.entry(r.file).or_default();
                for d in &docs {
                    secret_masks(&d.props, format == "properties", m);
                }
            }
            out.push(Source {
                file: r.file,
                name: format!("{}/{}", r.name, e.key),
                format,
                config_map: Some(rid),
                stem,
                folder: folder_of(&file.display),
                docs,
            });
        }
    }
    out
}

fn shifted(p: Pos, dl: u32, dc: u32) -> Pos {
    Pos::new(p.line + dl, p.column + dc)
}

/// For a literal block scalar starting at `pos` (`|`, `|-`...), the line
/// and column offsets of its content. `None` for other scalars.
fn block_shift(file: &SourceFile, pos: Pos) -> Option<(u32, u32)> {
    let line = file.line_text(pos.line);
    let rest: String = line
        .chars()
        .skip(pos.column.saturating_sub(1) as usize)
        .collect();
    if !rest.starts_with('|') {
        return None;
    }
    let mut l = pos.line + 1;
    while (l as usize) <= file.line_count() {
        let t = file.line_text(l);
        if !t.trim().is_empty() {
            let indent = t.chars().take_while(|c| *c == ' ').count() as u32;
            return Some((l - 1, indent));
        }
        l += 1;
    }
    None
}

/// Secrets in the manifests that carry application settings: values of
/// secret-named `env` entries and ConfigMap keys, credentials in URLs,
/// Secret `stringData`. Masked in the text so that no code frame shows them.
fn manifest_masks(inv: &Inventory, masks: &mut HashMap<FileId, Vec<Mask>>) {
    for r in &inv.resources {
        let file = &inv.files[r.file];
        if file.kind != FileKind::Yaml {
            continue;
        }
        let mut add = |key: &str, value: &Node, always: bool| {
            let Some(text) = value.as_str().map(str::to_string).or_else(|| {
                (always || redact::is_secret_key(key))
                    .then(|| value.scalar_text())
                    .flatten()
            }) else {
                return;
            };
            if text.is_empty() || redact::is_placeholder(&text) {
                return;
            }
            // Files in ConfigMaps (dashboards, configs) are not settings:
            // only single-line values can carry a credential masked here.
            if !always && (text.len() > 2048 || text.contains('\n')) && !redact::is_secret_key(key)
            {
                return;
            }
            let m = masks.entry(r.file).or_default();
            if always || redact::is_secret_key(key) {
                // Block scalars and quoted values are handled by Value.
                m.push(Mask::Value {
                    line: value.pos.line,
                    column: value.pos.column,
                });
            } else {
                let parts = redact::secret_parts(&text);
                if !parts.is_empty() {
                    m.push(Mask::Parts {
                        line: value.pos.line,
                        column: value.pos.column,
                        parts,
                    });
                }
            }
        };
        match r.kind.as_str() {
            "ConfigMap" => {
                for e in r.node.get("data").map(Node::entries).unwrap_or_default() {
                    // Embedded Spring config is masked key by key.
                    if split_ext(&e.key).is_some_and(|(s, _)| is_spring_stem(&s)) {
                        continue;
                    }
                    add(&e.key, &e.value, false);
                }
            }
            "Secret" => {
                for e in r
                    .node
                    .get("stringData")
                    .map(Node::entries)
                    .unwrap_or_default()
                {
                    add(&e.key, &e.value, true);
                }
            }
            _ => {
                let Some(kind) = crate::model::k8s::WorkloadKind::of(&r.api_version, &r.kind)
                else {
                    continue;
                };
                let spec = r
                    .node
                    .pointer(kind.template_pointer())
                    .and_then(|t| t.get("spec"));
                for field in ["containers", "initContainers"] {
                    for c in spec
                        .and_then(|s| s.get(field))
                        .map(Node::items)
                        .unwrap_or_default()
                    {
                        for item in c.get("env").map(Node::items).unwrap_or_default() {
                            let name = item
                                .get("name")
                                .and_then(Node::scalar_text)
                                .unwrap_or_default();
                            if let Some(v) = item.get("value") {
                                add(&name, v, false);
                            }
                        }
                    }
                }
            }
        }
    }
}

fn apply_masks(inv: &mut Inventory, masks: HashMap<FileId, Vec<Mask>>) {
    for (file, list) in masks {
        if list.is_empty() {
            continue;
        }
        let f = &inv.files[file];
        let text = redact::mask_text(&f.text, &list);
        if text != f.text {
            // The files are not shared yet (readers of their own files start
            // after this one): no copy is made.
            std::sync::Arc::make_mut(&mut inv.files)[file] =
                SourceFile::new(f.display.clone(), f.kind, text);
        }
    }
}
