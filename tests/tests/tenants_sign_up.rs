//! Sign-up end to end, with the operator provisioning: register → verify (the emailed link) →
//! login (no tenant yet) → POST /tenants → auth makes the caller owner (its owner sync) → refresh:
//! the token carries the tenant → provisioning progress streamed until Ready → the
//! tenant's view and members. And the idempotency key: the same key and body give the same
//! tenant, the same key with another body is refused.

use std::time::{Duration, Instant};

use kube::api::{Api, Patch, PatchParams};
use reqwest::StatusCode;
use saascript_crds::Tenant;
use saascript_tests::auth_server::AuthServer;
use saascript_tests::crds::install_crds;
use saascript_tests::operator::{RunningOperator, TEST_RUN_LABEL, new_run_id, test_config};
use saascript_tests::tenants::{PROVISIONING, delete_and_wait};
use saascript_tests::tenants_server::{
    TenantsServer, call, login, register_and_verify, wait_owner,
};
use saascript_tests::{TestEnv, unique_name};
use serde_json::{Value, json};

/// The events of a Server-Sent Events stream until it ends: (event name, data).
async fn read_events(response: reqwest::Response, limit: Duration) -> Vec<(String, Value)> {
    let deadline = Instant::now() + limit;
    let mut response = response;
    let mut text = String::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, response.chunk()).await {
            Ok(Ok(Some(chunk))) => text.push_str(&String::from_utf8_lossy(&chunk)),
            Ok(Ok(None)) => break,
            Ok(Err(e)) => panic!("the stream failed: {e}"),
            Err(_) => panic!("the stream did not end within {limit:?}; so far:\n{text}"),
        }
    }
    text.split("\n\n")
        .filter_map(|block| {
            let mut name = None;
            let mut data = None;
            for line in block.lines() {
                if let Some(value) = line.strip_prefix("event:") {
                    name = Some(value.trim().to_string());
                }
                if let Some(value) = line.strip_prefix("data:") {
                    data = Some(serde_json::from_str(value.trim()).unwrap_or(Value::Null));
                }
            }
            Some((name?, data.unwrap_or(Value::Null)))
        })
        .collect()
}

