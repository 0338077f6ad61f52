//! Alerting inputs that are not Kubernetes objects, read into resources so
//! checks and locations work as for manifests:
//!
//! - Prometheus rule files (`groups:` at the top level): kind
//!   `PrometheusRuleFile`;
//! - Prometheus server configuration (`rule_files`, `alerting`,
//!   `scrape_configs`): kind `PrometheusConfigFile`;
//! - Alertmanager configuration (`route` + `receivers`): kind
//!   `AlertmanagerConfigFile`, also when it is embedded in a Secret
//!   (`stringData`, or base64 `data`) or a ConfigMap, where positions point
//!   into the embedding file.
//!
//! The reader also analyzes every rule expression once (in parallel) so the
//! checks find them in [`super::promql`]'s memo. [`Rules`] lists the rules of
//! both rule files and `PrometheusRule` objects.

use super::promql::{self, Analysis};
use super::{Inventory, Reader, Resource, ResourceId};
use crate::source::Pos;
use crate::yaml::{Entry, Node, Value};
use std::sync::Arc;

pub const RULE_FILE: &str = "PrometheusRuleFile";
pub const PROMETHEUS_CONFIG: &str = "PrometheusConfigFile";
pub const ALERTMANAGER_CONFIG: &str = "AlertmanagerConfigFile";
pub const API_VERSION: &str = "creview.dev/alerting";

pub struct AlertingReader;

impl Reader for AlertingReader {
    fn name(&self) -> &'static str {
        "alerting"
    }

    fn read(&self, inv: &mut Inventory) {
        let mut new = Vec::new();
        for d in &inv.other_documents {
            let name = if d.doc == 0 {
                inv.files[d.file].display.clone()
            } else {
                format!("{}#{}", inv.files[d.file].display, d.doc)
            };
            if let Some(kind) = classify(&d.node) {
                new.push(resource(
                    d.file,
                    d.doc,
                    kind,
                    name,
                    String::new(),
                    d.node.clone(),
                ));
            }
        }
        for r in &inv.resources {
            if r.kind != "Secret" && r.kind != "ConfigMap" {
                continue;
            }
            let text = &inv.files[r.file].text;
            for (field, base64) in [("stringData", false), ("data", r.kind == "Secret")] {
                for e in r.node.get(field).map(Node::entries).unwrap_or_default() {
                    let lower = e.key.to_ascii_lowercase();
                    if !(lower.ends_with(".yaml")
                        || lower.ends_with(".yml")
                        || lower.ends_with(".rules"))
                    {
                        continue;
                    }
                    let Some(raw) = e.value.as_str() else {
                        continue;
                    };
                    let (content, mapping) = if base64 {
                        match decode_base64(raw) {
                            Some(t) => (t, Mapping::Fixed(e.key_pos)),
                            None => continue,
                        }
                    } else {
                        (raw.to_string(), Mapping::of_block(text, &e.value))
                    };
                    // Cheap pre-filter before parsing the embedded text.
                    if !(content.contains("route")
                        || content.contains("groups")
                        || content.contains("scrape_configs")
                        || content.contains("rule_files"))
                    {
                        continue;
                    }
                    let stream = crate::yaml::parse_stream(&content, &Default::default());
                    for doc in stream.documents {
                        let mut node = doc.root;
                        let Some(kind) = classify(&node) else {
                            continue;
                        };
                        mapping.apply(&mut node);
                        new.push(resource(
                            r.file,
                            r.doc,
                            kind,
                            format!("{}/{}:{}", r.kind, r.name, e.key),
                            r.namespace.clone(),
                            node,
                        ));
                    }
                }
            }
        }
        inv.resources.extend(new);
        // Every expression, analyzed once.
        let mut exprs = Vec::new();
        for r in &inv.resources {
            if let Some(base) = groups_pointer(r) {
                for_each_rule(r, base, |_, _, _, rule| {
                    if let Some(e) = rule.get("expr").and_then(Node::scalar_text) {
                        exprs.push(e);
                    }
                });
            }
        }
        promql::analyze_all(exprs);
    }
}

fn resource(
    file: usize,
    doc: usize,
    kind: &str,
    name: String,
    namespace: String,
    node: Node,
) -> Resource {
    Resource {
        file,
        doc,
        api_version: API_VERSION.into(),
        kind: kind.into(),
        name,
        namespace,
        namespace_explicit: false,
        node,
        service_hint: None,
    }
}

