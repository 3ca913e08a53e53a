//! POST /auth/logout: revokes the session of the presented refresh token (all its rotations).

use axum::extract::State;
use axum::http::StatusCode;
use saascript_common::input::Json;
use serde::Deserialize;

use crate::error::Result;
use crate::text::Text;
use crate::{AppState, refresh_tokens};

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Logout {
    pub refresh_token: Text,
}

/// Ends the session of a refresh token.
#[utoipa::path(post, path = "/auth/logout", tag = "auth", request_body = Logout, responses((status = 204, description = "Logged out")))]
pub async fn logout(State(state): State<AppState>, Json(body): Json<Logout>) -> Result<StatusCode> {
    refresh_tokens::revoke_family(&state.db, &body.refresh_token).await?;
    Ok(StatusCode::NO_CONTENT)
}
