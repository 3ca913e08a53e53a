//! The tenants service behind the real gateway: `/api/tenants/...` reaches `/tenants/...`, a
//! token without a tenant is admitted for sign-up, the merged OpenAPI document has the tenants
//! paths, and the provisioning stream passes through as a stream (`text/event-stream`, ended by
//! the service, not buffered or cut by the gateway).

use std::time::Duration;

use kube::api::Api;
use reqwest::StatusCode;
use saascript_crds::Tenant;
use saascript_tests::auth_server::AuthServer;
use saascript_tests::crds::install_crds;
use saascript_tests::gateway_server::GatewayServer;
use saascript_tests::tenants::delete_and_wait;
use saascript_tests::tenants_server::{
    TenantsServer, call, login, register_and_verify, wait_owner,
};
use saascript_tests::{TestEnv, unique_name};
use serde_json::json;

#[tokio::test]
async fn sign_up_and_the_tenant_view_through_the_gateway() {
    let env = TestEnv::new();
    let auth = AuthServer::start(&env).await;
    install_crds(&auth.kube).await;
    let service =
        TenantsServer::start_with_args(&env, &auth, "", &["--event-stream-limit-seconds", "2"])
            .await;
    let tenants_upstream = format!("tenants={}", service.base);
    let gateway = GatewayServer::start(&env, &auth.base, &["--upstream", &tenants_upstream]).await;
    let http = reqwest::Client::new();

    let email = format!("{}@example.com", unique_name("gated"));
    register_and_verify(&http, &auth, &email).await;
    let first = login(&http, &auth, &email, None).await;
    let name = unique_name("gated");
    let (status, _, created) = call(
        http.post(gateway.url("/api/tenants"))
            .bearer_auth(first["access_token"].as_str().unwrap())
            .header("idempotency-key", "gated-1")
            .json(&json!({ "name": name, "displayName": "Gated" })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let uid = created["uid"].as_str().unwrap().to_string();
    wait_owner(&auth, &uid, &email).await;
    let bearer = format!(
        "Bearer {}",
        login(&http, &auth, &email, Some(&name)).await["access_token"]
            .as_str()
            .unwrap()
    );

    let (status, _, current) = call(
        http.get(gateway.url("/api/tenants/current"))
            .header("authorization", &bearer),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{current}");
    assert_eq!(current["uid"], uid.as_str());

    let (status, _, openapi) = call(
        http.get(gateway.url("/api/openapi.json"))
            .header("authorization", &bearer),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{openapi}");
    for path in [
        "/api/tenants",
        "/api/tenants/current",
        "/api/tenants/current/events",
    ] {
        assert!(openapi["paths"][path].is_object(), "{path} in {openapi}");
    }

    // No operator runs: no condition changes, and the service ends the stream at its limit.
    let mut stream = http
        .get(gateway.url("/api/tenants/current/events"))
        .header("authorization", &bearer)
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    assert!(
        stream.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let ended = tokio::time::timeout(Duration::from_secs(20), async {
        while let Some(_chunk) = stream.chunk().await.unwrap() {}
    })
    .await;
    assert!(
        ended.is_ok(),
        "the stream did not end at the service's limit"
    );

    let tenants: Api<Tenant> = Api::all(auth.kube.clone());
    let (status, _, deleting) = call(
        http.delete(gateway.url("/api/tenants/current"))
            .header("authorization", &bearer)
            .json(&json!({ "confirm": name })),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{deleting}");
    delete_and_wait(&tenants, &name).await;
}
