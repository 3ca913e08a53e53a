//! POST /auth/verify-email: the token from the verification email marks the address verified.
//! A Tenant that declares the address among its owners makes the user an owner in the same
//! transaction (see `tenant_sweep::owners`).

use axum::extract::State;
use axum::http::StatusCode;
use saascript_common::input::Json;
use serde::Deserialize;

use crate::AppState;
use crate::email_tokens::{self, Purpose};
use crate::error::{AuthError, Result};
use crate::tenant_sweep::owners;
use crate::text::Text;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyEmail {
    pub token: Text,
}

/// Marks the address verified with the emailed token.
#[utoipa::path(post, path = "/auth/verify-email", tag = "auth", request_body = VerifyEmail,
    responses((status = 204, description = "Verified"), (status = 400, description = "email_token_invalid")))]
pub async fn verify_email(
    State(state): State<AppState>,
    Json(body): Json<VerifyEmail>,
) -> Result<StatusCode> {
    let mut tx = state.db.begin().await?;
    let user_id = email_tokens::consume(&mut tx, &body.token, Purpose::VerifyEmail).await?;
    let email: String =
        sqlx::query_scalar("UPDATE users SET email_verified = true WHERE id = $1 RETURNING email")
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(AuthError::BadEmailToken)?;
    let owned = owners::grant_declared(&mut tx, user_id, &email, state.clock_now()).await?;
    tx.commit().await?;
    tracing::info!(user = %user_id, owned, "email verified");
    Ok(StatusCode::NO_CONTENT)
}
