//! Validation: a Tenant, checked against the catalog and resolved into a `TenantPlan`. Pure.
//! The CRD schema already refuses most bad input; this catches what the schema cannot know
//! (a plan that is not in the catalog) and what an older CRD might have let through.

use saascript_catalog::Catalog;
use saascript_crds::names::TENANT_NAME_MAX_LENGTH;
use saascript_crds::{Quota, Tenant};

use crate::provision::{SharedNames, TenantPlan};

/// Why a Tenant cannot be provisioned, as a condition reason and message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invalid {
    pub reason: &'static str,
    pub message: String,
}

/// What validation needs besides the Tenant.
pub struct Settings<'a> {
    pub catalog: &'a Catalog,
    pub topic_suffixes: &'a [String],
    pub shared: &'a SharedNames,
}

pub fn validate(tenant: &Tenant, settings: &Settings<'_>) -> Result<TenantPlan, Invalid> {
    let name = tenant.metadata.name.clone().unwrap_or_default();
    let valid_name = !name.is_empty()
        && name.len() <= TENANT_NAME_MAX_LENGTH as usize
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && !name.ends_with('-')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !valid_name {
        return Err(Invalid {
            reason: "InvalidName",
            message: format!(
                "tenant name {name:?} must be lowercase letters, digits and '-', start with a letter \
                 and be at most {TENANT_NAME_MAX_LENGTH} characters"
            ),
        });
    }
    let spec = &tenant.spec;
    let Some(mut entitlements) = settings.catalog.entitlements(&spec.plan) else {
        return Err(Invalid {
            reason: "UnknownPlan",
            message: format!(
                "plan {:?} is not in the plan catalog; choose one of: {}",
                spec.plan,
                settings.catalog.plan_names().collect::<Vec<_>>().join(", ")
            ),
        });
    };
    if spec.owners.is_empty() {
        return Err(Invalid {
            reason: "NoOwners",
            message: "spec.owners must name at least one owner".into(),
        });
    }
    if let Some(overrides) = &spec.quota {
        entitlements.quota = merge(&entitlements.quota, overrides);
    }
    Ok(TenantPlan {
        tenant: name,
        isolation: spec.isolation,
        owners: spec.owners.clone(),
        declared_plan: spec.plan.clone(),
        labels: tenant.metadata.labels.clone().unwrap_or_default(),
        entitlements,
        topic_suffixes: settings.topic_suffixes.to_vec(),
        shared: settings.shared.clone(),
        // A lapsed payment is read from the Subscription, later in the reconcile.
        suspended: spec.suspended,
    })
}

/// The plan of a Tenant that is being deleted. Only the names matter then, so a plan that has
/// left the catalog falls back to the default plan's entitlements. None when the name is one no
/// provisioner could have used.
pub fn removal_plan(tenant: &Tenant, settings: &Settings<'_>) -> Option<TenantPlan> {
    match validate(tenant, settings) {
        Ok(plan) => Some(plan),
        Err(invalid) if invalid.reason == "InvalidName" => None,
        Err(_) => {
            let mut fallback = tenant.clone();
            fallback.spec.plan = settings.catalog.default_plan().to_string();
            fallback.spec.owners = vec!["nobody@invalid".into()];
            validate(&fallback, settings).ok()
        }
    }
}

/// The plan's quota with the Tenant's overrides on top.
/// The entitlements of `plan_in_force` with the Tenant's quota overrides applied; None when the
/// catalog has no such plan.
pub fn entitlements_in_force(
    catalog: &saascript_catalog::Catalog,
    tenant: &Tenant,
    plan_in_force: &str,
) -> Option<saascript_crds::Entitlements> {
    let mut entitlements = catalog.entitlements(plan_in_force)?;
    if let Some(overrides) = &tenant.spec.quota {
        entitlements.quota = merge(&entitlements.quota, overrides);
    }
    Some(entitlements)
}

fn merge(plan: &Quota, overrides: &Quota) -> Quota {
    Quota {
        cpu: overrides.cpu.clone().or_else(|| plan.cpu.clone()),
        memory: overrides.memory.clone().or_else(|| plan.memory.clone()),
        storage: overrides.storage.clone().or_else(|| plan.storage.clone()),
        pods: overrides.pods.or(plan.pods),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use saascript_crds::{Isolation, TenantSpec};

    const CATALOG: &str = include_str!("../../../config/plans.yaml");

    fn tenant(name: &str, plan: &str) -> Tenant {
        let mut tenant = Tenant::new(
            name,
            TenantSpec {
                display_name: "Acme".into(),
                owners: vec!["ops@acme.example".into()],
                plan: plan.into(),
                isolation: Isolation::Siloed,
                quota: None,
                deletion_policy: Default::default(),
                suspended: false,
                prevent_deletion: false,
            },
        );
        tenant.metadata.generation = Some(1);
        tenant
    }

    fn check(tenant: &Tenant) -> Result<TenantPlan, Invalid> {
        let catalog = Catalog::from_yaml(CATALOG).unwrap();
        let suffixes = vec!["events".to_string()];
        let shared = SharedNames::default();
        validate(
            tenant,
            &Settings {
                catalog: &catalog,
                topic_suffixes: &suffixes,
                shared: &shared,
            },
        )
    }

    #[test]
    fn a_valid_tenant_gets_its_plans_entitlements() {
        let plan = check(&tenant("acme", "pro")).unwrap();
        assert_eq!(plan.entitlements.plan, "pro");
        assert_eq!(plan.entitlements.max_projects, 100);
        assert_eq!(plan.isolation, Isolation::Siloed);
        assert_eq!(plan.namespace(), "tenant-acme");
    }

    #[test]
    fn an_unknown_plan_names_the_ones_there_are() {
        let invalid = check(&tenant("acme", "gold")).unwrap_err();
        assert_eq!(invalid.reason, "UnknownPlan");
        assert!(
            invalid.message.contains("enterprise, free, pro"),
            "{}",
            invalid.message
        );
    }

    #[test]
    fn a_name_the_schema_should_have_refused_is_refused_here_too() {
        assert_eq!(
            check(&tenant("Acme", "pro")).unwrap_err().reason,
            "InvalidName"
        );
        assert_eq!(
            check(&tenant(&"a".repeat(41), "pro")).unwrap_err().reason,
            "InvalidName"
        );
    }

    #[test]
    fn quota_overrides_replace_only_what_they_name() {
        let mut t = tenant("acme", "pro");
        t.spec.quota = Some(Quota {
            pods: Some(7),
            ..Default::default()
        });
        let quota = check(&t).unwrap().entitlements.quota;
        assert_eq!(quota.pods, Some(7));
        assert_eq!(
            quota.memory.as_deref(),
            Some("16Gi"),
            "the rest comes from the plan"
        );
    }
}
