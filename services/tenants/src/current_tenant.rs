//! The caller's Tenant, read live from the API server (not a watch cache): a token acts only for
//! the Tenant whose uid it carries, so a later Tenant of the same name is another tenant's, and
//! answers 404 like any Tenant that is not the caller's.

use saascript_crds::Tenant;

use crate::AppState;
use crate::caller::TenantCaller;
use crate::error::{Result, TenantsError};

pub async fn read(state: &AppState, caller: &TenantCaller) -> Result<Tenant> {
    let tenant = state
        .tenants
        .get_opt(&caller.tenant)
        .await
        .map_err(TenantsError::from_kube)?
        .ok_or(TenantsError::NotFound)?;
    let uid = tenant.metadata.uid.as_deref();
    if uid.is_none() || uid != caller.tenant_uid() {
        return Err(TenantsError::NotFound);
    }
    Ok(tenant)
}

/// Err unless the caller is an owner of their tenant now: the token says so, and so does auth
/// (a token remembers a role for up to 15 minutes; an owner removed from the list since must not
/// put themselves back).
pub async fn require_owner(state: &AppState, caller: &TenantCaller) -> Result<()> {
    let refused = || TenantsError::Forbidden {
        code: "owner_required",
        message: format!("only an owner of tenant {} may do this", caller.tenant),
    };
    if !caller.claims.has_role("owner") {
        return Err(refused());
    }
    let me = state.auth.me(&caller.bearer).await?;
    if me.role_in(&caller.tenant) != Some("owner") {
        return Err(refused());
    }
    Ok(())
}
