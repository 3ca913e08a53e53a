//! POST /auth/refresh: a refresh token for a new pair; the presented token is used up.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;

use crate::error::Result;
use crate::tokens::{self, TokenPair};
use crate::{AppState, refresh_tokens};

#[derive(Deserialize)]
pub struct Refresh {
    pub refresh_token: String,
}

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
