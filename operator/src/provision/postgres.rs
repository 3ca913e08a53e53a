//! PostgreSQL: a siloed tenant gets database `tenant_<name>` owned by role `tenant_<name>`, with
//! CONNECT revoked from PUBLIC. A pooled tenant gets a login role in the group
//! `saascript_pooled_tenants`, which alone may connect to the shared database, and a row in the
//! shared tenant registry (row-level security on shared tables keys on it).
//!
//! Isolation rests on privileges, not on passwords: a server with `trust` authentication accepts
//! any password, but never a connection to a database the role may not CONNECT to. For the same
//! reason a suspended tenant's role is made NOLOGIN (its sessions ended), not given a new password.

use std::time::Duration;

use saascript_crds::{DeletionPolicy, Isolation};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{AssertSqlSafe, Executor};
use tokio::sync::OnceCell;

use super::{Outcome, Presence, ProvisionError, ProvisionResult, System, TenantPlan};

/// The group role of every pooled tenant's login role.
pub const POOLED_GROUP: &str = "saascript_pooled_tenants";

/// The registry of pooled tenants in the shared database. Row-level security policies on shared
/// tables map `current_user` to a tenant through it.
const REGISTRY_DDL: &str = "CREATE TABLE IF NOT EXISTS tenant_registry (
    tenant      text PRIMARY KEY,
    role_name   name NOT NULL UNIQUE,
    plan        text NOT NULL,
    retained    boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
)";

pub struct PostgresProvisioner {
    admin: PgPool,
    admin_options: PgConnectOptions,
    shared_database: String,
    shared: OnceCell<PgPool>,
}

impl PostgresProvisioner {
    /// Connects lazily: a PostgreSQL that is down at start-up shows up in the conditions, not as
    /// a crash.
    pub fn new(admin_url: &str, shared_database: &str) -> ProvisionResult<PostgresProvisioner> {
        let admin_options: PgConnectOptions = admin_url
            .parse()
            .map_err(|e| ProvisionError::failed(System::Postgres, format!("bad admin URL: {e}")))?;
        Ok(PostgresProvisioner {
            admin: pool(admin_options.clone()),
            admin_options,
            shared_database: shared_database.to_string(),
            shared: OnceCell::new(),
        })
    }

    /// The host and port that the admin URL points at.
    pub fn address(&self) -> (String, u16) {
        (
            self.admin_options.get_host().to_string(),
            self.admin_options.get_port(),
        )
    }

    pub async fn ensure(&self, plan: &TenantPlan, password: &str) -> ProvisionResult<Outcome> {
        let role = plan.pg_role();
        self.ensure_role(&role, password, !plan.suspended).await?;
        if plan.suspended {
            // NOLOGIN only refuses new sessions; the ones already open would go on working.
            self.end_sessions(&role).await?;
        }
        let outcome = |message: String| {
            if plan.suspended {
                Outcome::access_suspended(format!(
                    "{message}; its logins are disabled while the tenant is suspended"
                ))
            } else {
                Outcome::ready(message)
            }
        };
        match plan.isolation {
            Isolation::Siloed => {
                let database = plan.pg_database();
                if !self.database_exists(&database).await? {
                    tolerate_exists(
                        self.admin
                            .execute(sql(format!(
                                "CREATE DATABASE {} OWNER {}",
                                ident(&database),
                                ident(&role)
                            )))
                            .await,
                    )?;
                }
                // Every time, not only at creation: an operator that stopped right after
                // CREATE DATABASE must not leave the database open to PUBLIC.
                self.admin
                    .execute(sql(format!(
                        "REVOKE CONNECT, TEMPORARY ON DATABASE {db} FROM PUBLIC; \
                         GRANT CONNECT, TEMPORARY ON DATABASE {db} TO {role}",
                        db = ident(&database),
                        role = ident(&role)
                    )))
                    .await
                    .map_err(classify)?;
                Ok(outcome(format!("database {database} owned by role {role}")))
            }
            Isolation::Pooled => {
                let shared = self.shared_pool().await?;
                self.admin
                    .execute(sql(format!(
                        "GRANT {} TO {}",
                        ident(POOLED_GROUP),
                        ident(&role)
                    )))
                    .await
                    .map_err(classify)?;
                sqlx::query(
                    "INSERT INTO tenant_registry (tenant, role_name, plan) VALUES ($1, $2, $3)
                     ON CONFLICT (tenant) DO UPDATE
                       SET role_name = EXCLUDED.role_name, plan = EXCLUDED.plan,
                           retained = false, updated_at = now()
                     WHERE tenant_registry.role_name IS DISTINCT FROM EXCLUDED.role_name
                        OR tenant_registry.plan IS DISTINCT FROM EXCLUDED.plan
                        OR tenant_registry.retained",
                )
                .bind(&plan.tenant)
                .bind(&role)
                .bind(&plan.entitlements.plan)
                .execute(shared)
                .await
                .map_err(classify)?;
                Ok(outcome(format!(
                    "role {role} in the shared database {}",
                    self.shared_database
                )))
            }
        }
    }

