//! GET /tenants: every Tenant for a platform admin, sorted by name, each with its declared plan
//! and the plan in force, whether it is ready, whether it is suspended (by its spec or by the
//! Suspended condition), its isolation and when it was created. Anyone else gets a 403 problem
//! (`role_required`), directly and through the gateway. No operator runs: the test writes the
//! status the operator would.

use kube::api::{Api, Patch, PatchParams};
use reqwest::StatusCode;
use saascript_crds::Tenant;
use saascript_tests::access_tokens::sign_access_token;
use saascript_tests::auth_server::AuthServer;
use saascript_tests::crds::install_crds;
use saascript_tests::gateway_server::GatewayServer;
use saascript_tests::operator::new_run_id;
use saascript_tests::projects_fixture::entitlements;
use saascript_tests::tenant_guard::TenantGuard;
use saascript_tests::tenants::tenant_manifest;
use saascript_tests::tenants_server::{TenantsServer, call};
use saascript_tests::{TestEnv, unique_name};
use serde_json::{Value, json};

/// A Tenant of the test's own run (no operator picks it up), `spec` merged into the kit's
/// manifest and `status` written as the operator would.
async fn tenant(env: &TestEnv, name: &str, spec: Value, status: Option<Value>) -> TenantGuard {
    let mut manifest = serde_json::to_value(tenant_manifest(
        name,
        &new_run_id(),
        "pooled",
        "free",
        "Delete",
    ))
    .unwrap();
    for (field, value) in spec.as_object().unwrap() {
        manifest["spec"][field] = value.clone();
    }
    let guard = TenantGuard::create(env, &serde_json::from_value(manifest).unwrap()).await;
    if let Some(status) = status {
        guard
            .api()
            .patch_status(
                name,
                &PatchParams::default(),
                &Patch::Merge(&json!({ "status": status })),
            )
            .await
            .unwrap();
    }
    guard
}

fn condition(type_: &str, status: &str, reason: &str) -> Value {
    json!({
        "type": type_, "status": status, "reason": reason, "message": "written by the test",
        "lastTransitionTime": "2025-01-01T00:00:00Z",
    })
}

/// The entitlements of `plan`, in the kit's one shape.
fn entitlements_of(plan: &str, isolation: &str) -> Value {
    let mut entitlements = entitlements(isolation, 3);
    entitlements["plan"] = json!(plan);
    entitlements
}

async fn created_at(api: &Api<Tenant>, name: &str) -> String {
    api.get(name)
        .await
        .unwrap()
        .metadata
        .creation_timestamp
        .unwrap()
        .0
        .to_string()
}

fn assert_problem(answer: (StatusCode, String, Value), want: StatusCode, code: &str) {
    let (status, content_type, body) = answer;
    assert_eq!(status, want, "{body}");
    assert_eq!(content_type, "application/problem+json", "{body}");
    assert_eq!(body["code"], code, "{body}");
}

/// The listed Tenants whose names start with `prefix`, in the order listed; and asserts that
/// the whole list (every test's Tenants on the shared API server) is sorted by name.
fn ours(list: &Value, prefix: &str) -> Vec<Value> {
    let tenants = list["tenants"].as_array().unwrap();
    let names: Vec<&str> = tenants
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(names, sorted, "sorted by name");
    tenants
        .iter()
        .filter(|t| t["name"].as_str().unwrap().starts_with(prefix))
        .cloned()
        .collect()
}

