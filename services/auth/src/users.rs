//! Users and memberships in PostgreSQL.

use sqlx::PgPool;
use uuid::Uuid;

use crate::error::{Result, map_unique_email};

pub struct StoredUser {
    pub id: Uuid,
    pub email: String,
    pub password_hash: String,
    pub platform_admin: bool,
    pub email_verified: bool,
}

/// Creates a user; an email that exists in any letter case is `EmailTaken`.
pub async fn create(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    email: &str,
    password_hash: &str,
) -> Result<Uuid> {
    let id = Uuid::new_v4();
    sqlx::query("INSERT INTO users (id, email, password_hash) VALUES ($1, $2, $3)")
        .bind(id)
        .bind(email)
        .bind(password_hash)
        .execute(&mut **tx)
        .await
        .map_err(map_unique_email)?;
    Ok(id)
}

pub async fn find_by_email(db: &PgPool, email: &str) -> Result<Option<StoredUser>> {
    let row: Option<(Uuid, String, String, bool, bool)> = sqlx::query_as(
        "SELECT id, email, password_hash, platform_admin, email_verified FROM users
         WHERE lower(email) = lower($1)",
    )
    .bind(email)
    .fetch_optional(db)
    .await?;
    Ok(row.map(
        |(id, email, password_hash, platform_admin, email_verified)| StoredUser {
            id,
            email,
            password_hash,
            platform_admin,
            email_verified,
        },
    ))
}

pub async fn find_by_id(db: &PgPool, id: Uuid) -> Result<Option<(String, bool)>> {
    Ok(
        sqlx::query_as("SELECT email, platform_admin FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(db)
            .await?,
    )
}

/// A membership, bound to the uid of the Tenant it was made for (None only for a row from
/// before tenant uids, which nothing mints a token for).
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Membership {
    pub tenant: String,
    pub tenant_uid: Option<String>,
    pub role: String,
}

/// The user's memberships, by tenant.
pub async fn memberships(db: &PgPool, user_id: Uuid) -> Result<Vec<Membership>> {
    Ok(sqlx::query_as(
        "SELECT tenant, tenant_uid, role FROM memberships WHERE user_id = $1 ORDER BY tenant",
    )
    .bind(user_id)
    .fetch_all(db)
    .await?)
}

/// The user's role in the Tenant of this name and uid, if they are a member of it.
pub async fn role_in(
    db: &PgPool,
    user_id: Uuid,
    tenant: &str,
    uid: &str,
) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(
        "SELECT role FROM memberships WHERE user_id = $1 AND tenant = $2 AND tenant_uid = $3",
    )
    .bind(user_id)
    .bind(tenant)
    .bind(uid)
    .fetch_optional(db)
    .await?)
}
