//! Which application each config source configures, and which workloads
//! run that application. A source belongs to an application by
//! `spring.application.name`, by its module folder (the folder above
//! `src/main/resources`), or by its file name in a config repository
//! (`customers-service.yml`); an application is linked to a workload whose
//! name, `app` label, container, Service or `SPRING_APPLICATION_NAME` says
//! that name, whose module folder or image is named after it, or whose
//! manifests live in the module's folder. The link and how it was made are
//! recorded in the resource's node (`app.apps[*].linkedBy`), and the
//! resource names the service it belongs to, so findings are attributed.
//!
//! The report also declares services in creview.toml `[[service]]`
//! entries; the budget stage matches them to these services by name.

use super::keys::squash;
use super::{API_VERSION, KIND, Source};
use crate::model::k8s::WorkloadKind;
use crate::model::selector::LabelSelector;
use crate::model::{Inventory, Resource};
use crate::source::Pos;
use crate::yaml::{Entry, Node, Value};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Precedence layers, lowest first.
pub const LAYER_BOOTSTRAP: i64 = 0;
pub const LAYER_LOCAL: i64 = 1;
pub const LAYER_REPO_SHARED: i64 = 2;
pub const LAYER_REPO_APP: i64 = 3;
pub const LAYER_CONFIG_MAP: i64 = 4;

/// Profile names common enough to split `<app>-<profile>.yml` by.
const COMMON_PROFILES: &[&str] = &[
    "dev",
    "development",
    "prod",
    "production",
    "prd",
    "test",
    "qa",
    "uat",
    "staging",
    "stage",
    "docker",
    "k8s",
    "kubernetes",
    "local",
    "cloud",
    "native",
    "default",
    "live",
];

/// Labels the report names services by (as `Services::build` does).
const NAME_LABELS: &[&str] = &["app.kubernetes.io/name", "app", "k8s-app", "name"];

#[derive(Debug, Default, Clone)]
struct App {
    name: String,
    name_source: String,
    /// Module folder of its own sources (for folder links), if any.
    module: Option<String>,
    /// Folder of its first source, for proximity.
    near: String,
    workloads: Vec<usize>,
    linked_by: Option<String>,
    service: Option<String>,
    namespace: Option<String>,
}

#[derive(Debug, Clone)]
struct Role {
    /// Apps it configures.
    apps: Vec<usize>,
    shared: bool,
    layer: i64,
    file_profile: Option<String>,
}

/// The module of a file: the folder above `src/main/resources`, else the
/// file's folder.
pub fn module_of(display: &str) -> String {
    if let Some(i) = display.find("/src/main/resources/") {
        return display[..i].to_string();
    }
    if display.starts_with("src/main/resources/") {
        return String::new();
    }
    super::folder_of(display)
}

