//! The kit's database start-up: a service's migrations, then the shared outbox tables, created
//! once even when replicas start together. Checked in PostgreSQL's catalog, not by the kit.

use saascript_common::kit::DatabaseArgs;
use saascript_tests::TestEnv;
use saascript_tests::databases::{drop_database, fresh_database_url};

/// A service's own migrations: one table, from a directory made for the test.
async fn service_migrator() -> sqlx::migrate::Migrator {
    let dir = std::env::temp_dir().join(saascript_tests::unique_name("migrations"));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("0001_widgets.sql"),
        "CREATE TABLE widgets (id uuid PRIMARY KEY);",
    )
    .unwrap();
    sqlx::migrate::Migrator::new(dir.as_path()).await.unwrap()
}

#[tokio::test]
async fn replicas_starting_together_get_the_service_tables_and_the_shared_outboxes_once() {
    let env = TestEnv::new();
    let (name, url) = fresh_database_url(&env, "kit").await;
    let args = DatabaseArgs {
        database_url: url.clone().into(),
        database_max_connections: Some(2),
    };
    let migrator = service_migrator().await;
    // Four replicas at once: none fails on a concurrent CREATE.
    let replicas = futures::future::join_all((0..4).map(|_| args.connect(&migrator, 5))).await;
    for replica in &replicas {
        assert!(replica.is_ok(), "{:?}", replica.as_ref().err());
    }

    let catalog = env.postgres_at(&url).await;
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT relname::text FROM pg_class
         WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'i')
           AND relname NOT LIKE '\\_sqlx%' ORDER BY relname",
    )
    .fetch_all(&catalog)
    .await
    .unwrap();
    assert_eq!(
        tables,
        [
            "event_outbox",
            "event_outbox_pending",
            "event_outbox_pkey",
            "task_outbox",
            "task_outbox_pending",
            "task_outbox_pkey",
            "task_outbox_published",
            "widgets",
            "widgets_pkey",
        ]
    );
    catalog.close().await;
    for replica in replicas.into_iter().flatten() {
        replica.close().await;
    }
    drop_database(&env, &name).await;
}

#[tokio::test]
async fn an_unreachable_database_is_an_error_that_names_it() {
    let args = DatabaseArgs {
        database_url: "postgres://127.0.0.1:1/nowhere".to_string().into(),
        database_max_connections: None,
    };
    let error = args
        .connect(&service_migrator().await, 1)
        .await
        .expect_err("no database at port 1");
    assert!(error.to_string().starts_with("database:"), "{error}");
}
