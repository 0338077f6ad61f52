//! What checks ask of Terraform resources: whether a value is known and
//! where it comes from when it is not, the inputs of well-known modules
//! with their defaults, the zones a list of subnets covers, the resource a
//! reference names, and whether the configuration is production.

use super::modules::{self, Known};
use crate::engine::{Ctx, Hit};
use crate::finding::Severity;
use crate::model::graph::Graph;
use crate::model::{Resource, ResourceId};
use crate::yaml::{Node, Value};
use std::collections::BTreeSet;

pub const API_VERSION: &str = "terraform";

pub fn is_terraform(r: &Resource) -> bool {
    r.api_version == API_VERSION
}

/// The resources of a kind that are Terraform resources.
pub fn of_kind<'c>(
    ctx: &'c Ctx<'_>,
    kind: &'c str,
) -> impl Iterator<Item = (ResourceId, &'c Resource)> + 'c {
    ctx.graph
        .of_kind(kind)
        .iter()
        .map(|id| (*id, &ctx.inv.resources[*id]))
        .filter(|(_, r)| is_terraform(r))
}

/// The expression an unknown value comes from (`var.multi_az`), if the
/// node is unknown: a string with `${...}`.
pub fn unknown_origin(n: &Node) -> Option<String> {
    let s = n.as_str()?;
    let start = s.find("${")?;
    let mut depth = 0usize;
    for (i, c) in s[start + 2..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => return Some(s[start + 2..start + 2 + i].to_string()),
            '}' => depth -= 1,
            _ => {}
        }
    }
    Some(s.to_string())
}

/// Whether a string holds an unknown part (`${...}`).
pub fn is_unknown_str(s: &str) -> bool {
    s.contains("${")
}

pub fn is_unknown(n: &Node) -> bool {
    unknown_origin(n).is_some()
}

/// Any unknown inside a value (a list with an unknown element).
pub fn first_unknown(n: &Node) -> Option<String> {
    match &n.value {
        Value::Seq(items) => items.iter().find_map(first_unknown),
        Value::Map(entries) => entries.iter().find_map(|e| first_unknown(&e.value)),
        _ => unknown_origin(n),
    }
}

/// A value as a check reads it.
#[derive(Clone, Debug)]
pub enum Fact<'a> {
    /// Written (or resolved) to this.
    Set(&'a Node),
    /// Not written: the provider's or module's default applies.
    Default,
    /// Cannot be known; the expression it comes from.
    Unknown(String),
}

impl<'a> Fact<'a> {
    pub fn of(n: Option<&'a Node>) -> Fact<'a> {
        match n {
            None => Fact::Default,
            Some(n) if n.is_null() => Fact::Default,
            Some(n) => match unknown_origin(n) {
                Some(o) => Fact::Unknown(o),
                None => Fact::Set(n),
            },
        }
    }

    /// A boolean: `Ok(Some(b))` known, `Ok(None)` not written, `Err` unknown.
    pub fn bool(&self) -> Result<Option<bool>, String> {
        match self {
            Fact::Default => Ok(None),
            Fact::Unknown(o) => Err(o.clone()),
            Fact::Set(n) => match &n.value {
                Value::Bool(b) => Ok(Some(*b)),
                Value::Str(s) if s == "true" => Ok(Some(true)),
                Value::Str(s) if s == "false" => Ok(Some(false)),
                _ => Err(format!("{:?}", n.scalar_text().unwrap_or_default())),
            },
        }
    }

    pub fn int(&self) -> Result<Option<i64>, String> {
        match self {
            Fact::Default => Ok(None),
            Fact::Unknown(o) => Err(o.clone()),
            Fact::Set(n) => match &n.value {
                Value::Int(i) => Ok(Some(*i)),
                Value::Float(f) => Ok(Some(*f as i64)),
                Value::Str(s) => s.trim().parse().map(Some).map_err(|_| format!("{s:?}")),
                _ => Err("a non-number".into()),
            },
        }
    }

    pub fn text(&self) -> Result<Option<String>, String> {
        match self {
            Fact::Default => Ok(None),
            Fact::Unknown(o) => Err(o.clone()),
            Fact::Set(n) => Ok(n.scalar_text()),
        }
    }
}

/// A field of a resource (JSON Pointer).
pub fn fact<'a>(r: &'a Resource, pointer: &str) -> Fact<'a> {
    Fact::of(r.node.pointer(pointer))
}

