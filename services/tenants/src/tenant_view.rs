//! A Tenant as its own users see it: the spec, the phase, every condition and the entitlements
//! in force. Fields are spelled as the Tenant's own (camelCase).

use saascript_crds::{Condition, Entitlements, Tenant, TenantPhase, TenantSpec};
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
