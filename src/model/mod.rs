//! The model: what the parsed documents mean. Kubernetes objects become
//! [`Resource`]s with a defaulted namespace and their origin; the graph links
//! them (Service -> workloads, PDB -> workloads, HPA -> target, Ingress ->
//! Service) and derives facts; services group everything per unit of report.

pub mod alert_coverage;
pub mod alert_index;
pub mod alert_routing;
pub mod alerting;
pub mod appconfig;
pub mod compose;
pub mod datastore;
pub mod dockerfile;
pub mod graph;
pub mod k8s;
pub mod ownership;
pub mod prom_selection;
pub mod promql;
pub mod promql_parse;
pub mod selector;
pub mod service;
pub mod slo;
pub mod slo_specs;
#[cfg(feature = "terraform")]
pub mod terraform;
pub mod words;

use crate::discover::HelmChart;
use crate::finding::{Note, ResourceRef};
use crate::load::{InputProblem, Loaded};
use crate::source::{FileId, Pos, SourceFile};
use crate::yaml::{Document, Node};
use rayon::prelude::*;
use std::collections::HashMap;
use std::sync::Arc;

pub type ResourceId = usize;

/// A Kubernetes object found in the input.
#[derive(Debug)]
pub struct Resource {
    pub file: FileId,
    /// Index of its document in the file's stream.
    pub doc: usize,
    pub api_version: String,
    pub kind: String,
    pub name: String,
    /// The namespace, defaulted when the manifest names none.
    pub namespace: String,
    pub namespace_explicit: bool,
    pub node: Node,
    /// For inputs that are not Kubernetes workloads but are services of the
    /// report (a compose service, a declared cloud service): its name.
    pub service_hint: Option<String>,
}

impl Resource {
    /// The API group (`apps` for `apps/v1`, `` for `v1`).
    pub fn group(&self) -> &str {
        self.api_version
            .rsplit_once('/')
            .map(|(g, _)| g)
            .unwrap_or("")
    }

    pub fn labels(&self) -> impl Iterator<Item = (&str, &str)> {
        string_map(self.node.path(&["metadata", "labels"]))
    }

    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.node
            .path(&["metadata", "annotations"])?
            .get(key)?
            .as_str()
    }

    pub fn reference(&self) -> ResourceRef {
        ResourceRef {
            kind: self.kind.clone(),
            namespace: self.namespace.clone(),
            name: self.name.clone(),
        }
    }

    /// `namespace/Kind/name`, the identity used in fingerprints and waivers.
    pub fn identity(&self) -> String {
        format!("{}/{}/{}", self.namespace, self.kind, self.name)
    }

    /// Position of a field (JSON Pointer); falls back to the nearest parent.
    pub fn locate(&self, pointer: &str) -> Pos {
        self.node.locate(pointer).0
    }
}

/// Iterates a YAML map of string values (labels, annotations, selectors).
pub fn string_map(node: Option<&Node>) -> impl Iterator<Item = (&str, &str)> {
    node.map(Node::entries)
        .unwrap_or_default()
        .iter()
        .filter_map(|e| Some((e.key.as_str(), e.value.as_str()?)))
}

/// A YAML document that is not a Kubernetes object (compose file, rule file,
/// SLO spec, ...), kept for the readers that understand it.
#[derive(Debug)]
pub struct OtherDocument {
    pub file: FileId,
    pub doc: usize,
    pub node: Node,
}

/// Everything read from the input.
#[derive(Debug, Default)]
pub struct Inventory {
    /// Shared so that readers of their own files can run beside the others
    /// (see [`FILE_READERS`]).
    pub files: Arc<Vec<SourceFile>>,
    pub resources: Vec<Resource>,
    pub other_documents: Vec<OtherDocument>,
    /// Files or documents that could not be read or parsed.
    pub problems: Vec<InputProblem>,
    /// Helm charts whose templates were not read.
    pub helm_charts: Vec<HelmChart>,
    /// The repository's CODEOWNERS, if any.
    pub codeowners: Option<ownership::CodeOwners>,
    /// SLOs declared in the repository (OpenSLO, Sloth, Pyrra, ...), read by
    /// their readers; the budget stage uses them.
    pub slos: Vec<slo::SloSpec>,
    pub notes: Vec<Note>,
    /// Resources by kind, built on first use once the model is complete
    /// (see [`Inventory::of_kind`]).
    kind_index: std::sync::OnceLock<HashMap<String, Vec<ResourceId>>>,
}

