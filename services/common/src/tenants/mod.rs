//! Access to Tenants, shared by auth, billing, the gateway and the product services. The Tenant
//! CR is the truth about a tenant; nothing keeps a copy of its state in a database.
//!
//! - `directory`: a watch-fed in-memory copy of every Tenant, for reads on every request (the
//!   gateway's admission, a service's entitlements and isolation) at no API call;
//! - `live`: reads of the Tenant itself from the API server, for decisions that bind identity to
//!   a Tenant's uid (minting tokens, memberships), which no watch cache may answer.

pub mod directory;
pub mod live;

pub use directory::{TenantDirectory, TenantInfo};
pub use live::{LiveTenant, TenantApi, TenantRefusal, TenantsUnavailable};

use saascript_crds::{ConditionStatus, Tenant, condition_types, find_condition};

/// Whether the tenant may not be used: suspended by an admin (spec), or by the operator for a
/// payment lapse (the Suspended condition, which outlives a phase of Failed for a spec that
/// stopped validating).
pub fn is_suspended(tenant: &Tenant) -> bool {
    tenant.spec.suspended
        || tenant.status.as_ref().is_some_and(|s| {
            find_condition(&s.conditions, condition_types::SUSPENDED)
                .is_some_and(|c| c.status == ConditionStatus::True)
        })
}
