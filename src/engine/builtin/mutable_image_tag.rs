//! ROLLOUT-003: an image reference that can point at a different build
//! tomorrow: no tag (`:latest`), `:latest`, a channel or branch tag
//! (`:stable`, `:main`), a major-only tag (`:1`, `:20-alpine`), and no
//! `@sha256:` digest. Tunable through the check's params (`movingTags`,
//! `movingTagPattern`, `placeholderPattern`, `placeholderImagePattern`).
//!
//! - Kubernetes: every container of a workload, init containers included.
//!   Jobs and CronJobs one level lower.
//! - Compose: the `image:` of services that pull it (a service that also has
//!   `build:` names the image it builds, which is not pulled). One-shot
//!   services one level lower; development stacks info.
//! - Dockerfiles: every stage's FROM that names an image (not `scratch`, not
//!   an earlier stage), with global ARG defaults substituted. One level
//!   lower: a base image is resolved when the image is built, so only a
//!   rebuild picks up a new base, and rolling back to an earlier build still
//!   works.
//!
//! Placeholders (`${TAG}`, `IMAGE_TAG`, `<image>`) filled in before
//! deploying are info: the repository cannot tell what is deployed.

use super::compose_support::{dockerfiles, for_environment, hit, services, who};
use crate::engine::{Ctx, Hit};
use crate::finding::Severity;
use crate::model::compose;
use crate::model::k8s::ImageRef;
use regex::Regex;

pub struct Check;

const DEFAULT_MOVING_TAG_PATTERN: &str =
    "^(v?[0-9]{1,2}|latest|stable|mainline|lts|edge|alpine|slim)([-_][a-z]+)*$";
const DEFAULT_PLACEHOLDER_PATTERN: &str = "[$<>{}]|^[A-Z][A-Z0-9_]*$";
const DEFAULT_PLACEHOLDER_IMAGE_PATTERN: &str =
    "^([A-Z][A-Z0-9_]*|<[^>]*>|[$][{]?[A-Za-z0-9_]+[}]?)$";

/// The check's params, compiled once per run.
struct Rules {
    moving_tags: Vec<String>,
    moving: Option<Regex>,
    placeholder: Option<Regex>,
    placeholder_image: Option<Regex>,
}

fn pattern(ctx: &Ctx<'_>, name: &str, default: &str) -> Option<Regex> {
    let p = ctx
        .params
        .0
        .get(name)
        .and_then(|v| v.as_str())
        .unwrap_or(default);
    Regex::new(p).ok()
}

fn matches(re: &Option<Regex>, s: &str) -> bool {
    re.as_ref().is_some_and(|r| r.is_match(s))
}

/// What is wrong with an image reference.
enum Verdict {
    Pinned,
    Placeholder,
    Untagged,
    Moving,
}

impl Rules {
    fn new(ctx: &Ctx<'_>) -> Rules {
        Rules {
            moving_tags: ctx.params.string_list("movingTags"),
            moving: pattern(ctx, "movingTagPattern", DEFAULT_MOVING_TAG_PATTERN),
            placeholder: pattern(ctx, "placeholderPattern", DEFAULT_PLACEHOLDER_PATTERN),
            placeholder_image: pattern(
                ctx,
                "placeholderImagePattern",
                DEFAULT_PLACEHOLDER_IMAGE_PATTERN,
            ),
        }
    }

    fn placeholder(&self, image: &ImageRef) -> bool {
        matches(&self.placeholder, &image.tag)
            || (image.tag.is_empty() && matches(&self.placeholder_image, &image.full))
    }

    fn judge(&self, image: &ImageRef) -> Verdict {
        let ok = !image.digest.is_empty()
            || (!image.tag.is_empty()
                && !self.moving_tags.contains(&image.tag)
                && !matches(&self.moving, &image.tag)
                && !matches(&self.placeholder, &image.tag));
        if ok {
            Verdict::Pinned
        } else if self.placeholder(image) {
            Verdict::Placeholder
        } else if image.tag.is_empty() {
            Verdict::Untagged
        } else {
            Verdict::Moving
        }
    }

    /// `, which has no tag ...: the next ...` as the Kubernetes check
    /// always said it.
    fn explain(&self, verdict: &Verdict, image: &ImageRef, consequence: &str) -> String {
        match verdict {
            Verdict::Placeholder | Verdict::Pinned => "a placeholder filled in at deploy time: whether the deployed image is pinned to an immutable tag or digest cannot be told from the repository".to_string(),
            Verdict::Untagged => format!("which has no tag and so means `:latest`: {consequence}"),
            Verdict::Moving => format!(
                "whose tag `{}` is repointed at new builds: {consequence}",
                image.tag
            ),
        }
    }
}

const PLACEHOLDER_REASON: &str = "the image or its tag is a placeholder replaced before deploying; review the rendered manifests";

impl super::BuiltinCheck for Check {
    fn slug(&self) -> &'static str {
        "mutable-image-tag"
    }

    fn run(&self, ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
        let rules = Rules::new(ctx);
        kubernetes(ctx, &rules, hits);
        compose_services(ctx, &rules, hits);
        dockerfile_bases(ctx, &rules, hits);
    }
}

