//! The static evaluator: what Terraform would compute at plan time, as far
//! as the files alone tell. Literals, `locals`, variable defaults and
//! `.tfvars`, `count`/`for_each` over literals, references between
//! resources and the outputs of local modules are resolved; the rest stays
//! unknown with the expression it came from.
//!
//! Every module instance (a root folder, or a folder called through a local
//! `module` block) memoizes its variables, locals, outputs and resource
//! objects. Evaluation is bounded: a step budget per scan, a depth limit and
//! cycle detection turn pathological input into unknowns, never a hang.

use super::config::{BlockKind, Folder, Parsed, Src, attr, local_source};
use super::modules;
use super::value::{Loc, Unknown, V, Val, same};
use crate::last_wins::LastWins;
use crate::source::{FileId, SourceFile};
use hcl_edit::Span;
use hcl_edit::expr::{BinaryOperator, Expression, ObjectKey, TraversalOperator, UnaryOperator};
use hcl_edit::template::Element;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;

/// Most evaluation steps for one scan; past it everything is unknown.
const STEP_BUDGET: u64 = 5_000_000;
/// Deepest recursion (nested expressions plus references followed).
const MAX_DEPTH: u32 = 160;
/// Largest collection `range()` or a `for` builds.
const MAX_ITEMS: usize = 4096;
/// Deepest chain of local module calls, and most instances in a scan.
const MAX_MODULE_DEPTH: usize = 8;
const MAX_INSTANCES: usize = 1000;

enum Memo {
    Busy,
    Done(Val),
}

/// How a module instance was called: which block of which parent instance,
/// and the `count.index`/`each` it was called with.
#[derive(Clone)]
pub struct Caller {
    pub instance: usize,
    pub block: usize,
    pub binding: Vec<(String, Val)>,
}

pub struct Instance {
    pub folder: usize,
    /// Address prefix of its blocks (`module.db.`), empty for a root.
    pub prefix: String,
    /// The root instance it belongs to (itself for a root).
    pub root: usize,
    pub caller: Option<Caller>,
    /// Local module calls: block index -> child instances (key, instance).
    pub children: HashMap<usize, Vec<(Option<Val>, usize)>>,
    /// For roots: the value of each variable set by `.tfvars`, and which
    /// file set it.
    pub tfvars: HashMap<String, TfvarsValue>,
    vars: RefCell<HashMap<String, Memo>>,
    locals: RefCell<HashMap<String, Memo>>,
    outputs: RefCell<HashMap<String, Memo>>,
    objects: RefCell<HashMap<usize, Memo>>,
}

#[derive(Clone)]
pub enum TfvarsValue {
    /// Set by the file named.
    Set(String, usize, usize),
    /// Different in several files: unknown.
    Differs(Vec<String>),
}

pub struct World<'a> {
    pub files: &'a [SourceFile],
    pub parsed: &'a [Parsed],
    pub folders: Vec<Folder<'a>>,
    pub folder_by_dir: HashMap<String, usize>,
    pub instances: Vec<Instance>,
    steps: Cell<u64>,
    depth: Cell<u32>,
    pub exhausted: Cell<bool>,
}

/// What an expression is evaluated with: its instance, its file, and the
/// names bound by `for`, `count`, `each` or a `dynamic` block.
#[derive(Clone)]
pub struct Cx<'b> {
    pub inst: usize,
    pub parsed: usize,
    pub file: FileId,
    pub bind: &'b [(String, Val)],
}

impl<'a> World<'a> {
    pub fn new(files: &'a [SourceFile], parsed: &'a [Parsed], folders: Vec<Folder<'a>>) -> Self {
        let folder_by_dir = folders
            .iter()
            .enumerate()
            .map(|(i, f)| (f.dir.clone(), i))
            .collect();
        World {
            files,
            parsed,
            folders,
            folder_by_dir,
            instances: Vec::new(),
            steps: Cell::new(0),
            depth: Cell::new(0),
            exhausted: Cell::new(false),
        }
    }

    // -----------------------------------------------------------------
    // Instances

    /// Creates the instances: every folder no other folder calls is a root;
    /// local module calls become child instances, recursively.
    pub fn instantiate(&mut self) {
        let mut called = vec![false; self.folders.len()];
        for f in &self.folders {
            for b in &f.blocks {
                if b.kind != BlockKind::Module {
                    continue;
                }
                if let Some(dir) = literal_source(b.block).and_then(|s| local_source(&f.dir, &s))
                    && let Some(&t) = self.folder_by_dir.get(&dir)
                    && t != self.folder_by_dir[&f.dir]
                {
                    called[t] = true;
                }
            }
        }
        let mut reached = vec![false; self.folders.len()];
        let roots: Vec<usize> = (0..self.folders.len()).filter(|i| !called[*i]).collect();
        for r in roots {
            self.new_root(r, &mut reached);
        }
        // Folders only reachable through a cycle of calls: read on their own.
        for r in 0..self.folders.len() {
            if !reached[r] {
                self.new_root(r, &mut reached);
            }
        }
    }

    fn new_root(&mut self, folder: usize, reached: &mut [bool]) {
        let id = self.instances.len();
        let tfvars = self.root_tfvars(folder);
        self.instances
            .push(Instance::new(folder, String::new(), id, None, tfvars));
        self.expand(id, 0, reached);
    }

    /// Which `.tfvars` value each variable of a root takes: `terraform.tfvars`
    /// and `*.auto.tfvars` always apply; other files (per-environment
    /// `-var-file`s) apply when there is one, or when they agree.
    fn root_tfvars(&self, folder: usize) -> HashMap<String, TfvarsValue> {
        let f = &self.folders[folder];
        let mut out: HashMap<String, TfvarsValue> = HashMap::new();
        let auto = |n: &str| n == "terraform.tfvars" || n.ends_with(".auto.tfvars");
        let others: Vec<usize> = (0..f.tfvars.len())
            .filter(|i| !auto(&f.tfvars[*i].name))
            .collect();
        let mut names: Vec<&String> = others
            .iter()
            .flat_map(|i| f.tfvars[*i].values.keys())
            .collect();
        names.sort();
        names.dedup();
        for name in names {
            let setters: Vec<usize> = others
                .iter()
                .copied()
                .filter(|i| f.tfvars[*i].values.contains_key(name))
                .collect();
            let value = if setters.len() == 1 {
                TfvarsValue::Set(f.tfvars[setters[0]].name.clone(), folder, setters[0])
            } else {
                let texts: Vec<String> = setters
                    .iter()
                    .map(|i| self.src_text(&f.tfvars[*i].values[name]))
                    .collect();
                if texts.windows(2).all(|w| w[0] == w[1]) {
                    TfvarsValue::Set(f.tfvars[setters[0]].name.clone(), folder, setters[0])
                } else {
                    TfvarsValue::Differs(
                        setters.iter().map(|i| f.tfvars[*i].name.clone()).collect(),
                    )
                }
            };
            out.insert(name.clone(), value);
        }
        for (i, t) in f.tfvars.iter().enumerate() {
            if auto(&t.name) {
                for name in t.values.keys() {
                    out.insert(name.clone(), TfvarsValue::Set(t.name.clone(), folder, i));
                }
            }
        }
        out
    }

