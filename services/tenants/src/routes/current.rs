//! GET /tenants/current: the caller's tenant: its spec, phase, every condition and the
//! entitlements in force. Any member may read it.

use axum::extract::State;
use saascript_common::input::Json;

use crate::caller::TenantCaller;
use crate::error::Result;
use crate::tenant_view::TenantView;
use crate::{AppState, current_tenant};

/// The caller's tenant.
#[utoipa::path(get, path = "/tenants/current", tag = "tenants", security(("bearer" = [])),
    responses(
        (status = 200, description = "The tenant", body = TenantView),
        (status = 401, description = "token_missing, token_invalid or token_expired"),
        (status = 403, description = "tenant_required: the token acts for no tenant"),
        (status = 404, description = "tenant_not_found: deleted, or the name is another tenant's now"),
    ))]
pub async fn current(
    State(state): State<AppState>,
    caller: TenantCaller,
) -> Result<Json<TenantView>> {
    let tenant = current_tenant::read(&state, &caller).await?;
    Ok(Json(TenantView::of(&tenant)))
}
