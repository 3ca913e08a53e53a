//! A token acts only for the Tenant whose uid it carries. Tenant names are reused: once a
//! Tenant is deleted, anyone may create one of the same name, and the earlier owner's token
//! must not open it.

use reqwest::StatusCode;
use saascript_tests::access_tokens::sign_access_token;
use saascript_tests::auth_server::AuthServer;
use saascript_tests::crds::install_crds;
use saascript_tests::echo_upstream::EchoUpstream;
use saascript_tests::gateway_server::GatewayServer;
use saascript_tests::operator::new_run_id;
use saascript_tests::tenant_guard::TenantGuard;
use saascript_tests::tenants::tenant_manifest;
use saascript_tests::{TestEnv, unique_name};
use serde_json::Value;

/// GET /api/projects through the gateway: the status, and the problem's code when refused.
async fn projects(gateway: &GatewayServer, token: &str) -> (StatusCode, Option<String>) {
    let response = reqwest::Client::new()
        .get(gateway.url("/api/projects"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status();
    if status.is_success() {
        return (status, None);
    }
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let problem: Value = response.json().await.unwrap();
    (status, problem["code"].as_str().map(str::to_string))
}

#[tokio::test]
async fn a_token_is_refused_once_its_tenants_name_belongs_to_another_tenant() {
    let env = TestEnv::new();
    install_crds(&env.kube().await).await;
    let auth = AuthServer::start(&env).await;
    let echo = EchoUpstream::start().await;
    let manifest = tenant_manifest(
        &unique_name("uid"),
        &new_run_id(),
        "pooled",
        "free",
        "Delete",
    );
    let mut tenant = TenantGuard::create(&env, &manifest).await;
    let gateway = GatewayServer::start(
        &env,
        &auth.base,
        &[
            "--upstream",
            &format!("projects={}", echo.base),
            "--default-requests-per-second",
            "1000",
        ],
    )
    .await;
    let first_uid = tenant.uid.clone();
    gateway
        .wait_for_tenant(&tenant.name, "the Tenant in the gateway", |t| {
            t.uid.as_deref() == Some(first_uid.as_str())
        })
        .await;
    let owner = unique_name("owner");
    let token = sign_access_token(
        &auth,
        &owner,
        Some(&tenant.name),
        Some(&first_uid),
        &["owner"],
    )
    .await;
    assert_eq!(projects(&gateway, &token).await, (StatusCode::OK, None));

    // A token that names the tenant but not its uid could be for any Tenant of that name.
    let without_uid = sign_access_token(&auth, &owner, Some(&tenant.name), None, &["owner"]).await;
    assert_eq!(
        projects(&gateway, &without_uid).await,
        (StatusCode::UNAUTHORIZED, Some("tenant_changed".into()))
    );

    // The Tenant deleted, and its name created again: another Tenant.
    tenant.recreate(&manifest).await;
    assert_ne!(tenant.uid, first_uid, "a new Tenant has a new uid");
    let second_uid = tenant.uid.clone();
    gateway
        .wait_for_tenant(&tenant.name, "the new Tenant in the gateway", |t| {
            t.uid.as_deref() == Some(second_uid.as_str())
        })
        .await;
    assert_eq!(
        projects(&gateway, &token).await,
        (StatusCode::UNAUTHORIZED, Some("tenant_changed".into())),
        "the first Tenant's token must not open the second"
    );
    let new_owner = unique_name("owner");
    let new_token = sign_access_token(
        &auth,
        &new_owner,
        Some(&tenant.name),
        Some(&second_uid),
        &["owner"],
    )
    .await;
    assert_eq!(projects(&gateway, &new_token).await, (StatusCode::OK, None));
    assert_eq!(
        echo.requests("/projects"),
        2,
        "only the two good tokens got through"
    );
    auth.finish(&env).await;
}
