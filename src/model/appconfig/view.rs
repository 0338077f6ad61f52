//! The effective configuration of each application, as the checks read it:
//! the SpringConfig resources of the application merged in Spring's order
//! of precedence for the active profiles, with the environment of the
//! workload that runs it on top (relaxed binding: `SPRING_DATASOURCE_URL`
//! is `spring.datasource.url`). Workloads no config file is linked to are
//! applications of their environment alone, so environment settings
//! (`DATABASE_URL`, `*_TIMEOUT`) are read the same way.
//!
//! Active profiles: `SPRING_PROFILES_ACTIVE` of the workload, else
//! `spring.profiles.active` in the config, else the production profile when
//! the config defines one (`prod`, `production`...), else the default
//! profile. Messages say which was used ([`App::note`]).

use super::keys::{segments, squash};
use super::link::LAYER_CONFIG_MAP;
use super::{KIND, profiles, redact};
use crate::last_wins::LastWins;
use crate::model::graph::{Graph, WorkloadId};
use crate::model::{Inventory, ResourceId};
use crate::yaml::Node;
use std::collections::HashMap;

/// One effective setting and where it comes from.
#[derive(Clone, Debug)]
pub struct Setting {
    /// The key as written (dotted, or an environment variable name).
    pub key: String,
    /// The value as written (placeholders unresolved); may be a secret:
    /// print it only through [`redact::value`].
    pub value: String,
    /// Whether the value is known (not from a Secret or an unknown map).
    pub known: bool,
    /// Where it is: a SpringConfig resource, a workload or a ConfigMap.
    pub rid: ResourceId,
    pub pointer: String,
    /// For messages: `application.yml`, `env SPRING_DATASOURCE_URL`...
    pub origin: String,
    pub from_env: bool,
    /// From a source shared by several applications.
    pub shared: bool,
    squashed: String,
    segs: Vec<String>,
}

impl Setting {
    /// Segments of a config-file key (empty for environment variables).
    pub fn segments(&self) -> &[String] {
        &self.segs
    }

    pub fn squashed(&self) -> &str {
        &self.squashed
    }
}

/// An application and its effective configuration.
#[derive(Debug, Default)]
pub struct App {
    pub name: String,
    pub name_source: String,
    pub service: Option<String>,
    pub linked_by: Option<String>,
    pub workloads: Vec<WorkloadId>,
    /// The resources of those workloads.
    pub workload_resources: Vec<ResourceId>,
    /// The container running the application in its first workload.
    pub container: Option<String>,
    pub profiles: Vec<String>,
    pub profile_source: String,
    /// Effective settings, one per key.
    pub settings: Vec<Setting>,
    index: HashMap<String, usize>,
    /// SpringConfig resources of the application, lowest precedence first.
    pub sources: Vec<ResourceId>,
    /// Its main own config source (to point at when a setting is missing).
    pub primary: Option<ResourceId>,
    /// Whether any config file (not only the environment) configures it.
    pub has_config: bool,
    /// Secret values known to the application (to mask in messages).
    pub secrets: Vec<String>,
}

impl App {
    pub fn get(&self, key: &str) -> Option<&Setting> {
        self.index.get(&squash(key)).map(|i| &self.settings[*i])
    }

    /// The first of several keys that is set (aliases across versions).
    pub fn first(&self, keys: &[&str]) -> Option<&Setting> {
        keys.iter().find_map(|k| self.get(k))
    }

    /// A setting's value with `${...}` placeholders resolved from the
    /// configuration and environment (or their defaults).
    pub fn value(&self, key: &str) -> Option<String> {
        self.get(key).map(|s| self.resolve(&s.value))
    }

    /// Resolves `${key:default}` placeholders; unknown ones stay as written.
    pub fn resolve(&self, v: &str) -> String {
        self.resolve_depth(v, 0)
    }