    fn expand(&mut self, inst: usize, depth: usize, reached: &mut [bool]) {
        let folder = self.instances[inst].folder;
        reached[folder] = true;
        if depth >= MAX_MODULE_DEPTH {
            return;
        }
        let dir = self.folders[folder].dir.clone();
        let calls: Vec<(usize, String, usize)> = self.folders[folder]
            .blocks
            .iter()
            .enumerate()
            .filter(|(_, b)| b.kind == BlockKind::Module)
            .filter_map(|(i, b)| {
                let target = literal_source(b.block).and_then(|s| local_source(&dir, &s))?;
                let t = *self.folder_by_dir.get(&target)?;
                (t != folder).then(|| (i, b.name.clone(), t))
            })
            .collect();
        for (block, name, target) in calls {
            if self.instances.len() >= MAX_INSTANCES {
                return;
            }
            // Module-level count/for_each over literals: one instance per key.
            let keys = self.block_keys(inst, block);
            let prefix = self.instances[inst].prefix.clone();
            let root = self.instances[inst].root;
            let mut made = Vec::new();
            for (key, binding) in keys {
                let suffix = key.as_ref().map(index_text).unwrap_or_default();
                let id = self.instances.len();
                self.instances.push(Instance::new(
                    target,
                    format!("{prefix}module.{name}{suffix}."),
                    root,
                    Some(Caller {
                        instance: inst,
                        block,
                        binding,
                    }),
                    HashMap::new(),
                ));
                made.push((key, id));
                self.expand(id, depth + 1, reached);
            }
            self.instances[inst].children.insert(block, made);
        }
    }

    /// The instances of a block: `(key, binding)` per instance. A block with
    /// no count/for_each has one, keyless; unknown counts give one instance
    /// with unknown `count.index`/`each`.
    #[allow(clippy::type_complexity)]
    pub fn block_keys(&self, inst: usize, block: usize) -> Vec<(Option<Val>, Vec<(String, Val)>)> {
        match self.block_count(inst, block) {
            Count::One => vec![(None, Vec::new())],
            Count::Unknown(_) => vec![(None, unknown_binding())],
            Count::Keys(keys) => keys
                .into_iter()
                .map(|(k, v)| {
                    let binding = match &k.v {
                        V::Int(_) => vec![("count.index".to_string(), k.clone())],
                        _ => vec![
                            ("each.key".to_string(), k.clone()),
                            ("each.value".to_string(), v),
                        ],
                    };
                    (Some(k), binding)
                })
                .collect(),
        }
    }

    /// How many instances a block has.
    pub fn block_count(&self, inst: usize, block: usize) -> Count {
        let folder = &self.folders[self.instances[inst].folder];
        let b = &folder.blocks[block];
        let cx = Cx {
            inst,
            parsed: b.parsed,
            file: b.file,
            bind: &[],
        };
        if let Some(e) = attr(&b.block.body, "count") {
            let v = self.eval(&cx, e);
            return match v.as_i64() {
                Some(n) if n <= 0 => Count::Keys(Vec::new()),
                Some(1) => Count::One,
                Some(n) if (n as usize) <= MAX_ITEMS => Count::Keys(
                    (0..n)
                        .map(|i| (Val::new(V::Int(i), Loc::NONE), Val::null()))
                        .collect(),
                ),
                _ => Count::Unknown(v.describe()),
            };
        }
        if let Some(e) = attr(&b.block.body, "for_each") {
            let v = self.eval(&cx, e);
            return match &v.v {
                V::Map(entries) => {
                    let mut keys: Vec<(Val, Val)> = entries
                        .iter()
                        .map(|(k, _, v)| (Val::str(k.clone()), v.clone()))
                        .collect();
                    keys.sort_by_key(|a| a.0.as_text());
                    Count::Keys(keys)
                }
                V::List(items) => {
                    let mut keys = Vec::new();
                    for i in items {
                        match i.as_text() {
                            Some(t) if i.is_known() => {
                                keys.push((Val::str(t.clone()), Val::str(t)))
                            }
                            _ => return Count::Unknown(i.describe()),
                        }
                    }
                    keys.sort_by_key(|a| a.0.as_text());
                    keys.dedup_by(|a, b| a.0.as_text() == b.0.as_text());
                    Count::Keys(keys)
                }
                V::Null => Count::Keys(Vec::new()),
                _ => Count::Unknown(v.describe()),
            };
        }
        Count::One
    }

    // -----------------------------------------------------------------
    // Budget

    fn step(&self) -> bool {
        let n = self.steps.get() + 1;
        self.steps.set(n);
        if n > STEP_BUDGET {
            self.exhausted.set(true);
            return false;
        }
        true
    }

    fn enter(&self) -> bool {
        let d = self.depth.get();
        if d >= MAX_DEPTH || !self.step() {
            return false;
        }
        self.depth.set(d + 1);
        true
    }

    fn leave(&self) {
        self.depth.set(self.depth.get().saturating_sub(1));
    }

    // -----------------------------------------------------------------
    // Positions and text

    pub fn loc(&self, parsed: usize, offset: usize) -> Loc {
        let p = &self.parsed[parsed];
        Loc {
            file: p.file,
            pos: p.pos(&self.files[p.file].text, offset),
        }
    }

    fn loc_of(&self, cx: &Cx<'_>, s: &impl Span) -> Loc {
        match s.span() {
            Some(r) => self.loc(cx.parsed, r.start),
            None => Loc::NONE,
        }
    }

    /// Source text of an expression, on one line, shortened.
    pub fn text(&self, parsed: usize, s: &impl Span) -> String {
        let file = self.parsed[parsed].file;
        let text = s
            .span()
            .and_then(|r| self.files[file].text.get(r))
            .unwrap_or("<expression>");
        let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if one_line.chars().count() > 80 {
            let cut: String = one_line.chars().take(77).collect();
            format!("{cut}...")
        } else {
            one_line
        }
    }

