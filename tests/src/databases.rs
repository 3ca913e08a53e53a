//! Throwaway PostgreSQL databases for the services the tests start, so that parallel tests never
//! share tables.

use sqlx::{AssertSqlSafe, PgPool};

use crate::test_env::TestEnv;
use crate::unique::unique_ident;

/// Creates a database named `<prefix>_<unique>` and connects to it.
pub async fn fresh_database(env: &TestEnv, prefix: &str) -> (String, PgPool) {
    let admin = env.postgres().await;
    let name = unique_ident(prefix);
    // The name comes from unique_ident: letters, digits and '_' only.
    sqlx::query(AssertSqlSafe(format!(r#"CREATE DATABASE "{name}""#)))
        .execute(&admin)
        .await
        .unwrap_or_else(|e| panic!("create the test database {name}: {e}"));
    let (base_url, _) = env
        .database_url()
        .rsplit_once('/')
        .expect("DATABASE_URL has a path");
    let pool = env.postgres_at(&format!("{base_url}/{name}")).await;
    (name, pool)
}

/// Creates a database as `fresh_database` does and returns its name and URL, for a service that
/// connects by itself (as its `main` does).
pub async fn fresh_database_url(env: &TestEnv, prefix: &str) -> (String, String) {
    let (name, pool) = fresh_database(env, prefix).await;
    pool.close().await;
    let (base_url, _) = env
        .database_url()
        .rsplit_once('/')
        .expect("DATABASE_URL has a path");
    let url = format!("{base_url}/{name}");
    (name, url)
}

/// Drops a database made by `fresh_database`, closing whatever is still connected.
pub async fn drop_database(env: &TestEnv, name: &str) {
    let admin = env.postgres().await;
    let drop = format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#);
    let _ = sqlx::query(AssertSqlSafe(drop)).execute(&admin).await;
}
