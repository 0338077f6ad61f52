//! HEALTH-010: a load-balancer health check that cannot tell a broken
//! backend. HTTP(S) `aws_lb_target_group`s with no `health_check` block
//! (path `/`), health checks turned off, or a `matcher` that accepts error
//! codes (`200-499`); the same for the target groups of the alb module; GCP
//! backend services without `health_checks` (serverless and internet NEG
//! backends excepted). TCP/UDP/TLS target groups (network load balancers
//! checking TCP services) and Lambda targets are not reported.

use super::common::{self, hit};
use crate::engine::{Ctx, Hit};
use crate::model::terraform::facts;
use crate::model::terraform::modules::Known;
use crate::model::{Resource, ResourceId};
use crate::yaml::{Node, Value};

pub fn run(ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
    for (id, r) in common::all_of(ctx, &["aws_lb_target_group", "aws_alb_target_group"]) {
        let target_type = r.node.get("target_type").and_then(Node::as_str).unwrap_or("instance");
        if target_type == "lambda" || target_type == "alb" {
            continue;
        }
        let protocol = r.node.get("protocol").and_then(Node::as_str).unwrap_or("HTTP");
        target_group(hits, id, r, "", r.node.get("health_check"), protocol, &format!("target group `{}`", common::name(r)));
    }
    for (id, r) in common::modules_of(ctx, Known::AwsAlb) {
        let Some(groups) = r.node.get("target_groups") else {
            continue;
        };
        let list: Vec<(String, &Node)> = match &groups.value {
            Value::Seq(items) => items.iter().enumerate().map(|(i, g)| (i.to_string(), g)).collect(),
            Value::Map(entries) => entries.iter().map(|e| (e.key.clone(), &e.value)).collect(),
            _ => continue,
        };
        for (key, g) in list {
            if g.get("target_type").and_then(Node::as_str) == Some("lambda") {
                continue;
            }
            let protocol = g
                .get("protocol")
                .or_else(|| g.get("backend_protocol"))
                .and_then(Node::as_str)
                .unwrap_or("HTTP");
            let base = format!("/target_groups/{key}");
            target_group(
                hits,
                id,
                r,
                &base,
                g.get("health_check"),
                protocol,
                &format!("target group {key} of module `{}`", common::name(r)),
            );
        }
    }
    for (id, r) in common::all_of(ctx, &["google_compute_backend_service", "google_compute_region_backend_service"]) {
        if r.node.get("health_checks").is_some_and(|n| !n.is_null()) {
            continue;
        }
        // Serverless NEGs and internet NEGs take no health checks.
        let negs = facts::references(r.node.get("backend").unwrap_or(&r.node))
            .iter()
            .any(|t| t.contains("network_endpoint_group"));
        if negs {
            continue;
        }
        hits.push(hit(
            r,
            id,
            "",
            format!(
                "backend service `{}` has no health_checks: the load balancer keeps sending traffic to backends whose application is broken",
                common::name(r)
            ),
        ));
    }
}

fn target_group(
    hits: &mut Vec<Hit>,
    id: ResourceId,
    r: &Resource,
    base: &str,
    hc: Option<&Node>,
    protocol: &str,
    what: &str,
) {
    let http = matches!(protocol.to_ascii_uppercase().as_str(), "HTTP" | "HTTPS" | "GENEVE");
    let Some(hc) = hc else {
        if http {
            hits.push(hit(
                r,
                id,
                base,
                format!(
                    "{what} has no health_check block: the load balancer checks `/` on the traffic port, which often needs auth, redirects, or stays up as a static page while the application is broken"
                ),
            ));
        }
        return;
    };
    if hc.get("enabled").and_then(Node::as_bool) == Some(false) {
        hits.push(hit(
            r,
            id,
            &format!("{base}/health_check/enabled"),
            format!("{what} turns its health check off: traffic keeps flowing to dead targets"),
        ));
        return;
    }
    let hc_protocol = hc.get("protocol").and_then(Node::as_str).unwrap_or(protocol);
    if !matches!(hc_protocol.to_ascii_uppercase().as_str(), "HTTP" | "HTTPS") {
        return;
    }
    if let Some(m) = hc.get("matcher").and_then(Node::scalar_text)
        && accepts_errors(&m)
    {
        hits.push(hit(
            r,
            id,
            &format!("{base}/health_check/matcher"),
            format!(
                "{what} counts {m:?} as healthy: a backend answering 4xx or 5xx errors stays in rotation"
            ),
        ));
    }
}

/// Whether an HTTP matcher (`200`, `200-299`, `200,302`, `200-499`)
/// accepts a 4xx or 5xx code.
fn accepts_errors(matcher: &str) -> bool {
    matcher.split(',').any(|part| {
        let part = part.trim();
        let (lo, hi) = match part.split_once('-') {
            Some((a, b)) => (a.trim().parse::<u32>(), b.trim().parse::<u32>()),
            None => (part.parse::<u32>(), part.parse::<u32>()),
        };
        matches!((lo, hi), (Ok(_), Ok(h)) if h >= 400)
    })
}

#[cfg(test)]
mod tests {
    use super::accepts_errors;

    #[test]
    fn matchers() {
        assert!(!accepts_errors("200"));
        assert!(!accepts_errors("200-399"));
        assert!(accepts_errors("200-499"));
        assert!(accepts_errors("200,404"));
    }
}
