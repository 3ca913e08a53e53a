//! GET /tenants/current/members: the members of the caller's tenant, as auth lists them (auth
//! is the truth about memberships); the caller's token goes along, so auth answers for that
//! caller and tenant only.

use axum::extract::State;
use axum::response::Response;

use crate::AppState;
use crate::caller::TenantCaller;
use crate::error::Result;

/// The members of the caller's tenant, with their roles.
#[utoipa::path(get, path = "/tenants/current/members", tag = "tenants", security(("bearer" = [])),
    responses(
        (status = 200, description = "`{ tenant, members: [{ user, email, role, since }] }`"),
        (status = 401, description = "token_missing, token_invalid or token_expired"),
        (status = 403, description = "tenant_required or not_a_member"),
        (status = 410, description = "tenant_gone"),
        (status = 503, description = "auth_unavailable"),
    ))]
pub async fn members(State(state): State<AppState>, caller: TenantCaller) -> Result<Response> {
    state.auth.members(&caller.bearer).await
}