/// The well-known module a `module` resource calls.
pub fn module(r: &Resource) -> Option<Known> {
    if r.kind != "module" || !is_terraform(r) {
        return None;
    }
    let name = r.node.get("@module")?.as_str()?;
    let source = r.node.get("source")?.as_str()?;
    modules::known(source).filter(|k| k.name() == name)
}

/// A module input: as written, or the module's default.
pub enum Input<'a> {
    Set(&'a Node),
    /// Not written; the module's default (position: the module block).
    Default(Node),
    Unknown(String),
    /// Not written and no default creview knows.
    Missing,
}

impl Input<'_> {
    pub fn node(&self) -> Option<&Node> {
        match self {
            Input::Set(n) => Some(n),
            Input::Default(n) => Some(n),
            _ => None,
        }
    }

    pub fn bool(&self) -> Result<Option<bool>, String> {
        match self {
            Input::Unknown(o) => Err(o.clone()),
            Input::Missing => Ok(None),
            Input::Set(n) => Fact::of(Some(*n)).bool(),
            Input::Default(n) => Fact::of(Some(n)).bool(),
        }
    }

    pub fn int(&self) -> Result<Option<i64>, String> {
        match self {
            Input::Unknown(o) => Err(o.clone()),
            Input::Missing => Ok(None),
            Input::Set(n) => Fact::of(Some(*n)).int(),
            Input::Default(n) => Fact::of(Some(n)).int(),
        }
    }

    pub fn text(&self) -> Result<Option<String>, String> {
        match self {
            Input::Unknown(o) => Err(o.clone()),
            Input::Missing => Ok(None),
            Input::Set(n) => Fact::of(Some(*n)).text(),
            Input::Default(n) => Fact::of(Some(n)).text(),
        }
    }

    pub fn is_default(&self) -> bool {
        matches!(self, Input::Default(_) | Input::Missing)
    }
}

pub fn input<'a>(r: &'a Resource, k: Known, name: &str) -> Input<'a> {
    match r.node.get(name) {
        Some(n) if !n.is_null() => match unknown_origin(n) {
            Some(o) => Input::Unknown(o),
            None => Input::Set(n),
        },
        _ => match modules::default(k, name) {
            Some(v) => {
                let mut ignored = Vec::new();
                Input::Default(v.to_node(usize::MAX, r.node.pos, &mut ignored))
            }
            None => Input::Missing,
        },
    }
}

/// How many instances a block has: `Ok(n)`, or the expression of an
/// unknown count/for_each.
pub fn instances(r: &Resource) -> Result<usize, String> {
    if let Some(c) = r.node.get("count") {
        return match Fact::of(Some(c)).int() {
            Ok(Some(n)) => Ok(n.max(0) as usize),
            Ok(None) => Ok(1),
            Err(o) => Err(o),
        };
    }
    if let Some(f) = r.node.get("for_each") {
        if let Some(o) =
            first_unknown(f).filter(|_| !matches!(f.value, Value::Seq(_) | Value::Map(_)))
        {
            return Err(o);
        }
        return Ok(match &f.value {
            Value::Seq(items) => items.len(),
            Value::Map(entries) => entries.len(),
            _ => 1,
        });
    }
    Ok(1)
}

/// Values of an attribute per instance: from `@instances` when it varies,
/// else the one value.
pub fn per_instance<'a>(r: &'a Resource, key: &str) -> Vec<Option<&'a Node>> {
    if let Some(list) = r.node.get("@instances")
        && list.items().iter().any(|i| i.get(key).is_some())
    {
        return list.items().iter().map(|i| i.get(key)).collect();
    }
    vec![r.node.get(key)]
}

