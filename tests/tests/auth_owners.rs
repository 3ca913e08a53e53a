//! Owners are declared in one place, `Tenant.spec.owners`, and auth keeps its owner memberships
//! equal to it for verified users, bound to the Tenant's uid: against the real API server, with
//! auth's database as the oracle. An address verified after the Tenant declared it becomes an
//! owner at verification; an address removed from the list loses the owner role (falling back
//! to a role an invitation had given, or losing the membership).

use std::time::Duration;

use kube::api::{Api, Patch, PatchParams};
use reqwest::StatusCode;
use saascript_crds::Tenant;
use saascript_tests::auth_server::AuthServer;
use saascript_tests::crds::install_crds;
use saascript_tests::http::post_json;
use saascript_tests::operator::new_run_id;
use saascript_tests::tenant_guard::TenantGuard;
use saascript_tests::tenants::tenant_manifest;
use saascript_tests::tenants_server::{PASSWORD, register_and_verify, verify_through_link};
use saascript_tests::{TestEnv, unique_name, wait};
use serde_json::json;

const SYNC: Duration = Duration::from_secs(20);

/// Each membership of the Tenant with this uid: (email, role), by email.
async fn members(auth: &AuthServer, uid: &str) -> Vec<(String, String)> {
    sqlx::query_as(
        "SELECT lower(u.email), m.role FROM memberships m JOIN users u ON u.id = m.user_id
         WHERE m.tenant_uid = $1 ORDER BY lower(u.email)",
    )
    .bind(uid)
    .fetch_all(&auth.state.db)
    .await
    .unwrap()
}

/// How many events of `type_` the outbox holds about the Tenant with this uid.
async fn events(auth: &AuthServer, type_: &str, uid: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM event_outbox
         WHERE event->>'type' = $1 AND event->'data'->>'tenant_uid' = $2",
    )
    .bind(type_)
    .bind(uid)
    .fetch_one(&auth.state.db)
    .await
    .unwrap()
}

async fn wait_members(auth: &AuthServer, uid: &str, expected: &[(&str, &str)]) {
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(e, r)| (e.to_lowercase(), r.to_string()))
        .collect();
    let mut sorted = expected.clone();
    sorted.sort();
    wait::until(SYNC, &format!("the memberships {sorted:?}"), || async {
        (members(auth, uid).await == sorted).then_some(())
    })
    .await;
}

async fn declare_owners(tenant: &TenantGuard, owners: &[&str]) {
    tenant
        .api()
        .patch(
            tenant.name(),
            &PatchParams::default(),
            &Patch::Merge(json!({ "spec": { "owners": owners } })),
        )
        .await
        .unwrap();
}

async fn tenant_with_owners(env: &TestEnv, owners: &[&str]) -> TenantGuard {
    let name = unique_name("owned");
    let mut manifest = tenant_manifest(&name, &new_run_id(), "pooled", "free", "Delete");
    manifest.spec.owners = owners.iter().map(|o| o.to_string()).collect();
    TenantGuard::create(env, &manifest).await
}