    fn src_text(&self, s: &Src<'_>) -> String {
        self.text(s.parsed, s.expr)
    }

    // -----------------------------------------------------------------
    // Named values

    fn memo(
        &self,
        table: impl Fn(&Instance) -> &RefCell<HashMap<String, Memo>>,
        inst: usize,
        key: &str,
        what: &str,
        compute: impl FnOnce() -> Val,
    ) -> Val {
        let instance = &self.instances[inst];
        match table(instance).borrow().get(key) {
            Some(Memo::Done(v)) => return v.clone(),
            Some(Memo::Busy) => return Val::error(format!("{what} (refers to itself)")),
            None => {}
        }
        table(instance)
            .borrow_mut()
            .insert(key.to_string(), Memo::Busy);
        let v = compute();
        table(instance)
            .borrow_mut()
            .insert(key.to_string(), Memo::Done(v.clone()));
        v
    }

    pub fn var(&self, inst: usize, name: &str) -> Val {
        let text = format!("var.{name}");
        self.memo(
            |i| &i.vars,
            inst,
            name,
            &text,
            || {
                let instance = &self.instances[inst];
                let folder = &self.folders[instance.folder];
                if let Some(caller) = &instance.caller {
                    let parent = &self.instances[caller.instance];
                    let pfolder = &self.folders[parent.folder];
                    let call = &pfolder.blocks[caller.block];
                    if let Some(e) = attr(&call.block.body, name) {
                        let cx = Cx {
                            inst: caller.instance,
                            parsed: call.parsed,
                            file: call.file,
                            bind: &caller.binding,
                        };
                        return self.eval(&cx, e);
                    }
                } else if let Some(tv) = instance.tfvars.get(name) {
                    match tv {
                        TfvarsValue::Set(_, f, t) => {
                            let src = self.folders[*f].tfvars[*t].values[name];
                            return self.eval_src(inst, &src);
                        }
                        TfvarsValue::Differs(files) => {
                            return Val::unknown(format!(
                                "var.{name} (differs between {})",
                                files.join(" and ")
                            ));
                        }
                    }
                }
                match folder.variables.get(name).and_then(|v| v.default) {
                    Some(src) => self.eval_src(inst, &src),
                    None => Val::unknown(text.clone()),
                }
            },
        )
    }

    /// The value of an expression stored for a folder (a local, an output,
    /// a variable default or a tfvars value), in an instance of it.
    fn eval_src(&self, inst: usize, src: &Src<'_>) -> Val {
        let cx = Cx {
            inst,
            parsed: src.parsed,
            file: src.file,
            bind: &[],
        };
        self.eval(&cx, src.expr)
    }

    fn local(&self, inst: usize, name: &str) -> Val {
        let text = format!("local.{name}");
        self.memo(
            |i| &i.locals,
            inst,
            name,
            &text,
            || {
                let folder = &self.folders[self.instances[inst].folder];
                match folder.locals.get(name) {
                    Some(src) => self.eval_src(inst, src),
                    None => Val::error(text.clone()),
                }
            },
        )
    }

    fn output(&self, inst: usize, name: &str) -> Val {
        let text = format!("{}output.{name}", self.instances[inst].prefix);
        self.memo(
            |i| &i.outputs,
            inst,
            name,
            &text,
            || {
                let folder = &self.folders[self.instances[inst].folder];
                match folder.outputs.get(name) {
                    Some(src) => self.eval_src(inst, src),
                    None => Val::error(text.clone()),
                }
            },
        )
    }

    /// The one child instance of a local module call without count or
    /// for_each.
    fn single_child(&self, inst: usize, name: &str) -> Option<usize> {
        let instance = &self.instances[inst];
        let folder = &self.folders[instance.folder];
        let block = folder.block(BlockKind::Module, "module", name)?;
        let b = &folder.blocks[block];
        if attr(&b.block.body, "count").is_some() || attr(&b.block.body, "for_each").is_some() {
            return None;
        }
        match instance.children.get(&block)?.as_slice() {
            [(_, child)] => Some(*child),
            _ => None,
        }
    }

    /// A module call as a value: the outputs of a local child instance, or
    /// what creview knows of a well-known module's outputs.
    fn module_value(&self, inst: usize, name: &str) -> Val {
        let instance = &self.instances[inst];
        let folder = &self.folders[instance.folder];
        let address = format!("{}module.{name}", instance.prefix);
        let Some(block) = folder.block(BlockKind::Module, "module", name) else {
            return Val::error(address);
        };
        if let Some(children) = instance.children.get(&block) {
            let outputs = |child: usize, addr: String| {
                let names: Vec<&String> = {
                    let mut n: Vec<&String> = self.folders[self.instances[child].folder]
                        .outputs
                        .keys()
                        .collect();
                    n.sort();
                    n
                };
                let known = names
                    .into_iter()
                    .map(|n| (n.clone(), Loc::NONE, self.output(child, n)))
                    .collect();
                Val::new(
                    V::Unknown(Box::new(Unknown {
                        text: addr,
                        template: false,
                        error: false,
                        zone: None,
                        known: Some(known),
                    })),
                    Loc::NONE,
                )
            };
            let b = &folder.blocks[block];
            let counted = attr(&b.block.body, "count").is_some();
            let each = attr(&b.block.body, "for_each").is_some();
            if !counted
                && !each
                && let Some((_, child)) = children.first()
            {
                return outputs(*child, address);
            }
            if let Count::Unknown(_) = self.block_count(inst, block) {
                return Val::unknown(address);
            }
            if counted {
                return Val::new(
                    V::List(
                        children
                            .iter()
                            .map(|(k, c)| {
                                outputs(
                                    *c,
                                    format!(
                                        "{address}{}",
                                        k.as_ref().map(index_text).unwrap_or_default()
                                    ),
                                )
                            })
                            .collect(),
                    ),
                    Loc::NONE,
                );
            }
            return Val::new(
                V::Map(
                    children
                        .iter()
                        .map(|(k, c)| {
                            let key = k.as_ref().and_then(Val::as_text).unwrap_or_default();
                            (
                                key.clone(),
                                Loc::NONE,
                                outputs(*c, format!("{address}[{key:?}]")),
                            )
                        })
                        .collect(),
                ),
                Loc::NONE,
            );
        }
        // A module from a registry or outside the scan.
        let b = &folder.blocks[block];
        match literal_source(b.block).and_then(|s| modules::known(&s)) {
            Some(known) => {
                let cx = Cx {
                    inst,
                    parsed: b.parsed,
                    file: b.file,
                    bind: &[],
                };
                let input = |key: &str| attr(&b.block.body, key).map(|e| self.eval(&cx, e));
                modules::outputs(known, &address, &input)
            }
            None => Val::unknown(address),
        }
    }