    fn resolve_depth(&self, v: &str, depth: usize) -> String {
        if depth > 6 || !v.contains("${") {
            return v.to_string();
        }
        let mut out = String::new();
        let mut rest = v;
        while let Some(i) = rest.find("${") {
            out.push_str(&rest[..i]);
            let after = &rest[i + 2..];
            // Matching brace, allowing nesting in the default.
            let mut level = 1;
            let mut end = None;
            let bytes = after.as_bytes();
            let mut j = 0;
            while j < bytes.len() {
                if bytes[j] == b'{' {
                    level += 1;
                } else if bytes[j] == b'}' {
                    level -= 1;
                    if level == 0 {
                        end = Some(j);
                        break;
                    }
                }
                j += 1;
            }
            let Some(end) = end else {
                out.push_str(&rest[i..]);
                return out;
            };
            let inner = &after[..end];
            let (key, default) = match inner.split_once(':') {
                Some((k, d)) => (k, Some(d)),
                None => (inner, None),
            };
            match self.get(key).filter(|s| s.known) {
                Some(s) if s.value != v => out.push_str(&self.resolve_depth(&s.value, depth + 1)),
                _ => match default {
                    Some(d) => out.push_str(&self.resolve_depth(d, depth + 1)),
                    None => {
                        out.push_str("${");
                        out.push_str(inner);
                        out.push('}');
                    }
                },
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        out
    }

    /// Settings whose key starts with a prefix (relaxed), in order.
    pub fn under<'a>(&'a self, prefix: &str) -> impl Iterator<Item = &'a Setting> + 'a {
        let p = squash(prefix);
        self.settings
            .iter()
            .filter(move |s| s.squashed.starts_with(&p))
    }

    /// The names one level below a prefix in config-file keys
    /// (`resilience4j.retry.instances` gives the instance names), with the
    /// setting that first names each.
    pub fn children(&self, prefix: &str) -> Vec<(String, &Setting)> {
        let want = segments(prefix);
        let mut out: Vec<(String, &Setting)> = Vec::new();
        for s in &self.settings {
            if s.segs.len() > want.len() && s.segs[..want.len()] == want[..] {
                let name = &s.segs[want.len()];
                if !out.iter().any(|(n, _)| n == name) {
                    out.push((name.clone(), s));
                }
            }
        }
        out
    }

    /// The original spelling of a child name (for messages): the segment
    /// as written in the first key under the prefix.
    pub fn child_spelling(&self, prefix: &str, child: &str) -> String {
        let want = segments(prefix).len();
        for s in self.under(prefix) {
            if s.segs.len() > want && s.segs[want] == child {
                let parts: Vec<&str> = s.key.split('.').collect();
                if let Some(p) = parts.get(want) {
                    return p.to_string();
                }
            }
        }
        child.to_string()
    }

    /// `profile `prod``, `profiles `docker,prod``, `default profile`.
    pub fn profile_text(&self) -> String {
        if self.profiles.is_empty() {
            "default profile".to_string()
        } else if self.profiles.len() == 1 {
            format!("profile `{}`", self.profiles[0])
        } else {
            format!("profiles `{}`", self.profiles.join(","))
        }
    }

    /// "(app `x`, profile `prod`)", the context every message ends with.
    pub fn note(&self) -> String {
        let profile = self.profile_text();
        let link = match &self.linked_by {
            Some(l) => format!("; linked: {l}"),
            None => String::new(),
        };
        if self.has_config {
            format!(
                "[app `{}`, {profile} ({}){link}]",
                self.name, self.profile_source
            )
        } else {
            format!("[{}]", self.name_source)
        }
    }

    /// Masks secrets in a message built from this application's settings.
    pub fn redact(&self, msg: &str) -> String {
        redact::message(msg, &self.secrets)
    }

    /// A value as it may be printed.
    pub fn show(&self, s: &Setting) -> String {
        redact::value(&s.key, &self.resolve(&s.value))
    }

    /// The context for a finding at `rid`: [`App::note`], or nothing for an
    /// application of its environment alone when the finding is on its own
    /// workload (the finding's resource already says which one).
    pub fn note_at(&self, rid: ResourceId) -> String {
        if !self.has_config && self.workload_resources.contains(&rid) {
            String::new()
        } else {
            self.note()
        }
    }

    /// `key` as written, and where: `` `spring.datasource.url` (application.yml) ``,
    /// or `` env `DATABASE_URL` of Deployment `orders` `` for the environment.
    pub fn at(&self, s: &Setting) -> String {
        match s
            .origin
            .strip_prefix("env ")
            .and_then(|o| o.strip_prefix(s.key.as_str()))
        {
            Some(rest) if s.from_env => format!("env `{}`{rest}", s.key),
            _ => format!("`{}` ({})", s.key, s.origin),
        }
    }
}

/// Every application of the input.
#[derive(Debug, Default)]
pub struct Apps {
    pub apps: Vec<App>,
    by_workload: HashMap<WorkloadId, Vec<usize>>,
}

impl Apps {
    /// The applications of the input. With `env_only`, every workload no
    /// config file is linked to is also an application of its environment.
    pub fn build(inv: &Inventory, graph: &Graph, env_only: bool) -> Apps {
        let mut acc: Vec<Acc> = Vec::new();
        let mut by_name: HashMap<String, usize> = HashMap::new();
        for &rid in graph.of_kind(KIND) {
            let r = &inv.resources[rid];
            let Some(src) = r.node.get("source") else {
                continue;
            };
            let shared = src.get("shared").and_then(Node::as_bool).unwrap_or(false);
            for a in src.get("apps").map(Node::items).unwrap_or_default() {
                let Some(name) = a.get("name").and_then(Node::as_str) else {
                    continue;
                };
                let i = *by_name.entry(name.to_string()).or_insert_with(|| {
                    acc.push(Acc {
                        name: name.to_string(),
                        ..Acc::default()
                    });
                    acc.len() - 1
                });
                let e = &mut acc[i];
                e.sources.push(rid);
                if !shared || e.info.is_none() {
                    e.info = Some((rid, a));
                }
            }
        }
        let mut out = Apps::default();
        let mut linked: std::collections::HashSet<WorkloadId> = Default::default();
        for a in acc {
            let workloads = linked_workloads(inv, graph, &a);
            if workloads.is_empty() {
                out.push(graph, build_app(inv, graph, &a, None));
                continue;
            }
            // One application per workload that runs it: copies of the
            // manifests (overlays) each have their own environment.
            for w in workloads {
                linked.insert(w);
                out.push(graph, build_app(inv, graph, &a, Some(w)));
            }
        }
        // Workloads no config file configures: the environment alone.
        for (wid, w) in graph.workloads.iter().enumerate() {
            if !env_only || linked.contains(&wid) {
                continue;
            }
            let r = &inv.resources[w.resource];
            // A datastore's own environment (POSTGRES_*, a shared ConfigMap
            // it loads) does not make it a client.
            if w.containers
                .iter()
                .any(|c| crate::model::datastore::engine_of_image(&c.image).is_some())
            {
                continue;
            }
            let Some(c) = main_container(inv, graph, wid, None) else {
                continue;
            };
            let env = env_settings(inv, graph, wid, &c);
            if env.is_empty() {
                continue;
            }
            let mut app = App {
                name: r.name.clone(),
                name_source: format!("environment of {} `{}`", r.kind, r.name),
                workloads: vec![wid],
                container: Some(c),
                ..App::default()
            };
            let (profiles, source) = env_profiles(&env).unwrap_or_default();
            app.profiles = profiles;
            app.profile_source = source;
            for s in env {
                insert(&mut app, s);
            }
            finish(&mut app);
            out.push(graph, app);
        }
        out
    }

