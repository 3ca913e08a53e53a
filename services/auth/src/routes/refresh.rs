//! POST /auth/refresh: a refresh token for a new pair; the presented token is used up.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;

use crate::error::Result;
use crate::tokens::{self, TokenPair};
use crate::{AppState, refresh_tokens};

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Refresh {
    pub refresh_token: String,
}

/// A refresh token for a new pair; reusing a used one revokes its family.
#[utoipa::path(post, path = "/auth/refresh", tag = "auth", request_body = Refresh,
    responses((status = 200, body = TokenPair), (status = 401, description = "refresh_token_invalid or refresh_token_reused")))]
pub async fn refresh(
    State(state): State<AppState>,
    Json(body): Json<Refresh>,
) -> Result<Json<TokenPair>> {
    let (session, refresh_token) = refresh_tokens::rotate(
        &state.db,
        &body.refresh_token,
        state.settings.refresh_token_lifetime,
    )
    .await?;
    let access = tokens::access_token(&state, &session).await?;
    Ok(Json(tokens::pair(&state, access, refresh_token)))
}
