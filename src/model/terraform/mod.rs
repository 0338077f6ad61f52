//! Terraform: `.tf` files read with `hcl-edit` and evaluated statically, so
//! that infrastructure checks see what a plan would create as far as the
//! files tell, and say "cannot tell" where they do not.
//!
//! - [`config`]: parsing, and folders (modules) with their variables,
//!   locals, outputs, blocks and `.tfvars`;
//! - [`eval`] and [`funcs`]: the evaluator, over module instances (a root
//!   folder, or a folder called through a local `module` block);
//! - [`modules`]: well-known public modules, checked through their inputs;
//! - [`build`]: blocks into [`crate::model::Resource`]s with positions;
//! - [`facts`]: what checks ask of those resources (unknown values, zones,
//!   environment, references).
//!
//! A parse error is an INPUT-001 problem at its position; the other files
//! are still read.

pub mod build;
pub mod config;
pub mod eval;
pub mod facts;
pub mod funcs;
pub mod modules;
pub mod value;

use crate::model::Additions;
use crate::source::SourceFile;

/// The Terraform reader (see [`crate::model::Reader`]).
pub struct Reader;

pub static READER: Reader = Reader;

impl crate::model::FileReader for Reader {
    fn name(&self) -> &'static str {
        "terraform"
    }

    fn read(&self, files: &[SourceFile]) -> Additions {
        let mut out = Additions::default();
        if !files
            .iter()
            .any(|f| f.kind == crate::source::FileKind::Terraform)
        {
            return out;
        }
        let parsed = crate::timings::time("terraform: parse HCL", || {
            config::parse_all(files, &mut out.problems)
        });
        let folders = config::folders(files, &parsed);
        let mut world = eval::World::new(files, &parsed, folders);
        crate::timings::time("terraform: instantiate modules", || world.instantiate());
        crate::timings::time("terraform: evaluate resources", || {
            build::resources(&world, &mut out.resources)
        });
        out.notes = missing_modules(&world, &out.resources, files);
        if world.exhausted.get() {
            out.notes.insert(0, crate::finding::Note {
                path: String::new(),
                line: None,
                message: "the Terraform configuration is too large to evaluate fully; some values are reported as unknown".into(),
            });
        }
        drop(world);
        if std::env::var_os("CREVIEW_TF_DUMP").is_some() {
            for r in &out.resources {
                eprintln!(
                    "== {} {} [{}] {}:{}\n{}",
                    r.kind,
                    r.name,
                    r.namespace,
                    files[r.file].display,
                    r.node.pos,
                    serde_json::to_string(&r.node.to_json()).unwrap_or_default()
                );
            }
        }
        out
    }
}

/// Local module calls whose folder has no `.tf` file in the input (a
/// module outside the scanned folder, or not checked out): what they
/// create is not reviewed, and the report says so instead of passing it
/// in silence. One note per called folder and caller.
fn missing_modules(
    world: &eval::World<'_>,
    resources: &[crate::model::Resource],
    files: &[crate::source::SourceFile],
) -> Vec<crate::finding::Note> {
    let mut notes = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for r in resources.iter().filter(|r| r.kind == "module") {
        if r.node.get("@module").is_some() {
            continue;
        }
        let Some(source) = r.node.get("source").and_then(crate::yaml::Node::as_str) else {
            continue;
        };
        if !(source.starts_with("./")
            || source.starts_with("../")
            || source == "."
            || source == "..")
        {
            continue;
        }
        let missing = match r.node.get("@local").and_then(crate::yaml::Node::as_str) {
            Some(dir) => !world.folders.iter().any(|f| f.dir == dir),
            None => true,
        };
        let path = files[r.file].display.clone();
        if !missing || !seen.insert((path.clone(), source.to_string())) {
            continue;
        }
        let name = r.name.rsplit("module.").next().unwrap_or(&r.name);
        notes.push(crate::finding::Note {
            path,
            line: Some(r.node.pos.line),
            message: format!(
                "Terraform: module `{name}` reads `{source}`, which has no .tf files in the input: the resources it creates are not reviewed (scan the folder that holds it)"
            ),
        });
    }
    notes
}

#[cfg(test)]
mod tests;
