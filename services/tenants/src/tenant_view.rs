//! A Tenant as its own users see it (`TenantView`: the spec, the phase, every condition and the
//! entitlements in force), and as a platform admin's list of every Tenant shows it
//! (`TenantSummary`). Fields are spelled as the Tenant's own (camelCase).

use saascript_common::tenants::is_suspended;
use saascript_crds::{
    Condition, Entitlements, Isolation, Tenant, TenantPhase, TenantSpec, condition_types,
    find_condition,
};
use serde::Serialize;

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TenantView {
    pub name: String,
    /// The Tenant's uid: a name is reused after a deletion, a uid never is.
    pub uid: String,
    /// `Tenant.spec`: displayName, owners, plan, isolation, quota, deletionPolicy, suspended,
    /// preventDeletion.
    #[schema(value_type = Object)]
    pub spec: TenantSpec,
    /// Pending, Provisioning, Ready, Suspended, Terminating or Failed (None until the operator
    /// has seen the Tenant).
    #[schema(value_type = Option<String>)]
    pub phase: Option<TenantPhase>,
    /// Ready, NamespaceReady, DatabaseReady, QueueReady, TopicsReady, TableReady, CacheReady and
    /// the others, each with its status, reason and message.
    #[schema(value_type = Vec<Object>)]
    pub conditions: Vec<Condition>,
    #[schema(value_type = Option<Object>)]
    pub entitlements: Option<Entitlements>,
    /// Set once the Tenant is being deleted.
    pub deleting: bool,
}

impl TenantView {
    pub fn of(tenant: &Tenant) -> TenantView {
        let status = tenant.status.clone().unwrap_or_default();
        TenantView {
            name: tenant.metadata.name.clone().unwrap_or_default(),
            uid: tenant.metadata.uid.clone().unwrap_or_default(),
            spec: tenant.spec.clone(),
            phase: status.phase,
            conditions: status.conditions,
            entitlements: status.entitlements,
            deleting: tenant.metadata.deletion_timestamp.is_some(),
        }
    }
}

/// A Tenant as a platform admin's list shows it: one line of what an admin looks for first, as
/// `kubectl get tenants` does.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TenantSummary {
    pub name: String,
    /// `spec.displayName`.
    pub display_name: String,
    /// Pending, Provisioning, Ready, Suspended, Terminating or Failed (None until the operator
    /// has seen the Tenant).
    #[schema(value_type = Option<String>)]
    pub phase: Option<TenantPhase>,
    /// The plan declared in `spec.plan`.
    pub plan: String,
    /// The plan whose entitlements are in force (`status.entitlements.plan`); it differs from
    /// `plan` while a change waits for payment, or after a payment lapse. None until the
    /// operator has written the entitlements.
    pub plan_in_force: Option<String>,
    /// Whether the Ready condition is True.
    pub ready: bool,
    /// Suspended by an admin (`spec.suspended`) or for a payment lapse (the Suspended condition).
    pub suspended: bool,
    /// `pooled` or `siloed`.
    #[schema(value_type = String)]
    pub isolation: Isolation,
    /// When the Tenant was created (RFC 3339, UTC).
    pub created_at: String,
}

impl TenantSummary {
    pub fn of(tenant: &Tenant) -> TenantSummary {
        let view = TenantView::of(tenant);
        TenantSummary {
            ready: find_condition(&view.conditions, condition_types::READY)
                .is_some_and(|c| c.is_true()),
            suspended: is_suspended(tenant),
            plan_in_force: view.entitlements.map(|e| e.plan),
            created_at: tenant
                .metadata
                .creation_timestamp
                .as_ref()
                .map(|t| t.0.to_string())
                .unwrap_or_default(),
            name: view.name,
            display_name: view.spec.display_name,
            phase: view.phase,
            plan: view.spec.plan,
            isolation: view.spec.isolation,
        }
    }
}
