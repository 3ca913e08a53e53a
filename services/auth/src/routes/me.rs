//! GET /auth/me: who the access token belongs to, and their memberships.

use axum::extract::State;
use saascript_common::extract::AuthUser;
use saascript_common::input::Json;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::error::{AuthError, Result};
use crate::{AppState, users};

/// The caller and their memberships.
#[utoipa::path(get, path = "/auth/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, description = "The caller"), (status = 401, description = "token_missing, token_invalid or token_expired")))]
pub async fn me(State(state): State<AppState>, AuthUser(claims): AuthUser) -> Result<Json<Value>> {
    let id: Uuid = claims.sub.parse().map_err(|_| AuthError::BadCredentials)?;
    let (email, _) = users::find_by_id(&state.db, id)
        .await?
        .ok_or(AuthError::BadCredentials)?;
    let memberships: Vec<Value> = users::memberships(&state.db, id)
        .await?
        .into_iter()
        .map(|m| json!({ "tenant": m.tenant, "role": m.role }))
        .collect();
    Ok(Json(json!({
        "id": id,
        "email": email,
        "tenant": claims.tenant,
        "roles": claims.roles,
        "memberships": memberships,
    })))
}