fn last_component(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// `spring.application.name` of a source's base documents.
fn app_name_in(src: &Source) -> Option<String> {
    src.docs
        .iter()
        .filter(|d| d.on_profile.is_none())
        .flat_map(|d| d.props.iter())
        .filter(|p| squash(&p.key) == "springapplicationname")
        .filter_map(|p| p.value.scalar_text())
        .filter_map(|v| literal_or_default(&v))
        .next_back()
}

/// A value without placeholders, or the default of a single `${X:default}`.
fn literal_or_default(v: &str) -> Option<String> {
    let v = v.trim();
    if v.is_empty() {
        return None;
    }
    if !v.contains("${") {
        return Some(v.to_string());
    }
    let inner = v.strip_prefix("${")?.strip_suffix('}')?;
    let (_, default) = inner.split_once(':')?;
    (!default.is_empty() && !default.contains('$')).then(|| default.to_string())
}

/// Builds a resource per source, linked to its applications and workloads.
pub fn resources(inv: &Inventory, sources: Vec<Source>) -> Vec<Resource> {
    let graph = Light::build(inv);
    let mut apps: Vec<App> = Vec::new();
    let mut by_name: HashMap<String, usize> = HashMap::new();
    let mut roles: Vec<Option<Role>> = vec![None; sources.len()];
    let app_for = |apps: &mut Vec<App>,
                   by_name: &mut HashMap<String, usize>,
                   name: &str,
                   source: String,
                   module: Option<String>,
                   near: &str| {
        if let Some(&i) = by_name.get(name) {
            if apps[i].module.is_none() {
                apps[i].module = module;
            }
            return i;
        }
        apps.push(App {
            name: name.to_string(),
            name_source: source,
            module,
            near: near.to_string(),
            ..App::default()
        });
        by_name.insert(name.to_string(), apps.len() - 1);
        apps.len() - 1
    };

    // Config repositories: folders with a base `application.*` and files
    // named after applications, outside a module's own resources.
    let mut stems_by_folder: HashMap<&str, HashSet<String>> = HashMap::new();
    for s in sources.iter().filter(|s| s.config_map.is_none()) {
        stems_by_folder
            .entry(s.folder.as_str())
            .or_default()
            .insert(s.stem.to_ascii_lowercase());
    }
    let is_repo = |folder: &str| {
        stems_by_folder.get(folder).is_some_and(|stems| {
            stems.contains("application") && stems.iter().any(|s| !super::is_spring_stem(s))
        })
    };

    // Profile names the sources use (`on-profile`, `application-<p>` files).
    let mut known_profiles: HashSet<String> = HashSet::new();
    for src in &sources {
        for d in &src.docs {
            if let Some(e) = &d.on_profile {
                known_profiles.extend(
                    super::profiles::names(e)
                        .iter()
                        .map(|n| n.to_ascii_lowercase()),
                );
            }
        }
        let lower = src.stem.to_ascii_lowercase();
        if super::is_spring_stem(&lower)
            && let Some((_, p)) = lower.split_once('-')
        {
            known_profiles.insert(p.to_string());
        }
    }

    // 1. Modules and config-repository applications.
    let mut modules: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut repo_shared: Vec<(usize, String)> = Vec::new();
    for (i, s) in sources.iter().enumerate() {
        if s.config_map.is_some() {
            continue;
        }
        let display = &inv.files[s.file].display;
        if is_repo(&s.folder) {
            let lower = s.stem.to_ascii_lowercase();
            if super::is_spring_stem(&lower) {
                let profile = lower.split_once('-').map(|(_, p)| p.to_string());
                roles[i] = Some(Role {
                    apps: Vec::new(),
                    shared: true,
                    layer: LAYER_REPO_SHARED,
                    file_profile: profile,
                });
                repo_shared.push((i, s.folder.clone()));
                continue;
            }
            // `<app>-<profile>` when `<app>` is another file of the folder and
            // `<profile>` a profile name (`product-composite.yml` beside
            // `product.yml` is an application of its own).
            let stems = &stems_by_folder[s.folder.as_str()];
            let named_itself = app_name_in(s).is_some_and(|n| n.eq_ignore_ascii_case(&s.stem));
            let (app, profile) = match s.stem.rsplit_once('-') {
                Some((a, p))
                    if !named_itself
                        && stems.contains(&a.to_ascii_lowercase())
                        && (known_profiles.contains(&p.to_ascii_lowercase())
                            || COMMON_PROFILES.contains(&p.to_ascii_lowercase().as_str())) =>
                {
                    (a.to_string(), Some(p.to_string()))
                }
                _ => (s.stem.clone(), None),
            };
            let a = app_for(
                &mut apps,
                &mut by_name,
                &app,
                format!(
                    "file name `{}` in the config repository `{}`",
                    base(display),
                    s.folder
                ),
                None,
                &s.folder,
            );
            roles[i] = Some(Role {
                apps: vec![a],
                shared: false,
                layer: LAYER_REPO_APP,
                file_profile: profile,
            });
            continue;
        }
        modules.entry(module_of(display)).or_default().push(i);
    }
    for (module, members) in &modules {
        let named = members
            .iter()
            .filter_map(|&i| app_name_in(&sources[i]).map(|n| (n, i)))
            .next();
        let (name, how) = match named {
            Some((n, i)) => (
                n,
                format!(
                    "spring.application.name in {}",
                    inv.files[sources[i].file].display
                ),
            ),
            None => {
                let folder = last_component(module);
                let name = if folder.is_empty() {
                    "application"
                } else {
                    folder
                };
                (name.to_string(), format!("module folder `{module}`"))
            }
        };
        let near = sources[members[0]].folder.clone();
        let a = app_for(
            &mut apps,
            &mut by_name,
            &name,
            how,
            Some(module.clone()),
            &near,
        );
        for &i in members {
            let lower = sources[i].stem.to_ascii_lowercase();
            let layer = if lower.starts_with("bootstrap") {
                LAYER_BOOTSTRAP
            } else {
                LAYER_LOCAL
            };
            roles[i] = Some(Role {
                apps: vec![a],
                shared: false,
                layer,
                file_profile: lower.split_once('-').map(|(_, p)| p.to_string()),
            });
        }
    }
    // Shared repository files configure every application of their folder.
    for (i, folder) in &repo_shared {
        let members: Vec<usize> = roles
            .iter()
            .enumerate()
            .filter(|(j, r)| {
                sources[*j].folder == *folder
                    && r.as_ref()
                        .is_some_and(|r| !r.shared && r.layer == LAYER_REPO_APP)
            })
            .flat_map(|(_, r)| r.as_ref().map(|r| r.apps.clone()).unwrap_or_default())
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        if let Some(r) = roles[*i].as_mut() {
            r.apps = members;
            r.apps.sort_unstable();
        }
    }

    // 2. ConfigMaps: named by spring.application.name, referenced by
    // `spring.cloud.kubernetes.config.name`, mounted by a workload, or an
    // application of their own name.
    let mut referenced: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, s) in sources.iter().enumerate() {
        let Some(role) = &roles[i] else { continue };
        for p in s.docs.iter().flat_map(|d| d.props.iter()) {
            let k = squash(&p.key);
            let names_config = k == "springcloudkubernetesconfigname"
                || (k.starts_with("springcloudkubernetesconfigsources") && k.ends_with("name"));
            if names_config
                && let Some(v) = p.value.scalar_text().and_then(|v| literal_or_default(&v))
            {
                referenced
                    .entry(v)
                    .or_default()
                    .extend(role.apps.iter().copied());
            }
        }
    }
    for (i, s) in sources.iter().enumerate() {
        let Some(cm) = s.config_map else { continue };
        let cm_res = &inv.resources[cm];
        if let Some(name) = app_name_in(s) {
            let a = app_for(
                &mut apps,
                &mut by_name,
                &name,
                format!("spring.application.name in ConfigMap `{}`", cm_res.name),
                None,
                &s.folder,
            );
            roles[i] = Some(Role {
                apps: vec![a],
                shared: false,
                layer: LAYER_CONFIG_MAP,
                file_profile: profile_of_stem(&s.stem),
            });
            continue;
        }
        if let Some(users) = referenced.get(&cm_res.name) {
            let mut users = users.clone();
            users.sort_unstable();
            users.dedup();
            roles[i] = Some(Role {
                apps: users,
                shared: true,
                layer: LAYER_CONFIG_MAP,
                file_profile: profile_of_stem(&s.stem),
            });
            continue;
        }
        // Mounted by a workload: that workload's application.
        let mounted_by = graph
            .workloads
            .iter()
            .find(|w| w.namespace == cm_res.namespace && w.config_maps.contains(&cm_res.name));
        let (name, how) = match mounted_by {
            Some(w) => {
                let r = &inv.resources[w.rid];
                (
                    r.name.clone(),
                    format!(
                        "ConfigMap `{}` mounted by {} `{}`",
                        cm_res.name, r.kind, r.name
                    ),
                )
            }
            None => (
                cm_res.name.clone(),
                format!("ConfigMap name `{}`", cm_res.name),
            ),
        };
        let a = app_for(&mut apps, &mut by_name, &name, how, None, &s.folder);
        roles[i] = Some(Role {
            apps: vec![a],
            shared: false,
            layer: LAYER_CONFIG_MAP,
            file_profile: profile_of_stem(&s.stem),
        });
    }

    // 3. Workloads of each application.
    let default_ns = inv
        .resources
        .iter()
        .find(|r| !r.namespace_explicit && !r.namespace.is_empty())
        .map(|r| r.namespace.clone())
        .unwrap_or_else(|| "default".to_string());
    for app in &mut apps {
        link_workloads(inv, &graph, app);
        match app.workloads.first() {
            Some(&w) => {
                let wl = &graph.workloads[w];
                let r = &inv.resources[wl.rid];
                app.namespace = Some(r.namespace.clone());
                app.service = Some(if graph.serving(w) {
                    NAME_LABELS
                        .iter()
                        .find_map(|l| wl.label(l).map(str::to_string))
                        .unwrap_or_else(|| r.name.clone())
                } else {
                    app.name.clone()
                });
            }
            None => {
                app.namespace = Some(default_ns.clone());
                app.service = Some(app.name.clone());
                if let Some(module) = &app.module
                    && let Some(df) = inv.files.iter().find(|f| {
                        f.kind == crate::source::FileKind::Dockerfile
                            && super::folder_of(&f.display) == *module
                    })
                {
                    app.linked_by = Some(format!(
                        "no workload in the input; the module folder `{module}` has `{}`",
                        df.display
                    ));
                }
            }
        }
    }

    // 4. Resources.
    let mut out = Vec::new();
    for (i, s) in sources.into_iter().enumerate() {
        let Some(role) = roles[i].take() else {
            continue;
        };
        let linked: Vec<&App> = role.apps.iter().map(|a| &apps[*a]).collect();
        let namespace = match s.config_map {
            Some(cm) => inv.resources[cm].namespace.clone(),
            None => linked
                .first()
                .and_then(|a| a.namespace.clone())
                .unwrap_or_else(|| default_ns.clone()),
        };
        let service_hint = if linked.len() == 1 {
            linked[0].service.clone()
        } else {
            None
        };
        let node = build_node(inv, &graph, &s, &role, &linked, &namespace);
        out.push(Resource {
            file: s.file,
            doc: s.docs.first().map_or(0, |d| d.index),
            api_version: API_VERSION.to_string(),
            kind: KIND.to_string(),
            name: s.name,
            namespace,
            namespace_explicit: false,
            node,
            service_hint,
        });
    }
    out
}