    fn push(&mut self, graph: &Graph, mut app: App) {
        app.workload_resources = app
            .workloads
            .iter()
            .map(|w| graph.workloads[*w].resource)
            .collect();
        let i = self.apps.len();
        for w in &app.workloads {
            self.by_workload.entry(*w).or_default().push(i);
        }
        self.apps.push(app);
    }

    /// The applications a workload runs.
    pub fn of_workload(&self, w: WorkloadId) -> impl Iterator<Item = &App> {
        self.by_workload
            .get(&w)
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .map(|i| &self.apps[*i])
    }

    /// The application of a workload that has config files, if any.
    pub fn configured(&self, w: WorkloadId) -> Option<&App> {
        self.of_workload(w).find(|a| a.has_config)
    }

    pub fn by_name(&self, name: &str) -> Option<&App> {
        self.apps
            .iter()
            .find(|a| a.has_config && a.name.eq_ignore_ascii_case(name))
    }
}

#[derive(Default)]
struct Acc<'n> {
    name: String,
    sources: Vec<ResourceId>,
    info: Option<(ResourceId, &'n Node)>,
}

fn text(n: Option<&Node>) -> Option<String> {
    n.and_then(Node::scalar_text)
}

/// The workloads a config application was linked to: every definition of
/// the identities the reader recorded (copies in overlays included).
fn linked_workloads(inv: &Inventory, graph: &Graph, a: &Acc<'_>) -> Vec<WorkloadId> {
    let mut out = Vec::new();
    let Some((_, info)) = a.info else {
        return out;
    };
    for w in info.get("workloads").map(Node::items).unwrap_or_default() {
        let Some(id) = w.as_str() else { continue };
        let mut parts = id.splitn(3, '/');
        let (Some(ns), Some(kind), Some(name)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        for &res in graph.of_kind(kind) {
            let r = &inv.resources[res];
            if r.namespace == ns
                && r.name == name
                && let Some(&wid) = graph.workload_of.get(&res)
                && !out.contains(&wid)
            {
                out.push(wid);
            }
        }
    }
    out
}

fn build_app(inv: &Inventory, graph: &Graph, a: &Acc<'_>, workload: Option<WorkloadId>) -> App {
    let mut app = App {
        name: a.name.clone(),
        has_config: true,
        workloads: workload.into_iter().collect(),
        ..App::default()
    };
    if let Some((_, info)) = a.info {
        app.name_source = text(info.get("nameSource")).unwrap_or_default();
        app.service = text(info.get("service"));
        app.linked_by = text(info.get("linkedBy"));
    }
    // Sources by precedence layer.
    let layer = |rid: &ResourceId| {
        inv.resources[*rid]
            .node
            .path(&["source", "layer"])
            .and_then(Node::as_i64)
            .unwrap_or(0)
    };
    let mut sources = a.sources.clone();
    sources.sort_by_key(|r| (layer(r), *r));
    sources.dedup();
    let own = |rid: &&ResourceId| {
        !inv.resources[**rid]
            .node
            .path(&["source", "shared"])
            .and_then(Node::as_bool)
            .unwrap_or(false)
    };
    let base = |rid: &&ResourceId| {
        inv.resources[**rid]
            .node
            .path(&["source", "fileProfile"])
            .is_none_or(Node::is_null)
    };
    app.primary = sources
        .iter()
        .filter(own)
        .filter(base)
        .max_by_key(|r| (layer(r) == super::link::LAYER_LOCAL, layer(r)))
        .or_else(|| sources.iter().find(own))
        .or(sources.first())
        .copied();
    app.sources = sources;

    let env = match app.workloads.first() {
        Some(&w) => {
            let c = main_container(inv, graph, w, Some(&app.name));
            app.container = c.clone();
            c.map(|c| env_settings(inv, graph, w, &c))
                .unwrap_or_default()
        }
        None => Vec::new(),
    };

    // Active profiles.
    let docs = documents(inv, &app.sources);
    if let Some((p, s)) = env_profiles(&env) {
        app.profiles = p;
        app.profile_source = s;
    } else if let Some(active) = docs
        .iter()
        .rev()
        .filter(|d| d.on_profile.is_none() && d.file_profile.is_none())
        .find_map(|d| d.find("spring.profiles.active"))
        .map(|v| profiles::split_list(&v))
        .filter(|v| !v.is_empty())
    {
        app.profiles = active;
        app.profile_source = "spring.profiles.active".into();
    } else {
        let mut available: Vec<String> = Vec::new();
        for d in &docs {
            if let Some(p) = &d.file_profile {
                available.push(p.clone());
            }
            if let Some(e) = &d.on_profile {
                available.extend(profiles::names(e));
            }
        }
        let prod = ["prod", "production"]
            .iter()
            .find_map(|p| available.iter().find(|a| a.eq_ignore_ascii_case(p)))
            .or_else(|| available.iter().find(|a| profiles::is_production(a)))
            .cloned();
        match prod {
            Some(p) => {
                app.profile_source = "the production profile of the config".into();
                app.profiles = vec![p];
            }
            None => {
                app.profile_source = if available.is_empty() {
                    "no profiles defined".into()
                } else {
                    "no production profile among the config's profiles".into()
                };
            }
        }
    }
    // Profiles included or grouped by the active ones.
    let mut extra: Vec<String> = Vec::new();
    for d in docs.iter().filter(|d| d.active(&app.profiles)) {
        if let Some(v) = d.find("spring.profiles.include") {
            extra.extend(profiles::split_list(&v));
        }
        for p in &app.profiles {
            if let Some(v) = d.find(&format!("spring.profiles.group.{p}")) {
                extra.extend(profiles::split_list(&v));
            }
        }
    }
    for p in extra {
        if !app.profiles.contains(&p) {
            app.profiles.push(p);
        }
    }

    // Effective settings: lowest precedence first, later ones win.
    #[allow(clippy::type_complexity)]
    let mut ranked: Vec<((i64, u8, usize, u8, usize), Setting)> = Vec::new();
    for d in docs.iter().filter(|d| d.active(&app.profiles)) {
        let profile_rank = d
            .file_profile
            .as_ref()
            .and_then(|p| app.profiles.iter().position(|a| a.eq_ignore_ascii_case(p)))
            .map_or(0, |i| i + 1);
        let rank = (
            d.layer,
            u8::from(d.file_profile.is_some()),
            profile_rank,
            u8::from(d.format == "properties"),
            d.index,
        );
        for e in d.props.entries() {
            let Some(value) = e
                .value
                .scalar_text()
                .or_else(|| e.value.is_null().then(String::new))
            else {
                continue;
            };
            ranked.push((
                rank,
                Setting {
                    squashed: squash(&e.key),
                    segs: segments(&e.key),
                    key: e.key.clone(),
                    value,
                    known: true,
                    rid: d.rid,
                    pointer: format!(
                        "/documents/{}/properties/{}",
                        d.position,
                        crate::yaml::escape_segment(&e.key)
                    ),
                    origin: d.origin.clone(),
                    from_env: false,
                    shared: d.shared,
                },
            ));
        }
    }
    ranked.sort_by_key(|(r, _)| *r);
    for (_, s) in ranked {
        insert(&mut app, s);
    }
    for s in env {
        insert(&mut app, s);
    }
    finish(&mut app);
    app
}

fn insert(app: &mut App, s: Setting) {
    match app.index.get(&s.squashed) {
        Some(&i) => app.settings[i] = s,
        None => {
            app.index.insert(s.squashed.clone(), app.settings.len());
            app.settings.push(s);
        }
    }
}

fn finish(app: &mut App) {
    let mut secrets = Vec::new();
    for s in &app.settings {
        if !s.known || s.value.is_empty() {
            continue;
        }
        if redact::is_secret_key(&s.key) && !redact::is_placeholder(&s.value) {
            secrets.push(s.value.clone());
        }
        secrets.extend(redact::secret_parts(&s.value));
    }
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    secrets.dedup();
    app.secrets = secrets;
}

/// One document of a source, with what ordering and activation need.
struct DocView<'n> {
    rid: ResourceId,
    position: usize,
    index: usize,
    layer: i64,
    format: String,
    shared: bool,
    file_profile: Option<String>,
    on_profile: Option<String>,
    origin: String,
    props: &'n Node,
}

impl DocView<'_> {
    fn active(&self, active: &[String]) -> bool {
        let file_ok = self
            .file_profile
            .as_ref()
            .is_none_or(|p| active.iter().any(|a| a.eq_ignore_ascii_case(p)));
        let doc_ok = self
            .on_profile
            .as_ref()
            .is_none_or(|e| profiles::matches(e, active));
        file_ok && doc_ok
    }