    /// A resource or data block as a value: an object whose written
    /// attributes are known and whose computed ones are not; a list or map
    /// of them with count/for_each.
    pub fn object(&self, inst: usize, block: usize) -> Val {
        self.object_then(inst, block, Val::clone)
    }

    /// The same, looked at in place: `look` gets the memoized object, so a
    /// reference to one attribute does not copy the whole resource.
    pub fn object_then(&self, inst: usize, block: usize, look: impl FnOnce(&Val) -> Val) -> Val {
        let key = block.to_string();
        let instance = &self.instances[inst];
        let folder = &self.folders[instance.folder];
        let b = &folder.blocks[block];
        let prefix = match b.kind {
            BlockKind::Data => "data.",
            _ => "",
        };
        let address = format!("{}{prefix}{}.{}", instance.prefix, b.ty, b.name);
        let address2 = address.clone();
        self.memo_obj(inst, block, &key, &address, look, move || {
            match self.block_count(inst, block) {
                Count::One => self.one_object(inst, block, &[], address2),
                Count::Unknown(_) => Val::unknown(address2),
                Count::Keys(keys) => {
                    let counted = attr(&b.block.body, "count").is_some();
                    let items: Vec<(String, Val)> = keys
                        .into_iter()
                        .map(|(k, v)| {
                            let binding = if counted {
                                vec![("count.index".to_string(), k.clone())]
                            } else {
                                vec![
                                    ("each.key".to_string(), k.clone()),
                                    ("each.value".to_string(), v),
                                ]
                            };
                            let addr = format!("{address2}{}", index_text(&k));
                            (
                                k.as_text().unwrap_or_default(),
                                self.one_object(inst, block, &binding, addr),
                            )
                        })
                        .collect();
                    if counted {
                        Val::new(
                            V::List(items.into_iter().map(|(_, v)| v).collect()),
                            Loc::NONE,
                        )
                    } else {
                        Val::new(
                            V::Map(items.into_iter().map(|(k, v)| (k, Loc::NONE, v)).collect()),
                            Loc::NONE,
                        )
                    }
                }
            }
        })
    }

    fn memo_obj(
        &self,
        inst: usize,
        block: usize,
        _key: &str,
        what: &str,
        look: impl FnOnce(&Val) -> Val,
        compute: impl FnOnce() -> Val,
    ) -> Val {
        let instance = &self.instances[inst];
        match instance.objects.borrow().get(&block) {
            Some(Memo::Done(v)) => return look(v),
            Some(Memo::Busy) => return Val::unknown(what.to_string()),
            None => {}
        }
        instance.objects.borrow_mut().insert(block, Memo::Busy);
        let v = compute();
        let out = look(&v);
        instance.objects.borrow_mut().insert(block, Memo::Done(v));
        out
    }

    fn one_object(
        &self,
        inst: usize,
        block: usize,
        binding: &[(String, Val)],
        address: String,
    ) -> Val {
        let body = self.body(inst, block, binding);
        let folder = &self.folders[self.instances[inst].folder];
        let b = &folder.blocks[block];
        let zone = zone_of_object(&b.ty, &body, &address);
        let known = match body.v {
            V::Map(entries) => entries,
            _ => Vec::new(),
        };
        Val::new(
            V::Unknown(Box::new(Unknown {
                text: address,
                template: false,
                error: false,
                zone: zone.map(Box::new),
                known: Some(known),
            })),
            Loc::NONE,
        )
    }

    /// The evaluated body of a block (attributes and nested blocks) with a
    /// binding for count/each.
    pub fn body(&self, inst: usize, block: usize, binding: &[(String, Val)]) -> Val {
        let folder = &self.folders[self.instances[inst].folder];
        let b = &folder.blocks[block];
        let cx = Cx {
            inst,
            parsed: b.parsed,
            file: b.file,
            bind: binding,
        };
        self.eval_body(&cx, &b.block.body)
    }

    /// Attributes then nested blocks; a block type written several times
    /// becomes a list. `dynamic` blocks are expanded over known
    /// collections; over unknown ones their content is kept once, marked
    /// with `@dynamic`.
    pub fn eval_body(&self, cx: &Cx<'_>, body: &hcl_edit::structure::Body) -> Val {
        let mut entries: Vec<(String, Loc, Val)> = Vec::new();
        for a in body.attributes() {
            let at = self.loc_of(cx, &a.key);
            let v = self.eval(cx, &a.value);
            entries.push((a.key.as_str().to_string(), at, v));
        }
        let mut blocks: Vec<(String, Loc, Val)> = Vec::new();
        for inner in body.blocks() {
            let at = self.loc_of(cx, &inner.ident);
            let ident = inner.ident.as_str();
            if ident == "dynamic" {
                let Some(label) = inner.labels.first().map(|l| l.as_str().to_string()) else {
                    continue;
                };
                let iterator = attr(&inner.body, "iterator")
                    .and_then(|e| e.as_variable().map(|v| v.as_str().to_string()))
                    .unwrap_or_else(|| label.clone());
                let Some(content) = inner.body.blocks().find(|b| b.ident.as_str() == "content")
                else {
                    continue;
                };
                let coll = attr(&inner.body, "for_each")
                    .map(|e| self.eval(cx, e))
                    .unwrap_or_else(|| Val::unknown("for_each"));
                let pairs: Option<Vec<(Val, Val)>> = match &coll.v {
                    V::List(items) => Some(
                        items
                            .iter()
                            .enumerate()
                            .map(|(i, v)| (Val::new(V::Int(i as i64), Loc::NONE), v.clone()))
                            .collect(),
                    ),
                    V::Map(entries) => Some(
                        entries
                            .iter()
                            .map(|(k, _, v)| (Val::str(k.clone()), v.clone()))
                            .collect(),
                    ),
                    V::Null => Some(Vec::new()),
                    _ => None,
                };
                match pairs {
                    Some(pairs) => {
                        for (k, v) in pairs.into_iter().take(MAX_ITEMS) {
                            let mut bind = cx.bind.to_vec();
                            bind.push((
                                iterator.clone(),
                                Val::new(
                                    V::Map(vec![
                                        ("key".into(), Loc::NONE, k),
                                        ("value".into(), Loc::NONE, v),
                                    ]),
                                    Loc::NONE,
                                ),
                            ));
                            let inner_cx = Cx {
                                bind: &bind,
                                ..cx.clone()
                            };
                            blocks.push((
                                label.clone(),
                                at,
                                self.eval_body(&inner_cx, &content.body),
                            ));
                        }
                    }
                    None => {
                        let mut bind = cx.bind.to_vec();
                        bind.push((
                            iterator.clone(),
                            Val::unknown(format!("{iterator} (dynamic block)")),
                        ));
                        let inner_cx = Cx {
                            bind: &bind,
                            ..cx.clone()
                        };
                        let mut content_val = self.eval_body(&inner_cx, &content.body);
                        if let V::Map(e) = &mut content_val.v {
                            e.insert(0, ("@dynamic".into(), at, Val::unknown(coll.describe())));
                        }
                        blocks.push((label.clone(), at, content_val));
                    }
                }
                continue;
            }
            let mut v = self.eval_body(cx, &inner.body);
            v.at = at;
            blocks.push((ident.to_string(), at, v));
        }
        // A block type written once is an object; several times, a list.
        let mut grouped: Vec<(String, Loc, Vec<Val>)> = Vec::new();
        for (name, at, v) in blocks {
            match grouped.iter_mut().find(|(k, _, _)| *k == name) {
                Some((_, _, list)) => list.push(v),
                None => grouped.push((name, at, vec![v])),
            }
        }
        for (name, at, mut list) in grouped {
            if entries.iter().any(|(k, _, _)| *k == name) {
                continue;
            }
            let v = if list.len() == 1 {
                list.pop().unwrap_or_else(Val::null)
            } else {
                Val::new(V::List(list), at)
            };
            entries.push((name, at, v));
        }
        let at = entries.first().map(|e| e.1).unwrap_or(Loc::NONE);
        Val::new(V::Map(entries), at)
    }