impl Inventory {
    /// The resources of a kind, in input order. Checks that look for a few
    /// kinds among all resources (the `Prometheus` objects that may load a
    /// rule, the `Namespace` of a name) ask this instead of scanning every
    /// resource per question, which is quadratic on a large repository.
    /// Only valid once every reader has run: `build_inventory` resets it.
    pub fn of_kind(&self, kind: &str) -> &[ResourceId] {
        self.kind_index
            .get_or_init(|| {
                let mut index: HashMap<String, Vec<ResourceId>> = HashMap::new();
                for (rid, r) in self.resources.iter().enumerate() {
                    index.entry(r.kind.clone()).or_default().push(rid);
                }
                index
            })
            .get(kind)
            .map_or(&[], Vec::as_slice)
    }
}

#[derive(Clone, Debug)]
pub struct ModelOptions {
    /// Namespace for objects that name none.
    pub default_namespace: String,
}

impl Default for ModelOptions {
    fn default() -> Self {
        ModelOptions {
            default_namespace: "default".into(),
        }
    }
}

/// A reader of one kind of input beyond Kubernetes objects (compose files,
/// Dockerfiles, alert rules, SLO specs, application config). Readers run in
/// the order of [`MASKING_READERS`] then [`READERS`] after the Kubernetes
/// objects are read. Each one takes the documents or files it understands
/// and adds resources (kind and API version naming its source, a node with
/// positions, so checks and locations work as for Kubernetes objects) and
/// whatever typed model its checks need; problems go to `inv.problems`.
pub trait Reader: Sync {
    fn name(&self) -> &'static str;
    fn read(&self, inv: &mut Inventory);
}

/// A reader that needs nothing but the files of its own language and adds
/// only its own resources (Terraform): it runs beside [`READERS`], and what
/// it read is added after theirs.
pub trait FileReader: Sync {
    fn name(&self) -> &'static str;
    fn read(&self, files: &[SourceFile]) -> Additions;
}

/// What a [`FileReader`] adds to the inventory.
#[derive(Debug, Default)]
pub struct Additions {
    pub resources: Vec<Resource>,
    pub notes: Vec<Note>,
    pub problems: Vec<InputProblem>,
}

/// Readers that rewrite the files' text (application config masks the
/// secrets it finds), run first and alone.
pub static MASKING_READERS: &[&dyn Reader] = &[&appconfig::Reader];

/// The other readers, in order: compose links the Dockerfiles read before it.
pub static READERS: &[&dyn Reader] = &[
    &dockerfile::DockerfileReader,
    &compose::ComposeReader,
    &alerting::AlertingReader,
    &slo_specs::SloReader,
];

/// Readers of their own files, run beside [`READERS`].
pub static FILE_READERS: &[&dyn FileReader] = &[
    #[cfg(feature = "terraform")]
    &terraform::READER,
];