    fn find(&self, key: &str) -> Option<String> {
        let k = squash(key);
        let mut list: Vec<String> = Vec::new();
        for e in self.props.entries() {
            let sk = squash(&e.key);
            if sk == k {
                return e.value.scalar_text();
            }
            // A YAML list: key[0], key[1]...
            if let Some(rest) = sk.strip_prefix(&k)
                && !rest.is_empty()
                && rest.chars().all(|c| c.is_ascii_digit())
                && let Some(v) = e.value.scalar_text()
            {
                list.push(v);
            }
        }
        (!list.is_empty()).then(|| list.join(","))
    }
}

fn documents<'n>(inv: &'n Inventory, sources: &[ResourceId]) -> Vec<DocView<'n>> {
    let mut out = Vec::new();
    for &rid in sources {
        let r = &inv.resources[rid];
        let src = r.node.get("source");
        let layer = src
            .and_then(|s| s.get("layer"))
            .and_then(Node::as_i64)
            .unwrap_or(0);
        let format = text(src.and_then(|s| s.get("format"))).unwrap_or_default();
        let shared = src
            .and_then(|s| s.get("shared"))
            .and_then(Node::as_bool)
            .unwrap_or(false);
        let file_profile = text(src.and_then(|s| s.get("fileProfile")));
        let file = &inv.files[r.file].display;
        let short = file.rsplit('/').next().unwrap_or(file);
        let base = if layer == LAYER_CONFIG_MAP {
            format!("ConfigMap {}", r.name)
        } else {
            short.to_string()
        };
        for (position, d) in r
            .node
            .get("documents")
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let Some(props) = d.get("properties") else {
                continue;
            };
            let on_profile = text(d.get("onProfile"));
            let origin = match &on_profile {
                Some(p) => format!("{base}, profile {p}"),
                None => base.clone(),
            };
            out.push(DocView {
                rid,
                position,
                index: d.get("index").and_then(Node::as_i64).unwrap_or(0) as usize,
                layer,
                format: format.clone(),
                shared,
                file_profile: file_profile.clone(),
                on_profile,
                origin,
                props,
            });
        }
    }
    out
}