    // -----------------------------------------------------------------
    // Expressions

    pub fn eval(&self, cx: &Cx<'_>, e: &Expression) -> Val {
        if !self.enter() {
            return Val::unknown(format!(
                "{} (too complex to evaluate)",
                self.text(cx.parsed, e)
            ));
        }
        let at = self.loc_of(cx, e);
        let v = self.eval_inner(cx, e).at(at);
        self.leave();
        v
    }

    fn eval_inner(&self, cx: &Cx<'_>, e: &Expression) -> Val {
        match e {
            Expression::Null(_) => Val::null(),
            Expression::Bool(b) => Val::new(V::Bool(*b.value()), Loc::NONE),
            Expression::Number(n) => {
                let n = n.value();
                match n.as_i64() {
                    Some(i) => Val::new(V::Int(i), Loc::NONE),
                    None => Val::new(V::Float(n.as_f64().unwrap_or(0.0)), Loc::NONE),
                }
            }
            Expression::String(s) => Val::str(s.value().clone()),
            Expression::Array(a) => Val::new(
                V::List(a.iter().map(|x| self.eval(cx, x)).collect()),
                Loc::NONE,
            ),
            Expression::Object(o) => {
                let mut entries = LastWins::new();
                for (k, v) in o.iter() {
                    let key_at = self.loc_of(cx, k);
                    let key = match k {
                        ObjectKey::Ident(i) => i.as_str().to_string(),
                        ObjectKey::Expression(ke) => {
                            // A bare name in parentheses or a string.
                            let kv = self.eval(cx, ke);
                            match kv.as_text() {
                                Some(t) => t,
                                None => {
                                    return Val::unknown(self.text(cx.parsed, e));
                                }
                            }
                        }
                    };
                    let val = self.eval(cx, v.expr());
                    entries.push(key.clone(), (key, key_at, val));
                }
                Val::new(V::Map(entries.into_vec()), Loc::NONE)
            }
            Expression::StringTemplate(t) => self.template(cx, t.iter(), e),
            Expression::HeredocTemplate(h) => {
                let v = self.template(cx, h.template.iter(), e);
                // Heredocs with <<- strip indentation; the text is not
                // needed by any check, so a known result is kept as is.
                v
            }
            Expression::Parenthesis(p) => self.eval(cx, p.inner()),
            Expression::Variable(v) => self.variable(cx, v.as_str(), e),
            Expression::Conditional(c) => {
                let cond = self.eval(cx, &c.cond_expr);
                match cond.as_bool() {
                    Some(true) => self.eval(cx, &c.true_expr),
                    Some(false) => self.eval(cx, &c.false_expr),
                    None => {
                        let t = self.eval(cx, &c.true_expr);
                        let f = self.eval(cx, &c.false_expr);
                        if same(&t, &f) && t.is_known() {
                            t
                        } else if cond.is_unknown() {
                            Val::unknown(cond.describe())
                        } else {
                            Val::error(self.text(cx.parsed, e))
                        }
                    }
                }
            }
            Expression::FuncCall(f) => {
                let name = f.name.name.as_str();
                if !f.name.namespace.is_empty() {
                    return Val::unknown(self.text(cx.parsed, e));
                }
                let args: Vec<&Expression> = f.args.iter().collect();
                super::funcs::call(self, cx, name, &args, f.args.expand_final(), e)
            }
            Expression::Traversal(t) => self.traversal(cx, &t.expr, &t.operators, e),
            Expression::UnaryOp(u) => {
                let v = self.eval(cx, &u.expr);
                match (u.operator.value(), &v.v) {
                    (_, V::Unknown(_)) => v,
                    (UnaryOperator::Not, _) => match v.as_bool() {
                        Some(b) => Val::new(V::Bool(!b), Loc::NONE),
                        None => Val::error(self.text(cx.parsed, e)),
                    },
                    (UnaryOperator::Neg, V::Int(i)) => {
                        Val::new(V::Int(i.wrapping_neg()), Loc::NONE)
                    }
                    (UnaryOperator::Neg, _) => match v.as_f64() {
                        Some(f) => Val::new(V::Float(-f), Loc::NONE),
                        None => Val::error(self.text(cx.parsed, e)),
                    },
                }
            }
            Expression::BinaryOp(b) => self.binary(cx, b, e),
            Expression::ForExpr(f) => self.for_expr(cx, f, e),
        }
    }

