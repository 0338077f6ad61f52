//! Terraform files as configurations: every `.tf` file parsed with
//! `hcl-edit`, grouped by folder (a folder is a Terraform module), with its
//! variables, locals, outputs, blocks and the `.tfvars` files beside it.

use crate::load::InputProblem;
use crate::source::{FileId, FileKind, Pos, SourceFile};
use hcl_edit::Span;
use hcl_edit::expr::Expression;
use hcl_edit::structure::{Block, Body};
use rayon::prelude::*;
use std::collections::HashMap;

/// A parsed file and its line index (byte offset -> line:column).
pub struct Parsed {
    pub file: FileId,
    pub body: Body,
    line_starts: Vec<usize>,
}

impl Parsed {
    pub fn pos(&self, text: &str, offset: usize) -> Pos {
        let line = self.line_starts.partition_point(|s| *s <= offset).max(1);
        let start = self.line_starts[line - 1];
        let end = offset.min(text.len());
        let column = text.get(start..end).map(|s| s.chars().count()).unwrap_or(0);
        Pos::new(line as u32, column as u32 + 1)
    }
}

fn line_starts(text: &str) -> Vec<usize> {
    let mut v = vec![0];
    v.extend(
        text.bytes()
            .enumerate()
            .filter(|(_, b)| *b == b'\n')
            .map(|(i, _)| i + 1),
    );
    v
}

/// Parses every Terraform file (in parallel). Parse errors become input
/// problems at their position; the file is then left out.
pub fn parse_all(files: &[SourceFile], problems: &mut Vec<InputProblem>) -> Vec<Parsed> {
    let results: Vec<Result<Parsed, InputProblem>> = files
        .par_iter()
        .enumerate()
        .filter(|(_, f)| f.kind == FileKind::Terraform && !f.text.is_empty())
        .map(|(id, f)| {
            let starts = line_starts(&f.text);
            match hcl_edit::parser::parse_body(&f.text) {
                Ok(body) => Ok(Parsed {
                    file: id,
                    body,
                    line_starts: starts,
                }),
                Err(e) => {
                    let loc = e.location();
                    Err(InputProblem {
                        file: id,
                        pos: Pos::new(loc.line() as u32, loc.column() as u32),
                        message: format!("not valid HCL: {}", e.message()),
                        fatal: true,
                    })
                }
            }
        })
        .collect();
    let mut out = Vec::new();
    for r in results {
        match r {
            Ok(p) => out.push(p),
            Err(p) => problems.push(p),
        }
    }
    out
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BlockKind {
    Resource,
    Data,
    Module,
}

/// A `resource`, `data` or `module` block.
pub struct BlockDef<'a> {
    pub kind: BlockKind,
    /// Resource type (`aws_db_instance`), or `module`.
    pub ty: String,
    pub name: String,
    pub file: FileId,
    pub parsed: usize,
    pub block: &'a Block,
}

/// An expression and the file it is written in.
#[derive(Clone, Copy)]
pub struct Src<'a> {
    pub file: FileId,
    pub parsed: usize,
    pub expr: &'a Expression,
}

pub struct VarDef<'a> {
    pub default: Option<Src<'a>>,
}

/// A `.tfvars` file of the folder.
pub struct Tfvars<'a> {
    pub name: String,
    pub values: HashMap<String, Src<'a>>,
}

/// One folder of `.tf` files: a Terraform module.
pub struct Folder<'a> {
    /// Display path of the folder ("" for the scan root).
    pub dir: String,
    pub variables: HashMap<String, VarDef<'a>>,
    pub locals: HashMap<String, Src<'a>>,
    pub outputs: HashMap<String, Src<'a>>,
    pub blocks: Vec<BlockDef<'a>>,
    /// (kind, type, name) -> index in `blocks`.
    pub by_address: HashMap<(BlockKind, String, String), usize>,
    /// Resource types declared in the folder (to tell `aws_subnet.a` from
    /// other names).
    pub tfvars: Vec<Tfvars<'a>>,
}

pub fn dir_of(display: &str) -> &str {
    display.rsplit_once('/').map(|(d, _)| d).unwrap_or("")
}