/// The container running the application: the only app container, else
/// the one named after the application, else the one with Spring settings.
fn main_container(
    inv: &Inventory,
    graph: &Graph,
    wid: WorkloadId,
    name: Option<&str>,
) -> Option<String> {
    let w = &graph.workloads[wid];
    let apps: Vec<&crate::model::k8s::Container> = w
        .containers
        .iter()
        .filter(|c| !c.init && !c.sidecar)
        .collect();
    if apps.len() <= 1 {
        return apps.first().map(|c| c.pointer.clone());
    }
    if let Some(n) = name
        && let Some(c) = apps.iter().find(|c| c.name.eq_ignore_ascii_case(n))
    {
        return Some(c.pointer.clone());
    }
    let r = &inv.resources[w.resource];
    apps.iter()
        .find(|c| {
            r.node
                .pointer(&c.pointer)
                .and_then(|n| n.get("env"))
                .map(Node::items)
                .unwrap_or_default()
                .iter()
                .any(|e| {
                    e.get("name")
                        .and_then(Node::as_str)
                        .is_some_and(|n| n.starts_with("SPRING_"))
                })
        })
        .or(apps.first())
        .map(|c| c.pointer.clone())
}

/// The environment of a container, with the origin of every value:
/// `envFrom` ConfigMaps, then `env` (which wins), `SPRING_APPLICATION_JSON`
/// expanded to properties.
pub fn env_settings(
    inv: &Inventory,
    graph: &Graph,
    wid: WorkloadId,
    container_pointer: &str,
) -> Vec<Setting> {
    let w = &graph.workloads[wid];
    let r = &inv.resources[w.resource];
    let Some(c) = r.node.pointer(container_pointer) else {
        return Vec::new();
    };
    let what = format!("{} `{}`", r.kind, r.name);
    let mut out = LastWins::new();
    let set = |s: Setting, out: &mut LastWins<String, Setting>| {
        out.push(s.key.clone(), s);
    };
    let make =
        |key: &str, value: Option<String>, rid: ResourceId, pointer: String, origin: String| {
            Setting {
                squashed: squash(key),
                segs: Vec::new(),
                key: key.to_string(),
                known: value.is_some(),
                value: value.unwrap_or_default(),
                rid,
                pointer,
                origin,
                from_env: true,
                shared: false,
            }
        };
    for from in c.get("envFrom").map(Node::items).unwrap_or_default() {
        let prefix = text(from.get("prefix")).unwrap_or_default();
        let Some(name) = text(from.path(&["configMapRef", "name"])) else {
            continue;
        };
        let Some(cm) = graph.find(&r.namespace, "ConfigMap", &name, w.resource) else {
            continue;
        };
        for e in inv.resources[cm]
            .node
            .get("data")
            .map(Node::entries)
            .unwrap_or_default()
        {
            let key = format!("{prefix}{}", e.key);
            set(
                make(
                    &key,
                    e.value.scalar_text(),
                    cm,
                    format!("/data/{}", crate::yaml::escape_segment(&e.key)),
                    format!("env {key} from ConfigMap `{name}`"),
                ),
                &mut out,
            );
        }
    }
    for (i, e) in c
        .get("env")
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let Some(name) = text(e.get("name")) else {
            continue;
        };
        let pointer = format!("{container_pointer}/env/{i}");
        if let Some(v) = e.get("value") {
            set(
                make(
                    &name,
                    Some(v.scalar_text().unwrap_or_default()),
                    w.resource,
                    format!("{pointer}/value"),
                    format!("env {name} of {what}"),
                ),
                &mut out,
            );
            continue;
        }
        let from_map = e.path(&["valueFrom", "configMapKeyRef"]).and_then(|k| {
            let map = text(k.get("name"))?;
            let key = text(k.get("key"))?;
            let cm = graph.find(&r.namespace, "ConfigMap", &map, w.resource)?;
            let v = inv.resources[cm]
                .node
                .path(&["data", &key])?
                .scalar_text()?;
            Some((cm, key, map, v))
        });
        match from_map {
            Some((cm, key, map, v)) => set(
                make(
                    &name,
                    Some(v),
                    cm,
                    format!("/data/{}", crate::yaml::escape_segment(&key)),
                    format!("env {name} from ConfigMap `{map}`"),
                ),
                &mut out,
            ),
            None => set(
                make(
                    &name,
                    None,
                    w.resource,
                    pointer,
                    format!("env {name} of {what}"),
                ),
                &mut out,
            ),
        }
    }
    let mut out = out.into_vec();
    // SPRING_APPLICATION_JSON: properties as JSON.
    if let Some(json) = out
        .iter()
        .find(|s| s.key == "SPRING_APPLICATION_JSON" && s.known)
        .cloned()
        && let Ok(v) = serde_json::from_str::<serde_json::Value>(&json.value)
    {
        let mut flat = Vec::new();
        flatten_json("", &v, &mut flat, 0);
        for (k, val) in flat {
            let mut s = make(
                &k,
                Some(val),
                json.rid,
                json.pointer.clone(),
                format!("SPRING_APPLICATION_JSON ({})", json.origin),
            );
            s.segs = segments(&k);
            out.push(s);
        }
    }
    out
}

