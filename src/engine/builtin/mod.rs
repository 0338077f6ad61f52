//! Checks whose logic is Rust: one file per check, one struct implementing
//! [`BuiltinCheck`], listed once in [`BUILTINS`]. The check file with the same
//! slug (`engine: builtin`) carries the id, severity, docs and risk.

use super::{Ctx, Hit};

mod admission_webhook_fail_closed;
mod autoscaler_no_headroom;
mod config_change_not_rolled;
mod container_env;
mod cpu_limit_throttling;
mod cpu_quantity;
mod dangling_references;
mod datastore_single_instance;
mod db_connection_budget;
mod downtime_update_strategy;
mod ephemeral_storage_unbounded;
mod grace_period_too_short;
mod hpa_metric_without_request;
mod input_helm_templates;
mod input_unreadable;
mod liveness_checks_dependencies;
mod local_traffic_policy_drain_gap;
mod messaging_low_replication;
mod n_plus_one_violation;
mod networkpolicy_blocks_required_flows;
mod no_automated_backups;
mod no_owner;
mod no_prestop_endpoint_drain;
mod pdb_blocks_eviction;
mod priority_preemption_risk;
mod probe_targets;
mod pv_reclaim_delete;
mod readiness_fails_on_shared_dependency;
mod removed_api_version;
mod service_selects_nothing;
mod shell_command;
mod signal_not_forwarded;
mod state_on_ephemeral_storage;
mod termination;

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
    &no_owner::Check,
    &pdb_blocks_eviction::Check,
    &downtime_update_strategy::Check,
    &hpa_metric_without_request::Check,
    &service_selects_nothing::Check,
    &autoscaler_no_headroom::Check,
    &n_plus_one_violation::Check,
    &cpu_limit_throttling::Check,
    &ephemeral_storage_unbounded::Check,
    &removed_api_version::Check,
    &dangling_references::Check,
    &liveness_checks_dependencies::Check,
    &readiness_fails_on_shared_dependency::Check,
    &no_prestop_endpoint_drain::Check,
    &grace_period_too_short::Check,
    &signal_not_forwarded::Check,
    &config_change_not_rolled::Check,
    &admission_webhook_fail_closed::Check,
    &datastore_single_instance::Check,
    &local_traffic_policy_drain_gap::Check,
    &messaging_low_replication::Check,
    &no_automated_backups::Check,
    &priority_preemption_risk::Check,
    &pv_reclaim_delete::Check,
    &state_on_ephemeral_storage::Check,
    &db_connection_budget::Check,
    &networkpolicy_blocks_required_flows::Check,
];

pub fn find(slug: &str) -> Option<&'static dyn BuiltinCheck> {
    BUILTINS.iter().copied().find(|b| b.slug() == slug)
}
