//! Alertmanager routing, as Alertmanager does it: an alert enters at the
//! root route, descends into the first child route whose matchers match
//! (and into later siblings too when a matching child has `continue: true`),
//! and is sent to the receiver of the deepest route it reaches. Receivers
//! are inherited from the parent route when a child names none.

use crate::yaml::Node;
use regex::Regex;

/// One matcher of a route (`severity = critical`, `match_re: {a: b}`).
#[derive(Clone, Debug)]
pub struct Matcher {
    pub name: String,
    pub negative: bool,
    pub regex: Option<Regex>,
    pub value: String,
}

impl Matcher {
    fn matches(&self, labels: &[(&str, &str)]) -> bool {
        let v = labels
            .iter()
            .find(|(k, _)| *k == self.name)
            .map(|(_, v)| *v)
            .unwrap_or("");
        let hit = match &self.regex {
            Some(r) => r.is_match(v),
            None => v == self.value,
        };
        hit != self.negative
    }
}

#[derive(Clone, Debug)]
pub struct Route {
    pub matchers: Vec<Matcher>,
    pub receiver: Option<String>,
    pub continue_: bool,
    pub routes: Vec<Route>,
    /// JSON Pointer of the route in the config.
    pub pointer: String,
}

/// Where an alert ends up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Destination {
    pub receiver: String,
    /// Pointer of the route that chose the receiver.
    pub route: String,
}

fn anchored(re: &str) -> Option<Regex> {
    Regex::new(&format!("^(?:{re})$")).ok()
}

/// Parses `a = b`, `a!="b"`, `a =~ "x|y"`, `a !~ z`.
fn parse_matcher(text: &str) -> Option<Matcher> {
    let t = text.trim().trim_start_matches('{').trim_end_matches('}');
    let ops = ["=~", "!~", "!=", "="];
    let (at, op) = ops
        .iter()
        .filter_map(|op| t.find(op).map(|i| (i, *op)))
        .min_by_key(|(i, op)| (*i, std::cmp::Reverse(op.len())))?;
    let name = t[..at].trim().trim_matches('"').to_string();
    let raw = t[at + op.len()..].trim();
    let value = raw
        .strip_prefix('"')
        .and_then(|r| r.strip_suffix('"'))
        .unwrap_or(raw)
        .to_string();
    let regex = match op {
        "=~" | "!~" => Some(anchored(&value)?),
        _ => None,
    };
    Some(Matcher {
        name,
        negative: op.starts_with('!'),
        regex,
        value,
    })
}

impl Route {
    pub fn parse(node: &Node, pointer: String) -> Route {
        let mut matchers = Vec::new();
        for m in node.get("matchers").map(Node::items).unwrap_or_default() {
            if let Some(text) = m.as_str() {
                // One string may hold several comma-separated matchers.
                for part in text.split(',') {
                    if let Some(x) = parse_matcher(part) {
                        matchers.push(x);
                    }
                }
            }
        }
        for e in node.get("match").map(Node::entries).unwrap_or_default() {
            if let Some(v) = e.value.scalar_text() {
                matchers.push(Matcher {
                    name: e.key.clone(),
                    negative: false,
                    regex: None,
                    value: v,
                });
            }
        }
        for e in node.get("match_re").map(Node::entries).unwrap_or_default() {
            if let Some(v) = e.value.scalar_text()
                && let Some(regex) = anchored(&v)
            {
                matchers.push(Matcher {
                    name: e.key.clone(),
                    negative: false,
                    regex: Some(regex),
                    value: v,
                });
            }
        }
        let routes = node
            .get("routes")
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .enumerate()
            .map(|(i, r)| Route::parse(r, format!("{pointer}/routes/{i}")))
            .collect();
        Route {
            matchers,
            receiver: node.get("receiver").and_then(Node::scalar_text),
            continue_: node
                .get("continue")
                .and_then(Node::as_bool)
                .unwrap_or(false),
            routes,
            pointer,
        }
    }

    fn matches(&self, labels: &[(&str, &str)]) -> bool {
        self.matchers.iter().all(|m| m.matches(labels))
    }

    /// Every receiver an alert with these labels is sent to.
    pub fn route(&self, labels: &[(&str, &str)]) -> Vec<Destination> {
        let mut out = Vec::new();
        self.descend(labels, self.receiver.as_deref().unwrap_or(""), &mut out);
        out
    }

    fn descend(&self, labels: &[(&str, &str)], inherited: &str, out: &mut Vec<Destination>) {
        let receiver = self.receiver.as_deref().unwrap_or(inherited);
        let mut matched = false;
        for child in &self.routes {
            if child.matches(labels) {
                matched = true;
                child.descend(labels, receiver, out);
                if !child.continue_ {
                    break;
                }
            }
        }
        if !matched {
            out.push(Destination {
                receiver: receiver.to_string(),
                route: self.pointer.clone(),
            });
        }
    }
}

/// Integrations that reach a person urgently.
pub const PAGING_CONFIGS: &[&str] = &[
    "pagerduty_configs",
    "opsgenie_configs",
    "victorops_configs",
    "incidentio_configs",
    "pushover_configs",
    "sns_configs",
];

