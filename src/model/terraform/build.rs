//! Turns every `resource`, `data` and `module` block of every module
//! instance into a [`Resource`]: kind = resource type (`data.<type>` for
//! data sources, `module` for calls), name = its address
//! (`module.db.aws_db_instance.this`), namespace = the root configuration's
//! folder, node = its evaluated attributes and nested blocks with the
//! positions they are written at.
//!
//! Besides what is written, the node carries facts the reader worked out,
//! under keys no HCL attribute can have:
//! - `@block`: `resource`, `data` or `module`;
//! - `@instances`: with a known count/for_each of more than one, the
//!   attributes that differ per instance (`@key` names the instance);
//! - `@zones`: for the unknown values that are subnets (or placed in one),
//!   the zone each is in, known (`us-east-1a`) or not (`${var.azs[0]}`);
//! - `@module`: for a call of a well-known public module, its registry
//!   name; `@local`: for a local module call, the folder it reads;
//! - `@origin`: for attributes whose value is written in another file (a
//!   variable default, a `.tfvars`, a module's caller), where, by pointer;
//! - `@env`: why the configuration is not production, when it clearly is
//!   not (tags, variables, tfvars file names, block names).

use super::config::{BlockKind, attr, start};
use super::eval::{Count, Cx, World, literal_source};
use super::modules;
use super::value::{Loc, NO_FILE, V, Val};
use crate::model::Resource;
use crate::yaml::{Entry, Node, Value};

/// Most instances of one block listed under `@instances`.
const MAX_LISTED_INSTANCES: usize = 64;

