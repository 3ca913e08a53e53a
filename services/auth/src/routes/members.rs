//! GET /auth/members: the members of the caller's tenant, for its members. The tenants service
//! serves it as /tenants/current/members, forwarding the caller's token.

use axum::extract::State;
use saascript_common::extract::TenantContext;
use saascript_common::input::Json;
use serde::Serialize;
use uuid::Uuid;

use crate::error::{AuthError, Result};
use crate::{AppState, users};

#[derive(Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Member {
    pub user: Uuid,
    pub email: String,
    /// `owner`, `admin` or `member`.
    pub role: String,
    /// When the membership began (RFC 3339, UTC).
    pub since: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Members {
    pub tenant: String,
    pub members: Vec<Member>,
}

/// The members of the caller's tenant (any member may list them).
#[utoipa::path(get, path = "/auth/members", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = Members), (status = 403, description = "tenant_required or not_a_member"), (status = 410, description = "tenant_gone")))]
pub async fn members(
    State(state): State<AppState>,
    context: TenantContext,
) -> Result<Json<Members>> {
    let caller: Uuid = context
        .claims
        .sub
        .parse()
        .map_err(|_| AuthError::BadCredentials)?;
    let tenant_uid = context
        .claims
        .tenant_uid
        .clone()
        .ok_or_else(|| AuthError::TenantGone(context.tenant.clone()))?;
    // The membership as it is now, not as the token (up to 15 minutes old) remembers it.
    if users::role_in(&state.db, caller, &context.tenant, &tenant_uid)
        .await?
        .is_none()
    {
        return Err(AuthError::NotAMember(context.tenant));
    }
    state.tenants.require(&context.tenant, &tenant_uid).await?;
    let members: Vec<Member> = sqlx::query_as(
        "SELECT m.user_id AS \"user\", u.email, m.role,
                to_char(m.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS since
         FROM memberships m JOIN users u ON u.id = m.user_id
         WHERE m.tenant = $1 AND m.tenant_uid = $2
         ORDER BY m.created_at, lower(u.email)",
    )
    .bind(&context.tenant)
    .bind(&tenant_uid)
    .fetch_all(&state.db)
    .await?;
    Ok(Json(Members {
        tenant: context.tenant,
        members,
    }))
}
