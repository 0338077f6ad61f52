//! CONFIG-004: NetworkPolicies that isolate pods the rest of the input
//! needs to reach. Flows are what the input says: an Ingress or a
//! LoadBalancer Service in front of a workload, and workloads whose
//! environment names another workload's Service (`CART_ADDR=cart:7070`,
//! `jdbc:postgresql://orders-db/...`). A flow is blocked when the pods at
//! one end are isolated for that direction and no rule of the policies
//! selecting them admits the other end on the port; egress isolation
//! without a DNS rule breaks every lookup by name.
//!
//! What the input cannot tell (namespace labels set outside it, pod IPs in
//! an ipBlock, where the ingress controller runs) counts as admitted.

use super::container_env;
use crate::engine::{Ctx, Hit};
use crate::model::graph::{Graph, Workload, WorkloadId};
use crate::model::selector::LabelSelector;
use crate::model::{Inventory, Resource, ResourceId};
use crate::yaml::Node;
use std::collections::{BTreeMap, HashMap};

pub struct Check;

const METADATA_NAME: &str = "kubernetes.io/metadata.name";

enum PortRef {
    Number(i64),
    Name(String),
}

struct PortSpec {
    /// `None`: every port of the protocol.
    port: Option<PortRef>,
    end: Option<i64>,
    protocol: String,
}

struct Peer {
    pods: Option<LabelSelector>,
    namespaces: Option<LabelSelector>,
    ip_block: bool,
}

struct Rule {
    /// `None`: every source (or destination).
    peers: Option<Vec<Peer>>,
    /// `None`: every port.
    ports: Option<Vec<PortSpec>>,
}

struct Policy {
    id: ResourceId,
    namespace: String,
    selector: LabelSelector,
    specific: bool,
    ingress: Option<Vec<Rule>>,
    egress: Option<Vec<Rule>>,
}

fn parse_rules(node: Option<&Node>, peer_field: &str) -> Vec<Rule> {
    node.map(Node::items)
        .unwrap_or_default()
        .iter()
        .map(|r| {
            let peers = r
                .get(peer_field)
                .map(Node::items)
                .filter(|p| !p.is_empty())
                .map(|items| {
                    items
                        .iter()
                        .map(|p| Peer {
                            pods: p.get("podSelector").map(LabelSelector::from_label_selector),
                            namespaces: p
                                .get("namespaceSelector")
                                .map(LabelSelector::from_label_selector),
                            ip_block: p.get("ipBlock").is_some(),
                        })
                        .collect()
                });
            let ports = r
                .get("ports")
                .map(Node::items)
                .filter(|p| !p.is_empty())
                .map(|items| {
                    items
                        .iter()
                        .map(|p| PortSpec {
                            port: p.get("port").and_then(|v| match v.as_i64() {
                                Some(n) => Some(PortRef::Number(n)),
                                None => v.scalar_text().map(PortRef::Name),
                            }),
                            end: p.get("endPort").and_then(Node::as_i64),
                            protocol: p
                                .get("protocol")
                                .and_then(Node::scalar_text)
                                .unwrap_or_else(|| "TCP".into()),
                        })
                        .collect()
                });
            Rule { peers, ports }
        })
        .collect()
}

fn parse_policy(id: ResourceId, r: &Resource) -> Option<Policy> {
    let spec = r.node.get("spec")?;
    let selector = spec
        .get("podSelector")
        .map(LabelSelector::from_label_selector)
        .unwrap_or_default();
    if selector.invalid {
        return None;
    }
    let types: Vec<String> = spec
        .get("policyTypes")
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .filter_map(Node::scalar_text)
        .collect();
    let (ingress, egress) = if types.is_empty() {
        (true, spec.get("egress").is_some())
    } else {
        (
            types.iter().any(|t| t == "Ingress"),
            types.iter().any(|t| t == "Egress"),
        )
    };
    Some(Policy {
        id,
        namespace: r.namespace.clone(),
        specific: !selector.is_empty(),
        selector,
        ingress: ingress.then(|| parse_rules(spec.get("ingress"), "from")),
        egress: egress.then(|| parse_rules(spec.get("egress"), "to")),
    })
}

/// Labels of namespaces; `complete` when a Namespace object of the input
/// says them all.
struct Namespaces {
    labels: HashMap<String, Vec<(String, String)>>,
}

