//! HEALTH-007: a long-running compose service with no health check: no
//! `healthcheck.test` in compose (or `disable: true`, or `test: NONE`) and
//! no HEALTHCHECK in the Dockerfile it builds (the stage it builds and the
//! stages that one builds on; `HEALTHCHECK NONE` disables). When the service
//! is built from a Dockerfile that is not in the input, whether the image
//! has one cannot be told: low, saying so. For images pulled from a
//! registry, the message says that the image itself may declare one (few
//! do; those known to, such as `pihole/pihole`, pass). One-shot services
//! are not reported.

use super::compose_support::{built_dockerfile, for_environment, hit, services, who};
use crate::engine::{Ctx, Hit};
use crate::finding::Severity;
use crate::model::compose;
use crate::yaml::{Node, Value};

pub struct Check;

/// The compose `healthcheck`: `Some(true)` with a test, `Some(false)`
/// disabled (with the pointer of what disables it), `None` when it does not
/// say (the image's HEALTHCHECK applies).
fn compose_healthcheck(service: &Node) -> (Option<bool>, &'static str) {
    let Some(hc) = service.get("healthcheck").filter(|h| h.is_map()) else {
        return (None, "");
    };
    if hc.get("disable").and_then(Node::as_bool) == Some(true) {
        return (Some(false), "/healthcheck/disable");
    }
    let Some(test) = hc.get("test") else {
        return (None, "");
    };
    let first = match &test.value {
        Value::Seq(items) => items.first().and_then(Node::scalar_text),
        _ => test.scalar_text(),
    };
    match first.as_deref().map(str::trim) {
        Some("NONE") => (Some(false), "/healthcheck/test"),
        None | Some("") => (None, ""),
        Some(_) => (Some(true), ""),
    }
}

/// Published images whose Dockerfile declares a HEALTHCHECK (checked
/// against their Dockerfiles).
const IMAGES_WITH_HEALTHCHECK: &[&str] = &["pihole/pihole"];

fn declares_healthcheck(image: &str) -> bool {
    let r = crate::model::k8s::ImageRef::parse(image);
    let hub = r
        .registry
        .as_deref()
        .is_none_or(|x| x == "docker.io" || x == "index.docker.io");
    hub && IMAGES_WITH_HEALTHCHECK.contains(&r.repository.as_str())
}

impl super::BuiltinCheck for Check {
    fn slug(&self) -> &'static str {
        "compose-no-healthcheck"
    }

    fn run(&self, ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
        for (id, r, facts) in services(ctx) {
            if facts.one_shot().is_some() {
                continue;
            }
            let consequence = "Docker reports it `Up` while it hangs or cannot serve, so `depends_on: condition: service_healthy`, reverse proxies and autoheal tooling cannot react, and a hung container stays in place until a human notices";
            let hit = match compose_healthcheck(&r.node) {
                (Some(true), _) => continue,
                (Some(false), pointer) => hit(
                    ctx,
                    id,
                    pointer,
                    format!("{} switches its health check off: {consequence}", who(r)),
                ),
                (None, _) => {
                    if let Some((df_id, parsed, stage)) = built_dockerfile(ctx, &facts) {
                        let df = &ctx.inv.resources[df_id].name;
                        match parsed.healthcheck(stage) {
                            Some(true) => continue,
                            Some(false) => hit(
                                ctx,
                                id,
                                "",
                                format!(
                                    "{} has no health check: no `healthcheck` in compose, and its Dockerfile `{df}` says `HEALTHCHECK NONE`: {consequence}",
                                    who(r)
                                ),
                            ),
                            None => hit(
                                ctx,
                                id,
                                "",
                                format!(
                                    "{} has no health check: no `healthcheck` in compose and no HEALTHCHECK in its Dockerfile `{df}` (base image `{}`): {consequence}",
                                    who(r),
                                    parsed.base_image(stage)
                                ),
                            ),
                        }
                    } else if compose::builds(&r.node) {
                        let why = facts
                            .dockerfile_unknown()
                            .unwrap_or("its Dockerfile is not in the input");
                        hit(
                            ctx,
                            id,
                            "",
                            format!(
                                "{} declares no `healthcheck`, and whether the image it builds has a HEALTHCHECK cannot be told: {why}. Without one, {consequence}",
                                who(r)
                            ),
                        )
                        .with_severity(
                            Severity::Low,
                            format!("cannot tell: {why}"),
                        )
                    } else if declares_healthcheck(&compose::image(&r.node).unwrap_or_default()) {
                        continue;
                    } else {
                        let image = compose::image(&r.node).unwrap_or_default();
                        hit(
                            ctx,
                            id,
                            "",
                            format!(
                                "{} declares no `healthcheck`, so it has none unless its image `{image}` declares a HEALTHCHECK itself (few published images do): {consequence}",
                                who(r)
                            ),
                        )
                    }
                }
            };
            hits.push(for_environment(hit, &facts));
        }
    }
}
