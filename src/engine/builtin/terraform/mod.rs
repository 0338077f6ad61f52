//! Terraform checks: one file per check, over the resources the Terraform
//! reader builds (`src/model/terraform/`). Without the `terraform` feature
//! the checks exist (their check files are part of the catalog) but find
//! nothing, as there are no Terraform resources to look at.

use super::BuiltinCheck;
use crate::engine::{Ctx, Hit};

/// A Terraform check: its slug and, in builds that read Terraform, its
/// logic.
pub struct Check {
    slug: &'static str,
    #[cfg(feature = "terraform")]
    run: fn(&Ctx<'_>, &mut Vec<Hit>),
}

impl BuiltinCheck for Check {
    fn slug(&self) -> &'static str {
        self.slug
    }

    #[cfg(feature = "terraform")]
    fn run(&self, ctx: &Ctx<'_>, hits: &mut Vec<Hit>) {
        (self.run)(ctx, hits);
    }

    #[cfg(not(feature = "terraform"))]
    fn run(&self, _ctx: &Ctx<'_>, _hits: &mut Vec<Hit>) {}
}

/// Declares each check: its module (compiled with the feature) and its
/// static, listed in `BUILTINS`.
macro_rules! terraform_checks {
    ($($module:ident: $name:ident = $slug:literal;)*) => {
        $(
            #[cfg(feature = "terraform")]
            mod $module;
            pub static $name: Check = Check {
                slug: $slug,
                #[cfg(feature = "terraform")]
                run: $module::run,
            };
        )*
    };
}

terraform_checks! {
    db_single_zone: DB_SINGLE_ZONE = "db-single-zone";
    compute_group_single_zone: COMPUTE_GROUP_SINGLE_ZONE = "compute-group-single-zone";
    k8s_control_plane_zonal: K8S_CONTROL_PLANE_ZONAL = "k8s-control-plane-zonal";
    cache_no_failover: CACHE_NO_FAILOVER = "cache-no-failover";
    single_nat_egress: SINGLE_NAT_EGRESS = "single-nat-egress";
    lb_single_zone: LB_SINGLE_ZONE = "lb-single-zone";
    no_deletion_protection: NO_DELETION_PROTECTION = "no-deletion-protection";
    backups_deleted_with_resource: BACKUPS_DELETED_WITH_RESOURCE = "backups-deleted-with-resource";
    short_retention_no_pitr: SHORT_RETENTION_NO_PITR = "short-retention-no-pitr";
    no_cross_region_copy: NO_CROSS_REGION_COPY = "no-cross-region-copy";
    object_store_no_versioning: OBJECT_STORE_NO_VERSIONING = "object-store-no-versioning";
    group_ignores_lb_health: GROUP_IGNORES_LB_HEALTH = "group-ignores-lb-health";
    lb_health_check_weak: LB_HEALTH_CHECK_WEAK = "lb-health-check-weak";
    storage_autogrow_disabled: STORAGE_AUTOGROW_DISABLED = "storage-autogrow-disabled";
    no_infra_autoscaling: NO_INFRA_AUTOSCALING = "no-infra-autoscaling";
    infra_resource_without_alarm: INFRA_RESOURCE_WITHOUT_ALARM = "infra-resource-without-alarm";
}

/// DATA-001 and ROLLOUT-004 live in their Kubernetes checks' files; these
/// are their Terraform sides.
#[cfg(feature = "terraform")]
pub mod backups;
#[cfg(feature = "terraform")]
pub mod ecs_rollback;

#[cfg(feature = "terraform")]
mod common;