    fn template<'t>(
        &self,
        cx: &Cx<'_>,
        elements: impl Iterator<Item = &'t Element>,
        e: &Expression,
    ) -> Val {
        let mut out = String::new();
        let mut unknown = false;
        let mut zone = None;
        for el in elements {
            match el {
                Element::Literal(s) => out.push_str(s.value()),
                Element::Interpolation(i) => {
                    let v = self.eval(cx, &i.expr);
                    match (&v.v, v.as_text()) {
                        (V::Null, _) => {}
                        (_, Some(t)) => out.push_str(&t),
                        (V::Unknown(u), _) => {
                            unknown = true;
                            if u.template {
                                out.push_str(&u.text);
                            } else {
                                out.push_str(&format!("${{{}}}", u.text));
                            }
                            zone = zone.or(u.zone.clone());
                        }
                        _ => return Val::error(self.text(cx.parsed, e)),
                    }
                }
                Element::Directive(_) => {
                    return Val::unknown(self.text(cx.parsed, e));
                }
            }
        }
        if unknown {
            Val::new(
                V::Unknown(Box::new(Unknown {
                    text: out,
                    template: true,
                    error: false,
                    zone,
                    known: None,
                })),
                Loc::NONE,
            )
        } else {
            Val::str(out)
        }
    }

    fn bound(&self, cx: &Cx<'_>, name: &str) -> Option<Val> {
        cx.bind
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    }

    fn variable(&self, cx: &Cx<'_>, name: &str, e: &Expression) -> Val {
        if let Some(v) = self.bound(cx, name) {
            return v;
        }
        match name {
            "var" | "local" | "module" | "data" | "each" | "count" | "path" | "terraform"
            | "self" => Val::unknown(self.text(cx.parsed, e)),
            _ => Val::error(name.to_string()),
        }
    }

    /// `var.x`, `local.x`, `module.m.o`, `data.t.n`, `t.n`, `each.key`,
    /// `count.index`, `path.module`, ... then the remaining operators.
    fn traversal(
        &self,
        cx: &Cx<'_>,
        root: &Expression,
        ops: &[hcl_edit::Decorated<TraversalOperator>],
        whole: &Expression,
    ) -> Val {
        let attr_at = |i: usize| -> Option<&str> {
            match ops.get(i).map(|o| o.value()) {
                Some(TraversalOperator::GetAttr(id)) => Some(id.as_str()),
                _ => None,
            }
        };
        let (base, used): (Val, usize) = match root {
            Expression::Variable(v) => {
                let name = v.as_str();
                if let Some(b) = self.bound(cx, name) {
                    (b, 0)
                } else {
                    let inst = &self.instances[cx.inst];
                    let folder = &self.folders[inst.folder];
                    match (name, attr_at(0)) {
                        ("var", Some(n)) => (self.var(cx.inst, n), 1),
                        ("local", Some(n)) => (self.local(cx.inst, n), 1),
                        ("each", Some(n @ ("key" | "value"))) => (
                            self.bound(cx, &format!("each.{n}"))
                                .unwrap_or_else(|| Val::unknown(format!("each.{n}"))),
                            1,
                        ),
                        ("count", Some("index")) => (
                            self.bound(cx, "count.index")
                                .unwrap_or_else(|| Val::unknown("count.index")),
                            1,
                        ),
                        ("path", Some(n)) => {
                            let dir = &folder.dir;
                            let v = match n {
                                "module" => Val::str(if dir.is_empty() {
                                    ".".to_string()
                                } else {
                                    dir.clone()
                                }),
                                _ => Val::unknown(format!("path.{n}")),
                            };
                            (v, 1)
                        }
                        ("terraform", Some(n)) => (Val::unknown(format!("terraform.{n}")), 1),
                        ("module", Some(m)) => match (attr_at(1), self.single_child(cx.inst, m)) {
                            // `module.x.out` of a local module: just that output.
                            (Some(out), Some(child)) => (self.output(child, out), 2),
                            _ => (self.module_value(cx.inst, m), 1),
                        },
                        ("data", Some(t)) => match attr_at(1) {
                            Some(n) => match folder.block(BlockKind::Data, t, n) {
                                Some(b) => (self.object(cx.inst, b), 2),
                                None => (Val::unknown(format!("{}data.{t}.{n}", inst.prefix)), 2),
                            },
                            None => (Val::unknown(self.text(cx.parsed, whole)), ops.len()),
                        },
                        ("self", _) => (Val::unknown(self.text(cx.parsed, whole)), ops.len()),
                        (t, Some(n)) => match folder.block(BlockKind::Resource, t, n) {
                            Some(b) => {
                                let keys = self.leading_keys(cx, &ops[1..]);
                                let mut used = 0;
                                let v = self.object_then(cx.inst, b, |obj| {
                                    let (v, n) = navigate(obj, &keys);
                                    used = n;
                                    v
                                });
                                (v, 1 + used)
                            }
                            None => (Val::error(self.text(cx.parsed, whole)), ops.len()),
                        },
                        _ => (Val::error(self.text(cx.parsed, whole)), ops.len()),
                    }
                }
            }
            other => (self.eval(cx, other), 0),
        };
        self.apply_ops(cx, base, &ops[used.min(ops.len())..])
    }

    /// The attribute names and evaluated indexes that start an operator
    /// list (up to the first splat).
    fn leading_keys(
        &self,
        cx: &Cx<'_>,
        ops: &[hcl_edit::Decorated<TraversalOperator>],
    ) -> Vec<Val> {
        let mut keys = Vec::new();
        for op in ops {
            match op.value() {
                TraversalOperator::GetAttr(n) => keys.push(Val::str(n.as_str())),
                TraversalOperator::Index(e) => keys.push(self.eval(cx, e)),
                TraversalOperator::LegacyIndex(n) => {
                    keys.push(Val::new(V::Int(*n.value() as i64), Loc::NONE))
                }
                _ => break,
            }
        }
        keys
    }

    fn apply_ops(
        &self,
        cx: &Cx<'_>,
        mut v: Val,
        ops: &[hcl_edit::Decorated<TraversalOperator>],
    ) -> Val {
        for (i, op) in ops.iter().enumerate() {
            match op.value() {
                TraversalOperator::GetAttr(name) => v = get_attr(&v, name.as_str()),
                TraversalOperator::Index(ie) => {
                    let idx = self.eval(cx, ie);
                    v = index(&v, &idx);
                }
                TraversalOperator::LegacyIndex(n) => {
                    v = index(&v, &Val::new(V::Int(*n.value() as i64), Loc::NONE));
                }
                TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => {
                    let rest = &ops[i + 1..];
                    return match v.v {
                        V::List(items) => Val::new(
                            V::List(
                                items
                                    .into_iter()
                                    .map(|x| self.apply_ops(cx, x, rest))
                                    .collect(),
                            ),
                            Loc::NONE,
                        ),
                        V::Null => Val::new(V::List(Vec::new()), Loc::NONE),
                        V::Unknown(u) => {
                            let mut text = format!("{}[*]", u.text);
                            for op in rest {
                                match op.value() {
                                    TraversalOperator::GetAttr(n) => {
                                        text.push('.');
                                        text.push_str(n.as_str());
                                    }
                                    _ => text.push_str("[...]"),
                                }
                            }
                            Val::unknown(text)
                        }
                        other => {
                            let one = Val::new(other, v.at);
                            Val::new(V::List(vec![self.apply_ops(cx, one, rest)]), Loc::NONE)
                        }
                    };
                }
            }
        }
        v
    }

    fn binary(&self, cx: &Cx<'_>, b: &hcl_edit::expr::BinaryOp, e: &Expression) -> Val {
        use BinaryOperator as O;
        let op = *b.operator.value();
        let l = self.eval(cx, &b.lhs_expr);
        // Short-circuit the logical operators on a known side.
        if matches!(op, O::And | O::Or) {
            let r = self.eval(cx, &b.rhs_expr);
            return match (op, l.as_bool(), r.as_bool()) {
                (O::And, Some(false), _) | (O::And, _, Some(false)) => {
                    Val::new(V::Bool(false), Loc::NONE)
                }
                (O::Or, Some(true), _) | (O::Or, _, Some(true)) => {
                    Val::new(V::Bool(true), Loc::NONE)
                }
                (O::And, Some(x), Some(y)) => Val::new(V::Bool(x && y), Loc::NONE),
                (O::Or, Some(x), Some(y)) => Val::new(V::Bool(x || y), Loc::NONE),
                _ => first_unknown(&l, &r).unwrap_or_else(|| Val::error(self.text(cx.parsed, e))),
            };
        }
        let r = self.eval(cx, &b.rhs_expr);
        if matches!(op, O::Eq | O::NotEq) {
            if !l.is_known() || !r.is_known() {
                // `x == null` with x an unknown non-null value is unknown too.
                return first_unknown(&l, &r)
                    .unwrap_or_else(|| Val::unknown(self.text(cx.parsed, e)));
            }
            let eq = same(&l, &r);
            return Val::new(V::Bool(if op == O::Eq { eq } else { !eq }), Loc::NONE);
        }
        if let Some(u) = first_unknown(&l, &r) {
            return u;
        }
        let (Some(x), Some(y)) = (l.as_f64(), r.as_f64()) else {
            return Val::error(self.text(cx.parsed, e));
        };
        let ints = matches!((&l.v, &r.v), (V::Int(_), V::Int(_)));
        let num = |f: f64| {
            if ints || (f.fract() == 0.0 && f.abs() < 9.0e15 && !matches!(op, O::Div)) {
                Val::new(V::Int(f as i64), Loc::NONE)
            } else {
                Val::new(V::Float(f), Loc::NONE)
            }
        };
        match op {
            O::Plus => num(x + y),
            O::Minus => num(x - y),
            O::Mul => num(x * y),
            O::Div if y != 0.0 => {
                let q = x / y;
                if q.fract() == 0.0 && q.abs() < 9.0e15 {
                    Val::new(V::Int(q as i64), Loc::NONE)
                } else {
                    Val::new(V::Float(q), Loc::NONE)
                }
            }
            O::Mod if y != 0.0 => num(x % y),
            O::Less => Val::new(V::Bool(x < y), Loc::NONE),
            O::LessEq => Val::new(V::Bool(x <= y), Loc::NONE),
            O::Greater => Val::new(V::Bool(x > y), Loc::NONE),
            O::GreaterEq => Val::new(V::Bool(x >= y), Loc::NONE),
            _ => Val::error(self.text(cx.parsed, e)),
        }
    }

    fn for_expr(&self, cx: &Cx<'_>, f: &hcl_edit::expr::ForExpr, e: &Expression) -> Val {
        let coll = self.eval(cx, &f.intro.collection_expr);
        let pairs: Vec<(Val, Val)> = match coll.v {
            V::List(items) => items
                .into_iter()
                .enumerate()
                .map(|(i, v)| (Val::new(V::Int(i as i64), Loc::NONE), v))
                .collect(),
            V::Map(entries) => {
                let mut p: Vec<(Val, Val)> = entries
                    .into_iter()
                    .map(|(k, _, v)| (Val::str(k), v))
                    .collect();
                p.sort_by_key(|a| a.0.as_text());
                p
            }
            V::Unknown(_) => return Val::unknown(self.text(cx.parsed, e)),
            _ => return Val::error(self.text(cx.parsed, e)),
        };
        if pairs.len() > MAX_ITEMS {
            return Val::unknown(self.text(cx.parsed, e));
        }
        let key_var = f.intro.key_var.as_ref().map(|k| k.as_str().to_string());
        let value_var = f.intro.value_var.as_str().to_string();
        let mut list = Vec::new();
        let mut map: Vec<(String, Loc, Val)> = Vec::new();
        for (k, v) in pairs {
            let mut bind = cx.bind.to_vec();
            if let Some(kv) = &key_var {
                bind.push((kv.clone(), k.clone()));
            }
            bind.push((value_var.clone(), v));
            let inner = Cx {
                bind: &bind,
                ..cx.clone()
            };
            if let Some(cond) = &f.cond {
                match self.eval(&inner, &cond.expr).as_bool() {
                    Some(true) => {}
                    Some(false) => continue,
                    None => return Val::unknown(self.text(cx.parsed, e)),
                }
            }
            let value = self.eval(&inner, &f.value_expr);
            match &f.key_expr {
                None => list.push(value),
                Some(ke) => {
                    let key = self.eval(&inner, ke);
                    let Some(key) = key.as_text() else {
                        return Val::unknown(self.text(cx.parsed, e));
                    };
                    if f.grouping {
                        match map.iter_mut().find(|(k2, _, _)| *k2 == key) {
                            Some((
                                _,
                                _,
                                Val {
                                    v: V::List(items), ..
                                },
                            )) => items.push(value),
                            _ => map.push((
                                key,
                                Loc::NONE,
                                Val::new(V::List(vec![value]), Loc::NONE),
                            )),
                        }
                    } else {
                        map.retain(|(k2, _, _)| *k2 != key);
                        map.push((key, Loc::NONE, value));
                    }
                }
            }
        }
        if f.key_expr.is_some() {
            Val::new(V::Map(map), Loc::NONE)
        } else {
            Val::new(V::List(list), Loc::NONE)
        }
    }
}

