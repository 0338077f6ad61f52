//! Checks whose logic is Rust: one file per check, one struct implementing
//! [`BuiltinCheck`], listed once in [`BUILTINS`]. The check file with the same
//! slug (`engine: builtin`) carries the id, severity, docs and risk.

use super::{Ctx, Hit};

mod downtime_update_strategy;
mod hpa_metric_without_request;
mod input_helm_templates;
mod input_unreadable;
mod pdb_blocks_eviction;
mod service_selects_nothing;

pub trait BuiltinCheck: Sync {
    /// Slug of the check file this implements.
    fn slug(&self) -> &'static str;
    /// Adds a hit for every problem found.
    fn run(&self, ctx: &Ctx<'_>, hits: &mut Vec<Hit>);
}

/// Every builtin check. Adding one: a file in this folder, a line here, and a
/// check file with `engine: builtin` and the same slug.
pub static BUILTINS: &[&dyn BuiltinCheck] = &[
    &input_unreadable::Check,
    &input_helm_templates::Check,
    &pdb_blocks_eviction::Check,
    &downtime_update_strategy::Check,
    &hpa_metric_without_request::Check,
    &service_selects_nothing::Check,
];

pub fn find(slug: &str) -> Option<&'static dyn BuiltinCheck> {
    BUILTINS.iter().copied().find(|b| b.slug() == slug)
}