/// Groups parsed files into folders.
pub fn folders<'a>(files: &[SourceFile], parsed: &'a [Parsed]) -> Vec<Folder<'a>> {
    let mut by_dir: HashMap<String, usize> = HashMap::new();
    let mut out: Vec<Folder<'a>> = Vec::new();
    let mut order: Vec<usize> = (0..parsed.len()).collect();
    order.sort_by(|a, b| {
        files[parsed[*a].file]
            .display
            .cmp(&files[parsed[*b].file].display)
    });
    for pi in order {
        let p = &parsed[pi];
        let display = &files[p.file].display;
        let dir = dir_of(display).to_string();
        let idx = *by_dir.entry(dir.clone()).or_insert_with(|| {
            out.push(Folder {
                dir,
                variables: HashMap::new(),
                locals: HashMap::new(),
                outputs: HashMap::new(),
                blocks: Vec::new(),
                by_address: HashMap::new(),
                tfvars: Vec::new(),
            });
            out.len() - 1
        });
        let folder = &mut out[idx];
        let file_name = display.rsplit('/').next().unwrap_or(display);
        if file_name.to_ascii_lowercase().ends_with(".tfvars") {
            let values = p
                .body
                .attributes()
                .map(|a| {
                    (
                        a.key.as_str().to_string(),
                        Src {
                            file: p.file,
                            parsed: pi,
                            expr: &a.value,
                        },
                    )
                })
                .collect();
            folder.tfvars.push(Tfvars {
                name: file_name.to_string(),
                values,
            });
            continue;
        }
        for block in p.body.blocks() {
            let labels: Vec<&str> = block.labels.iter().map(|l| l.as_str()).collect();
            let src = |expr| Src {
                file: p.file,
                parsed: pi,
                expr,
            };
            match (block.ident.as_str(), labels.as_slice()) {
                ("variable", [name]) => {
                    let default = block
                        .body
                        .attributes()
                        .find(|a| a.key.as_str() == "default")
                        .map(|a| src(&a.value));
                    folder
                        .variables
                        .insert((*name).to_string(), VarDef { default });
                }
                ("locals", []) => {
                    for a in block.body.attributes() {
                        folder
                            .locals
                            .insert(a.key.as_str().to_string(), src(&a.value));
                    }
                }
                ("output", [name]) => {
                    if let Some(a) = block.body.attributes().find(|a| a.key.as_str() == "value") {
                        folder.outputs.insert((*name).to_string(), src(&a.value));
                    }
                }
                (kw @ ("resource" | "data"), [ty, name]) => {
                    let kind = if kw == "resource" {
                        BlockKind::Resource
                    } else {
                        BlockKind::Data
                    };
                    folder.push_block(kind, ty, name, p.file, pi, block);
                }
                ("module", [name]) => {
                    folder.push_block(BlockKind::Module, "module", name, p.file, pi, block);
                }
                _ => {}
            }
        }
    }
    out
}

impl<'a> Folder<'a> {
    fn push_block(
        &mut self,
        kind: BlockKind,
        ty: &str,
        name: &str,
        file: FileId,
        parsed: usize,
        block: &'a Block,
    ) {
        let key = (kind, ty.to_string(), name.to_string());
        if self.by_address.contains_key(&key) {
            // A duplicate is a Terraform error; the first one is kept.
            return;
        }
        self.by_address.insert(key, self.blocks.len());
        self.blocks.push(BlockDef {
            kind,
            ty: ty.to_string(),
            name: name.to_string(),
            file,
            parsed,
            block,
        });
    }

    pub fn block(&self, kind: BlockKind, ty: &str, name: &str) -> Option<usize> {
        self.by_address
            .get(&(kind, ty.to_string(), name.to_string()))
            .copied()
    }

    pub fn has_resource_type(&self, ty: &str) -> bool {
        self.blocks
            .iter()
            .any(|b| b.kind == BlockKind::Resource && b.ty == ty)
    }
}

/// The attribute of a block body, if written.
pub fn attr<'b>(body: &'b Body, key: &str) -> Option<&'b Expression> {
    body.attributes()
        .find(|a| a.key.as_str() == key)
        .map(|a| &a.value)
}

/// Start offset of anything with a span.
pub fn start(s: &impl Span) -> usize {
    s.span().map(|r| r.start).unwrap_or(0)
}

/// Resolves a local module source (`./x`, `../x`) against the caller's
/// folder. `None` when it is not local or leaves the scan root.
pub fn local_source(caller_dir: &str, source: &str) -> Option<String> {
    if !(source.starts_with("./") || source.starts_with("../") || source == "." || source == "..") {
        return None;
    }
    let mut parts: Vec<&str> = caller_dir.split('/').filter(|p| !p.is_empty()).collect();
    for seg in source.split('/') {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_sources() {
        assert_eq!(local_source("a/b", "../c").as_deref(), Some("a/c"));
        assert_eq!(local_source("a/b", "./c/").as_deref(), Some("a/b/c"));
        assert_eq!(local_source("a/b", "../..").as_deref(), Some(""));
        assert_eq!(local_source("a", "../../x"), None);
        assert_eq!(local_source("a", "terraform-aws-modules/rds/aws"), None);
    }
}