/// What a document that is not a Kubernetes object holds, if it is an
/// alerting input.
fn classify(node: &Node) -> Option<&'static str> {
    if !node.is_map() || node.get("apiVersion").is_some() {
        return None;
    }
    let groups = node.get("groups").map(Node::items).unwrap_or_default();
    if !groups.is_empty()
        && groups
            .iter()
            .all(|g| g.is_map() && (g.get("rules").is_some() || g.get("name").is_some()))
    {
        return Some(RULE_FILE);
    }
    if node.get("route").is_some_and(Node::is_map) && node.get("receivers").is_some() {
        return Some(ALERTMANAGER_CONFIG);
    }
    let prom_keys = ["scrape_configs", "rule_files", "alerting"];
    // promtool test files also have `rule_files` (and `tests`).
    if prom_keys.iter().any(|k| node.get(k).is_some())
        && node.get("services").is_none()
        && node.get("tests").is_none()
        && (node.get("scrape_configs").is_some()
            || node.get("rule_files").is_some()
            || node.get("global").is_some())
    {
        return Some(PROMETHEUS_CONFIG);
    }
    None
}

/// How positions of an embedded document map into the embedding file.
enum Mapping {
    /// Every node at one position (base64, folded or quoted strings).
    Fixed(Pos),
    /// A literal block scalar: embedded line `l` is file line `first + l - 1`,
    /// shifted right by the block's indentation.
    Block { first_line: u32, indent: u32 },
}

impl Mapping {
    fn of_block(file_text: &str, value: &Node) -> Mapping {
        let fixed = Mapping::Fixed(value.pos);
        let lines: Vec<&str> = file_text.lines().collect();
        let Some(line) = lines.get(value.pos.line as usize - 1) else {
            return fixed;
        };
        let col = value.pos.column as usize - 1;
        let at: String = line.chars().skip(col).collect();
        let at = at.trim_start();
        let starts_block = at.starts_with('|');
        let ends_block = |l: &str| {
            let t = l.trim_end();
            t.ends_with('|') || t.ends_with("|-") || t.ends_with("|+")
        };
        // The parser may place a block scalar at its indicator or at its
        // first content line.
        let first_line = if starts_block || ends_block(line) {
            value.pos.line + 1
        } else if value.pos.line >= 2
            && lines
                .get(value.pos.line as usize - 2)
                .is_some_and(|p| ends_block(p))
        {
            value.pos.line
        } else {
            return fixed;
        };
        let Some(content) = lines[first_line as usize - 1..]
            .iter()
            .find(|l| !l.trim().is_empty())
        else {
            return fixed;
        };
        let indent = content.chars().take_while(|c| *c == ' ').count() as u32;
        Mapping::Block { first_line, indent }
    }

    fn apply(&self, node: &mut Node) {
        let map = |p: Pos| match self {
            Mapping::Fixed(f) => *f,
            Mapping::Block { first_line, indent } => {
                Pos::new(first_line + p.line.saturating_sub(1), p.column + indent)
            }
        };
        fn walk(n: &mut Node, map: &dyn Fn(Pos) -> Pos) {
            n.pos = map(n.pos);
            match &mut n.value {
                Value::Seq(items) => items.iter_mut().for_each(|i| walk(i, map)),
                Value::Map(entries) => {
                    for Entry { key_pos, value, .. } in entries.iter_mut() {
                        *key_pos = map(*key_pos);
                        walk(value, map);
                    }
                }
                _ => {}
            }
        }
        walk(node, &map);
    }
}

/// Standard base64 (with or without padding, whitespace ignored).
pub fn decode_base64(s: &str) -> Option<String> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut buf = 0u32;
    let mut bits = 0;
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' | b' ' | b'\n' | b'\r' | b'\t' => continue,
            _ => return None,
        };
        buf = (buf << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
            buf &= (1 << bits) - 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The pointer of the rule groups of a resource that holds rules.
pub fn groups_pointer(r: &Resource) -> Option<&'static str> {
    if r.kind == RULE_FILE && r.api_version == API_VERSION {
        Some("/groups")
    } else if r.kind == "PrometheusRule"
        || (r.api_version.starts_with("monitoring.googleapis.com/")
            && matches!(r.kind.as_str(), "Rules" | "ClusterRules" | "GlobalRules"))
    {
        Some("/spec/groups")
    } else {
        None
    }
}

fn for_each_rule<'a>(
    r: &'a Resource,
    base: &str,
    mut f: impl FnMut(usize, &'a Node, usize, &'a Node),
) {
    let Some(groups) = r.node.pointer(base) else {
        return;
    };
    for (gi, g) in groups.items().iter().enumerate() {
        for (ri, rule) in g
            .get("rules")
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            f(gi, g, ri, rule);
        }
    }
}