    /// `Delete` drops the database (siloed) or the registry row (pooled), and the role.
    /// `Retain` keeps the data and turns the role's login off, which removes the credentials.
    pub async fn remove(&self, plan: &TenantPlan, policy: DeletionPolicy) -> ProvisionResult<()> {
        let role = plan.pg_role();
        let role_exists = self.role_exists(&role).await?;
        if role_exists {
            // Under both policies the credential goes first, and with it the sessions already
            // open, which neither NOLOGIN nor DROP ROLE would end.
            self.admin
                .execute(sql(format!(
                    "ALTER ROLE {} NOLOGIN PASSWORD NULL",
                    ident(&role)
                )))
                .await
                .map_err(classify)?;
            self.end_sessions(&role).await?;
        }
        match (policy, plan.isolation) {
            (DeletionPolicy::Retain, isolation) => {
                if isolation == Isolation::Pooled
                    && self.database_exists(&self.shared_database).await?
                {
                    sqlx::query("UPDATE tenant_registry SET retained = true, updated_at = now() WHERE tenant = $1")
                        .bind(&plan.tenant)
                        .execute(self.shared_pool().await?)
                        .await
                        .map_err(classify)?;
                }
            }
            (DeletionPolicy::Delete, Isolation::Siloed) => {
                self.admin
                    .execute(sql(format!(
                        "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                        ident(&plan.pg_database())
                    )))
                    .await
                    .map_err(classify)?;
                self.admin
                    .execute(sql(format!("DROP ROLE IF EXISTS {}", ident(&role))))
                    .await
                    .map_err(classify)?;
            }
            (DeletionPolicy::Delete, Isolation::Pooled) => {
                if self.database_exists(&self.shared_database).await? {
                    let shared = self.shared_pool().await?;
                    sqlx::query("DELETE FROM tenant_registry WHERE tenant = $1")
                        .bind(&plan.tenant)
                        .execute(shared)
                        .await
                        .map_err(classify)?;
                    if role_exists {
                        // What the role owns in the shared database goes with it.
                        shared
                            .execute(sql(format!("DROP OWNED BY {}", ident(&role))))
                            .await
                            .map_err(classify)?;
                    }
                }
                self.admin
                    .execute(sql(format!("DROP ROLE IF EXISTS {}", ident(&role))))
                    .await
                    .map_err(classify)?;
            }
        }
        Ok(())
    }

    /// The tenant's role, and its database (siloed) or registry row (pooled), where they exist.
    pub async fn observe(&self, plan: &TenantPlan) -> ProvisionResult<Presence> {
        let mut present = vec![];
        let role = plan.pg_role();
        if self.role_exists(&role).await? {
            present.push(format!("role {role}"));
        }
        match plan.isolation {
            Isolation::Siloed => {
                if self.database_exists(&plan.pg_database()).await? {
                    present.push(format!("database {}", plan.pg_database()));
                }
            }
            Isolation::Pooled => {
                if self.database_exists(&self.shared_database).await? {
                    let row: Option<bool> = sqlx::query_scalar(
                        "SELECT retained FROM tenant_registry WHERE tenant = $1",
                    )
                    .bind(&plan.tenant)
                    .fetch_optional(self.shared_pool().await?)
                    .await
                    .map_err(classify)?;
                    if row.is_some() {
                        present.push(format!("registry row {}", plan.tenant));
                    }
                }
            }
        }
        Ok(Presence { present })
    }

    /// Creates the role if it is missing, and sets its password and LOGIN (or NOLOGIN) every
    /// time, so that the password in the tenant's Secret is always the one that works, and works
    /// again as it was once a suspension is lifted.
    async fn ensure_role(&self, role: &str, password: &str, login: bool) -> ProvisionResult<()> {
        if !self.role_exists(role).await? {
            tolerate_exists(
                self.admin
                    .execute(sql(format!("CREATE ROLE {}", ident(role))))
                    .await,
            )?;
        }
        self.admin
            .execute(sql(format!(
                "ALTER ROLE {} WITH {} NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD {}",
                ident(role),
                if login { "LOGIN" } else { "NOLOGIN" },
                literal(password)
            )))
            .await
            .map_err(classify)?;
        Ok(())
    }