fn kubernetes(ctx: &Ctx<'_>, rules: &Rules, hits: &mut Vec<Hit>) {
    let consequence = "the next pod restart, reschedule or scale-up can pull a different, untested version, nodes drift apart, and a rollback cannot return to the previous image";
    for w in &ctx.graph.workloads {
        let r = &ctx.inv.resources[w.resource];
        // App containers, then init containers (`each: allContainers`).
        let order = w
            .containers
            .iter()
            .filter(|c| !c.init)
            .chain(w.containers.iter().filter(|c| c.init));
        for c in order {
            // An empty image is filled in by the platform (OpenShift
            // image-change triggers); there is no reference to judge.
            if c.image.full.trim().is_empty() {
                continue;
            }
            let verdict = rules.judge(&c.image);
            if matches!(verdict, Verdict::Pinned) {
                continue;
            }
            let message = format!(
                "container `{}` of {} `{}` runs `{}`, {}",
                c.name,
                r.kind,
                r.name,
                c.image.full,
                rules.explain(&verdict, &c.image, consequence)
            );
            let mut hit = Hit::resource(w.resource, format!("{}/image", c.pointer), message);
            if matches!(verdict, Verdict::Placeholder) {
                hit = hit.with_severity(Severity::Info, PLACEHOLDER_REASON);
            } else if w.kind.is_batch() {
                hit = hit.lowered(1, "a batch run that pulls a different version fails or misbehaves once and is retried; no user request is served by it");
            }
            hits.push(hit);
        }
    }
}

fn compose_services(ctx: &Ctx<'_>, rules: &Rules, hits: &mut Vec<Hit>) {
    let consequence = "the next `docker compose pull`, a rebuilt host or a second host can start a different, untested version, and a rollback cannot return to the previous image";
    for (id, r, facts) in services(ctx) {
        // With `build:`, `image:` names the image built here, not one pulled.
        if compose::builds(&r.node) {
            continue;
        }
        let Some(text) = compose::image(&r.node) else {
            continue;
        };
        let image = ImageRef::parse(text.trim());
        let verdict = rules.judge(&image);
        if matches!(verdict, Verdict::Pinned) {
            continue;
        }
        let message = format!(
            "{} runs `{}`, {}",
            who(r),
            image.full,
            rules.explain(&verdict, &image, consequence)
        );
        let mut hit = hit(ctx, id, "/image", message);
        if matches!(verdict, Verdict::Placeholder) {
            hit = hit.with_severity(Severity::Info, "the image or its tag is a variable set when the stack is started (an `.env` file or the shell); what runs cannot be told from the repository");
        } else if facts.one_shot().is_some() {
            hit = hit.lowered(1, "a one-shot task that pulls a different version fails once and is re-run; no user request is served by it");
        }
        hits.push(for_environment(hit, &facts));
    }
}

fn dockerfile_bases(ctx: &Ctx<'_>, rules: &Rules, hits: &mut Vec<Hit>) {
    let consequence = "the next build can start from a different, untested base (a new runtime, new system libraries) that ships with an unrelated code change";
    for (id, r, parsed) in dockerfiles(ctx) {
        let last = parsed.stages.len().saturating_sub(1);
        for (i, stage) in parsed.stages.iter().enumerate() {
            if stage.image.eq_ignore_ascii_case("scratch")
                || parsed.stage_named(&stage.image, i).is_some()
            {
                continue;
            }
            let image = ImageRef::parse(stage.image.trim());
            let verdict = rules.judge(&image);
            if matches!(verdict, Verdict::Pinned) {
                continue;
            }
            let which = match (&stage.name, i == last) {
                (_, true) => "the image".to_string(),
                (Some(n), false) => format!("build stage `{n}`"),
                (None, false) => format!("build stage {i}"),
            };
            let written = if stage.from != stage.image {
                format!(" (`{}`)", stage.from)
            } else {
                String::new()
            };
            let message = format!(
                "Dockerfile `{}` builds {which} FROM `{}`{written}, {}",
                r.name,
                image.full,
                rules.explain(&verdict, &image, consequence)
            );
            let mut hit = Hit::resource(id, format!("/stages/{i}/from"), message);
            if matches!(verdict, Verdict::Placeholder) {
                hit = hit.with_severity(Severity::Info, "the base image is a build argument without a default: what is built on cannot be told from the repository");
            } else {
                hit = hit.lowered(1, "a base image is resolved when the image is built: only a rebuild picks up a new base, and rolling back to an earlier build still works");
            }
            hits.push(hit);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> Rules {
        Rules {
            moving_tags: ["latest", "stable", "main", "alpine"]
                .map(String::from)
                .to_vec(),
            moving: Regex::new(DEFAULT_MOVING_TAG_PATTERN).ok(),
            placeholder: Regex::new(DEFAULT_PLACEHOLDER_PATTERN).ok(),
            placeholder_image: Regex::new(DEFAULT_PLACEHOLDER_IMAGE_PATTERN).ok(),
        }
    }

    #[test]
    fn verdicts() {
        let r = rules();
        let v = |s: &str| r.judge(&ImageRef::parse(s));
        assert!(matches!(v("nginx"), Verdict::Untagged));
        assert!(matches!(v("node:20-alpine"), Verdict::Moving));
        assert!(matches!(v("redis:7.2.5"), Verdict::Pinned));
        assert!(matches!(v("redis@sha256:abc"), Verdict::Pinned));
        assert!(matches!(v("app:${TAG}"), Verdict::Placeholder));
        assert!(matches!(v("${IMAGE}"), Verdict::Placeholder));
    }
}
