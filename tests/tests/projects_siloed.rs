//! A siloed tenant's projects live in its own database, found through its credentials Secret
//! (made here as the operator would: a login role owning a database, and the Secret's
//! DATABASE_URL in the tenant's namespace); the service migrates that database on first use and
//! keeps at most SILOED_POOL_LIMIT siloed pools open.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Secret;
use kube::api::{Api, PostParams};
use saascript_tests::auth_server::AuthServer;
use saascript_tests::projects_fixture::ProjectsTenant;
use saascript_tests::projects_server::{ProjectsOptions, ProjectsServer};
use saascript_tests::tenants::create_namespace;
use saascript_tests::{TestEnv, unique_ident};
use serde_json::json;
use sqlx::AssertSqlSafe;

/// A tenant's own database and login role, and its Secret; returns (database, role).
async fn provision_silo(env: &TestEnv, tenant: &ProjectsTenant) -> (String, String) {
    let admin = env.postgres().await;
    let role = unique_ident("silo_role");
    let database = unique_ident("silo_db");
    let password = unique_ident("pw");
    sqlx::query(AssertSqlSafe(format!(
        r#"CREATE ROLE "{role}" LOGIN PASSWORD '{password}'"#
    )))
    .execute(&admin)
    .await
    .unwrap();
    sqlx::query(AssertSqlSafe(format!(
        r#"CREATE DATABASE "{database}" OWNER "{role}""#
    )))
    .execute(&admin)
    .await
    .unwrap();
    let (scheme_and_user, rest) = env.database_url().split_once('@').unwrap_or(("", ""));
    let host = rest.split('/').next().unwrap();
    assert!(
        !scheme_and_user.is_empty(),
        "DATABASE_URL names its host after '@'"
    );
    let url = format!("postgres://{role}:{password}@{host}/{database}");
    let client = env.kube().await;
    let namespace = saascript_crds::names::tenant_namespace(tenant.name());
    create_namespace(&client, &namespace).await;
    let secret: Secret = serde_json::from_value(json!({
        "metadata": { "name": "saascript-tenant-credentials", "namespace": namespace },
        "stringData": BTreeMap::from([("DATABASE_URL", url)]),
    }))
    .unwrap();
    Api::<Secret>::namespaced(client, &namespace)
        .create(&PostParams::default(), &secret)
        .await
        .unwrap();
    (database, role)
}