#[tokio::test]
async fn a_verified_user_signs_up_and_watches_the_tenant_get_ready() {
    let env = TestEnv::new();
    let auth = AuthServer::start(&env).await;
    install_crds(&auth.kube).await;
    let run = new_run_id();
    let operator = RunningOperator::start(&env, test_config(&env, &run)).await;
    let service = TenantsServer::start(&env, &auth, &format!("{TEST_RUN_LABEL}={run}")).await;
    let http = reqwest::Client::new();

    let email = format!("{}@example.com", unique_name("founder"));
    register_and_verify(&http, &auth, &email).await;
    let first = login(&http, &auth, &email, None).await;
    let bearer = format!("Bearer {}", first["access_token"].as_str().unwrap());
    let name = unique_name("signup");

    let (status, _, availability) = call(
        http.get(service.url(&format!("/tenants/availability?name={name}")))
            .header("authorization", &bearer),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{availability}");
    assert_eq!(availability["available"], true, "{availability}");

    let sign_up = |key: &str, body: Value| {
        http.post(service.url("/tenants"))
            .header("authorization", &bearer)
            .header("idempotency-key", key)
            .json(&body)
    };
    let body = json!({ "name": name, "displayName": "Founder's Company" });
    let (status, _, created) = call(sign_up("key-1", body.clone())).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["name"], name.as_str());
    assert_eq!(created["spec"]["owners"], json!([email]));
    assert_eq!(created["spec"]["plan"], "free");
    assert_eq!(created["spec"]["isolation"], "pooled");
    let uid = created["uid"].as_str().unwrap().to_string();

    // The same key and body: the same tenant, no second one.
    let (status, _, again) = call(sign_up("key-1", body.clone())).await;
    assert_eq!(status, StatusCode::CREATED, "{again}");
    assert_eq!(again["uid"], uid.as_str());
    // The same key with another body.
    let (status, content_type, refused) = call(sign_up(
        "key-1",
        json!({ "name": name, "displayName": "Another name" }),
    ))
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(content_type, "application/problem+json");
    assert_eq!(refused["code"], "idempotency_key_reused");
    // A second tenant under a new key: the caller has one already.
    let (status, _, second) = call(sign_up(
        "key-2",
        json!({ "name": unique_name("second"), "displayName": "Second" }),
    ))
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{second}");
    assert_eq!(second["code"], "already_in_tenant");

    // Auth follows the declared owners; the session's next refresh carries the tenant.
    wait_owner(&auth, &uid, &email).await;
    let (status, tokens) = saascript_tests::http::post_json(
        &http,
        auth.url("/auth/refresh"),
        json!({ "refresh_token": first["refresh_token"] }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let access = tokens["access_token"].as_str().unwrap();
    let claims = auth.state.verifier.verify(access).await.unwrap();
    assert_eq!(claims.tenant.as_deref(), Some(name.as_str()));
    assert_eq!(claims.tenant_uid.as_deref(), Some(uid.as_str()));
    assert_eq!(claims.roles, ["owner"]);
    let bearer = format!("Bearer {access}");

    // Provisioning progress, live, until Ready.
    let stream = http
        .get(service.url("/tenants/current/events"))
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
    let events = read_events(stream, PROVISIONING).await;
    let names: Vec<&str> = events.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names.last(), Some(&"ready"), "{events:?}");
    for system in [
        "NamespaceReady",
        "DatabaseReady",
        "QueueReady",
        "TopicsReady",
        "TableReady",
        "CacheReady",
    ] {
        assert!(
            events.iter().any(|(name, data)| name == "condition"
                && data["type"] == system
                && data["status"] == "True"),
            "no {system} event in {events:?}"
        );
    }

    let (status, _, current) = call(
        http.get(service.url("/tenants/current"))
            .header("authorization", &bearer),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{current}");
    assert_eq!(current["phase"], "Ready");
    assert_eq!(current["spec"]["displayName"], "Founder's Company");
    assert!(
        current["conditions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["type"] == "Ready" && c["status"] == "True"),
        "{current}"
    );

    let (status, _, members) = call(
        http.get(service.url("/tenants/current/members"))
            .header("authorization", &bearer),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{members}");
    assert_eq!(members["members"].as_array().unwrap().len(), 1, "{members}");
    assert_eq!(members["members"][0]["email"], email.as_str());
    assert_eq!(members["members"][0]["role"], "owner");

    // The test's tenant goes with its backing resources (sign-up keeps data by default).
    let tenants: Api<Tenant> = Api::all(auth.kube.clone());
    tenants
        .patch(
            &name,
            &PatchParams::default(),
            &Patch::Merge(json!({ "spec": { "deletionPolicy": "Delete" } })),
        )
        .await
        .unwrap();
    let (status, _, deleting) = call(
        http.delete(service.url("/tenants/current"))
            .header("authorization", &bearer)
            .json(&json!({ "confirm": name })),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{deleting}");
    delete_and_wait(&tenants, &name).await;
    operator.stop().await;
}

#[tokio::test]
async fn the_progress_stream_ends_on_a_terminal_failure_with_its_reason() {
    let env = TestEnv::new();
    let auth = AuthServer::start(&env).await;
    install_crds(&auth.kube).await;
    let run = new_run_id();
    let operator = RunningOperator::start(&env, test_config(&env, &run)).await;
    let service = TenantsServer::start(&env, &auth, "").await;
    let http = reqwest::Client::new();
    let email = format!("{}@example.com", unique_name("admin-made"));
    register_and_verify(&http, &auth, &email).await;
    // Declared by an admin (as by GitOps) on a plan the catalog does not have.
    let name = unique_name("failing");
    let mut manifest =
        saascript_tests::tenants::tenant_manifest(&name, &run, "pooled", "gold", "Delete");
    manifest.spec.owners = vec![email.clone()];
    let tenant = saascript_tests::tenant_guard::TenantGuard::create(&env, &manifest).await;
    wait_owner(&auth, &tenant.uid, &email).await;
    let tokens = login(&http, &auth, &email, Some(&name)).await;

    let stream = http
        .get(service.url("/tenants/current/events"))
        .bearer_auth(tokens["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    let events = read_events(stream, PROVISIONING).await;
    let (last, data) = events.last().expect("at least one event");
    assert_eq!(last, "failed", "{events:?}");
    assert_eq!(data["reason"], "UnknownPlan", "{events:?}");
    drop(tenant);
    operator.stop().await;
}
