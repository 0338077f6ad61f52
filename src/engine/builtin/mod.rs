//! Checks whose logic is Rust: one file per check, one struct implementing
//! [`BuiltinCheck`], listed once in [`BUILTINS`]. The check file with the same
//! slug (`engine: builtin`) carries the id, severity, docs and risk.

use super::{Ctx, Hit};

mod admission_webhook_fail_closed;
mod alerting;
mod appconfig_support;
mod autoscaler_no_headroom;
mod compose_depends_on_not_healthy;
mod compose_no_healthcheck;
mod compose_no_restart_policy;
mod compose_single_host;
mod compose_support;
mod config_change_not_rolled;
mod container_env;
mod cpu_limit_throttling;
mod cpu_quantity;
mod dangling_references;
mod datastore_single_instance;
mod db_connection_budget;
mod dns_ndots_amplification;
mod downtime_update_strategy;
mod ephemeral_storage_unbounded;
mod grace_period_too_short;
mod hpa_metric_without_request;
mod input_helm_templates;
mod input_unreadable;
mod liveness_checks_dependencies;
mod local_traffic_policy_drain_gap;
mod messaging_low_replication;
mod mutable_image_tag;
mod n_plus_one_violation;
mod networkpolicy_blocks_required_flows;
mod no_automated_backups;
mod no_automatic_rollback;
mod no_circuit_breaking;
mod no_client_timeouts;
mod no_memory_limit;
mod no_owner;
mod no_prestop_endpoint_drain;
mod no_resource_requests;
mod outlier_ejection_can_empty_pool;
mod pdb_blocks_eviction;
mod pinned_db_endpoint;
mod pool_lifetime_mismatch;
mod priority_preemption_risk;
mod probe_targets;
mod pv_reclaim_delete;
mod readiness_fails_on_shared_dependency;
mod removed_api_version;
mod retry_amplification;
mod retry_without_backoff_jitter;
mod service_selects_nothing;
mod shell_command;
mod signal_not_forwarded;
mod state_on_ephemeral_storage;
mod termination;
mod terraform;
mod timeout_inversion;

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
    &mutable_image_tag::Check,
    &no_resource_requests::Check,
    &no_memory_limit::Check,
    &compose_single_host::Check,
    &compose_no_healthcheck::Check,
    &compose_depends_on_not_healthy::Check,
    &compose_no_restart_policy::Check,
    &dns_ndots_amplification::Check,
    &no_circuit_breaking::Check,
    &no_client_timeouts::Check,
    &outlier_ejection_can_empty_pool::Check,
    &pinned_db_endpoint::Check,
    &pool_lifetime_mismatch::Check,
    &retry_amplification::Check,
    &retry_without_backoff_jitter::Check,
    &timeout_inversion::Check,
    &no_automatic_rollback::Check,
    &terraform::DB_SINGLE_ZONE,
    &terraform::COMPUTE_GROUP_SINGLE_ZONE,
    &terraform::K8S_CONTROL_PLANE_ZONAL,
    &terraform::CACHE_NO_FAILOVER,
    &terraform::SINGLE_NAT_EGRESS,
    &terraform::LB_SINGLE_ZONE,
    &terraform::NO_DELETION_PROTECTION,
    &terraform::BACKUPS_DELETED_WITH_RESOURCE,
    &terraform::SHORT_RETENTION_NO_PITR,
    &terraform::NO_CROSS_REGION_COPY,
    &terraform::OBJECT_STORE_NO_VERSIONING,
    &terraform::GROUP_IGNORES_LB_HEALTH,
    &terraform::LB_HEALTH_CHECK_WEAK,
    &terraform::STORAGE_AUTOGROW_DISABLED,
    &terraform::NO_INFRA_AUTOSCALING,
    &terraform::INFRA_RESOURCE_WITHOUT_ALARM,
    &alerting::no_alerts_for_service::Check,
    &alerting::no_symptom_alerts::Check,
    &alerting::no_deadmans_switch::Check,
    &alerting::rules_not_loaded::Check,
    &alerting::targets_not_scraped::Check,
    &alerting::alerts_route_nowhere::Check,
    &alerting::no_paging_route_for_critical::Check,
    &alerting::broken_alert_expression::Check,
    &alerting::missing_data_not_alarming::Check,
    &alerting::flapping_prone_alert::Check,
    &alerting::no_slo_defined::Check,
    &alerting::slo_without_burn_rate_alert::Check,
    &alerting::burn_rate_alert_inconsistent::Check,
    &alerting::no_latency_sli::Check,
];

pub fn find(slug: &str) -> Option<&'static dyn BuiltinCheck> {
    BUILTINS.iter().copied().find(|b| b.slug() == slug)
}