impl Namespaces {
    fn build(inv: &Inventory, g: &Graph) -> Namespaces {
        let mut labels = HashMap::new();
        for &id in g.of_kind("Namespace") {
            let r = &inv.resources[id];
            let l: Vec<(String, String)> = r
                .labels()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            labels.insert(r.name.clone(), l);
        }
        Namespaces { labels }
    }

    /// Whether a namespace selector selects `ns`: `None` when unknown.
    fn selects(&self, sel: &LabelSelector, ns: &str) -> Option<bool> {
        if sel.is_empty() {
            return Some(true);
        }
        let known = self.labels.get(ns);
        let get = |k: &str| -> Option<&str> {
            if k == METADATA_NAME {
                return Some(ns);
            }
            known?.iter().find(|(l, _)| l == k).map(|(_, v)| v.as_str())
        };
        if sel.matches(get) {
            return Some(true);
        }
        // Labels other than the automatic name may be set outside the input.
        let only_name = sel.requirements.iter().all(|r| {
            use crate::model::selector::Requirement::*;
            matches!(r, Equals(k, _) | In(k, _) | NotIn(k, _) | Exists(k) | DoesNotExist(k) if k == METADATA_NAME)
        });
        if known.is_some() || only_name {
            Some(false)
        } else {
            None
        }
    }
}

/// One end of a flow inside the cluster.
struct Pod<'a> {
    namespace: &'a str,
    labels: &'a [(String, String)],
}

impl Pod<'_> {
    fn label(&self, k: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|(l, _)| l == k)
            .map(|(_, v)| v.as_str())
    }
}

/// Whether a peer admits a pod (unknown counts as admitted).
fn peer_admits(peer: &Peer, policy_ns: &str, pod: &Pod<'_>, ns: &Namespaces) -> bool {
    if peer.ip_block {
        return true;
    }
    let ns_ok = match &peer.namespaces {
        None => pod.namespace == policy_ns,
        Some(sel) => ns.selects(sel, pod.namespace).unwrap_or(true),
    };
    ns_ok
        && peer
            .pods
            .as_ref()
            .is_none_or(|sel| sel.matches(|k| pod.label(k)))
}

/// A port a flow arrives on, by number and container port name.
#[derive(Clone, Debug, PartialEq)]
struct FlowPort {
    number: Option<i64>,
    name: Option<String>,
}

impl FlowPort {
    fn describe(&self) -> String {
        match (&self.number, &self.name) {
            (Some(n), _) => n.to_string(),
            (None, Some(name)) => name.clone(),
            (None, None) => "?".into(),
        }
    }
}

fn port_admits(specs: &Option<Vec<PortSpec>>, port: &FlowPort, dns: bool) -> bool {
    let Some(specs) = specs else { return true };
    specs.iter().any(|s| {
        if dns {
            return match &s.port {
                None => true,
                Some(PortRef::Number(n)) => *n == 53 || s.end.is_some_and(|e| *n <= 53 && 53 <= e),
                Some(PortRef::Name(n)) => n.starts_with("dns"),
            };
        }
        if s.protocol != "TCP" {
            return false;
        }
        match (&s.port, port.number, &port.name) {
            (None, _, _) => true,
            (Some(PortRef::Number(n)), Some(p), _) => {
                *n == p || s.end.is_some_and(|e| *n <= p && p <= e)
            }
            (Some(PortRef::Name(n)), _, Some(name)) => n == name,
            // A name against a number (or nothing known): cannot tell.
            (Some(PortRef::Name(_)), _, None) | (Some(PortRef::Number(_)), None, _) => true,
        }
    })
}

/// The target ports of a Service, resolved against the selected pods'
/// container ports. `only` restricts to one Service port number.
fn service_ports(svc: &Resource, w: &Workload, only: Option<u16>) -> Vec<FlowPort> {
    let container_ports: Vec<(Option<String>, i64)> = w
        .containers
        .iter()
        .filter(|c| !c.init)
        .flat_map(|c| c.ports.iter().cloned())
        .collect();
    let name_of = |n: i64| {
        container_ports
            .iter()
            .find(|(_, p)| *p == n)
            .and_then(|(name, _)| name.clone())
    };
    let number_of = |name: &str| {
        container_ports
            .iter()
            .find(|(n, _)| n.as_deref() == Some(name))
            .map(|(_, p)| *p)
    };
    let mut out = Vec::new();
    for p in svc
        .node
        .path(&["spec", "ports"])
        .map(Node::items)
        .unwrap_or_default()
    {
        let port = p.get("port").and_then(Node::as_i64);
        if let Some(o) = only
            && port != Some(i64::from(o))
        {
            continue;
        }
        if p.get("protocol")
            .and_then(Node::as_str)
            .is_some_and(|proto| proto != "TCP")
        {
            continue;
        }
        let fp = match p.get("targetPort") {
            Some(t) => match t.as_i64() {
                Some(n) => FlowPort {
                    number: Some(n),
                    name: name_of(n),
                },
                None => {
                    let name = t.scalar_text();
                    FlowPort {
                        number: name.as_deref().and_then(number_of),
                        name,
                    }
                }
            },
            None => FlowPort {
                number: port,
                name: port.and_then(name_of),
            },
        };
        if !out.contains(&fp) {
            out.push(fp);
        }
    }
    out
}

