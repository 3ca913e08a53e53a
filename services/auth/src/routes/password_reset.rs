//! Password reset: POST /auth/password-reset sends a single-use link (and answers 202 whether or
//! not the account exists); POST /auth/password-reset/confirm sets the new password and ends
//! every session of the account.

use axum::extract::State;
use axum::http::StatusCode;
use saascript_common::input::Json;
use serde::Deserialize;

use crate::email_tokens::{self, Purpose};
use crate::error::Result;
use crate::text::Text;
use crate::{AppState, mail, passwords, sealed_tasks, users};

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetRequest {
    pub email: Text,
}

/// Sends a reset link (202 whether or not the account exists).
#[utoipa::path(post, path = "/auth/password-reset", tag = "auth", request_body = ResetRequest, responses((status = 202, description = "Accepted")))]
pub async fn request(
    State(state): State<AppState>,
    Json(body): Json<ResetRequest>,
) -> Result<StatusCode> {
    if let Some(user) = users::find_by_email(&state.db, body.email.trim()).await? {
        email_tokens::revoke_unused(&state.db, user.id, Purpose::ResetPassword).await?;
        let mut tx = state.db.begin().await?;
        let token = email_tokens::create(
            &mut tx,
            user.id,
            Purpose::ResetPassword,
            state.settings.reset_token_lifetime,
        )
        .await?;
        sealed_tasks::enqueue(
            &mut tx,
            &state.settings.email_queue,
            &state.settings.task_key,
            mail::password_reset(&user.email, &state.settings.web_origin, &token),
        )
        .await?;
        tx.commit().await?;
    }
    Ok(StatusCode::ACCEPTED)
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetConfirm {
    pub token: Text,
    pub password: Text,
}

/// Sets the new password with the emailed token; ends every session.
#[utoipa::path(post, path = "/auth/password-reset/confirm", tag = "auth", request_body = ResetConfirm,
    responses((status = 204, description = "Password set"), (status = 400, description = "email_token_invalid")))]
pub async fn confirm(
    State(state): State<AppState>,
    Json(body): Json<ResetConfirm>,
) -> Result<StatusCode> {
    passwords::check_policy(&body.password)?;
    let hash = passwords::hash(body.password.into_string()).await?;
    let mut tx = state.db.begin().await?;
    let user_id = email_tokens::consume(&mut tx, &body.token, Purpose::ResetPassword).await?;
    // The link proved the address, too.
    sqlx::query("UPDATE users SET password_hash = $2, email_verified = true WHERE id = $1")
        .bind(user_id)
        .bind(&hash)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL",
    )
    .bind(user_id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    tracing::info!(user = %user_id, "password reset");
    Ok(StatusCode::NO_CONTENT)
}
