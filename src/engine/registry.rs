//! The registry: every check, built-in (embedded at build time from
//! `checks/`) or loaded from a user's folder, compiled and ready to run.

use super::builtin::{self, BuiltinCheck};
use super::catalog::{Adjust, CheckError, CheckSpec, Each};
use super::cel;
use super::cel::Program;
use crate::source::Pos;
use rayon::prelude::*;
use std::path::Path;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_checks.rs"));
}

pub struct CelLogic {
    pub when: Option<Program>,
    pub rule: Program,
    pub message: Option<Program>,
    pub adjust: Vec<(Program, Adjust)>,
    pub each: Option<Each>,
    /// The rule set references `resources` (built only when needed).
    pub uses_resources: bool,
    /// Which per-resource facts the rule set reads: binding a fact converts
    /// it into CEL values, so facts nobody reads are not bound.
    pub uses: UsedFacts,
}

/// The per-resource facts a CEL rule set references.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UsedFacts {
    pub workload: bool,
    pub ns: bool,
    pub service: bool,
    pub target: bool,
    pub selected: bool,
}

impl UsedFacts {
    pub fn union(self, o: UsedFacts) -> UsedFacts {
        UsedFacts {
            workload: self.workload || o.workload,
            ns: self.ns || o.ns,
            service: self.service || o.service,
            target: self.target || o.target,
            selected: self.selected || o.selected,
        }
    }
}

pub enum Logic {
    Cel(Box<CelLogic>),
    Builtin(&'static dyn BuiltinCheck),
    /// Findings made by a pipeline stage (the suppression stage makes
    /// INPUT-003 and INPUT-004).
    Pipeline,
}

pub struct Check {
    pub spec: CheckSpec,
    pub logic: Logic,
}

#[derive(Default)]
pub struct Registry {
    /// Sorted by id (`get` relies on it).
    pub checks: Vec<Check>,
}

impl Registry {
    /// The built-in catalog. An error here is a bug in a shipped check file,
    /// caught by the catalog test.
    pub fn builtin() -> Result<Registry, CheckError> {
        // Compiling ~90 check files is a fixed cost of every run (a tenth
        // of a small scan): spread it over the cores.
        let compiled: Vec<Check> = embedded::CHECKS
            .par_iter()
            .map(|(path, text)| compile_check(text, &format!("builtin:{path}")))
            .collect::<Result<_, _>>()?;
        let mut reg = Registry::default();
        for check in compiled {
            reg.add(check)?;
        }
        Ok(reg)
    }

    /// Loads every `*.yaml` check file under a folder (recursively).
    pub fn load_dir(&mut self, dir: &Path) -> Result<usize, CheckError> {
        let mut files = Vec::new();
        collect_yaml(dir, &mut files).map_err(|e| CheckError {
            origin: dir.display().to_string(),
            pos: Pos::START,
            message: format!("cannot read check folder: {e}"),
        })?;
        files.sort();
        for path in &files {
            let origin = path.display().to_string();
            let text = std::fs::read_to_string(path).map_err(|e| CheckError {
                origin: origin.clone(),
                pos: Pos::START,
                message: format!("cannot read: {e}"),
            })?;
            self.add(compile_check(&text, &origin)?)?;
        }
        Ok(files.len())
    }

    fn add(&mut self, check: Check) -> Result<(), CheckError> {
        if let Some(existing) = self.get(&check.spec.id) {
            return Err(CheckError {
                origin: check.spec.origin.clone(),
                pos: check
                    .spec
                    .positions
                    .get("id")
                    .copied()
                    .unwrap_or(Pos::START),
                message: format!(
                    "check id {} is already defined by {}; ids are never reused",
                    check.spec.id, existing.spec.origin
                ),
            });
        }
        self.checks.push(check);
        self.checks.sort_by(|a, b| a.spec.id.cmp(&b.spec.id));
        Ok(())
    }

    /// The check of an id. The list is kept sorted by id (see `add`), so
    /// this is a binary search: it is asked once or more per finding.
    pub fn get(&self, id: &str) -> Option<&Check> {
        self.checks
            .binary_search_by(|c| c.spec.id.as_str().cmp(id))
            .ok()
            .map(|i| &self.checks[i])
    }
}

fn collect_yaml(dir: &Path, out: &mut Vec<std::path::PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            collect_yaml(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
    Ok(())
}

/// Parses, validates and compiles one check file.
pub fn compile_check(text: &str, origin: &str) -> Result<Check, CheckError> {
    let spec = CheckSpec::parse(text, origin)?;
    let err = |field: &'static str, message: String| CheckError {
        origin: origin.to_string(),
        pos: spec.positions.get(field).copied().unwrap_or(Pos::START),
        message: format!("{field}: {message}"),
    };
    if spec.pipeline {
        return Ok(Check {
            spec,
            logic: Logic::Pipeline,
        });
    }
    if spec.builtin {
        let b = builtin::find(&spec.slug).ok_or_else(|| {
            err(
                "id",
                format!(
                    "no builtin check with slug `{}` exists in this build",
                    spec.slug
                ),
            )
        })?;
        return Ok(Check {
            spec,
            logic: Logic::Builtin(b),
        });
    }
    let compile = |field: &'static str, src: &str| cel::compile(src).map_err(|m| err(field, m));
    let when = spec
        .when
        .as_deref()
        .map(|w| compile("when", w))
        .transpose()?;
    let rule = compile("rule", spec.rule.as_deref().unwrap_or("true"))?;
    let message = spec
        .message_expression
        .as_deref()
        .map(|m| compile("messageExpression", m))
        .transpose()?;
    let mut adjust = Vec::new();
    for a in &spec.adjust {
        let p = cel::compile(&a.when).map_err(|m| CheckError {
            origin: origin.to_string(),
            pos: a.pos,
            message: format!("adjust.when: {m}"),
        })?;
        adjust.push((p, a.clone()));
    }
    let references = |name: &str| {
        [Some(&rule), when.as_ref(), message.as_ref()]
            .into_iter()
            .flatten()
            .chain(adjust.iter().map(|(p, _)| p))
            .any(|p| cel::references(p, name))
    };
    let uses_resources = references("resources");
    let uses = UsedFacts {
        workload: references("workload"),
        ns: references("ns"),
        service: references("service"),
        target: references("target"),
        selected: references("selected"),
    };
    let each = spec.each.clone();
    Ok(Check {
        spec,
        logic: Logic::Cel(Box::new(CelLogic {
            when,
            rule,
            message,
            adjust,
            each,
            uses_resources,
            uses,
        })),
    })
}