/// A flow that must get through, described for the message.
struct Flow {
    source: String,
    ports: Vec<FlowPort>,
}

/// Whether a set of rules admits a pod (or an external client when `pod` is
/// `None`) on one of the ports.
fn rules_admit(
    rules: &[&Rule],
    policy_ns: &[&str],
    pod: Option<&Pod<'_>>,
    ports: &[FlowPort],
    ns: &Namespaces,
) -> bool {
    rules.iter().zip(policy_ns).any(|(rule, pns)| {
        let peer_ok = match (&rule.peers, pod) {
            (None, _) => true,
            (Some(peers), Some(pod)) => peers.iter().any(|p| peer_admits(p, pns, pod, ns)),
            // The ingress controller or a load balancer: somewhere outside
            // this namespace. A namespace selector or an ipBlock may be it.
            (Some(peers), None) => peers.iter().any(|p| p.ip_block || p.namespaces.is_some()),
        };
        peer_ok && (ports.is_empty() || ports.iter().any(|p| port_admits(&rule.ports, p, false)))
    })
}

/// The environment values of a workload's containers that name a Service:
/// (Service, port if written, the variable).
fn called_services(
    inv: &Inventory,
    g: &Graph,
    w: &Workload,
) -> Vec<(ResourceId, Option<u16>, String)> {
    let r = &inv.resources[w.resource];
    let mut out: Vec<(ResourceId, Option<u16>, String)> = Vec::new();
    for c in w.containers.iter().filter(|c| !c.sidecar) {
        for e in container_env::container_env(inv, g, w.resource, &c.pointer) {
            let Some(value) = e.value else { continue };
            let upper = e.name.to_ascii_uppercase();
            let address_var = [
                "HOST", "ADDR", "URL", "URI", "ENDPOINT", "SERVER", "SERVICE", "BROKER",
            ]
            .iter()
            .any(|h| upper.contains(h));
            for part in value.split([',', ' ']).filter(|p| !p.is_empty()) {
                let explicit = part.contains("://") || part.contains(':');
                if !explicit && !address_var {
                    continue;
                }
                let Some((host, port)) = container_env::endpoint(part) else {
                    continue;
                };
                let Some(sid) = container_env::service_for_host(g, &host, &r.namespace, w.resource)
                else {
                    continue;
                };
                if !out.iter().any(|(s, p, _)| *s == sid && *p == port) {
                    out.push((sid, port, format!("{}={part}", e.name)));
                }
            }
        }
    }
    out
}

/// Whether a policy and a workload land in the same namespace. Manifests
/// that name no namespace go wherever they are applied, so two of them are
/// taken to share one only when they sit in the same part of the tree (a
/// collection of unrelated samples must not constrain each other).
fn same_namespace(inv: &Inventory, policy: &Resource, r: &Resource) -> bool {
    if policy.namespace != r.namespace {
        return false;
    }
    if policy.namespace_explicit && r.namespace_explicit {
        return true;
    }
    let top = |x: &Resource| {
        inv.files[x.file]
            .display
            .split_once('/')
            .map(|(first, _)| first.to_string())
    };
    match (top(policy), top(r)) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    }
}

fn policies_for<'p>(
    inv: &Inventory,
    policies: &'p [Policy],
    r: &Resource,
    w: &Workload,
    egress: bool,
) -> Vec<&'p Policy> {
    policies
        .iter()
        .filter(|p| {
            same_namespace(inv, &inv.resources[p.id], r)
                && (if egress {
                    p.egress.is_some()
                } else {
                    p.ingress.is_some()
                })
                && p.selector.matches(|k| w.label(k))
        })
        .collect()
}

/// The policy a finding points at: a specific one before a catch-all.
fn chosen<'p>(list: &[&'p Policy]) -> &'p Policy {
    list.iter().find(|p| p.specific).copied().unwrap_or(list[0])
}