pub fn resources(w: &World<'_>, out: &mut Vec<Resource>) {
    for inst in 0..w.instances.len() {
        let instance = &w.instances[inst];
        let folder = &w.folders[instance.folder];
        let root_dir = &w.folders[w.instances[instance.root].folder].dir;
        let namespace = if root_dir.is_empty() {
            ".".to_string()
        } else {
            root_dir.clone()
        };
        let root_env = root_environment(w, instance.root);
        for (bi, b) in folder.blocks.iter().enumerate() {
            let count = w.block_count(inst, bi);
            #[allow(clippy::type_complexity)]
            let (binding, keys): (Vec<(String, Val)>, Vec<(Val, Val)>) = match &count {
                Count::Keys(k) if k.is_empty() => continue,
                Count::Keys(k) if k.len() == 1 => (key_binding(b, &k[0]), Vec::new()),
                Count::Keys(k) => (unknown_binding(), k.clone()),
                Count::Unknown(_) => (unknown_binding(), Vec::new()),
                Count::One => (Vec::new(), Vec::new()),
            };
            let body = w.body(inst, bi, &binding);
            let block_pos = w.loc(b.parsed, start(b.block)).pos;
            let mut zones: Vec<(String, Val)> = Vec::new();
            let mut node = body.to_node(b.file, block_pos, &mut zones);
            node.pos = block_pos;
            let mut meta: Vec<Entry> = Vec::new();
            let entry = |key: &str, value: Node| Entry {
                key: key.to_string(),
                key_pos: block_pos,
                value,
            };
            let text = |s: &str| Node {
                value: Value::Str(s.to_string()),
                pos: block_pos,
            };
            let block_kind = match b.kind {
                BlockKind::Resource => "resource",
                BlockKind::Data => "data",
                BlockKind::Module => "module",
            };
            meta.push(entry("@block", text(block_kind)));
            if !keys.is_empty() {
                let per = per_instance(w, inst, bi, &keys, &mut zones);
                if !per.is_empty() {
                    meta.push(entry(
                        "@instances",
                        Node {
                            value: Value::Seq(per),
                            pos: block_pos,
                        },
                    ));
                }
            }
            if b.kind == BlockKind::Module
                && let Some(source) = literal_source(b.block)
            {
                if let Some(k) = modules::known(&source) {
                    meta.push(entry("@module", text(k.name())));
                } else if let Some(dir) = super::config::local_source(&folder.dir, &source) {
                    meta.push(entry("@local", text(&dir)));
                }
            }
            let mut origins = Vec::new();
            value_origins(&body, b.file, "", 0, &mut origins);
            if !origins.is_empty() {
                let list = origins
                    .into_iter()
                    .map(|(pointer, at)| Entry {
                        key: pointer,
                        key_pos: block_pos,
                        value: text(&format!("{}:{}", w.files[at.file].display, at.pos)),
                    })
                    .collect();
                meta.push(entry(
                    "@origin",
                    Node {
                        value: Value::Map(list),
                        pos: block_pos,
                    },
                ));
            }
            if !zones.is_empty() {
                let mut z = Vec::new();
                let mut ignored = Vec::new();
                for (k, v) in &zones {
                    z.push(Entry {
                        key: k.clone(),
                        key_pos: block_pos,
                        value: v.to_node(b.file, block_pos, &mut ignored),
                    });
                }
                meta.push(entry(
                    "@zones",
                    Node {
                        value: Value::Map(z),
                        pos: block_pos,
                    },
                ));
            }
            let address = match b.kind {
                BlockKind::Resource => format!("{}{}.{}", instance.prefix, b.ty, b.name),
                BlockKind::Data => format!("{}data.{}.{}", instance.prefix, b.ty, b.name),
                BlockKind::Module => format!("{}module.{}", instance.prefix, b.name),
            };
            let file_dir = super::config::dir_of(&w.files[b.file].display);
            // An example (or test fixture) configuration is documentation,
            // not a deployment, whatever its tags say.
            if let Some(reason) = example_root(root_dir) {
                meta.push(entry("@env", text(&reason)));
                meta.push(entry("@example", text("true")));
            } else if let Some(reason) = resource_environment(&node, &b.name, &instance.prefix)
                .or_else(|| root_env.clone())
                .or_else(|| folder_environment(root_dir, file_dir))
            {
                meta.push(entry("@env", text(&reason)));
            }
            if let Value::Map(entries) = &mut node.value {
                entries.extend(meta);
            }
            let kind = match b.kind {
                BlockKind::Data => format!("data.{}", b.ty),
                _ => b.ty.clone(),
            };
            out.push(Resource {
                file: b.file,
                doc: 0,
                api_version: "terraform".into(),
                kind,
                name: address,
                namespace: namespace.clone(),
                namespace_explicit: false,
                node,
                service_hint: None,
            });
        }
    }
}

/// Attributes whose value is written in another file (a variable default,
/// a `.tfvars`, the caller of a module): where, by JSON Pointer.
fn value_origins(v: &Val, file: usize, pointer: &str, depth: usize, out: &mut Vec<(String, Loc)>) {
    let V::Map(entries) = &v.v else {
        return;
    };
    for (k, _, x) in entries {
        let p = format!("{pointer}/{}", crate::yaml::escape_segment(k));
        if x.at.file != file && x.at.file != NO_FILE {
            out.push((p, x.at));
        } else if depth < 2 {
            value_origins(x, file, &p, depth + 1, out);
        }
    }
}

fn key_binding(b: &super::config::BlockDef<'_>, k: &(Val, Val)) -> Vec<(String, Val)> {
    if attr(&b.block.body, "count").is_some() {
        vec![("count.index".to_string(), k.0.clone())]
    } else {
        vec![
            ("each.key".to_string(), k.0.clone()),
            ("each.value".to_string(), k.1.clone()),
        ]
    }
}

fn unknown_binding() -> Vec<(String, Val)> {
    vec![
        ("count.index".to_string(), Val::unknown("count.index")),
        ("each.key".to_string(), Val::unknown("each.key")),
        ("each.value".to_string(), Val::unknown("each.value")),
    ]
}