#[tokio::test]
async fn owner_memberships_follow_the_declared_list() {
    let env = TestEnv::new();
    let auth = AuthServer::start(&env).await;
    install_crds(&auth.kube).await;
    let http = reqwest::Client::new();
    let a = format!("{}@Example.com", unique_name("a"));
    let b = format!("{}@example.com", unique_name("b"));
    auth.register_verified(&http, &a, PASSWORD).await;
    auth.register_verified(&http, &b, PASSWORD).await;
    // Declared in another letter case than registered: addresses compare without case.
    let tenant = tenant_with_owners(&env, &[&a.to_uppercase()]).await;
    wait_members(&auth, &tenant.uid, &[(&a, "owner")]).await;

    // The owner's login carries the tenant and the owner role.
    let (status, tokens) = post_json(
        &http,
        auth.url("/auth/login"),
        json!({ "email": a, "password": PASSWORD }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let claims = auth
        .state
        .verifier
        .verify(tokens["access_token"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(claims.tenant.as_deref(), Some(tenant.name()));
    assert_eq!(claims.tenant_uid.as_deref(), Some(tenant.uid.as_str()));
    assert_eq!(claims.roles, ["owner"]);

    declare_owners(&tenant, &[&a, &b]).await;
    wait_members(&auth, &tenant.uid, &[(&a, "owner"), (&b, "owner")]).await;

    // A removed owner loses the membership; their session ends at the next refresh.
    declare_owners(&tenant, &[&b]).await;
    wait_members(&auth, &tenant.uid, &[(&b, "owner")]).await;
    let (status, refused) = post_json(
        &http,
        auth.url("/auth/refresh"),
        json!({ "refresh_token": tokens["refresh_token"] }),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{refused}");
    // Each change is a fact on the event outbox, committed with it.
    assert_eq!(
        events(&auth, "auth.membership.created", &tenant.uid).await,
        2
    );
    assert_eq!(
        events(&auth, "auth.membership.deleted", &tenant.uid).await,
        1
    );
}

#[tokio::test]
async fn an_address_verified_after_it_was_declared_becomes_owner_at_verification() {
    let env = TestEnv::new();
    let auth = AuthServer::start(&env).await;
    install_crds(&auth.kube).await;
    let http = reqwest::Client::new();
    let late = format!("{}@example.com", unique_name("late"));
    let tenant = tenant_with_owners(&env, &[&late]).await;
    // Auth has seen the list (no user has the address yet, so no membership).
    wait::until(SYNC, "auth to index the declared owners", || async {
        let declared: Option<String> =
            sqlx::query_scalar("SELECT email FROM declared_owners WHERE tenant_uid = $1")
                .bind(&tenant.uid)
                .fetch_optional(&auth.state.db)
                .await
                .unwrap();
        declared.filter(|email| *email == late).map(|_| ())
    })
    .await;
    let (status, unverified) = post_json(
        &http,
        auth.url("/auth/register"),
        json!({ "email": late, "password": PASSWORD }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{unverified}");
    assert!(
        members(&auth, &tenant.uid).await.is_empty(),
        "an unverified address owns nothing"
    );
    verify_through_link(&http, &auth, &late).await;
    // In the verification's own transaction: no waiting.
    assert_eq!(
        members(&auth, &tenant.uid).await,
        [(late.clone(), "owner".to_string())]
    );
    assert_eq!(
        events(&auth, "auth.membership.created", &tenant.uid).await,
        1
    );
}

#[tokio::test]
async fn an_invited_member_declared_owner_keeps_the_invited_role_when_removed() {
    let env = TestEnv::new();
    let auth = AuthServer::start(&env).await;
    install_crds(&auth.kube).await;
    let http = reqwest::Client::new();
    let first = format!("{}@example.com", unique_name("first"));
    let invited = format!("{}@example.com", unique_name("invited"));
    register_and_verify(&http, &auth, &first).await;
    let invited_id = register_and_verify(&http, &auth, &invited).await;
    let tenant = tenant_with_owners(&env, &[&first]).await;
    wait_members(&auth, &tenant.uid, &[(&first, "owner")]).await;
    // As an accepted invitation leaves it.
    auth.add_member(&invited_id, tenant.name(), "member").await;

    declare_owners(&tenant, &[&first, &invited]).await;
    wait_members(
        &auth,
        &tenant.uid,
        &[(&first, "owner"), (&invited, "owner")],
    )
    .await;
    declare_owners(&tenant, &[&first]).await;
    wait_members(
        &auth,
        &tenant.uid,
        &[(&first, "owner"), (&invited, "member")],
    )
    .await;
}

#[tokio::test]
async fn owners_of_a_deleted_tenant_keep_nothing() {
    let env = TestEnv::new();
    let auth = AuthServer::start(&env).await;
    install_crds(&auth.kube).await;
    let http = reqwest::Client::new();
    let owner = format!("{}@example.com", unique_name("gone"));
    auth.register_verified(&http, &owner, PASSWORD).await;
    let tenant = tenant_with_owners(&env, &[&owner]).await;
    wait_members(&auth, &tenant.uid, &[(&owner, "owner")]).await;
    let tenants: Api<Tenant> = tenant.api().clone();
    saascript_tests::tenants::delete_and_wait(&tenants, tenant.name()).await;
    wait_members(&auth, &tenant.uid, &[]).await;
    let declared: i64 =
        sqlx::query_scalar("SELECT count(*) FROM declared_owners WHERE tenant_uid = $1")
            .bind(&tenant.uid)
            .fetch_one(&auth.state.db)
            .await
            .unwrap();
    assert_eq!(declared, 0);
}
