//! Single-use, expiring tokens that reach the user by email: email verification and password
//! reset. Only their SHA-256 is stored.

use std::time::Duration;

use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

use crate::error::{AuthError, Result};
use crate::opaque_token;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    VerifyEmail,
    ResetPassword,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::VerifyEmail => "verify_email",
            Purpose::ResetPassword => "reset_password",
        }
    }
}

/// A new token for `user_id`, inside the caller's transaction.
pub async fn create(
    tx: &mut Transaction<'_, Postgres>,
    user_id: Uuid,
    purpose: Purpose,
    lifetime: Duration,
) -> Result<String> {
    let token = opaque_token::generate();
    sqlx::query(
        "INSERT INTO email_tokens (token_hash, user_id, purpose, expires_at)
         VALUES ($1, $2, $3, now() + make_interval(secs => $4))",
    )
    .bind(opaque_token::hash(&token))
    .bind(user_id)
    .bind(purpose.as_str())
    .bind(lifetime.as_secs_f64())
    .execute(&mut **tx)
    .await?;
    Ok(token)
}

/// Uses the token up and returns its user, inside the caller's transaction. An unknown, used,
/// expired or wrong-purpose token is `BadEmailToken`.
pub async fn consume(
    tx: &mut Transaction<'_, Postgres>,
    token: &str,
    purpose: Purpose,
) -> Result<Uuid> {
    let user: Option<(Uuid,)> = sqlx::query_as(
        "UPDATE email_tokens SET used_at = now()
         WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()
         RETURNING user_id",
    )
    .bind(opaque_token::hash(token))
    .bind(purpose.as_str())
    .fetch_optional(&mut **tx)
    .await?;
    user.map(|(id,)| id).ok_or(AuthError::BadEmailToken)
}

/// Forgets unused tokens of a purpose for a user (a newer one replaces them).
pub async fn revoke_unused(db: &PgPool, user_id: Uuid, purpose: Purpose) -> Result<()> {
    sqlx::query("UPDATE email_tokens SET used_at = now() WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL")
        .bind(user_id)
        .bind(purpose.as_str())
        .execute(db)
        .await?;
    Ok(())
}