/// The attributes that depend on `count.index`/`each`, per instance.
fn per_instance(
    w: &World<'_>,
    inst: usize,
    bi: usize,
    keys: &[(Val, Val)],
    zones: &mut Vec<(String, Val)>,
) -> Vec<Node> {
    let folder = &w.folders[w.instances[inst].folder];
    let b = &folder.blocks[bi];
    let varying: Vec<&hcl_edit::structure::Attribute> = b
        .block
        .body
        .attributes()
        .filter(|a| {
            let t = w.text(b.parsed, &a.value);
            t.contains("count.index") || t.contains("each.")
        })
        .collect();
    let block_pos = w.loc(b.parsed, start(b.block)).pos;
    let mut out = Vec::new();
    for k in keys.iter().take(MAX_LISTED_INSTANCES) {
        let binding = key_binding(b, k);
        let cx = Cx {
            inst,
            parsed: b.parsed,
            file: b.file,
            bind: &binding,
        };
        let mut entries = vec![Entry {
            key: "@key".into(),
            key_pos: block_pos,
            value: Node {
                value: match &k.0.v {
                    V::Int(i) => Value::Int(*i),
                    _ => Value::Str(k.0.as_text().unwrap_or_default()),
                },
                pos: block_pos,
            },
        }];
        for a in &varying {
            let key_pos = w.loc(b.parsed, start(&a.key)).pos;
            let v = w.eval(&cx, &a.value);
            entries.push(Entry {
                key: a.key.as_str().to_string(),
                key_pos,
                value: v.to_node(b.file, key_pos, zones),
            });
        }
        out.push(Node {
            value: Value::Map(entries),
            pos: block_pos,
        });
    }
    out
}

const NON_PRODUCTION: &[&str] = &[
    "dev",
    "development",
    "develop",
    "test",
    "testing",
    "e2e",
    "staging",
    "stage",
    "stg",
    "preview",
    "qa",
    "uat",
    "sandbox",
    "demo",
    "ephemeral",
    "sbx",
];
const PRODUCTION: &[&str] = &["prod", "production", "prd", "live"];

/// Whether a name says production (`Some(true)`), non-production
/// (`Some(false)`), or nothing.
pub fn classify(name: &str) -> Option<bool> {
    let lower = name.to_ascii_lowercase();
    let parts: Vec<&str> = lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|p| !p.is_empty())
        .collect();
    if parts.iter().any(|p| PRODUCTION.contains(p)) {
        return Some(true);
    }
    if parts.iter().any(|p| NON_PRODUCTION.contains(p)) {
        return Some(false);
    }
    None
}

const ENV_KEYS: &[&str] = &[
    "env",
    "environment",
    "stage",
    "environment_name",
    "env_name",
    "tier",
];

/// A resource's own say: an `env`/`environment`/`stage` tag or label, or
/// a block or module name like `cloudsql_staging`.
fn resource_environment(node: &Node, block_name: &str, prefix: &str) -> Option<String> {
    for field in [
        "tags",
        "labels",
        "user_labels",
        "resource_labels",
        "default_tags",
    ] {
        let Some(map) = node.get(field) else {
            continue;
        };
        for e in map.entries() {
            if !ENV_KEYS.contains(&e.key.to_ascii_lowercase().as_str()) {
                continue;
            }
            let Some(v) = e.value.as_str() else {
                continue;
            };
            match classify(v) {
                Some(true) => return None,
                Some(false) => return Some(format!("its {field} say {} = {v:?}", e.key)),
                None => {}
            }
        }
    }
    let names = format!("{prefix}{block_name}");
    match classify(&names.replace("module.", "").replace('.', "_")) {
        Some(false) => Some(format!("its name `{names}` says it is not production")),
        _ => None,
    }
}

