//! A transaction that acts for one tenant: on the pooled database it first becomes the app role
//! (see `app_role`), and on any database it sets `saascript.tenant`, which the row-level
//! security policies read. Both are `LOCAL`: they end with the transaction.

use sqlx::{PgPool, Postgres, Transaction};

/// Where a tenant's data lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DatabaseKind {
    /// The shared database, connected as the tables' owner.
    Pooled,
    /// The tenant's own database, connected as the tenant's role from its Secret. Row-level
    /// security is forced there too, so the tenant setting still scopes every query.
    Siloed,
}

/// A tenant's database: the pool and what kind it is.
#[derive(Clone, Debug)]
pub struct TenantDb {
    pub pool: PgPool,
    pub kind: DatabaseKind,
}

/// Begins a transaction scoped to `tenant_id` (the Tenant's uid).
pub async fn begin(db: &TenantDb, tenant_id: &str) -> sqlx::Result<Transaction<'static, Postgres>> {
    begin_on(&db.pool, db.kind, tenant_id).await
}

/// As `begin`, on a pool of the given kind.
pub async fn begin_on(
    pool: &PgPool,
    kind: DatabaseKind,
    tenant_id: &str,
) -> sqlx::Result<Transaction<'static, Postgres>> {
    let mut tx = pool.begin().await?;
    if kind == DatabaseKind::Pooled {
        sqlx::query("SET LOCAL ROLE projects_app")
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query("SELECT set_config('saascript.tenant', $1, true)")
        .bind(tenant_id)
        .execute(&mut *tx)
        .await?;
    Ok(tx)
}