fn flatten_json(
    prefix: &str,
    v: &serde_json::Value,
    out: &mut Vec<(String, String)>,
    depth: usize,
) {
    if depth > 32 {
        return;
    }
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten_json(&key, x, out, depth + 1);
            }
        }
        serde_json::Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                flatten_json(&format!("{prefix}[{i}]"), x, out, depth + 1);
            }
        }
        serde_json::Value::String(s) => out.push((prefix.to_string(), s.clone())),
        serde_json::Value::Null => out.push((prefix.to_string(), String::new())),
        other => out.push((prefix.to_string(), other.to_string())),
    }
}

/// Profiles from `SPRING_PROFILES_ACTIVE` or `-Dspring.profiles.active`.
fn env_profiles(env: &[Setting]) -> Option<(Vec<String>, String)> {
    for s in env.iter().filter(|s| s.known) {
        if s.squashed == "springprofilesactive" {
            let p = profiles::split_list(&s.value);
            if !p.is_empty() {
                return Some((p, s.origin.clone()));
            }
        }
    }
    for s in env.iter().filter(|s| s.known) {
        if matches!(
            s.key.as_str(),
            "JAVA_OPTS" | "JAVA_TOOL_OPTIONS" | "JDK_JAVA_OPTIONS" | "JVM_OPTS"
        ) && let Some(i) = s.value.find("-Dspring.profiles.active=")
        {
            let rest = &s.value[i + "-Dspring.profiles.active=".len()..];
            let list = rest.split_whitespace().next().unwrap_or_default();
            let p = profiles::split_list(list.trim_matches(['"', '\'']));
            if !p.is_empty() {
                return Some((p, s.origin.clone()));
            }
        }
    }
    None
}