/// Why the configuration is not production, when it clearly is not.
pub fn non_production(r: &Resource) -> Option<&str> {
    r.node.get("@env")?.as_str()
}

/// Whether the resource belongs to an example configuration (the
/// `examples/` of a module repository): documentation, not a deployment.
pub fn is_example(r: &Resource) -> bool {
    r.node.get("@example").is_some()
}

/// Lowers a hit one level outside production, saying why. Examples are
/// not deployed at all: like development compose stacks, their findings
/// are info, kept because what an example does is what its readers copy.
pub fn for_environment(hit: Hit, r: &Resource) -> Hit {
    match non_production(r) {
        Some(reason) if is_example(r) => hit.with_severity(
            Severity::Info,
            format!("not deployed: {reason}; examples are reported at info level"),
        ),
        Some(reason) => hit.lowered(1, format!("not production: {reason}")),
        None => hit,
    }
}

/// A finding for a value creview cannot know: low severity, at the field,
/// saying what it would decide and where the value comes from.
pub fn cannot_tell(id: ResourceId, pointer: &str, question: &str, origin: &str) -> Hit {
    Hit::resource(
        id,
        pointer,
        format!("cannot tell {question}: it comes from {origin}, which is not known from the files alone"),
    )
    .with_severity(
        Severity::Low,
        format!("unknown value: {origin}; set it in a .tfvars file or a variable default to have it checked"),
    )
}

/// The address a reference names: `module.db.aws_rds_cluster.this.id` ->
/// (`aws_rds_cluster`, `module.db.aws_rds_cluster.this`).
pub fn ref_address(text: &str) -> Option<(String, String)> {
    let mut toks: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '.' => {
                if !cur.is_empty() {
                    toks.push(std::mem::take(&mut cur));
                }
            }
            '[' => {
                if !cur.is_empty() {
                    toks.push(std::mem::take(&mut cur));
                }
                let mut idx = String::from("[");
                for d in chars.by_ref() {
                    idx.push(d);
                    if d == ']' {
                        break;
                    }
                }
                toks.push(idx);
            }
            c if c.is_alphanumeric() || c == '_' || c == '-' => cur.push(c),
            _ => break,
        }
    }
    if !cur.is_empty() {
        toks.push(cur);
    }
    let mut i = 0;
    let mut out = String::new();
    while toks.get(i).map(String::as_str) == Some("module") {
        let name = toks.get(i + 1)?;
        out.push_str("module.");
        out.push_str(name);
        i += 2;
        if let Some(idx) = toks.get(i).filter(|t| t.starts_with('[')) {
            out.push_str(idx);
            i += 1;
        }
        out.push('.');
    }
    let mut kind_prefix = "";
    if toks.get(i).map(String::as_str) == Some("data") {
        out.push_str("data.");
        kind_prefix = "data.";
        i += 1;
    }
    let ty = toks.get(i)?;
    let name = toks.get(i + 1)?;
    if ty.starts_with('[')
        || name.starts_with('[')
        || ty == "var"
        || ty == "local"
        || ty == "each"
        || ty == "count"
    {
        return None;
    }
    out.push_str(ty);
    out.push('.');
    out.push_str(name);
    Some((format!("{kind_prefix}{ty}"), out))
}

/// The resource a reference in `from`'s configuration names.
pub fn resolve(g: &Graph, from: ResourceId, namespace: &str, text: &str) -> Option<ResourceId> {
    let (kind, address) = ref_address(text)?;
    g.find(namespace, &kind, &address, from)
}

/// Every reference in a value (the origins of its unknown strings).
pub fn references(n: &Node) -> Vec<String> {
    let mut out = Vec::new();
    fn walk(n: &Node, out: &mut Vec<String>) {
        match &n.value {
            Value::Seq(items) => items.iter().for_each(|i| walk(i, out)),
            Value::Map(entries) => entries
                .iter()
                .filter(|e| !e.key.starts_with('@'))
                .for_each(|e| walk(&e.value, out)),
            Value::Str(s) => {
                let mut rest = s.as_str();
                while let Some(i) = rest.find("${") {
                    let tail = &rest[i + 2..];
                    let end = tail.find('}').unwrap_or(tail.len());
                    out.push(tail[..end].to_string());
                    rest = &tail[end..];
                }
            }
            _ => {}
        }
    }
    walk(n, &mut out);
    out
}

