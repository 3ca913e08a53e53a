//! Row-level security of the projects service's pooled data, checked with the database as the
//! oracle (never the service's own queries): as the app role, a query without WHERE reads the
//! current tenant's rows only, and nothing while no tenant is set; and every table with a
//! `tenant_id` column has row-level security enabled and forced.

use saascript_tests::TestEnv;
use saascript_tests::auth_server::AuthServer;
use saascript_tests::databases::{drop_database, fresh_database};
use saascript_tests::projects_server::{ProjectsOptions, ProjectsServer};
use serde_json::json;

#[tokio::test]
async fn the_app_role_reads_only_the_current_tenants_rows_and_nothing_without_one() {
    let env = TestEnv::new();
    let auth = AuthServer::start(&env).await;
    let service = ProjectsServer::start(&env, &auth, ProjectsOptions::default()).await;
    let a = service.tenant(&env, "pooled", 10).await;
    let b = service.tenant(&env, "pooled", 10).await;
    for (tenant, user) in [(&a, "user-a"), (&b, "user-b")] {
        let token = tenant.token(&auth, user, &["owner"]).await;
        for n in 0..2 {
            let (status, body) = service
                .post(
                    "/projects",
                    &token,
                    json!({ "name": format!("{user} {n}") }),
                )
                .await;
            assert_eq!(status, 201, "{body}");
        }
    }
    let owner = service.owner_pool(&env).await;

    // The role the service's queries run as owns nothing and cannot bypass the policies.
    let (bypass, superuser): (bool, bool) = sqlx::query_as(
        "SELECT rolbypassrls, rolsuper FROM pg_roles WHERE rolname = 'projects_app'",
    )
    .fetch_one(&owner)
    .await
    .unwrap();
    assert!(!bypass && !superuser);
    let owned: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = 'projects_app'",
    )
    .fetch_one(&owner)
    .await
    .unwrap();
    assert_eq!(owned, 0, "projects_app owns no table");

    // No tenant set: nothing, from every table.
    let mut tx = owner.begin().await.unwrap();
    sqlx::query("SET LOCAL ROLE projects_app")
        .execute(&mut *tx)
        .await
        .unwrap();
    for table in [
        "projects",
        "tasks",
        "comments",
        "members",
        "exports",
        "consumed_events",
    ] {
        let count: i64 =
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT count(*) FROM {table}")))
                .fetch_one(&mut *tx)
                .await
                .unwrap();
        assert_eq!(count, 0, "{table} with no tenant set");
    }
    tx.rollback().await.unwrap();

    // Tenant A set: A's rows only, with no WHERE at all.
    let mut tx = owner.begin().await.unwrap();
    sqlx::query("SET LOCAL ROLE projects_app")
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query("SELECT set_config('saascript.tenant', $1, true)")
        .bind(a.uid())
        .execute(&mut *tx)
        .await
        .unwrap();
    let rows: Vec<(String, String)> = sqlx::query_as("SELECT tenant_id, name FROM projects")
        .fetch_all(&mut *tx)
        .await
        .unwrap();
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(rows.iter().all(|(tenant, _)| tenant == a.uid()), "{rows:?}");
    // Nor can A's transaction write a row of B's.
    let foreign = sqlx::query(
        "INSERT INTO projects (tenant_id, id, name, created_by, created_at, updated_at)
         VALUES ($1, gen_random_uuid(), 'smuggled', 'x', now(), now())",
    )
    .bind(b.uid())
    .execute(&mut *tx)
    .await;
    assert!(
        foreign.is_err(),
        "a row of another tenant passes WITH CHECK"
    );
    tx.rollback().await.unwrap();

    // The setting is transaction-scoped: the next transaction on the connection sees nothing.
    let mut conn = owner.acquire().await.unwrap();
    // (A uid from the API server: a UUID, safe to write into the statement.)
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "BEGIN; SET LOCAL ROLE projects_app; SELECT set_config('saascript.tenant', '{}', true); COMMIT",
        a.uid()
    )))
        .execute(&mut *conn)
        .await
        .unwrap();
    let mut tx = sqlx::Connection::begin(&mut *conn).await.unwrap();
    sqlx::query("SET LOCAL ROLE projects_app")
        .execute(&mut *tx)
        .await
        .unwrap();
    let leaked: i64 = sqlx::query_scalar("SELECT count(*) FROM projects")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(leaked, 0);
    tx.rollback().await.unwrap();
    drop(conn);
    owner.close().await;
    service.finish(&env).await;
}

/// The check `make test` runs: any table with a `tenant_id` column and without row-level
/// security enabled and forced (or without a policy on `saascript.tenant`) fails it.
#[tokio::test]
async fn every_table_with_tenant_id_has_row_level_security_enabled_and_forced() {
    let env = TestEnv::new();
    let (name, db) = fresh_database(&env, "projects_catalog").await;
    saascript_projects::MIGRATOR.run(&db).await.unwrap();
    let tables: Vec<(String, bool, bool, i64)> = sqlx::query_as(
        "SELECT c.relname::text, c.relrowsecurity, c.relforcerowsecurity,
                (SELECT count(*) FROM pg_policy p
                  WHERE p.polrelid = c.oid
                    AND pg_get_expr(p.polqual, p.polrelid) LIKE '%saascript.tenant%')
         FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_attribute a ON a.attrelid = c.oid
         WHERE a.attname = 'tenant_id' AND NOT a.attisdropped
           AND c.relkind IN ('r', 'p')
           AND n.nspname NOT IN ('pg_catalog', 'information_schema')
         ORDER BY 1",
    )
    .fetch_all(&db)
    .await
    .unwrap();
    assert!(tables.len() >= 6, "the tables with tenant_id: {tables:?}");
    let unguarded: Vec<_> = tables
        .iter()
        .filter(|(_, enabled, forced, policies)| !(*enabled && *forced && *policies > 0))
        .collect();
    assert!(
        unguarded.is_empty(),
        "tables with tenant_id but without forced row-level security: {unguarded:?}"
    );
    db.close().await;
    drop_database(&env, &name).await;
}