/// One alerting or recording rule.
#[derive(Clone, Debug)]
pub struct Rule<'a> {
    pub resource: ResourceId,
    /// JSON Pointer of the rule in its resource.
    pub pointer: String,
    pub group: String,
    /// Evaluation interval of the group, when set.
    pub interval_ms: Option<u64>,
    pub alert: Option<String>,
    pub record: Option<String>,
    pub expr: String,
    /// `for:` in milliseconds, when set.
    pub for_ms: Option<u64>,
    pub keep_firing_ms: Option<u64>,
    pub labels: Vec<(String, String)>,
    pub annotations: Vec<(String, String)>,
    pub node: &'a Node,
    pub analysis: Arc<Analysis>,
}

impl Rule<'_> {
    pub fn label(&self, key: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.annotations
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// `severity` label, lower-cased.
    pub fn severity(&self) -> Option<String> {
        self.label("severity").map(str::to_ascii_lowercase)
    }

    /// A page: `severity` critical, page, pager, high or emergency.
    pub fn pages(&self) -> bool {
        self.severity().is_some_and(|s| {
            matches!(
                s.as_str(),
                "critical" | "page" | "pager" | "paging" | "emergency" | "high" | "p1" | "sev1"
            )
        })
    }

    /// An always-firing heartbeat (`vector(1)`, `Watchdog`, `DeadMansSwitch`).
    pub fn is_heartbeat(&self) -> bool {
        let name = self
            .alert
            .as_deref()
            .unwrap_or_default()
            .to_ascii_lowercase();
        self.alert.is_some()
            && ((self.analysis.constant && self.analysis.error.is_none() && !self.analysis.filters)
                || matches!(
                    name.as_str(),
                    "watchdog" | "deadmansswitch" | "deadmanswitch" | "deadmanssnitch"
                ))
    }

    pub fn display_name(&self) -> String {
        self.alert
            .clone()
            .or_else(|| self.record.clone())
            .unwrap_or_else(|| "(unnamed rule)".into())
    }
}

fn millis(n: Option<&Node>) -> Option<u64> {
    let text = n?.scalar_text()?;
    crate::budget::window::Window::parse(&text)
        .ok()
        .map(|w| w.as_millis())
}

fn pairs(n: Option<&Node>) -> Vec<(String, String)> {
    n.map(Node::entries)
        .unwrap_or_default()
        .iter()
        .filter_map(|e| Some((e.key.clone(), e.value.scalar_text()?)))
        .collect()
}

/// Every rule of the input, in input order.
pub fn rules(inv: &Inventory) -> Vec<Rule<'_>> {
    let mut out = Vec::new();
    for (rid, r) in inv.resources.iter().enumerate() {
        let Some(base) = groups_pointer(r) else {
            continue;
        };
        for_each_rule(r, base, |gi, g, ri, rule| {
            if !rule.is_map() {
                return;
            }
            let expr = rule
                .get("expr")
                .and_then(Node::scalar_text)
                .unwrap_or_default();
            let text = |k: &str| rule.get(k).and_then(Node::scalar_text);
            out.push(Rule {
                resource: rid,
                pointer: format!("{base}/{gi}/rules/{ri}"),
                group: g
                    .get("name")
                    .and_then(Node::scalar_text)
                    .unwrap_or_default(),
                interval_ms: millis(g.get("interval")),
                alert: text("alert"),
                record: text("record"),
                analysis: promql::analyze(&expr),
                expr,
                for_ms: millis(rule.get("for")),
                keep_firing_ms: millis(rule.get("keep_firing_for")),
                labels: pairs(rule.get("labels")),
                annotations: pairs(rule.get("annotations")),
                node: rule,
            });
        });
    }
    out
}

/// Resources of a kind read by this module.
pub fn of_kind<'a>(
    inv: &'a Inventory,
    kind: &'a str,
) -> impl Iterator<Item = (ResourceId, &'a Resource)> {
    inv.of_kind(kind)
        .iter()
        .map(|&i| (i, &inv.resources[i]))
        .filter(|(_, r)| r.api_version == API_VERSION)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64() {
        assert_eq!(decode_base64("cm91dGU6IHt9").as_deref(), Some("route: {}"));
        assert_eq!(decode_base64("not base64!"), None);
    }

    #[test]
    fn classify_documents() {
        let n = |t: &str| {
            crate::yaml::parse_stream(t, &Default::default())
                .documents
                .remove(0)
                .root
        };
        assert_eq!(
            classify(&n("groups:\n- name: a\n  rules: []\n")),
            Some(RULE_FILE)
        );
        assert_eq!(
            classify(&n("route: {receiver: x}\nreceivers: [{name: x}]\n")),
            Some(ALERTMANAGER_CONFIG)
        );
        assert_eq!(
            classify(&n("global: {}\nscrape_configs: []\n")),
            Some(PROMETHEUS_CONFIG)
        );
        assert_eq!(classify(&n("services: {web: {image: x}}\n")), None);
    }
}
