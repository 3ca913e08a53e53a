//! Refresh tokens: opaque, random, stored as SHA-256 hashes. Every use rotates the token; a
//! rotated token presented again means it was stolen (or replayed), and the whole family —
//! every token descended from the same login — is revoked.

use std::time::Duration;

use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

use crate::error::{AuthError, Result};
use crate::opaque_token;

/// What a valid refresh token stands for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    pub user_id: Uuid,
    pub tenant: Option<String>,
    pub family_id: Uuid,
}

/// A new token in `family`, inside the caller's transaction. Returns the token itself, which
/// exists nowhere else.
pub async fn issue(
    tx: &mut Transaction<'_, Postgres>,
    session: &Session,
    lifetime: Duration,
) -> Result<String> {
    let token = opaque_token::generate();
    sqlx::query(
        "INSERT INTO refresh_tokens (id, family_id, user_id, tenant, token_hash, expires_at)
         VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6))",
    )
    .bind(Uuid::new_v4())
    .bind(session.family_id)
    .bind(session.user_id)
    .bind(&session.tenant)
    .bind(opaque_token::hash(&token))
    .bind(lifetime.as_secs_f64())
    .execute(&mut **tx)
    .await?;
    Ok(token)
}

/// Uses `presented`: returns its session and a new token of the same family. A token used
/// before revokes its family and fails with `RefreshTokenReused`.
pub async fn rotate(db: &PgPool, presented: &str, lifetime: Duration) -> Result<(Session, String)> {
    let mut tx = db.begin().await?;
    // FOR UPDATE: two concurrent uses of one token cannot both succeed.
    let row: Option<(Uuid, Uuid, Option<String>, bool, bool, bool)> = sqlx::query_as(
        "SELECT family_id, user_id, tenant, used_at IS NOT NULL, revoked_at IS NOT NULL,
                expires_at <= now()
         FROM refresh_tokens WHERE token_hash = $1 FOR UPDATE",
    )
    .bind(opaque_token::hash(presented))
    .fetch_optional(&mut *tx)
    .await?;
    let Some((family_id, user_id, tenant, used, revoked, expired)) = row else {
        return Err(AuthError::BadRefreshToken);
    };
    if used {
        sqlx::query("UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL")
            .bind(family_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        tracing::warn!(%family_id, "a used refresh token was presented again; its family is revoked");
        return Err(AuthError::RefreshTokenReused);
    }
    if revoked || expired {
        return Err(AuthError::BadRefreshToken);
    }
    sqlx::query("UPDATE refresh_tokens SET used_at = now() WHERE token_hash = $1")
        .bind(opaque_token::hash(presented))
        .execute(&mut *tx)
        .await?;
    let session = Session {
        user_id,
        tenant,
        family_id,
    };
    let token = issue(&mut tx, &session, lifetime).await?;
    tx.commit().await?;
    Ok((session, token))
}

/// Revokes the family of `presented` (logout). Unknown tokens are ignored: logging out twice is
/// not an error.
pub async fn revoke_family(db: &PgPool, presented: &str) -> Result<()> {
    sqlx::query(
        "UPDATE refresh_tokens SET revoked_at = now()
         WHERE revoked_at IS NULL
           AND family_id = (SELECT family_id FROM refresh_tokens WHERE token_hash = $1)",
    )
    .bind(opaque_token::hash(presented))
    .execute(db)
    .await?;
    Ok(())
}
