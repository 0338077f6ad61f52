//! What the compose checks share: the compose services of the input with
//! the reader's facts, hits that point into the file that set the field,
//! and the rule that development stacks are reported at info level.

use crate::engine::{Ctx, Hit};
use crate::finding::Severity;
use crate::model::Resource;
use crate::model::compose::{self, Facts};
use crate::model::dockerfile::{self, Parsed};

/// Every compose service with its facts.
pub fn services<'a>(ctx: &'a Ctx<'_>) -> Vec<(usize, &'a Resource, Facts<'a>)> {
    ctx.graph
        .of_kind(compose::KIND)
        .iter()
        .filter_map(|&id| {
            let r = &ctx.inv.resources[id];
            Facts::of(r).map(|f| (id, r, f))
        })
        .collect()
}

/// A hit on a field of a compose service. When an override or an extended
/// file set the field, the hit goes to the service's layer in that file so
/// that it points at the right file and line.
pub fn hit(ctx: &Ctx<'_>, id: usize, pointer: &str, message: String) -> Hit {
    let r = &ctx.inv.resources[id];
    let target = Facts::of(r)
        .and_then(|f| f.origin(&r.node, pointer))
        .and_then(|file| {
            ctx.graph
                .of_kind(compose::LAYER_KIND)
                .iter()
                .copied()
                .find(|&l| {
                    let x = &ctx.inv.resources[l];
                    x.namespace == r.namespace
                        && x.name == r.name
                        && ctx.inv.files[x.file].display == file
                })
        })
        .unwrap_or(id);
    Hit::resource(target, pointer, message)
}

/// Development stacks get info-level findings, saying why. Production
/// findings keep their severity and say why the project was judged
/// production too: the decision is a heuristic the reader can overrule
/// (`[scan] environment`, a `.prod` file name), so it is never silent.
pub fn for_environment(mut hit: Hit, facts: &Facts<'_>) -> Hit {
    let reason = facts.environment_reason();
    if facts.production() {
        if !reason.is_empty() {
            hit.reasons.push(reason.to_string());
        }
        hit
    } else {
        hit.with_severity(Severity::Info, reason.to_string())
    }
}

/// The Dockerfile a service builds (resource id and parsed form), with the
/// stage it builds.
pub fn built_dockerfile(ctx: &Ctx<'_>, facts: &Facts<'_>) -> Option<(usize, Parsed, usize)> {
    let id = dockerfile::resource_of(ctx.inv, facts.dockerfile()?)?;
    let parsed = Parsed::from_node(&ctx.inv.resources[id].node);
    let stage = parsed.target(facts.build_target())?;
    Some((id, parsed, stage))
}

/// The Dockerfile resources of the input.
pub fn dockerfiles<'a>(ctx: &'a Ctx<'_>) -> Vec<(usize, &'a Resource, Parsed)> {
    ctx.graph
        .of_kind(dockerfile::KIND)
        .iter()
        .filter_map(|&id| {
            let r = &ctx.inv.resources[id];
            (r.api_version == dockerfile::API_VERSION).then(|| (id, r, Parsed::from_node(&r.node)))
        })
        .collect()
}

/// `compose service `web``, for messages.
pub fn who(r: &Resource) -> String {
    format!("compose service `{}`", r.name)
}