    /// Terminates every session of `role`.
    async fn end_sessions(&self, role: &str) -> ProvisionResult<()> {
        sqlx::query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
             WHERE usename = $1 AND pid <> pg_backend_pid()",
        )
        .bind(role)
        .execute(&self.admin)
        .await
        .map_err(classify)?;
        Ok(())
    }

    /// The pool on the shared database, created (with its group role, privileges and registry
    /// table) the first time a pooled tenant needs it.
    async fn shared_pool(&self) -> ProvisionResult<&PgPool> {
        self.shared
            .get_or_try_init(|| async {
                if !self.role_exists(POOLED_GROUP).await? {
                    tolerate_exists(
                        self.admin
                            .execute(sql(format!("CREATE ROLE {} NOLOGIN", ident(POOLED_GROUP))))
                            .await,
                    )?;
                }
                if !self.database_exists(&self.shared_database).await? {
                    tolerate_exists(
                        self.admin
                            .execute(sql(format!(
                                "CREATE DATABASE {}",
                                ident(&self.shared_database)
                            )))
                            .await,
                    )?;
                }
                self.admin
                    .execute(sql(format!(
                        "REVOKE CONNECT, TEMPORARY ON DATABASE {db} FROM PUBLIC; \
                         GRANT CONNECT ON DATABASE {db} TO {group}",
                        db = ident(&self.shared_database),
                        group = ident(POOLED_GROUP)
                    )))
                    .await
                    .map_err(classify)?;
                let shared = pool(self.admin_options.clone().database(&self.shared_database));
                tolerate_exists(shared.execute(REGISTRY_DDL).await)?;
                // Each pooled tenant reads its own registry row, and only that one: the row that
                // row-level security on the shared tables will key on.
                tolerate_exists(
                    shared
                        .execute(sql(format!(
                            "GRANT SELECT ON tenant_registry TO {group}; \
                             ALTER TABLE tenant_registry ENABLE ROW LEVEL SECURITY; \
                             DO $$ BEGIN \
                               IF NOT EXISTS (SELECT 1 FROM pg_policies \
                                 WHERE tablename = 'tenant_registry' AND policyname = 'tenant_reads_own_row') THEN \
                                 CREATE POLICY tenant_reads_own_row ON tenant_registry FOR SELECT \
                                   TO {group} USING (role_name = current_user); \
                               END IF; \
                             END $$",
                            group = ident(POOLED_GROUP)
                        )))
                        .await,
                )?;
                Ok(shared)
            })
            .await
    }

    async fn role_exists(&self, role: &str) -> ProvisionResult<bool> {
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)")
            .bind(role)
            .fetch_one(&self.admin)
            .await
            .map_err(classify)
    }

    async fn database_exists(&self, database: &str) -> ProvisionResult<bool> {
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(database)
            .fetch_one(&self.admin)
            .await
            .map_err(classify)
    }
}

fn pool(options: PgConnectOptions) -> PgPool {
    PgPoolOptions::new()
        .max_connections(4)
        .acquire_timeout(Duration::from_secs(5))
        .connect_lazy_with(options)
}

/// DDL cannot take bind parameters. Every name passed here is derived from a tenant name that
/// the CRD schema restricts to `[a-z0-9-]`, and `ident`/`literal` quote what they wrap.
fn sql(statement: String) -> AssertSqlSafe<String> {
    AssertSqlSafe(statement)
}

/// A quoted SQL identifier.
fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A quoted SQL string literal.
fn literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// "Already exists" is success: another replica, or a concurrent reconcile, got there first.
fn tolerate_exists<T>(result: Result<T, sqlx::Error>) -> ProvisionResult<()> {
    match result {
        Ok(_) => Ok(()),
        Err(sqlx::Error::Database(e))
            // duplicate_object, duplicate_database, duplicate_table, and unique_violation on a
            // system catalog when two sessions create the same name at once.
            if matches!(e.code().as_deref(), Some("42710" | "42P04" | "42P07" | "23505")) => Ok(()),
        Err(e) => Err(classify(e)),
    }
}

/// A database error means PostgreSQL answered and refused; anything else means it did not
/// answer.
fn classify(error: sqlx::Error) -> ProvisionError {
    match error {
        sqlx::Error::Database(e) => ProvisionError::failed(System::Postgres, e),
        other => ProvisionError::unreachable(System::Postgres, other),
    }
}

#[cfg(test)]
mod tests {
    use super::{ident, literal};

    #[test]
    fn quoting_doubles_the_quote_character() {
        assert_eq!(ident("tenant_acme"), "\"tenant_acme\"");
        assert_eq!(ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(literal("it's"), "'it''s'");
    }
}
