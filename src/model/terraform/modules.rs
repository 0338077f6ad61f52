//! Well-known public modules, checked through their inputs: which module a
//! `source` names, the defaults of the inputs the checks read (from each
//! module's `variables.tf`), and the outputs other blocks use (the subnets
//! of the VPC module, with the zone each one is in).

use super::value::{Loc, Unknown, V, Val};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Known {
    /// terraform-aws-modules/rds/aws (an `aws_db_instance`).
    AwsRds,
    /// terraform-aws-modules/rds-aurora/aws (an `aws_rds_cluster` and its
    /// instances).
    AwsAurora,
    /// terraform-aws-modules/vpc/aws.
    AwsVpc,
    /// terraform-aws-modules/eks/aws.
    AwsEks,
    /// terraform-aws-modules/dynamodb-table/aws.
    AwsDynamodb,
    /// terraform-aws-modules/s3-bucket/aws.
    AwsS3,
    /// terraform-aws-modules/alb/aws (application and network LBs).
    AwsAlb,
    /// cloudposse/elasticache-redis/aws.
    AwsRedisCloudposse,
    /// terraform-google-modules/kubernetes-engine/google (root and its
    /// cluster submodules).
    GoogleGke,
    /// The same, Autopilot submodules (regional by construction).
    GoogleGkeAutopilot,
    /// terraform-google-modules/sql-db/google (postgresql, mysql, mssql).
    GoogleSqlDb,
}

impl Known {
    pub fn name(self) -> &'static str {
        match self {
            Known::AwsRds => "terraform-aws-modules/rds/aws",
            Known::AwsAurora => "terraform-aws-modules/rds-aurora/aws",
            Known::AwsVpc => "terraform-aws-modules/vpc/aws",
            Known::AwsEks => "terraform-aws-modules/eks/aws",
            Known::AwsDynamodb => "terraform-aws-modules/dynamodb-table/aws",
            Known::AwsS3 => "terraform-aws-modules/s3-bucket/aws",
            Known::AwsAlb => "terraform-aws-modules/alb/aws",
            Known::AwsRedisCloudposse => "cloudposse/elasticache-redis/aws",
            Known::GoogleGke | Known::GoogleGkeAutopilot => {
                "terraform-google-modules/kubernetes-engine/google"
            }
            Known::GoogleSqlDb => "terraform-google-modules/sql-db/google",
        }
    }
}

/// `registry.terraform.io/terraform-aws-modules/rds/aws//modules/x` ->
/// (`terraform-aws-modules/rds/aws`, `modules/x`); GitHub URLs of the same
/// repositories map to their registry names.
pub fn normalize(source: &str) -> (String, String) {
    let s = source.trim();
    let s = s.strip_prefix("git::").unwrap_or(s);
    let s = s.split('?').next().unwrap_or(s);
    let s = s
        .strip_prefix("registry.terraform.io/")
        .or_else(|| s.strip_prefix("app.terraform.io/"))
        .unwrap_or(s);
    let (main, sub) = match s.find("//") {
        Some(i) if !s[..i].ends_with(':') => (&s[..i], s[i + 2..].to_string()),
        _ => match s.rfind(".git//") {
            Some(i) => (&s[..i + 4], s[i + 6..].to_string()),
            None => (s, String::new()),
        },
    };
    // github.com/terraform-aws-modules/terraform-aws-rds(.git)
    let gh = main
        .trim_start_matches("https://")
        .trim_start_matches("ssh://")
        .trim_start_matches("git@")
        .replacen("github.com:", "github.com/", 1);
    if let Some(rest) = gh.strip_prefix("github.com/") {
        let rest = rest.trim_end_matches(".git");
        if let Some((owner, repo)) = rest.split_once('/')
            && let Some(stripped) = repo.strip_prefix("terraform-")
            && let Some((provider, name)) = stripped.split_once('-')
        {
            return (format!("{owner}/{name}/{provider}"), sub);
        }
    }
    (main.to_string(), sub)
}

