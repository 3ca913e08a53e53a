//! GET /tenants: every Tenant, for platform admins: its name, display name, phase, declared plan
//! and the plan in force, whether it is ready or suspended, its isolation and its age. Read live
//! from the API server (not the owner index's watch), so a Tenant created a moment ago is listed.

use axum::extract::State;
use kube::api::ListParams;
use saascript_common::extract::{PlatformAdmin, RequireRole};
use saascript_common::input::Json;
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::error::{Result, TenantsError};
use crate::tenant_view::TenantSummary;

#[derive(Debug, Serialize, ToSchema)]
pub struct TenantList {
    /// Every Tenant, sorted by name.
    pub tenants: Vec<TenantSummary>,
}

/// Every Tenant (platform admins only).
#[utoipa::path(get, path = "/tenants", tag = "tenants", security(("bearer" = [])),
    responses(
        (status = 200, description = "Every Tenant, sorted by name", body = TenantList),
        (status = 401, description = "token_missing, token_invalid or token_expired"),
        (status = 403, description = "role_required: the token lacks the platform-admin role"),
        (status = 503, description = "kubernetes_unavailable"),
    ))]
pub async fn list(
    State(state): State<AppState>,
    _admin: RequireRole<PlatformAdmin>,
) -> Result<Json<TenantList>> {
    let listed = state
        .tenants
        .list(&ListParams::default())
        .await
        .map_err(TenantsError::from_kube)?;
    let mut tenants: Vec<TenantSummary> = listed.items.iter().map(TenantSummary::of).collect();
    tenants.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Json(TenantList { tenants }))
}
