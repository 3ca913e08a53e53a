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
    pub tenant: Option<TenantRef>,
    pub family_id: Uuid,
}

/// The Tenant a session acts for: its name, and the uid of the Tenant that had the name when
/// the session began. A later Tenant of the same name is another organisation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TenantRef {
    pub name: String,
    pub uid: String,
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
        "INSERT INTO refresh_tokens
           (id, family_id, user_id, tenant, tenant_uid, token_hash, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(secs => $7))",
    )
    .bind(Uuid::new_v4())
    .bind(session.family_id)
    .bind(session.user_id)
    .bind(session.tenant.as_ref().map(|t| t.name.as_str()))
    .bind(session.tenant.as_ref().map(|t| t.uid.as_str()))
    .bind(opaque_token::hash(&token))
    .bind(lifetime.as_secs_f64())
    .execute(&mut **tx)
    .await?;
    Ok(token)
}

/// Uses `presented`: returns its session and a new token of the same family. A token used
/// before revokes its family and fails with `RefreshTokenReused`.
///
/// Nothing is final until `Rotation::commit`: the caller mints the access token first, and if
/// that fails for a passing reason (the Kubernetes API does not answer), dropping the rotation
/// leaves the presented token usable, so that the client's retry is not taken for a replay.
pub async fn rotate(db: &PgPool, presented: &str, lifetime: Duration) -> Result<Rotation> {
    let mut tx = db.begin().await?;
    // FOR UPDATE: two concurrent uses of one token cannot both succeed.
    type Row = (Uuid, Uuid, Option<String>, Option<String>, bool, bool, bool);
    let row: Option<Row> = sqlx::query_as(
        "SELECT family_id, user_id, tenant, tenant_uid, used_at IS NOT NULL,
                revoked_at IS NOT NULL,
                expires_at <= now()
         FROM refresh_tokens WHERE token_hash = $1 FOR UPDATE",
    )
    .bind(opaque_token::hash(presented))
    .fetch_optional(&mut *tx)
    .await?;
    let Some((family_id, user_id, tenant, tenant_uid, used, revoked, expired)) = row else {
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
    let tenant = match (tenant, tenant_uid) {
        (Some(name), Some(uid)) => Some(TenantRef { name, uid }),
        (None, _) => None,
        // A session from before tenant uids, not bound yet: signing in again binds one.
        (Some(_), None) => return Err(AuthError::BadRefreshToken),
    };
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
    Ok(Rotation { tx, session, token })
}

/// A rotation not committed yet; dropped, it is rolled back.
pub struct Rotation {
    tx: Transaction<'static, Postgres>,
    pub session: Session,
    token: String,
}

impl Rotation {
    /// The session, which began without a tenant, acts for `tenant` from this token on (the
    /// user's first tenant, made after they signed in: sign-up).
    pub async fn adopt_tenant(&mut self, tenant: TenantRef) -> Result<()> {
        sqlx::query("UPDATE refresh_tokens SET tenant = $1, tenant_uid = $2 WHERE token_hash = $3")
            .bind(&tenant.name)
            .bind(&tenant.uid)
            .bind(opaque_token::hash(&self.token))
            .execute(&mut *self.tx)
            .await?;
        self.session.tenant = Some(tenant);
        Ok(())
    }

    /// Makes the rotation final; returns the new refresh token.
    pub async fn commit(self) -> Result<String> {
        self.tx.commit().await?;
        Ok(self.token)
    }
}

/// Revokes a whole family: its session has ended.
pub async fn revoke_family_id(db: &PgPool, family_id: Uuid) -> Result<()> {
    sqlx::query(
        "UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL",
    )
    .bind(family_id)
    .execute(db)
    .await?;
    Ok(())
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
