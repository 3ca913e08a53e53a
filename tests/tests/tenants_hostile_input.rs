//! No input makes the tenants service answer a 5xx. schemathesis generates hostile and malformed
//! input for every operation in its OpenAPI document (wrong types, huge and empty strings, NUL
//! bytes, missing and extra fields, odd headers) and sends it to a real tenants service beside a
//! real auth server, anonymously and with a real owner's token of a real Tenant. The owner's
//! Tenant is protected from deletion, and the owner already has a tenant, so the sweep creates
//! and deletes none.

use kube::api::{Api, Patch, PatchParams};
use reqwest::StatusCode;
use saascript_crds::Tenant;
use saascript_tests::auth_server::AuthServer;
use saascript_tests::crds::install_crds;
use saascript_tests::tenants_server::{
    TenantsServer, call, login, register_and_verify, wait_owner,
};
use saascript_tests::{TestEnv, unique_name};
use serde_json::json;

/// The sweep of this test's document.
fn sweep(base: &str, token: Option<&str>, what: &str) -> Result<(), String> {
    saascript_tests::schemathesis::Sweep {
        document: format!("{base}/tenants/openapi.json"),
        base,
        max_examples: 25,
        exclude_paths: &[],
    }
    .run(token, what)
}

#[tokio::test]
async fn no_input_makes_the_tenants_service_answer_5xx() {
    let env = TestEnv::new();
    let auth = AuthServer::start(&env).await;
    install_crds(&auth.kube).await;
    // Provisioning streams end after a second: no sweep request waits for a Ready that never
    // comes (no operator runs here).
    let service =
        TenantsServer::start_with_args(&env, &auth, "", &["--event-stream-limit-seconds", "1"])
            .await;
    let http = reqwest::Client::new();
    let email = format!("{}@example.com", unique_name("swept"));
    register_and_verify(&http, &auth, &email).await;
    let first = login(&http, &auth, &email, None).await;
    let name = unique_name("swept");
    let (status, _, created) = call(
        http.post(service.url("/tenants"))
            .bearer_auth(first["access_token"].as_str().unwrap())
            .header("idempotency-key", "sweep")
            .json(&json!({ "name": name, "displayName": "Swept" })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let uid = created["uid"].as_str().unwrap().to_string();
    let tenants: Api<Tenant> = Api::all(auth.kube.clone());
    tenants
        .patch(
            &name,
            &PatchParams::default(),
            &Patch::Merge(json!({ "spec": { "preventDeletion": true } })),
        )
        .await
        .unwrap();
    wait_owner(&auth, &uid, &email).await;
    let owner = login(&http, &auth, &email, Some(&name)).await["access_token"]
        .as_str()
        .unwrap()
        .to_string();

    let base = service.base.clone();
    let outcome = tokio::task::spawn_blocking(move || {
        sweep(&base, None, "without a token")?;
        sweep(&base, Some(&owner), "with an owner's token")
    })
    .await
    .expect("the sweep ran");

    tenants
        .patch(
            &name,
            &PatchParams::default(),
            &Patch::Merge(json!({ "spec": { "preventDeletion": false } })),
        )
        .await
        .unwrap();
    saascript_tests::tenants::delete_and_wait(&tenants, &name).await;
    if let Err(report) = outcome {
        panic!("{report}");
    }
}