/// The address prefix of the module instance a resource is in
/// (`module.db.` for `module.db.aws_db_instance.this`).
pub fn module_prefix(r: &Resource) -> &str {
    let name = &r.name;
    let mut end = 0;
    let mut rest = name.as_str();
    while let Some(tail) = rest.strip_prefix("module.") {
        let Some(dot) = tail.find('.') else {
            break;
        };
        end += "module.".len() + dot + 1;
        rest = &tail[dot + 1..];
    }
    &name[..end]
}

/// The zones a set of placements (subnet ids, zone names) covers.
#[derive(Clone, Debug, Default)]
pub struct Zones {
    /// Zones known by name.
    pub known: BTreeSet<String>,
    /// Zones not known by name, by the expression that gives them
    /// (`data.aws_availability_zones.available.names[0]`).
    pub opaque: BTreeSet<String>,
    /// Placements whose zone creview cannot tell (a subnet id written as a
    /// literal, a variable), by origin.
    pub unresolved: Vec<String>,
    /// How many placements (subnets) there are, when known.
    pub placements: Option<usize>,
}

impl Zones {
    /// `Some(n)` when the number of distinct zones is certain.
    pub fn count(&self) -> ZoneCount {
        let distinct_opaque = distinct_indexed(&self.opaque);
        if self.known.len() >= 2 || distinct_opaque >= 2 {
            return ZoneCount::AtLeastTwo;
        }
        if self.placements == Some(1) {
            return ZoneCount::One;
        }
        if self.placements == Some(0) {
            return ZoneCount::Unknown(
                self.unresolved
                    .first()
                    .cloned()
                    .unwrap_or_else(|| "nothing".into()),
            );
        }
        if self.unresolved.is_empty() && self.known.len() + self.opaque.len() == 1 {
            return ZoneCount::One;
        }
        ZoneCount::Unknown(
            self.unresolved
                .first()
                .cloned()
                .unwrap_or_else(|| self.opaque.iter().next().cloned().unwrap_or_default()),
        )
    }

    pub fn describe(&self) -> String {
        let mut all: Vec<String> = self.known.iter().cloned().collect();
        all.extend(self.opaque.iter().cloned());
        all.join(", ")
    }