impl Instance {
    fn new(
        folder: usize,
        prefix: String,
        root: usize,
        caller: Option<Caller>,
        tfvars: HashMap<String, TfvarsValue>,
    ) -> Instance {
        Instance {
            folder,
            prefix,
            root,
            caller,
            children: HashMap::new(),
            tfvars,
            vars: RefCell::new(HashMap::new()),
            locals: RefCell::new(HashMap::new()),
            outputs: RefCell::new(HashMap::new()),
            objects: RefCell::new(HashMap::new()),
        }
    }
}

/// How many instances a block has.
pub enum Count {
    One,
    /// Known keys (count indexes or for_each keys) with each value.
    Keys(Vec<(Val, Val)>),
    Unknown(String),
}

fn unknown_binding() -> Vec<(String, Val)> {
    vec![
        ("count.index".to_string(), Val::unknown("count.index")),
        ("each.key".to_string(), Val::unknown("each.key")),
        ("each.value".to_string(), Val::unknown("each.value")),
    ]
}

/// `[0]` or `["key"]`.
pub fn index_text(k: &Val) -> String {
    match &k.v {
        V::Int(i) => format!("[{i}]"),
        _ => format!("[{:?}]", k.as_text().unwrap_or_default()),
    }
}

/// The `source` of a module block when it is a literal string.
pub fn literal_source(block: &hcl_edit::structure::Block) -> Option<String> {
    attr(&block.body, "source")?.as_str().map(str::to_string)
}