/// Words in a webhook URL that say it goes to an on-call or heartbeat tool.
const PAGING_WEBHOOK_HINTS: &[&str] = &[
    "pagerduty",
    "opsgenie",
    "victorops",
    "oncall",
    "on-call",
    "incident",
    "squadcast",
    "splunk",
    "grafana-oncall",
    "deadmanssnitch",
    "healthchecks",
    "cronitor",
    "heartbeat",
];

/// A receiver and its integrations.
#[derive(Clone, Debug)]
pub struct Receiver {
    pub name: String,
    pub pointer: String,
    /// `*_configs` keys with at least one entry.
    pub integrations: Vec<String>,
    /// Webhook URLs (to tell paging and heartbeat services).
    pub webhook_urls: Vec<String>,
}

impl Receiver {
    pub fn is_null(&self) -> bool {
        self.integrations.is_empty()
    }

    pub fn pages(&self) -> bool {
        self.integrations
            .iter()
            .any(|i| PAGING_CONFIGS.contains(&i.as_str()))
            || self.webhook_urls.iter().any(|u| {
                let l = u.to_ascii_lowercase();
                PAGING_WEBHOOK_HINTS.iter().any(|h| l.contains(h))
            })
    }
}

/// An Alertmanager configuration.
#[derive(Clone, Debug)]
pub struct AlertmanagerConfig {
    pub route: Option<Route>,
    pub receivers: Vec<Receiver>,
}

impl AlertmanagerConfig {
    pub fn parse(node: &Node) -> AlertmanagerConfig {
        let receivers = node
            .get("receivers")
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let integrations = r
                    .entries()
                    .iter()
                    .filter(|e| e.key.ends_with("_configs") && !e.value.items().is_empty())
                    .map(|e| e.key.clone())
                    .collect();
                let webhook_urls = r
                    .get("webhook_configs")
                    .map(Node::items)
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|w| w.get("url").and_then(Node::scalar_text))
                    .collect();
                Receiver {
                    name: r
                        .get("name")
                        .and_then(Node::scalar_text)
                        .unwrap_or_default(),
                    pointer: format!("/receivers/{i}"),
                    integrations,
                    webhook_urls,
                }
            })
            .collect();
        AlertmanagerConfig {
            route: node
                .get("route")
                .filter(|r| r.is_map())
                .map(|r| Route::parse(r, "/route".into())),
            receivers,
        }
    }

    pub fn receiver(&self, name: &str) -> Option<&Receiver> {
        self.receivers.iter().find(|r| r.name == name)
    }

    /// Where an alert with these labels goes, with each receiver (None when
    /// the route names a receiver that is not defined).
    pub fn destinations(&self, labels: &[(&str, &str)]) -> Vec<(Destination, Option<&Receiver>)> {
        let Some(route) = &self.route else {
            return Vec::new();
        };
        route
            .route(labels)
            .into_iter()
            .map(|d| {
                let r = self.receiver(&d.receiver);
                (d, r)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(text: &str) -> AlertmanagerConfig {
        let node = crate::yaml::parse_stream(text, &Default::default())
            .documents
            .remove(0)
            .root;
        AlertmanagerConfig::parse(&node)
    }

    #[test]
    fn kube_prometheus_default_routing() {
        let c = config(
            r#"
receivers:
- name: Default
- name: Watchdog
- name: Critical
- name: "null"
route:
  receiver: Default
  routes:
  - matchers: ["alertname = Watchdog"]
    receiver: Watchdog
  - matchers: ["alertname = InfoInhibitor"]
    receiver: "null"
  - matchers: ["severity = critical"]
    receiver: Critical
"#,
        );
        let d = c.destinations(&[("alertname", "Watchdog"), ("severity", "none")]);
        assert_eq!(d[0].0.receiver, "Watchdog");
        assert!(d[0].1.unwrap().is_null());
        let d = c.destinations(&[("alertname", "X"), ("severity", "critical")]);
        assert_eq!(d[0].0.receiver, "Critical");
        assert_eq!(d[0].0.route, "/route/routes/2");
        let d = c.destinations(&[("alertname", "X"), ("severity", "warning")]);
        assert_eq!(d[0].0.receiver, "Default");
    }

    #[test]
    fn continue_and_regex_and_paging() {
        let c = config(
            r##"
route:
  receiver: slack
  routes:
  - match_re: {severity: "critical|page"}
    receiver: pd
    continue: true
  - matchers: ['severity=~"critical|warning"']
    receiver: slack
receivers:
- name: pd
  pagerduty_configs: [{routing_key: x}]
- name: slack
  slack_configs: [{channel: "#a"}]
"##,
        );
        let d = c.destinations(&[("severity", "critical")]);
        assert_eq!(d.len(), 2);
        assert!(d[0].1.unwrap().pages());
        assert!(!d[1].1.unwrap().pages());
        assert!(!d[1].1.unwrap().is_null());
    }

    #[test]
    fn matcher_syntax() {
        let m = parse_matcher(r#"severity!~"info|none""#).unwrap();
        assert!(m.negative && m.regex.is_some() && m.name == "severity");
        let m = parse_matcher("alertname = Watchdog").unwrap();
        assert_eq!(m.value, "Watchdog");
    }
}
