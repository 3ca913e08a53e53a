//! POST /auth/register: a new user with an email and a password.

use axum::extract::State;
use axum::http::StatusCode;
use saascript_common::input::Json;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::email_tokens::{self, Purpose};
use crate::error::{AuthError, Result};
use crate::text::Text;
use crate::{AppState, events, mail, passwords, sealed_tasks, users};

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Register {
    pub email: Text,
    pub password: Text,
}

/// A deliberately simple check: one `@`, something on each side, a dot in the domain, no spaces,
/// at most 254 characters. Ownership is proven by the verification email, not by a regex.
pub fn check_email(email: &str) -> Result<()> {
    let valid = email.len() <= 254
        && !email.chars().any(char::is_whitespace)
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !domain.contains('@')
        });
    if valid {
        Ok(())
    } else {
        Err(AuthError::Invalid("the email address is not valid".into()))
    }
}

/// Creates an account and sends the verification email.
#[utoipa::path(post, path = "/auth/register", tag = "auth", request_body = Register,
    responses((status = 201, description = "The account"), (status = 409, description = "email_taken"), (status = 422, description = "invalid_input")))]
pub async fn register(
    State(state): State<AppState>,
    Json(body): Json<Register>,
) -> Result<(StatusCode, Json<Value>)> {
    let email = body.email.trim().to_string();
    check_email(&email)?;
    passwords::check_policy(&body.password)?;
    let hash = passwords::hash(body.password.into_string()).await?;
    // The user, the verification token and the email task commit together, or not at all.
    let mut tx = state.db.begin().await?;
    let id = users::create(&mut tx, &email, &hash).await?;
    let token = email_tokens::create(
        &mut tx,
        id,
        Purpose::VerifyEmail,
        state.settings.verify_token_lifetime,
    )
    .await?;
    sealed_tasks::enqueue(
        &mut tx,
        &state.settings.email_queue,
        &state.settings.task_key,
        mail::verification(&email, &state.settings.web_origin, &token),
    )
    .await?;
    let data = json!({ "id": id, "email": email });
    let now = state.clock_now();
    events::record(
        &mut tx,
        "auth.user.registered",
        None,
        &id.to_string(),
        data,
        now,
    )
    .await?;
    tx.commit().await?;
    tracing::info!(user = %id, "user registered");
    Ok((
        StatusCode::CREATED,
        Json(json!({ "id": id, "email": email, "email_verified": false })),
    ))
}

#[cfg(test)]
mod tests {
    use super::check_email;

    #[test]
    fn emails_are_checked_loosely() {
        assert!(check_email("ada@example.com").is_ok());
        for bad in [
            "",
            "ada",
            "@example.com",
            "ada@example",
            "a da@example.com",
            "a@b@example.com",
        ] {
            assert!(check_email(bad).is_err(), "{bad}");
        }
    }
}