fn first_unknown(a: &Val, b: &Val) -> Option<Val> {
    [a, b]
        .into_iter()
        .find(|v| !v.is_known())
        .map(|v| match &v.v {
            V::Unknown(_) => v.clone(),
            _ => Val::unknown(v.describe()),
        })
}

/// Follows keys (attribute names or indexes) through known maps, lists and
/// the known attributes of resource objects without copying; returns a
/// copy of where it stopped and how many keys it used.
fn navigate(v: &Val, keys: &[Val]) -> (Val, usize) {
    let mut cur = v;
    for (i, k) in keys.iter().enumerate() {
        let next = match (&cur.v, &k.v) {
            (V::Map(entries), V::Str(name)) => entries
                .iter()
                .find(|(n, _, _)| n == name)
                .map(|(_, _, x)| x),
            (V::List(items), V::Int(idx)) if *idx >= 0 => items.get(*idx as usize),
            (V::Unknown(u), V::Str(name)) => u
                .known
                .as_ref()
                .and_then(|known| known.iter().find(|(n, _, _)| n == name).map(|(_, _, x)| x)),
            _ => None,
        };
        match next {
            Some(n) => cur = n,
            None => return (cur.clone(), i),
        }
    }
    (cur.clone(), keys.len())
}

pub fn get_attr(v: &Val, name: &str) -> Val {
    match &v.v {
        V::Map(entries) => match entries.iter().find(|(k, _, _)| k == name) {
            Some((_, _, x)) => x.clone(),
            None => Val::error(format!("attribute {name}")),
        },
        V::Unknown(u) => {
            if let Some(known) = &u.known
                && let Some((_, _, x)) = known.iter().find(|(k, _, _)| k == name)
            {
                return x.clone();
            }
            Val::new(
                V::Unknown(Box::new(Unknown {
                    text: format!("{}.{name}", u.text),
                    template: false,
                    error: u.error,
                    zone: u.zone.clone(),
                    known: None,
                })),
                Loc::NONE,
            )
        }
        _ => Val::error(format!("attribute {name}")),
    }
}

pub fn index(v: &Val, idx: &Val) -> Val {
    match (&v.v, &idx.v) {
        (V::Unknown(u), _) => {
            let text = match idx.v {
                V::Unknown(ref iu) => format!("{}[{}]", u.text, iu.text),
                _ => format!("{}{}", u.text, index_text(idx)),
            };
            Val::new(
                V::Unknown(Box::new(Unknown {
                    text,
                    template: false,
                    error: u.error,
                    zone: None,
                    known: None,
                })),
                Loc::NONE,
            )
        }
        (V::List(items), V::Unknown(iu)) => {
            // Every element the same: the index does not matter.
            if let Some(first) = items.first()
                && items.iter().all(|x| same(x, first))
            {
                return first.clone();
            }
            Val::unknown(format!(
                "{}[{}]",
                common_base(items.iter()).unwrap_or_else(|| "[...]".into()),
                iu.text
            ))
        }
        (V::Map(entries), V::Unknown(iu)) => Val::unknown(format!(
            "{}[{}]",
            common_base(entries.iter().map(|(_, _, v)| v)).unwrap_or_else(|| "{...}".into()),
            iu.text
        )),
        (V::List(items), _) => match idx.as_i64() {
            Some(i) if i >= 0 && (i as usize) < items.len() => items[i as usize].clone(),
            _ => Val::error("index out of range"),
        },
        (V::Map(_), _) => match idx.as_text() {
            Some(k) => get_attr(v, &k),
            None => Val::error("bad key"),
        },
        _ => Val::error("not indexable"),
    }
}

/// The instances of one counted resource (`aws_subnet.a[0]`,
/// `aws_subnet.a[1]`) share a base address: indexing them with an unknown
/// key still names that resource (`aws_subnet.a[count.index]`).
fn common_base<'v>(mut items: impl Iterator<Item = &'v Val>) -> Option<String> {
    let base = |v: &Val| match &v.v {
        V::Unknown(u) if u.text.ends_with(']') => {
            u.text.rfind('[').map(|i| u.text[..i].to_string())
        }
        _ => None,
    };
    let first = base(items.next()?)?;
    items
        .all(|v| base(v).as_deref() == Some(first.as_str()))
        .then_some(first)
}

/// The zone a resource object sits in: a subnet's availability zone, or
/// the zone of the subnet an instance/NAT gateway is placed in.
fn zone_of_object(ty: &str, body: &Val, address: &str) -> Option<Val> {
    match ty {
        "aws_subnet" | "aws_default_subnet" => body
            .get("availability_zone")
            .or_else(|| body.get("availability_zone_id"))
            .cloned()
            .or_else(|| Some(Val::unknown(format!("zone of {address}")))),
        _ => {
            if let Some(z) = body.get("availability_zone") {
                return Some(z.clone());
            }
            match &body.get("subnet_id")?.v {
                V::Unknown(u) => u.zone.as_deref().cloned(),
                _ => None,
            }
        }
    }
}
