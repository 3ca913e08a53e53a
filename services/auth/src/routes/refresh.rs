//! POST /auth/refresh: a refresh token for a new pair; the presented token is used up.

use axum::extract::State;
use saascript_common::input::Json;
use serde::Deserialize;

use crate::error::{AuthError, Result};
use crate::text::Text;
use crate::tokens::{self, TokenPair};
use crate::{AppState, refresh_tokens};

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Refresh {
    pub refresh_token: Text,
}

/// A refresh token for a new pair; reusing a used one revokes its family.
#[utoipa::path(post, path = "/auth/refresh", tag = "auth", request_body = Refresh,
    responses((status = 200, body = TokenPair), (status = 401, description = "refresh_token_invalid or refresh_token_reused")))]
pub async fn refresh(
    State(state): State<AppState>,
    Json(body): Json<Refresh>,
) -> Result<Json<TokenPair>> {
    let mut rotation = refresh_tokens::rotate(
        &state.db,
        &body.refresh_token,
        state.settings.refresh_token_lifetime,
    )
    .await?;
    // A session that began without a tenant adopts the user's only one once there is one (the
    // owner membership of the tenant they just signed up), as a login would choose it; a
    // membership of a Tenant that is gone is not adopted, and the session stays as it was.
    if rotation.session.tenant.is_none()
        && let Some(tenant) = tokens::choose_tenant(&state, rotation.session.user_id, None).await?
        && state.tenants.is_live(&tenant.name, &tenant.uid).await?
    {
        rotation.adopt_tenant(tenant).await?;
    }
    let access = match tokens::access_token(&state, &rotation.session).await {
        Ok(access) => access,
        // The session's Tenant is gone (or its name is another Tenant's now), or the membership
        // ended: the session is over for good, every token of it.
        Err(AuthError::TenantGone(_) | AuthError::NotAMember(_)) => {
            let family = rotation.session.family_id;
            drop(rotation);
            refresh_tokens::revoke_family_id(&state.db, family).await?;
            return Err(AuthError::BadRefreshToken);
        }
        // Anything else may pass: the rotation is dropped, and the token stays usable.
        Err(e) => return Err(e),
    };
    let refresh_token = rotation.commit().await?;
    Ok(Json(tokens::pair(&state, access, refresh_token)))
}