/// The well-known module a source names, if any.
pub fn known(source: &str) -> Option<Known> {
    let (main, sub) = normalize(source);
    let main = main.to_ascii_lowercase();
    let sub = sub.trim_matches('/').to_ascii_lowercase();
    let k = match main.as_str() {
        "terraform-aws-modules/rds/aws" if sub.is_empty() || sub == "modules/db_instance" => {
            Known::AwsRds
        }
        "terraform-aws-modules/rds-aurora/aws" if sub.is_empty() => Known::AwsAurora,
        "terraform-aws-modules/vpc/aws" if sub.is_empty() => Known::AwsVpc,
        "terraform-aws-modules/eks/aws" if sub.is_empty() => Known::AwsEks,
        "terraform-aws-modules/dynamodb-table/aws" if sub.is_empty() => Known::AwsDynamodb,
        "terraform-aws-modules/s3-bucket/aws" if sub.is_empty() => Known::AwsS3,
        "terraform-aws-modules/alb/aws" if sub.is_empty() => Known::AwsAlb,
        "cloudposse/elasticache-redis/aws" if sub.is_empty() => Known::AwsRedisCloudposse,
        "terraform-google-modules/kubernetes-engine/google" => {
            if sub.contains("autopilot") {
                Known::GoogleGkeAutopilot
            } else if sub.is_empty()
                || sub.contains("private-cluster")
                || sub.contains("public-cluster")
                || sub.contains("safer-cluster")
            {
                Known::GoogleGke
            } else {
                return None;
            }
        }
        "terraform-google-modules/sql-db/google" | "googlecloudplatform/sql-db/google"
            if ["modules/postgresql", "modules/mysql", "modules/mssql"].contains(&sub.as_str()) =>
        {
            Known::GoogleSqlDb
        }
        _ => return None,
    };
    Some(k)
}

/// The default of a module input the checks read, as its `variables.tf`
/// declares it. `None` when the input has no default creview knows.
pub fn default(k: Known, input: &str) -> Option<Val> {
    let b = |x: bool| Some(Val::new(V::Bool(x), Loc::NONE));
    let i = |x: i64| Some(Val::new(V::Int(x), Loc::NONE));
    let s = |x: &str| Some(Val::str(x));
    let null = || Some(Val::null());
    match (k, input) {
        (Known::AwsRds, "multi_az") => b(false),
        (Known::AwsRds, "backup_retention_period") => null(),
        (Known::AwsRds, "deletion_protection") => b(false),
        (Known::AwsRds, "skip_final_snapshot") => b(false),
        (Known::AwsRds, "delete_automated_backups") => b(true),
        (Known::AwsRds, "max_allocated_storage") => i(0),
        (Known::AwsRds, "replicate_source_db") => null(),
        (Known::AwsRds, "create_db_instance") => b(true),
        (Known::AwsAurora, "backup_retention_period") => i(7),
        (Known::AwsAurora, "deletion_protection") => null(),
        (Known::AwsAurora, "skip_final_snapshot") => b(false),
        (Known::AwsAurora, "instances") => Some(Val::new(V::Map(Vec::new()), Loc::NONE)),
        (Known::AwsAurora, "replication_source_identifier") => null(),
        (Known::AwsAurora, "create_cluster" | "create") => b(true),
        (Known::AwsAurora, "engine_mode") => null(),
        (Known::AwsAurora, "autoscaling_enabled") => b(false),
        (Known::AwsVpc, "enable_nat_gateway") => b(false),
        (Known::AwsVpc, "single_nat_gateway") => b(false),
        (Known::AwsVpc, "one_nat_gateway_per_az") => b(false),
        (Known::AwsDynamodb, "point_in_time_recovery_enabled") => b(false),
        (Known::AwsDynamodb, "deletion_protection_enabled") => null(),
        (Known::AwsS3, "versioning") => Some(Val::new(V::Map(Vec::new()), Loc::NONE)),
        (Known::AwsAlb, "internal") => b(false),
        (Known::AwsAlb, "load_balancer_type") => s("application"),
        (Known::AwsRedisCloudposse, "cluster_size") => i(1),
        (Known::AwsRedisCloudposse, "automatic_failover_enabled") => b(false),
        (Known::AwsRedisCloudposse, "multi_az_enabled") => b(false),
        (Known::AwsRedisCloudposse, "cluster_mode_enabled") => b(false),
        (Known::AwsRedisCloudposse, "snapshot_retention_limit") => i(0),
        (Known::GoogleGke, "regional") => b(true),
        (Known::GoogleGke, "zones") => Some(Val::new(V::List(Vec::new()), Loc::NONE)),
        (Known::GoogleGke, "deletion_protection") => b(true),
        (Known::GoogleGkeAutopilot, "regional") => b(true),
        (Known::GoogleGkeAutopilot, "deletion_protection") => b(true),
        (Known::GoogleSqlDb, "availability_type") => s("ZONAL"),
        (Known::GoogleSqlDb, "deletion_protection") => b(true),
        (Known::GoogleSqlDb, "deletion_protection_enabled") => b(false),
        (Known::GoogleSqlDb, "disk_autoresize") => b(true),
        (Known::GoogleSqlDb, "read_replicas") => Some(Val::new(V::List(Vec::new()), Loc::NONE)),
        (Known::GoogleSqlDb, "backup_configuration") => Some(Val::new(
            V::Map(vec![
                (
                    "enabled".into(),
                    Loc::NONE,
                    Val::new(V::Bool(false), Loc::NONE),
                ),
                (
                    "point_in_time_recovery_enabled".into(),
                    Loc::NONE,
                    Val::new(V::Bool(false), Loc::NONE),
                ),
                ("retained_backups".into(), Loc::NONE, Val::null()),
            ]),
            Loc::NONE,
        )),
        _ => None,
    }
}

