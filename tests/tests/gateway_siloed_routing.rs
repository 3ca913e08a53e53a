//! A siloed tenant's requests go to its own services, where its Tenant's status names them (the
//! operator writes them there once it has stamped the tenant's ServiceDeployments); a pooled
//! tenant's, and a siloed tenant's for a service it has no copy of, go to the shared upstream.
//! Which upstream answered is read from each echo upstream's own request log.

use kube::api::{Api, Patch, PatchParams};
use reqwest::StatusCode;
use saascript_crds::Tenant;
use saascript_tests::access_tokens::sign_access_token;
use saascript_tests::auth_server::AuthServer;
use saascript_tests::crds::install_crds;
use saascript_tests::echo_upstream::EchoUpstream;
use saascript_tests::gateway_server::GatewayServer;
use saascript_tests::operator::new_run_id;
use saascript_tests::tenant_guard::TenantGuard;
use saascript_tests::tenants::tenant_manifest;
use saascript_tests::{TestEnv, unique_name};
use serde_json::json;

async fn get(gateway: &GatewayServer, path: &str, token: &str) -> StatusCode {
    reqwest::Client::new()
        .get(gateway.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn a_siloed_tenants_requests_go_to_its_own_services() {
    let env = TestEnv::new();
    let client = env.kube().await;
    install_crds(&client).await;
    let auth = AuthServer::start(&env).await;
    let shared = EchoUpstream::start().await;
    let own = EchoUpstream::start().await;
    let run = new_run_id();
    let siloed = TenantGuard::create(
        &env,
        &tenant_manifest(&unique_name("silo"), &run, "siloed", "enterprise", "Delete"),
    )
    .await;
    let pooled = TenantGuard::create(
        &env,
        &tenant_manifest(&unique_name("pool"), &run, "pooled", "free", "Delete"),
    )
    .await;
    // What the operator writes once the siloed tenant's projects service has an address.
    Api::<Tenant>::all(client.clone())
        .patch_status(
            &siloed.name,
            &PatchParams::default(),
            &Patch::Merge(json!({ "status": { "services": [
                { "service": "projects", "serviceName": "projects", "url": own.base },
            ] } })),
        )
        .await
        .unwrap();
    let gateway = GatewayServer::start(
        &env,
        &auth.base,
        &[
            "--upstream",
            &format!("projects={}", shared.base),
            "--upstream",
            &format!("profiles={}", shared.base),
            "--default-requests-per-second",
            "1000",
        ],
    )
    .await;
    gateway
        .wait_for_tenant(&siloed.name, "the siloed tenant's services", |t| {
            !t.own_services.is_empty()
        })
        .await;
    gateway
        .wait_for_tenant(&pooled.name, "the pooled tenant", |t| t.uid.is_some())
        .await;
    let token = |guard: &TenantGuard| {
        let (name, uid) = (guard.name.clone(), guard.uid.clone());
        let auth = &auth;
        async move {
            sign_access_token(
                auth,
                &unique_name("owner"),
                Some(&name),
                Some(&uid),
                &["owner"],
            )
            .await
        }
    };
    let siloed_token = token(&siloed).await;
    let pooled_token = token(&pooled).await;

    assert_eq!(
        get(&gateway, "/api/projects", &siloed_token).await,
        StatusCode::OK
    );
    assert_eq!(
        own.requests("/projects"),
        1,
        "the siloed tenant reached its own service"
    );
    assert_eq!(shared.requests("/projects"), 0, "and not the shared one");

    assert_eq!(
        get(&gateway, "/api/projects", &pooled_token).await,
        StatusCode::OK
    );
    assert_eq!(
        shared.requests("/projects"),
        1,
        "the pooled tenant reached the shared one"
    );
    assert_eq!(own.requests("/projects"), 1);

    // A service the siloed tenant has no copy of is the shared one.
    assert_eq!(
        get(&gateway, "/api/profiles/me", &siloed_token).await,
        StatusCode::OK
    );
    assert_eq!(shared.requests("/profiles/me"), 1);
    assert_eq!(own.requests("/profiles/me"), 0);
}