fn base(display: &str) -> &str {
    display.rsplit('/').next().unwrap_or(display)
}

fn profile_of_stem(stem: &str) -> Option<String> {
    stem.split_once('-').map(|(_, p)| p.to_string())
}

/// A workload as linking sees it, read straight from its node (building
/// the whole graph here would cost more than the rest of the reader).
struct LightWl {
    rid: usize,
    namespace: String,
    labels: Vec<(String, String)>,
    /// `SPRING_APPLICATION_NAME` of a container, lowercase.
    spring_name: Option<String>,
    /// Workload name, `app` labels and container names, lowercase.
    names: Vec<String>,
    /// Last components of the containers' image repositories, lowercase.
    images: Vec<String>,
    /// ConfigMaps mounted as volumes.
    config_maps: Vec<String>,
}

impl LightWl {
    fn label(&self, key: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

struct Light {
    workloads: Vec<LightWl>,
    /// Services: (resource, namespace, lowercase name, selector).
    services: Vec<(usize, String, String, LabelSelector)>,
}

fn image_last(image: &str) -> String {
    let no_digest = image.split('@').next().unwrap_or(image);
    let last = no_digest.rsplit('/').next().unwrap_or(no_digest);
    last.split(':').next().unwrap_or(last).to_ascii_lowercase()
}

impl Light {
    fn build(inv: &Inventory) -> Light {
        let mut workloads = Vec::new();
        let mut services = Vec::new();
        for (rid, r) in inv.resources.iter().enumerate() {
            if r.kind == "Service" {
                if let Some(sel) = r.node.path(&["spec", "selector"]) {
                    let sel = LabelSelector::from_map(sel);
                    if !sel.is_empty() {
                        services.push((rid, r.namespace.clone(), r.name.to_ascii_lowercase(), sel));
                    }
                }
                continue;
            }
            let Some(kind) = WorkloadKind::of(&r.api_version, &r.kind) else {
                continue;
            };
            let template = r.node.pointer(kind.template_pointer());
            let labels: Vec<(String, String)> =
                crate::model::string_map(template.and_then(|t| t.path(&["metadata", "labels"])))
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect();
            let spec = template.and_then(|t| t.get("spec"));
            let mut names = vec![r.name.to_ascii_lowercase()];
            names.extend(
                NAME_LABELS[..2]
                    .iter()
                    .filter_map(|l| labels.iter().find(|(k, _)| k == l))
                    .map(|(_, v)| v.to_ascii_lowercase()),
            );
            let mut images = Vec::new();
            let mut spring_name = None;
            for c in spec
                .and_then(|s| s.get("containers"))
                .map(Node::items)
                .unwrap_or_default()
            {
                if let Some(n) = c.get("name").and_then(Node::as_str) {
                    names.push(n.to_ascii_lowercase());
                }
                if let Some(i) = c.get("image").and_then(Node::as_str) {
                    images.push(image_last(i));
                }
                if spring_name.is_none() {
                    spring_name = c
                        .get("env")
                        .map(Node::items)
                        .unwrap_or_default()
                        .iter()
                        .find(|e| {
                            e.get("name").and_then(Node::as_str) == Some("SPRING_APPLICATION_NAME")
                        })
                        .and_then(|e| e.get("value"))
                        .and_then(Node::scalar_text)
                        .map(|v| v.to_ascii_lowercase());
                }
            }
            let config_maps = spec
                .and_then(|s| s.get("volumes"))
                .map(Node::items)
                .unwrap_or_default()
                .iter()
                .filter_map(|v| v.path(&["configMap", "name"]).and_then(Node::scalar_text))
                .collect();
            workloads.push(LightWl {
                rid,
                namespace: r.namespace.clone(),
                labels,
                spring_name,
                names,
                images,
                config_maps,
            });
        }
        Light {
            workloads,
            services,
        }
    }

    /// Whether a Service selects the workload.
    fn selects(&self, service: usize, w: usize) -> bool {
        let (_, ns, _, sel) = &self.services[service];
        let wl = &self.workloads[w];
        *ns == wl.namespace && sel.matches(|k| wl.label(k))
    }

    fn serving(&self, w: usize) -> bool {
        (0..self.services.len()).any(|s| self.selects(s, w))
    }
}

/// Finds the workloads that run an application, and says how.
fn link_workloads(inv: &Inventory, g: &Light, app: &mut App) {
    let name = app.name.to_ascii_lowercase();
    let folder = app
        .module
        .as_deref()
        .map(|m| last_component(m).to_ascii_lowercase())
        .unwrap_or_default();
    // (workload, how, strength): lower is stronger evidence.
    let mut found: Vec<(usize, String, u8)> = Vec::new();
    // Services named after the application select its workloads.
    let named_services: Vec<usize> = g
        .services
        .iter()
        .enumerate()
        .filter(|(_, (_, _, n, _))| *n == name)
        .map(|(i, _)| i)
        .collect();
    for (wid, f) in g.workloads.iter().enumerate() {
        let what = || {
            let r = &inv.resources[f.rid];
            format!("{} `{}`", r.kind, r.name)
        };
        if f.spring_name.as_deref() == Some(name.as_str()) {
            found.push((wid, format!("SPRING_APPLICATION_NAME of {}", what()), 0));
            continue;
        }
        if f.names.contains(&name) {
            found.push((
                wid,
                format!("application name `{}` = {}", app.name, what()),
                1,
            ));
            continue;
        }
        if let Some(svc) = named_services
            .iter()
            .find(|s| g.selects(**s, wid))
            .map(|s| g.services[*s].0)
        {
            found.push((
                wid,
                format!(
                    "application name `{}` = Service `{}` of {}",
                    app.name,
                    inv.resources[svc].name,
                    what()
                ),
                1,
            ));
            continue;
        }
        let Some(module) = app.module.as_deref() else {
            continue;
        };
        if folder.is_empty() {
            continue;
        }
        let wname = f.names[0].as_str();
        let suffix = folder.len() > wname.len()
            && folder.ends_with(wname)
            && folder.as_bytes()[folder.len() - wname.len() - 1] == b'-';
        if folder == wname || suffix || f.images.contains(&folder) {
            found.push((wid, format!("module folder `{module}` = {}", what()), 2));
            continue;
        }
        if !module.is_empty() {
            let manifest = &inv.files[inv.resources[f.rid].file].display;
            if manifest.starts_with(module) && manifest[module.len()..].starts_with('/') {
                found.push((
                    wid,
                    format!("{} is defined in the module folder `{module}`", what()),
                    3,
                ));
            }
        }
    }
    // Only the strongest evidence: a workload named after the application
    // wins over others whose manifests merely sit in its folder.
    let Some(strongest) = found.iter().map(|f| f.2).min() else {
        return;
    };
    found.retain(|f| f.2 == strongest);
    // Several definitions (overlays, copies): the ones closest to the config.
    let near: Vec<&str> = app.near.split('/').collect();
    let closeness = |wid: usize| {
        let d = &inv.files[inv.resources[g.workloads[wid].rid].file].display;
        d.split('/')
            .zip(near.iter())
            .take_while(|(a, b)| a == *b)
            .count()
    };
    let best = found.iter().map(|f| closeness(f.0)).max().unwrap_or(0);
    found.retain(|f| closeness(f.0) == best);
    app.linked_by = Some(found[0].1.clone());
    app.workloads = found.into_iter().map(|f| f.0).collect();
}

fn s(v: &str, pos: Pos) -> Node {
    Node {
        value: Value::Str(v.to_string()),
        pos,
    }
}

fn entry(key: &str, value: Node) -> Entry {
    let key_pos = value.pos;
    Entry {
        key: key.to_string(),
        key_pos,
        value,
    }
}

fn opt(v: Option<&str>, pos: Pos) -> Node {
    match v {
        Some(v) => s(v, pos),
        None => Node::null(pos),
    }
}

fn map(entries: Vec<Entry>, pos: Pos) -> Node {
    Node {
        value: Value::Map(entries),
        pos,
    }
}

fn seq(items: Vec<Node>, pos: Pos) -> Node {
    Node {
        value: Value::Seq(items),
        pos,
    }
}

/// The resource node: identity, the applications the source configures and
/// their links, then the properties of every document with positions.
fn build_node(
    inv: &Inventory,
    g: &Light,
    src: &Source,
    role: &Role,
    apps: &[&App],
    namespace: &str,
) -> Node {
    let at = src.docs.first().map_or(Pos::START, |d| d.start);
    let app_nodes: Vec<Node> = apps
        .iter()
        .map(|a| {
            let workloads: Vec<Node> = a
                .workloads
                .iter()
                .map(|w| s(&inv.resources[g.workloads[*w].rid].identity(), at))
                .collect();
            map(
                vec![
                    entry("name", s(&a.name, at)),
                    entry("nameSource", s(&a.name_source, at)),
                    entry("service", opt(a.service.as_deref(), at)),
                    entry("linkedBy", opt(a.linked_by.as_deref(), at)),
                    entry("workloads", seq(workloads, at)),
                ],
                at,
            )
        })
        .collect();
    let mut doc_names: HashMap<String, usize> = HashMap::new();
    let docs: Vec<Node> = src
        .docs
        .iter()
        .map(|d| {
            let base = match &d.on_profile {
                Some(p) => format!("profile {p}"),
                None => "base".to_string(),
            };
            let n = doc_names.entry(base.clone()).or_default();
            *n += 1;
            let name = if *n == 1 {
                base
            } else {
                format!("{base} #{n}")
            };
            let props_pos = d.props.first().map_or(d.start, |p| p.key_pos);
            let props: Vec<Entry> = d
                .props
                .iter()
                .map(|p| Entry {
                    key: p.key.clone(),
                    key_pos: p.key_pos,
                    value: p.value.clone(),
                })
                .collect();
            map(
                vec![
                    entry("name", s(&name, d.start)),
                    entry(
                        "index",
                        Node {
                            value: Value::Int(d.index as i64),
                            pos: d.start,
                        },
                    ),
                    entry("onProfile", opt(d.on_profile.as_deref(), d.start)),
                    entry("properties", map(props, props_pos)),
                ],
                d.start,
            )
        })
        .collect();
    let cm = src.config_map.map(|c| inv.resources[c].identity());
    map(
        vec![
            entry("apiVersion", s(API_VERSION, at)),
            entry("kind", s(KIND, at)),
            entry(
                "metadata",
                map(
                    vec![
                        entry("name", s(&src.name, at)),
                        entry("namespace", s(namespace, at)),
                    ],
                    at,
                ),
            ),
            entry(
                "source",
                map(
                    vec![
                        entry("format", s(src.format, at)),
                        entry(
                            "shared",
                            Node {
                                value: Value::Bool(role.shared),
                                pos: at,
                            },
                        ),
                        entry(
                            "layer",
                            Node {
                                value: Value::Int(role.layer),
                                pos: at,
                            },
                        ),
                        entry("fileProfile", opt(role.file_profile.as_deref(), at)),
                        entry("configMap", opt(cm.as_deref(), at)),
                        entry("apps", seq(app_nodes, at)),
                    ],
                    at,
                ),
            ),
            entry("documents", seq(docs, at)),
        ],
        at,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modules() {
        assert_eq!(
            module_of("svc/orders/src/main/resources/application.yml"),
            "svc/orders"
        );
        assert_eq!(
            module_of("svc/orders/src/main/resources/config/application.yml"),
            "svc/orders"
        );
        assert_eq!(module_of("src/main/resources/application.yml"), "");
        assert_eq!(module_of("config-repo/orders.yml"), "config-repo");
        assert_eq!(
            literal_or_default("${APP:orders}").as_deref(),
            Some("orders")
        );
        assert_eq!(literal_or_default("${APP}"), None);
    }
}
