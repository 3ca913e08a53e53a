//! With auth's Tenant sweep down (as during an outage), a Tenant deleted and re-created under
//! its name still mints nothing for the old owner: the token paths read the live Tenant
//! themselves. When the sweep starts, its first full list removes what belonged to the deleted
//! Tenant, and settles rows from before tenant uids: bound to the live Tenant if made while it
//! existed, removed if older than it.

use std::time::Duration;

use kube::api::Api;
use reqwest::StatusCode;
use saascript_crds::Tenant;
use saascript_tests::auth_server::{AuthOptions, AuthServer};
use saascript_tests::crds::install_crds;
use saascript_tests::http::post_json;
use saascript_tests::tenants::delete_and_wait;
use saascript_tests::{TestEnv, unique_name, wait};
use serde_json::json;

const PASSWORD: &str = "correct horse battery staple";

/// The uid of each membership of `tenant`, by user (None: unbound).
async fn memberships(server: &AuthServer, tenant: &str) -> Vec<(String, Option<String>)> {
    sqlx::query_as(
        "SELECT user_id::text, tenant_uid FROM memberships WHERE tenant = $1 ORDER BY user_id",
    )
    .bind(tenant)
    .fetch_all(&server.state.db)
    .await
    .unwrap()
}

#[tokio::test]
async fn minting_refuses_without_the_sweep_and_the_sweep_catches_up_at_start() {
    let env = TestEnv::new();
    let server = AuthServer::start_with_options(
        &env,
        AuthOptions {
            tenant_sweep: false,
            ..AuthOptions::default()
        },
    )
    .await;
    install_crds(&server.kube).await;
    let tenants: Api<Tenant> = Api::all(server.kube.clone());
    let http = reqwest::Client::new();

    let name = unique_name("swept");
    server.create_tenant(&name).await;
    let a_email = format!("{}@example.com", unique_name("a"));
    let a = server.register_verified(&http, &a_email, PASSWORD).await;
    server.add_member(&a, &name, "owner").await;
    let (status, a_tokens) = post_json(
        &http,
        server.url("/auth/login"),
        json!({ "email": a_email, "password": PASSWORD }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{a_tokens}");

    delete_and_wait(&tenants, &name).await;
    let new_uid = server.create_tenant(&name).await;
    let b = server
        .register_verified(
            &http,
            &format!("{}@example.com", unique_name("b")),
            PASSWORD,
        )
        .await;
    server.add_member(&b, &name, "owner").await;

    // Nothing removed A's rows, and still nothing acts for the new Tenant on A's behalf.
    assert_eq!(memberships(&server, &name).await.len(), 2);
    let (status, problem) = post_json(
        &http,
        server.url("/auth/refresh"),
        json!({ "refresh_token": a_tokens["refresh_token"] }),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{problem}");
    let (status, problem) = post_json(
        &http,
        server.url("/auth/login"),
        json!({ "email": a_email, "password": PASSWORD, "tenant": name }),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{problem}");

    // Rows from before tenant uids: one made while the new Tenant lives, one long before it.
    let recent = server
        .register_verified(
            &http,
            &format!("{}@example.com", unique_name("r")),
            PASSWORD,
        )
        .await;
    let ancient = server
        .register_verified(
            &http,
            &format!("{}@example.com", unique_name("o")),
            PASSWORD,
        )
        .await;
    for (user, created) in [(&recent, "now()"), (&ancient, "'2000-01-01T00:00:00Z'")] {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO memberships (user_id, tenant, role, created_at)
             VALUES ($1::text::uuid, $2, 'member', {created})"
        )))
        .bind(user)
        .bind(&name)
        .execute(&server.state.db)
        .await
        .unwrap();
    }

    // The sweep starts, and settles everything from its first list.
    let sweep = tokio::spawn(saascript_auth::tenant_sweep::run(
        server.state.db.clone(),
        server.state.tenants.clone(),
    ));
    let mut expected = vec![
        (b.clone(), Some(new_uid.clone())),
        (recent.clone(), Some(new_uid.clone())),
    ];
    expected.sort();
    wait::until(
        Duration::from_secs(20),
        "the sweep to settle the memberships",
        || async { (memberships(&server, &name).await == expected).then_some(()) },
    )
    .await;
    let a_sessions: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM refresh_tokens WHERE user_id = $1::text::uuid AND tenant IS NOT NULL",
    )
    .bind(&a)
    .fetch_one(&server.state.db)
    .await
    .unwrap();
    assert_eq!(
        a_sessions, 0,
        "A's sessions with the old Tenant are removed"
    );

    sweep.abort();
    let _ = tenants.delete(&name, &Default::default()).await;
    server.finish(&env).await;
}

#[tokio::test]
async fn a_late_event_about_an_earlier_tenant_leaves_the_new_tenants_rows_alone() {
    // The sweep handles events one at a time and retries while its database is away, so the
    // events of a deleted Tenant can arrive after its name was taken again and the new
    // organisation has members. They must remove nothing of the new organisation's.
    let env = TestEnv::new();
    let server = AuthServer::start_with_options(
        &env,
        AuthOptions {
            tenant_sweep: false,
            ..AuthOptions::default()
        },
    )
    .await;
    install_crds(&server.kube).await;
    let tenants: Api<Tenant> = Api::all(server.kube.clone());
    let http = reqwest::Client::new();
    let name = unique_name("late");
    server.create_tenant(&name).await;
    let old = tenants.get(&name).await.unwrap();
    let a = server
        .register_verified(
            &http,
            &format!("{}@example.com", unique_name("a")),
            PASSWORD,
        )
        .await;
    server.add_member(&a, &name, "owner").await;
    delete_and_wait(&tenants, &name).await;
    let new_uid = server.create_tenant(&name).await;
    let b = server
        .register_verified(
            &http,
            &format!("{}@example.com", unique_name("b")),
            PASSWORD,
        )
        .await;
    server.add_member(&b, &name, "owner").await;

    let event = |gone| saascript_auth::tenant_sweep::TenantEvent {
        name: name.clone(),
        uid: old.metadata.uid.clone().unwrap(),
        created: old
            .metadata
            .creation_timestamp
            .clone()
            .unwrap()
            .0
            .to_string(),
        gone,
    };
    // The old Tenant's last change, then its deletion, both late.
    for gone in [false, true] {
        let late = event(gone);
        saascript_auth::tenant_sweep::settle(
            &server.state.db,
            &[],
            saascript_auth::tenant_sweep::Scope::Tenant(&late),
        )
        .await
        .unwrap();
    }
    assert_eq!(
        memberships(&server, &name).await,
        vec![(b.clone(), Some(new_uid.clone()))],
        "the old owner's row goes; the new owner's stays"
    );
    server.finish(&env).await;
}