/// How an application's config files are linked to a service of the
/// report, for the JSON report (`services[].config`).
#[derive(Clone, Debug, serde::Serialize)]
pub struct ConfigLink {
    #[serde(skip)]
    pub service: String,
    /// The application (`spring.application.name` or its folder).
    pub app: String,
    /// Where the application's name comes from.
    pub name_source: String,
    /// Why the config belongs to this service's workload.
    pub linked_by: Option<String>,
    /// The profiles the review used, and where they come from.
    pub profiles: Vec<String>,
    pub profile_source: String,
    /// The config files, lowest precedence first.
    pub files: Vec<String>,
}

impl Apps {
    /// Every application with config files, per service it runs in.
    pub fn links(
        &self,
        inv: &Inventory,
        services: &crate::model::service::Services,
    ) -> Vec<ConfigLink> {
        let mut out = Vec::new();
        for app in self.apps.iter().filter(|a| a.has_config) {
            let mut names: Vec<String> = app
                .workloads
                .iter()
                .filter_map(|w| services.of_workload(*w))
                .map(|s| services.list[s].name.clone())
                .collect();
            if names.is_empty() {
                names.extend(app.service.clone());
            }
            names.sort();
            names.dedup();
            let mut files: Vec<String> = app
                .sources
                .iter()
                .map(|&rid| inv.files[inv.resources[rid].file].display.clone())
                .collect();
            files.dedup();
            for service in names {
                out.push(ConfigLink {
                    service,
                    app: app.name.clone(),
                    name_source: app.name_source.clone(),
                    linked_by: app.linked_by.clone(),
                    profiles: app.profiles.clone(),
                    profile_source: app.profile_source.clone(),
                    files: files.clone(),
                });
            }
        }
        out
    }
}
