//! How many replicas a ServiceDeployment runs at least, from where it lives and the tenants.
//! Pure: the tenants come in as plain values.

use saascript_crds::{Isolation, ServiceDeploymentSpec, Tenant, TenantPhase};

/// What a ServiceDeployment is, by where it lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Role {
    /// A shared service in the system namespace: it serves every pooled tenant.
    Shared,
    /// A template in the system namespace: stamped into siloed tenants' namespaces, never run.
    Template,
    /// A siloed tenant's own service (stamped into its namespace).
    TenantOwn { tenant: String, suspended: bool },
    /// Anywhere else: it runs `replicas.min`.
    Standalone,
}

impl Role {
    pub fn suspended(&self) -> bool {
        matches!(
            self,
            Role::TenantOwn {
                suspended: true,
                ..
            }
        )
    }
}

/// A tenant counts towards the shared services while it is pooled, not suspended (by spec or
/// for payment) and not being deleted.
pub fn is_active_pooled(tenant: &Tenant) -> bool {
    tenant.spec.isolation == Isolation::Pooled
        && !is_suspended(tenant)
        && tenant.metadata.deletion_timestamp.is_none()
}

/// Suspended by an admin (at once, from the spec) or for payment (the status says so).
pub fn is_suspended(tenant: &Tenant) -> bool {
    tenant.spec.suspended
        || tenant
            .status
            .as_ref()
            .is_some_and(|s| s.phase == Some(TenantPhase::Suspended))
}

/// `clamp(ceil(active pooled tenants / tenantsPerReplica), min, max)` for a shared service,
/// 0 for a suspended tenant's own, and `min` otherwise.
pub fn floor_replicas(spec: &ServiceDeploymentSpec, role: &Role, active_pooled: usize) -> i32 {
    let (min, max) = (spec.replicas.min, spec.replicas.max.max(spec.replicas.min));
    match role {
        Role::Template => 0,
        Role::TenantOwn {
            suspended: true, ..
        } => 0,
        Role::Shared => match spec.tenants_per_replica {
            Some(per) if per > 0 => {
                let per = per as usize;
                let needed = active_pooled.div_ceil(per);
                i32::try_from(needed).unwrap_or(i32::MAX).clamp(min, max)
            }
            _ => min,
        },
        Role::TenantOwn { .. } | Role::Standalone => min,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use saascript_crds::ServiceName;
    use saascript_crds::service_deployment::Replicas;

    fn spec(min: i32, max: i32, per: Option<i32>) -> ServiceDeploymentSpec {
        ServiceDeploymentSpec {
            service: ServiceName::Projects,
            image: "img".into(),
            port: 8085,
            replicas: Replicas { min, max },
            autoscaling: None,
            resources: None,
            env: vec![],
            credentials_secret: None,
            tenants_per_replica: per,
            image_pull_policy: None,
            service_account_name: None,
        }
    }

    #[test]
    fn shared_services_follow_the_pooled_tenant_count_within_bounds() {
        let s = spec(2, 10, Some(100));
        assert_eq!(floor_replicas(&s, &Role::Shared, 0), 2, "never below min");
        assert_eq!(floor_replicas(&s, &Role::Shared, 250), 3, "ceil(250 / 100)");
        assert_eq!(floor_replicas(&s, &Role::Shared, 300), 3);
        assert_eq!(floor_replicas(&s, &Role::Shared, 301), 4);
        assert_eq!(
            floor_replicas(&s, &Role::Shared, 1_000_000),
            10,
            "never above max"
        );
    }

    #[test]
    fn without_tenants_per_replica_the_floor_is_min() {
        assert_eq!(floor_replicas(&spec(3, 5, None), &Role::Shared, 10_000), 3);
    }

    #[test]
    fn a_suspended_tenants_services_go_to_zero_and_come_back() {
        let s = spec(2, 4, None);
        let suspended = Role::TenantOwn {
            tenant: "acme".into(),
            suspended: true,
        };
        let lifted = Role::TenantOwn {
            tenant: "acme".into(),
            suspended: false,
        };
        assert_eq!(floor_replicas(&s, &suspended, 0), 0);
        assert_eq!(floor_replicas(&s, &lifted, 0), 2);
    }

    #[test]
    fn only_active_pooled_tenants_count() {
        use saascript_crds::{TenantSpec, TenantStatus};
        let tenant = |isolation, suspended, phase| {
            let mut t = Tenant::new(
                "t",
                serde_json::from_value::<TenantSpec>(serde_json::json!({
                    "displayName": "T", "owners": ["o@example.com"], "plan": "free",
                    "isolation": isolation, "suspended": suspended
                }))
                .unwrap(),
            );
            t.status = Some(TenantStatus {
                phase,
                ..Default::default()
            });
            t
        };
        assert!(is_active_pooled(&tenant(
            "pooled",
            false,
            Some(TenantPhase::Ready)
        )));
        assert!(!is_active_pooled(&tenant(
            "siloed",
            false,
            Some(TenantPhase::Ready)
        )));
        assert!(!is_active_pooled(&tenant(
            "pooled",
            true,
            Some(TenantPhase::Ready)
        )));
        assert!(
            !is_active_pooled(&tenant("pooled", false, Some(TenantPhase::Suspended))),
            "suspended for payment"
        );
    }
}