/// The outputs other blocks read from a well-known module, as far as its
/// inputs tell: the VPC module's subnet lists (one subnet per CIDR given,
/// in `azs[i % len(azs)]`) and its NAT gateways.
pub fn outputs(k: Known, address: &str, input: &dyn Fn(&str) -> Option<Val>) -> Val {
    let mut known: Vec<(String, Loc, Val)> = Vec::new();
    if k == Known::AwsVpc {
        let azs = input("azs").unwrap_or_else(|| Val::new(V::List(Vec::new()), Loc::NONE));
        for (output, cidrs) in [
            ("private_subnets", "private_subnets"),
            ("public_subnets", "public_subnets"),
            ("database_subnets", "database_subnets"),
            ("intra_subnets", "intra_subnets"),
            ("elasticache_subnets", "elasticache_subnets"),
            ("redshift_subnets", "redshift_subnets"),
        ] {
            let Some(list) = input(cidrs) else {
                continue;
            };
            let V::List(items) = &list.v else {
                continue;
            };
            let subnets: Vec<Val> = (0..items.len())
                .map(|i| {
                    let zone = match &azs.v {
                        V::List(z) if !z.is_empty() => z[i % z.len()].clone(),
                        _ => Val::unknown(format!("{address}.azs[{i}]")),
                    };
                    Val::new(
                        V::Unknown(Box::new(Unknown {
                            text: format!("{address}.{output}[{i}]"),
                            template: false,
                            error: false,
                            zone: Some(Box::new(zone)),
                            known: None,
                        })),
                        Loc::NONE,
                    )
                })
                .collect();
            known.push((
                output.to_string(),
                Loc::NONE,
                Val::new(V::List(subnets), Loc::NONE),
            ));
        }
        known.push(("azs".into(), Loc::NONE, azs));
    }
    Val::new(
        V::Unknown(Box::new(Unknown {
            text: address.to_string(),
            template: false,
            error: false,
            zone: None,
            known: Some(known),
        })),
        Loc::NONE,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources() {
        assert_eq!(known("terraform-aws-modules/rds/aws"), Some(Known::AwsRds));
        assert_eq!(
            known("registry.terraform.io/terraform-aws-modules/vpc/aws"),
            Some(Known::AwsVpc)
        );
        assert_eq!(
            known("git::https://github.com/terraform-aws-modules/terraform-aws-rds.git?ref=v6.0.0"),
            Some(Known::AwsRds)
        );
        assert_eq!(
            known(
                "terraform-google-modules/kubernetes-engine/google//modules/beta-autopilot-private-cluster"
            ),
            Some(Known::GoogleGkeAutopilot)
        );
        assert_eq!(
            known("GoogleCloudPlatform/sql-db/google//modules/postgresql"),
            Some(Known::GoogleSqlDb)
        );
        assert_eq!(
            known("terraform-aws-modules/rds/aws//modules/db_option_group"),
            None
        );
        assert_eq!(known("./modules/x"), None);
    }
}
