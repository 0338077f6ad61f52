//! OPS-001: a service nobody owns on record. Ownership counts when any of
//! its workloads carries an owner/team label or annotation, a Backstage
//! catalog entry with an owner names it, or CODEOWNERS assigns the file that
//! defines it. Without one, incidents start with a hunt for whom to page.

use crate::engine::{Ctx, Hit};
use crate::model::Resource;
use crate::model::ownership::is_owner_key;
use crate::yaml::Node;

pub struct Check;

fn has_owner_metadata(r: &Resource, template: &str) -> bool {
    let keys = |base: &str, field: &str| {
        r.node
            .pointer(&format!("{base}/metadata/{field}"))
            .map(|n| {
                n.entries().iter().any(|e| {
                    is_owner_key(&e.key)
                        && e.value.scalar_text().is_some_and(|v| !v.trim().is_empty())
                })
            })
            .unwrap_or(false)
    };
    ["labels", "annotations"]
        .iter()
        .any(|f| keys("", f) || (!template.is_empty() && keys(template, f)))
}

/// Backstage entities that name an owner, by the names they go by.
fn catalog_owned_names(ctx: &Ctx<'_>) -> Vec<String> {
    ctx.inv
        .resources
        .iter()
        .filter(|r| r.api_version.starts_with("backstage.io/"))
        .filter(|r| {
            r.node
                .path(&["spec", "owner"])
                .and_then(Node::scalar_text)
                .is_some_and(|o| !o.trim().is_empty())
        })
        .flat_map(|r| {
            let mut names = vec![r.name.clone()];
            for key in [
                "backstage.io/kubernetes-id",
                "backstage.io/kubernetes-label-selector",
            ] {
                if let Some(v) = r.annotation(key) {
                    names.push(v.rsplit('=').next().unwrap_or(v).to_string());
                }
            }
            names
        })
        .collect()
}

impl super::BuiltinCheck for Check {
    fn slug(&self) -> &'static str {
        "no-owner"
    }

    fn run(&self, ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
        let catalog = catalog_owned_names(ctx);
        for s in &ctx.services.list {
            let short = s.name.rsplit('/').next().unwrap_or(&s.name);
            if catalog.iter().any(|n| n == short) {
                continue;
            }
            let owned =
                s.workloads.iter().any(|w| {
                    let wl = &ctx.graph.workloads[*w];
                    let r = &ctx.inv.resources[wl.resource];
                    has_owner_metadata(r, wl.template)
                        || ctx.inv.codeowners.as_ref().is_some_and(|c| {
                            !c.owners_of(&ctx.inv.files[r.file].display).is_empty()
                        })
                });
            if owned {
                continue;
            }
            let Some(first) = s.workloads.first() else {
                continue;
            };
            let r = &ctx.inv.resources[ctx.graph.workloads[*first].resource];
            let codeowners = match &ctx.inv.codeowners {
                Some(c) => format!(
                    "no rule in {} covers {}",
                    c.file, ctx.inv.files[r.file].display
                ),
                None => "no CODEOWNERS file".to_string(),
            };
            hits.push(Hit::resource(
                ctx.graph.workloads[*first].resource,
                "/metadata/labels",
                format!(
                    "service `{}` has no owner on record: no owner or team label on its workloads, no Backstage catalog entry with an owner, and {codeowners}; the first minutes of every incident go to finding whom to page",
                    s.name
                ),
            ));
        }
    }
}