/// What the root configuration says: a variable named like an environment
/// (`environment = "dev"`), or the only `-var-file` being `dev.tfvars`.
fn root_environment(w: &World<'_>, root: usize) -> Option<String> {
    let instance = &w.instances[root];
    let folder = &w.folders[instance.folder];
    for key in ENV_KEYS {
        if !folder.variables.contains_key(*key) {
            continue;
        }
        let v = w.var(root, key);
        if let Some(s) = v.as_text() {
            match classify(&s) {
                Some(true) => return None,
                Some(false) => return Some(format!("var.{key} is {s:?}")),
                None => {}
            }
        }
    }
    for t in &folder.tfvars {
        if t.name == "terraform.tfvars" || t.name.ends_with(".auto.tfvars") {
            continue;
        }
        if folder
            .tfvars
            .iter()
            .filter(|x| !x.name.ends_with(".auto.tfvars") && x.name != "terraform.tfvars")
            .count()
            == 1
            && classify(&t.name) == Some(false)
        {
            return Some(format!("its only variable file is {}", t.name));
        }
    }
    None
}

/// Folder names of example configurations: the `examples/` of a module
/// repository, samples, demos, and the fixtures its tests apply.
const EXAMPLES: &[&str] = &[
    "example",
    "examples",
    "sample",
    "samples",
    "demo",
    "demos",
    "fixture",
    "fixtures",
    "quickstart",
    "quickstarts",
    "tutorial",
    "tutorials",
    "playground",
];

/// Why a root configuration is an example, when a folder of its path says
/// so (and none says production).
fn example_root(root_dir: &str) -> Option<String> {
    let mut example = false;
    for seg in root_dir.split('/') {
        let lower = seg.to_ascii_lowercase();
        let parts: Vec<&str> = lower.split(['-', '_', '.']).collect();
        if parts.iter().any(|p| PRODUCTION.contains(p)) {
            return None;
        }
        example |= parts.iter().any(|p| EXAMPLES.contains(p));
    }
    example.then(|| {
        format!("its configuration folder `{root_dir}` holds an example, not a deployment")
    })
}

/// Example folders (`examples/complete`) are not production; nor is a
/// child module called from a non-production folder (`envs/dev`). Folders
/// of the file itself are left to the scan-wide environment awareness, so
/// nothing is lowered twice.
fn folder_environment(root_dir: &str, file_dir: &str) -> Option<String> {
    const OTHERS: &[&str] = &[
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
    let inside = file_dir == root_dir || file_dir.starts_with(&format!("{root_dir}/"));
    let mut reason = None;
    for seg in root_dir.split('/') {
        let lower = seg.to_ascii_lowercase();
        let parts: Vec<&str> = lower.split(['-', '_', '.']).collect();
        if parts.iter().any(|p| PRODUCTION.contains(p)) {
            return None;
        }
        if parts.iter().any(|p| EXAMPLES.contains(p)) {
            reason = Some(format!(
                "its configuration folder `{root_dir}` holds an example"
            ));
        } else if !inside && parts.iter().any(|p| OTHERS.contains(p)) {
            reason = Some(format!(
                "its configuration folder `{root_dir}` is a non-production environment"
            ));
        }
    }
    reason
}

#[cfg(test)]
mod tests {
    use super::{classify, example_root, folder_environment};

    #[test]
    fn examples() {
        assert!(example_root("examples/complete-mysql").is_some());
        assert!(example_root("test/fixtures/simple").is_some());
        assert!(example_root("samples").is_some());
        assert!(example_root("quickstarts/wordpress/terraform").is_some());
        assert!(example_root("examples/prod-like").is_none());
        assert!(example_root("envs/dev").is_none());
        assert!(example_root(".").is_none());
    }

    #[test]
    fn folders() {
        assert!(folder_environment("examples/complete", "modules/db").is_some());
        assert!(folder_environment("envs/dev", "modules/db").is_some());
        // Left to the scan-wide environment awareness.
        assert!(folder_environment("envs/dev", "envs/dev").is_none());
        assert!(folder_environment("envs/prod", "modules/db").is_none());
    }

    #[test]
    fn environment_names() {
        assert_eq!(classify("dev"), Some(false));
        assert_eq!(classify("gke_development"), Some(false));
        assert_eq!(classify("cloudsql_production"), Some(true));
        assert_eq!(classify("devices"), None);
        assert_eq!(classify("prod-dev"), Some(true));
    }
}