    pub fn merge(&mut self, other: &Zones) {
        self.known.extend(other.known.iter().cloned());
        self.opaque.extend(other.opaque.iter().cloned());
        self.unresolved.extend(other.unresolved.iter().cloned());
        self.placements = match (self.placements, other.placements) {
            (Some(a), Some(b)) => Some(a + b),
            _ => None,
        };
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ZoneCount {
    One,
    AtLeastTwo,
    /// Cannot tell; the expression that hides it.
    Unknown(String),
}

/// Opaque zones like `x[0]`, `x[1]` of one list are distinct elements of
/// a list of zone names, so distinct zones. Other opaque zones may be the
/// same: they count as one.
fn distinct_indexed(opaque: &BTreeSet<String>) -> usize {
    let mut by_base: std::collections::BTreeMap<&str, BTreeSet<&str>> = Default::default();
    for o in opaque {
        let (base, idx) = match o.rfind('[') {
            Some(i) if o.ends_with(']') => (&o[..i], &o[i..]),
            _ => (o.as_str(), ""),
        };
        by_base.entry(base).or_default().insert(idx);
    }
    by_base.values().map(|s| s.len()).max().unwrap_or(0)
}

/// The zones of subnet ids (or zone names with `names_are_zones`) in a
/// value, using the resource's `@zones`.
pub fn zones(r: &Resource, value: Option<&Node>, names_are_zones: bool) -> Zones {
    let mut z = Zones::default();
    let Some(value) = value else {
        z.placements = Some(0);
        return z;
    };
    let table = r.node.get("@zones");
    let items: Vec<&Node> = match &value.value {
        Value::Seq(items) => items.iter().collect(),
        // One subnet whose zone is known from its reference, or a list
        // that is unknown as a whole.
        Value::Str(s) if is_unknown(value) && table.and_then(|t| t.get(s)).is_none() => {
            z.unresolved.push(unknown_origin(value).unwrap_or_default());
            return z;
        }
        _ => vec![value],
    };
    z.placements = Some(items.len());
    for item in items {
        let Some(s) = item.as_str() else {
            z.unresolved.push(item.scalar_text().unwrap_or_default());
            continue;
        };
        if names_are_zones {
            match unknown_origin(item) {
                None => {
                    z.known.insert(s.to_string());
                }
                Some(o) => {
                    z.opaque.insert(o);
                }
            }
            continue;
        }
        match table.and_then(|t| t.get(s)) {
            Some(zone) => match (zone.as_str(), unknown_origin(zone)) {
                (Some(name), None) => {
                    z.known.insert(name.to_string());
                }
                (_, Some(o)) => {
                    z.opaque.insert(o);
                }
                _ => z.unresolved.push(s.to_string()),
            },
            None => z
                .unresolved
                .push(unknown_origin(item).unwrap_or_else(|| format!("subnet id {s:?}"))),
        }
    }
    z
}

/// The zones of a placement attribute per instance of the block (a
/// counted resource whose subnets depend on `count.index` has one set per
/// instance).
pub fn instance_zones(r: &Resource, key: &str, names_are_zones: bool) -> Vec<Zones> {
    per_instance(r, key)
        .into_iter()
        .map(|v| zones(r, v, names_are_zones))
        .collect()
}

/// How a resource is named in messages: its address, and for resources
/// of module instances the root configuration they belong to (the same
/// module file can be instantiated by several configurations).
pub fn display(r: &Resource) -> String {
    if r.name.starts_with("module.") && r.kind != "module" || r.name.matches("module.").count() > 1
    {
        format!("{}` in configuration `{}", r.name, r.namespace)
    } else {
        r.name.clone()
    }
}

/// Where the value at a pointer is written when it is not in the
/// resource's own file (a `.tfvars`, a variable default, a module's
/// caller): `path:line:column`.
pub fn origin<'a>(r: &'a Resource, pointer: &str) -> Option<&'a str> {
    r.node.get("@origin")?.get(pointer)?.as_str()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        assert_eq!(
            ref_address("module.db.aws_rds_cluster.this[0].id"),
            Some((
                "aws_rds_cluster".into(),
                "module.db.aws_rds_cluster.this".into()
            ))
        );
        assert_eq!(
            ref_address("data.aws_subnet.a.id"),
            Some(("data.aws_subnet".into(), "data.aws_subnet.a".into()))
        );
        assert_eq!(ref_address("var.x"), None);
        assert_eq!(
            ref_address("module.m[\"a\"].aws_lb.x.arn_suffix"),
            Some(("aws_lb".into(), "module.m[\"a\"].aws_lb.x".into()))
        );
    }

    #[test]
    fn origins() {
        let n = Node {
            value: Value::Str("${var.multi_az}".into()),
            pos: Default::default(),
        };
        assert_eq!(unknown_origin(&n).as_deref(), Some("var.multi_az"));
        let t = Node {
            value: Value::Str("${var.env}-db".into()),
            pos: Default::default(),
        };
        assert_eq!(unknown_origin(&t).as_deref(), Some("var.env"));
    }

    #[test]
    fn opaque_zones_by_index() {
        let mut s = BTreeSet::new();
        s.insert("data.x.names[0]".to_string());
        s.insert("data.x.names[1]".to_string());
        assert_eq!(distinct_indexed(&s), 2);
        s.clear();
        s.insert("var.a".to_string());
        s.insert("var.b".to_string());
        assert_eq!(distinct_indexed(&s), 1);
    }
}