/// Turns loaded documents into resources. `kind: List` is expanded; partial
/// objects (kustomize patches without a name) are skipped with a note.
pub fn build_inventory(
    loaded: Loaded,
    helm_charts: Vec<HelmChart>,
    options: &ModelOptions,
) -> Inventory {
    let mut inv = Inventory {
        files: Arc::new(loaded.files),
        problems: loaded.problems,
        helm_charts,
        ..Inventory::default()
    };
    crate::timings::time("kubernetes objects", || {
        for (file, docs) in loaded.documents.into_iter().enumerate() {
            for Document { index, root } in docs {
                add_document(&mut inv, file, index, root, options);
            }
        }
    });
    for reader in MASKING_READERS {
        crate::timings::time(reader.name(), || reader.read(&mut inv));
    }
    let files = Arc::clone(&inv.files);
    let (additions, ()) = rayon::join(
        || {
            FILE_READERS
                .par_iter()
                .map(|reader| crate::timings::time(reader.name(), || reader.read(&files)))
                .collect::<Vec<Additions>>()
        },
        || {
            for reader in READERS {
                crate::timings::time(reader.name(), || reader.read(&mut inv));
            }
        },
    );
    for a in additions {
        inv.resources.extend(a.resources);
        inv.notes.extend(a.notes);
        inv.problems.extend(a.problems);
    }
    // Readers add resources: an index one of them built is out of date.
    inv.kind_index = std::sync::OnceLock::new();
    inv
}

fn add_document(inv: &mut Inventory, file: FileId, doc: usize, root: Node, options: &ModelOptions) {
    if root.is_null() {
        return;
    }
    // `kind: List` (and `DeploymentList` & co.) as `kubectl get -o yaml` prints.
    let is_list = root
        .get("kind")
        .and_then(Node::as_str)
        .is_some_and(|k| k.ends_with("List"))
        && root.get("apiVersion").is_some()
        && matches!(
            root.get("items").map(|i| &i.value),
            Some(crate::yaml::Value::Seq(_))
        );
    if is_list {
        if let crate::yaml::Value::Map(entries) = root.value {
            for e in entries {
                if e.key == "items"
                    && let crate::yaml::Value::Seq(items) = e.value.value
                {
                    for item in items {
                        add_object(inv, file, doc, item, options);
                    }
                }
            }
        }
        return;
    }
    if k8s::looks_like_object(&root) {
        add_object(inv, file, doc, root, options);
    } else {
        inv.other_documents.push(OtherDocument {
            file,
            doc,
            node: root,
        });
    }
}

fn add_object(inv: &mut Inventory, file: FileId, doc: usize, node: Node, options: &ModelOptions) {
    let text = |n: Option<&Node>| n.and_then(Node::scalar_text);
    let (Some(api_version), Some(kind)) = (text(node.get("apiVersion")), text(node.get("kind")))
    else {
        inv.other_documents.push(OtherDocument { file, doc, node });
        return;
    };
    let Some(name) = text(node.path(&["metadata", "name"])) else {
        // Tool configuration shaped like an object (kustomization.yaml, Sloth
        // AlertWindows) is not a resource and not worth a note.
        if !k8s::is_builtin_api(&api_version) {
            inv.other_documents.push(OtherDocument { file, doc, node });
            return;
        }
        let generated = node.path(&["metadata", "generateName"]).is_some();
        if !generated {
            inv.notes.push(Note {
                path: inv.files[file].display.clone(),
                line: Some(node.pos.line),
                message: format!(
                    "{kind} without metadata.name skipped: a partial object such as a kustomize patch; \
                     run `kustomize build | creview scan -` to review the rendered result"
                ),
            });
            return;
        }
        let name = text(node.path(&["metadata", "generateName"])).unwrap_or_default();
        push_resource(inv, file, doc, node, api_version, kind, name, options);
        return;
    };
    push_resource(inv, file, doc, node, api_version, kind, name, options);
}

#[allow(clippy::too_many_arguments)]
fn push_resource(
    inv: &mut Inventory,
    file: FileId,
    doc: usize,
    node: Node,
    api_version: String,
    kind: String,
    name: String,
    options: &ModelOptions,
) {
    let explicit = node
        .path(&["metadata", "namespace"])
        .and_then(Node::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    let namespace = if k8s::is_cluster_scoped(&kind) {
        String::new()
    } else {
        explicit
            .clone()
            .unwrap_or_else(|| options.default_namespace.clone())
    };
    inv.resources.push(Resource {
        file,
        doc,
        api_version,
        kind,
        name,
        namespace,
        namespace_explicit: explicit.is_some(),
        node,
        service_hint: None,
    });
}