async fn remove_silo(env: &TestEnv, database: &str, role: &str) {
    let admin = env.postgres().await;
    let _ = sqlx::query(AssertSqlSafe(format!(
        r#"DROP DATABASE IF EXISTS "{database}" WITH (FORCE)"#
    )))
    .execute(&admin)
    .await;
    let _ = sqlx::query(AssertSqlSafe(format!(r#"DROP ROLE IF EXISTS "{role}""#)))
        .execute(&admin)
        .await;
}

fn url_of(env: &TestEnv, database: &str) -> String {
    let (base, _) = env.database_url().rsplit_once('/').unwrap();
    format!("{base}/{database}")
}

#[tokio::test]
async fn a_siloed_tenants_data_goes_to_its_own_database() {
    let env = TestEnv::new();
    let auth = AuthServer::start(&env).await;
    let service = ProjectsServer::start(
        &env,
        &auth,
        ProjectsOptions {
            siloed_pool_limit: 1,
            ..ProjectsOptions::default()
        },
    )
    .await;
    let silo = service.tenant(&env, "siloed", 10).await;
    let token = silo.token(&auth, "user-s", &["owner"]).await;
    // Before the operator has written its Secret, the tenant is not ready (never a 500).
    let (status, problem) = service.get("/projects", &token).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (503, Some("tenant_not_ready"))
    );
    let (database, role) = provision_silo(&env, &silo).await;

    let (status, project) = service
        .post("/projects", &token, json!({ "name": "In the silo" }))
        .await;
    assert_eq!(status, 201, "{project}");
    let id = project["id"].as_str().unwrap().to_string();
    let (status, task) = service
        .post(
            &format!("/projects/{id}/tasks"),
            &token,
            json!({ "title": "siloed task" }),
        )
        .await;
    assert_eq!(status, 201, "{task}");

    // The oracle: the silo holds the rows, in tables its own role owns; the pooled database
    // holds none of the tenant's projects.
    let silo_db = env.postgres_at(&url_of(&env, &database)).await;
    let names: Vec<String> = sqlx::query_scalar("SELECT name FROM projects")
        .fetch_all(&silo_db)
        .await
        .unwrap();
    assert_eq!(names, vec!["In the silo".to_string()]);
    let owner: String =
        sqlx::query_scalar("SELECT tableowner::text FROM pg_tables WHERE tablename = 'projects'")
            .fetch_one(&silo_db)
            .await
            .unwrap();
    assert_eq!(owner, role);
    let events: i64 = sqlx::query_scalar("SELECT count(*) FROM event_outbox")
        .fetch_one(&silo_db)
        .await
        .unwrap();
    assert!(events >= 2, "the silo's own outbox holds its events");
    let pooled = service.owner_pool(&env).await;
    let in_pool: i64 = sqlx::query_scalar("SELECT count(*) FROM projects WHERE tenant_id = $1")
        .bind(silo.uid())
        .fetch_one(&pooled)
        .await
        .unwrap();
    assert_eq!(in_pool, 0);

    // A second siloed tenant takes the only pool; the first one's is opened again on demand.
    let second = service.tenant(&env, "siloed", 10).await;
    let (database2, role2) = provision_silo(&env, &second).await;
    let token2 = second.token(&auth, "user-t", &["owner"]).await;
    let (status, listed) = service.get("/projects", &token2).await;
    assert_eq!(
        (status, listed["items"].as_array().map(Vec::len)),
        (200, Some(0))
    );
    assert_eq!(service.state.databases.open_siloed_pools().await, 1);
    assert!(
        service
            .state
            .databases
            .siloed_url(silo.name())
            .await
            .is_none()
    );
    let (status, read) = service.get(&format!("/projects/{id}"), &token).await;
    assert_eq!((status, read["name"].as_str()), (200, Some("In the silo")));
    let (status, _) = service.get(&format!("/projects/{id}"), &token2).await;
    assert_eq!(status, 404, "another silo's id is not found");

    silo_db.close().await;
    pooled.close().await;
    service.finish(&env).await;
    remove_silo(&env, &database, &role).await;
    remove_silo(&env, &database2, &role2).await;
}

#[tokio::test]
async fn a_siloed_tenants_export_travels_through_its_own_outbox() {
    let env = TestEnv::new();
    let auth = AuthServer::start(&env).await;
    let service = ProjectsServer::start(
        &env,
        &auth,
        ProjectsOptions {
            background: vec![saascript_projects::EXPORT_WORKER],
            ..ProjectsOptions::default()
        },
    )
    .await;
    let silo = service.tenant(&env, "siloed", 10).await;
    let (database, role) = provision_silo(&env, &silo).await;
    let token = silo.token(&auth, "user-s", &["member"]).await;
    let (status, _) = service
        .post("/projects", &token, json!({ "name": "Silo export" }))
        .await;
    assert_eq!(status, 201);
    let (status, export) = service.post("/projects/exports", &token, json!({})).await;
    assert_eq!(status, 202, "{export}");
    let id = export["id"].as_str().unwrap().to_string();
    // Only the worker runs among the service's background tasks: the silo's own task relay
    // (started with its pool) is what publishes the task.
    saascript_tests::wait::until(
        std::time::Duration::from_secs(30),
        "the siloed export done",
        || async {
            let (_, export) = service
                .get(&format!("/projects/exports/{id}"), &token)
                .await;
            (export["state"] == "done").then_some(())
        },
    )
    .await;
    let (status, json) = service
        .get(
            &format!("/projects/exports/{id}/download?format=json"),
            &token,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(json["projects"][0]["name"], "Silo export");
    let silo_db = env.postgres_at(&url_of(&env, &database)).await;
    let published: i64 =
        sqlx::query_scalar("SELECT count(*) FROM task_outbox WHERE published_at IS NOT NULL")
            .fetch_one(&silo_db)
            .await
            .unwrap();
    assert_eq!(published, 1, "the task left from the silo's own outbox");
    let pooled = service.owner_pool(&env).await;
    let in_pool: i64 = sqlx::query_scalar("SELECT count(*) FROM task_outbox")
        .fetch_one(&pooled)
        .await
        .unwrap();
    assert_eq!(in_pool, 0);
    silo_db.close().await;
    pooled.close().await;
    service.finish(&env).await;
    remove_silo(&env, &database, &role).await;
}