#[tokio::test]
async fn platform_admins_list_every_tenant_and_nobody_else_does() {
    let env = TestEnv::new();
    let auth = AuthServer::start(&env).await;
    install_crds(&auth.kube).await;
    let service = TenantsServer::start(&env, &auth, "").await;
    let http = reqwest::Client::new();
    let api: Api<Tenant> = Api::all(auth.kube.clone());

    // Created out of order, so the sort is the service's.
    let prefix = unique_name("listed");
    let (ready, frozen, lapsed) = (
        format!("{prefix}-a"),
        format!("{prefix}-b"),
        format!("{prefix}-c"),
    );
    // A pooled Tenant that waits for payment of pro (free is in force), suspended for a lapse
    // by the operator (the condition, not the spec).
    let _lapsed = tenant(
        &env,
        &lapsed,
        json!({ "displayName": "Lapsed Co", "plan": "pro" }),
        Some(json!({
            "phase": "Suspended",
            "conditions": [
                condition("Ready", "False", "Suspended"),
                condition("Suspended", "True", "PaymentLapsed"),
            ],
            "entitlements": entitlements_of("free", "pooled"),
        })),
    )
    .await;
    // Ready, on pro in force.
    let _ready = tenant(
        &env,
        &ready,
        json!({ "displayName": "Ready Co", "plan": "pro" }),
        Some(json!({
            "phase": "Ready",
            "conditions": [condition("Ready", "True", "Provisioned")],
            "entitlements": entitlements_of("pro", "pooled"),
        })),
    )
    .await;
    // Siloed, suspended by an admin in its spec, never seen by an operator (no status).
    let _frozen = tenant(
        &env,
        &frozen,
        json!({ "displayName": "Frozen Co", "plan": "enterprise", "isolation": "siloed", "suspended": true }),
        None,
    )
    .await;

    // Started once the Tenants exist: its directory's first list has them, so the tenant
    // tokens below are admitted and reach the service.
    let upstream = format!("tenants={}", service.base);
    let gateway = GatewayServer::start(&env, &auth.base, &["--upstream", &upstream]).await;

    let admin = sign_access_token(
        &auth,
        &unique_name("admin"),
        None,
        None,
        &["platform-admin"],
    )
    .await;
    let (status, content_type, list) =
        call(http.get(service.url("/tenants")).bearer_auth(&admin)).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(content_type, "application/json");
    assert_eq!(
        ours(&list, &prefix),
        [
            json!({
                "name": ready, "displayName": "Ready Co", "phase": "Ready",
                "plan": "pro", "planInForce": "pro", "ready": true, "suspended": false,
                "isolation": "pooled", "createdAt": created_at(&api, &ready).await,
            }),
            json!({
                "name": frozen, "displayName": "Frozen Co", "phase": null,
                "plan": "enterprise", "planInForce": null, "ready": false, "suspended": true,
                "isolation": "siloed", "createdAt": created_at(&api, &frozen).await,
            }),
            json!({
                "name": lapsed, "displayName": "Lapsed Co", "phase": "Suspended",
                "plan": "pro", "planInForce": "free", "ready": false, "suspended": true,
                "isolation": "pooled", "createdAt": created_at(&api, &lapsed).await,
            }),
        ]
    );
    // RFC 3339, UTC.
    let created = list["tenants"][0]["createdAt"].as_str().unwrap();
    assert!(
        created.parse::<jiff::Timestamp>().is_ok() && created.ends_with('Z'),
        "{created}"
    );

    // The same list through the gateway, for a platform admin outside any tenant.
    let (status, _, through) =
        call(http.get(gateway.url("/api/tenants")).bearer_auth(&admin)).await;
    assert_eq!(status, StatusCode::OK, "{through}");
    assert_eq!(ours(&through, &prefix), ours(&list, &prefix));

    // An owner or admin of a tenant, or a user without one, is not a platform admin.
    let user = unique_name("user");
    let ready_uid = api.get(&ready).await.unwrap().metadata.uid.unwrap();
    let owner = sign_access_token(&auth, &user, Some(&ready), Some(&ready_uid), &["owner"]).await;
    let tenant_admin =
        sign_access_token(&auth, &user, Some(&ready), Some(&ready_uid), &["admin"]).await;
    let nobody = sign_access_token(&auth, &user, None, None, &[]).await;
    for token in [&owner, &tenant_admin, &nobody] {
        assert_problem(
            call(http.get(service.url("/tenants")).bearer_auth(token)).await,
            StatusCode::FORBIDDEN,
            "role_required",
        );
        assert_problem(
            call(http.get(gateway.url("/api/tenants")).bearer_auth(token)).await,
            StatusCode::FORBIDDEN,
            "role_required",
        );
    }
    assert_problem(
        call(http.get(service.url("/tenants"))).await,
        StatusCode::UNAUTHORIZED,
        "token_missing",
    );

    // In the service's OpenAPI document beside sign-up, and in the gateway's merged one.
    let (status, _, openapi) = call(http.get(service.url("/tenants/openapi.json"))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(openapi["paths"]["/tenants"]["get"].is_object(), "{openapi}");
    assert!(
        openapi["paths"]["/tenants"]["post"].is_object(),
        "{openapi}"
    );
    assert!(
        openapi["components"]["schemas"]["TenantSummary"].is_object(),
        "{openapi}"
    );
    let (status, _, merged) = call(
        http.get(gateway.url("/api/openapi.json"))
            .bearer_auth(&admin),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{merged}");
    assert!(
        merged["paths"]["/api/tenants"]["get"].is_object(),
        "{merged}"
    );
}