impl super::BuiltinCheck for Check {
    fn slug(&self) -> &'static str {
        "networkpolicy-blocks-required-flows"
    }

    fn run(&self, ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
        let g = ctx.graph;
        let inv = ctx.inv;
        let policies: Vec<Policy> = g
            .of_kind("NetworkPolicy")
            .iter()
            .filter(|id| inv.resources[**id].group() == "networking.k8s.io")
            .filter_map(|id| parse_policy(*id, &inv.resources[*id]))
            .collect();
        if policies.is_empty() {
            return;
        }
        let ns = Namespaces::build(inv, g);
        // CNI policies (Cilium, Calico) may allow more than these say.
        let cni = inv
            .resources
            .iter()
            .any(|r| r.group().ends_with("cilium.io") || r.group().ends_with("projectcalico.org"));
        // Flows into each workload: (source description, source pod or
        // None for outside, ports).
        let mut inbound: BTreeMap<WorkloadId, Vec<(Flow, Option<WorkloadId>)>> = BTreeMap::new();
        let mut outbound: BTreeMap<WorkloadId, Vec<(String, WorkloadId, Vec<FlowPort>)>> =
            BTreeMap::new();
        for (wid, w) in g.workloads.iter().enumerate() {
            for &iid in &w.ingresses {
                let ing = &inv.resources[iid];
                let mut ports = Vec::new();
                for b in g
                    .ingress_backends
                    .get(&iid)
                    .map(Vec::as_slice)
                    .unwrap_or_default()
                {
                    if let Some(sid) = b.resolved
                        && w.services.contains(&sid)
                    {
                        ports.extend(service_ports(&inv.resources[sid], w, None));
                    }
                }
                inbound.entry(wid).or_default().push((
                    Flow {
                        source: format!("the ingress controller serving Ingress `{}`", ing.name),
                        ports,
                    },
                    None,
                ));
            }
            for &sid in &w.services {
                let svc = &inv.resources[sid];
                let kind = svc.node.path(&["spec", "type"]).and_then(Node::as_str);
                if matches!(kind, Some("LoadBalancer") | Some("NodePort")) {
                    inbound.entry(wid).or_default().push((
                        Flow {
                            source: format!(
                                "clients of {} Service `{}`",
                                kind.unwrap_or_default(),
                                svc.name
                            ),
                            ports: service_ports(svc, w, None),
                        },
                        None,
                    ));
                }
            }
        }
        for (xid, x) in g.workloads.iter().enumerate() {
            for (sid, port, var) in called_services(inv, g, x) {
                let svc = &inv.resources[sid];
                let xr = &inv.resources[x.resource];
                for &wid in g
                    .service_targets
                    .get(&sid)
                    .map(Vec::as_slice)
                    .unwrap_or_default()
                {
                    if wid == xid {
                        continue;
                    }
                    let w = &g.workloads[wid];
                    let mut ports = service_ports(svc, w, port);
                    if ports.is_empty() {
                        ports = service_ports(svc, w, None);
                    }
                    inbound.entry(wid).or_default().push((
                        Flow {
                            source: format!("{} `{}` ({var})", xr.kind, xr.name),
                            ports: ports.clone(),
                        },
                        Some(xid),
                    ));
                    outbound.entry(xid).or_default().push((
                        format!("Service `{}` ({var})", svc.name),
                        wid,
                        ports,
                    ));
                }
            }
        }

        for (wid, flows) in &inbound {
            let w = &g.workloads[*wid];
            let r = &inv.resources[w.resource];
            let isolating = policies_for(inv, &policies, r, w, false);
            if isolating.is_empty() {
                continue;
            }
            let rules: Vec<&Rule> = isolating
                .iter()
                .flat_map(|p| p.ingress.iter().flatten())
                .collect();
            let rule_ns: Vec<&str> = isolating
                .iter()
                .flat_map(|p| p.ingress.iter().flatten().map(|_| p.namespace.as_str()))
                .collect();
            let mut blocked: Vec<String> = Vec::new();
            for (flow, source) in flows {
                let admitted = match source {
                    None => rules_admit(&rules, &rule_ns, None, &flow.ports, &ns),
                    Some(xid) => {
                        let x = &g.workloads[*xid];
                        let pod = Pod {
                            namespace: &inv.resources[x.resource].namespace,
                            labels: &x.labels,
                        };
                        rules_admit(&rules, &rule_ns, Some(&pod), &flow.ports, &ns)
                    }
                };
                if !admitted {
                    let ports: Vec<String> = flow.ports.iter().map(FlowPort::describe).collect();
                    let on = if ports.is_empty() {
                        String::new()
                    } else {
                        format!(" on port {}", ports.join("/"))
                    };
                    let text = format!("{}{on}", flow.source);
                    if !blocked.contains(&text) {
                        blocked.push(text);
                    }
                }
            }
            if blocked.is_empty() {
                continue;
            }
            let p = chosen(&isolating);
            let pr = &inv.resources[p.id];
            let services: Vec<String> = w
                .services
                .iter()
                .map(|s| format!("`{}`", inv.resources[*s].name))
                .collect();
            let behind = if services.is_empty() {
                String::new()
            } else {
                format!(" behind Service {}", services.join(", "))
            };
            let mut hit = Hit::resource(
                p.id,
                pointer_of(pr, "ingress"),
                format!(
                    "NetworkPolicy `{}` isolates the pods of {} `{}`{behind} for ingress, and no rule of the policies selecting them admits {}: those connections time out once the policies are enforced",
                    pr.name,
                    r.kind,
                    r.name,
                    blocked.join("; ")
                ),
            );
            if cni {
                hit = hit.lowered(
                    1,
                    "Cilium or Calico policies in the input may admit these flows",
                );
            }
            hits.push(hit);
        }

        for (xid, x) in g.workloads.iter().enumerate() {
            let r = &inv.resources[x.resource];
            let isolating = policies_for(inv, &policies, r, x, true);
            if isolating.is_empty() {
                continue;
            }
            let rules: Vec<&Rule> = isolating
                .iter()
                .flat_map(|p| p.egress.iter().flatten())
                .collect();
            let rule_ns: Vec<&str> = isolating
                .iter()
                .flat_map(|p| p.egress.iter().flatten().map(|_| p.namespace.as_str()))
                .collect();
            let calls = outbound.get(&xid).map(Vec::as_slice).unwrap_or_default();
            let mut blocked: Vec<String> = Vec::new();
            for (what, wid, ports) in calls {
                let w = &g.workloads[*wid];
                let pod = Pod {
                    namespace: &inv.resources[w.resource].namespace,
                    labels: &w.labels,
                };
                if !rules_admit(&rules, &rule_ns, Some(&pod), ports, &ns) && !blocked.contains(what)
                {
                    blocked.push(what.clone());
                }
            }
            // DNS matters when the pods are meant to reach something by name.
            let dns_needed = !rules.is_empty() || !calls.is_empty();
            let dns_ok = rules.iter().any(|rule| {
                let peer_ok = match &rule.peers {
                    None => true,
                    Some(peers) => peers.iter().any(|p| {
                        p.ip_block
                            || p.namespaces
                                .as_ref()
                                .is_some_and(|sel| ns.selects(sel, "kube-system").unwrap_or(true))
                    }),
                };
                peer_ok
                    && port_admits(
                        &rule.ports,
                        &FlowPort {
                            number: Some(53),
                            name: None,
                        },
                        true,
                    )
            });
            let no_dns = dns_needed && !dns_ok;
            if blocked.is_empty() && !no_dns {
                continue;
            }
            let mut problems = Vec::new();
            if !blocked.is_empty() {
                problems.push(format!(
                    "no egress rule admits its calls to {}",
                    blocked.join("; ")
                ));
            }
            if no_dns {
                problems.push(
                    "no egress rule allows DNS (port 53 to kube-dns), so every lookup of a Service name times out".to_string(),
                );
            }
            let p = chosen(&isolating);
            let pr = &inv.resources[p.id];
            let mut hit = Hit::resource(
                p.id,
                pointer_of(pr, "egress"),
                format!(
                    "NetworkPolicy `{}` isolates the pods of {} `{}` for egress, and {}: its requests fail once the policies are enforced",
                    pr.name,
                    r.kind,
                    r.name,
                    problems.join(", and ")
                ),
            );
            if cni {
                hit = hit.lowered(
                    1,
                    "Cilium or Calico policies in the input may admit these flows",
                );
            }
            hits.push(hit);
        }
    }
}

/// The rules of a direction when written, else `policyTypes`, else the
/// pod selector.
fn pointer_of(r: &Resource, direction: &str) -> String {
    for field in [direction, "policyTypes", "podSelector"] {
        if r.node.path(&["spec", field]).is_some() {
            return format!("/spec/{field}");
        }
    }
    "/spec".into()
}
