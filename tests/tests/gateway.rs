//! The gateway in front of the real auth service and an echo upstream, with Tenant CRs on the
//! local API server: routing, authentication, identity headers, suspension, rate limit, timeout.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use clap::Parser;
use kube::api::{Api, DeleteParams, Patch, PatchParams};
use reqwest::StatusCode;
use saascript_crds::Tenant;
use saascript_gateway::tenants::TenantDirectory;
use saascript_tests::auth_server::{AUDIENCE, AuthServer, ISSUER, WEB_ORIGIN};
use saascript_tests::crds::install_crds;
use saascript_tests::http::post_json;
use saascript_tests::operator::new_run_id;
use saascript_tests::tenants::{create_tenant, tenant_manifest};
use saascript_tests::{TestEnv, unique_name, wait};
use serde_json::{Value, json};

const PASSWORD: &str = "correct horse battery staple";

/// An upstream that answers with what it received; `/projects/slow` takes four seconds.
async fn echo_upstream() -> String {
    let app = Router::new().fallback(|request: Request| async move {
        if request.uri().path() == "/projects/slow" {
            tokio::time::sleep(Duration::from_secs(4)).await;
        }
        let headers: BTreeMap<String, String> = request
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
            .collect();
        axum::Json(json!({
            "path": request.uri().path(),
            "query": request.uri().query(),
            "headers": headers,
        }))
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{address}")
}

struct Fixture {
    env: TestEnv,
    auth: AuthServer,
    gateway: String,
    tenant: String,
    token: String,
    user_id: String,
    tenants: Api<Tenant>,
    http: reqwest::Client,
}

async fn fixture() -> Fixture {
    let env = TestEnv::new();
    let client = env.kube().await;
    install_crds(&client).await;
    let auth = AuthServer::start(&env).await;
    let echo = echo_upstream().await;
    let tenants: Api<Tenant> = Api::all(client.clone());
    let tenant = unique_name("gw");
    create_tenant(
        &tenants,
        &tenant_manifest(&tenant, &new_run_id(), "pooled", "free", "Delete"),
    )
    .await;

    let config = saascript_gateway::Config::parse_from([
        "saascript-gateway",
        "--auth-upstream",
        &auth.base,
        "--projects-upstream",
        &echo,
        "--profiles-upstream",
        &echo,
        "--jwks-url",
        &auth.url("/.well-known/jwks.json"),
        "--issuer",
        ISSUER,
        "--audience",
        AUDIENCE,
        "--web-origin",
        WEB_ORIGIN,
        "--upstream-timeout-ms",
        "1500",
        "--default-requests-per-second",
        "1000",
    ]);
    let directory = TenantDirectory::start(client);
    let state = saascript_gateway::AppState::new(&config, directory.clone());
    wait::until(
        Duration::from_secs(30),
        "the gateway's Tenant cache",
        || async { directory.lookup(&tenant).map(|_| ()) },
    )
    .await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address: SocketAddr = listener.local_addr().unwrap();
    let app = saascript_gateway::app(state, &config);
    tokio::spawn(async move { saascript_gateway::serve(app, listener).await.unwrap() });
    let gateway = format!("http://{address}");

    // A user of the tenant, signed up and in through the gateway's public routes.
    let http = reqwest::Client::new();
    let email = format!("{}@example.com", unique_name("gwuser"));
    let (status, user) = post_json(
        &http,
        format!("{gateway}/api/auth/register"),
        json!({ "email": email, "password": PASSWORD }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{user}");
    auth.mark_verified(&email).await;
    let user_id = user["id"].as_str().unwrap().to_string();
    sqlx::query(
        "INSERT INTO memberships (user_id, tenant, role) VALUES ($1::text::uuid, $2, 'owner')",
    )
    .bind(&user_id)
    .bind(&tenant)
    .execute(&auth.state.db)
    .await
    .unwrap();
    let (status, tokens) = post_json(
        &http,
        format!("{gateway}/api/auth/login"),
        json!({ "email": email, "password": PASSWORD }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let token = tokens["access_token"].as_str().unwrap().to_string();
    Fixture {
        env,
        auth,
        gateway,
        tenant,
        token,
        user_id,
        tenants,
        http,
    }
}

impl Fixture {
    async fn get(
        &self,
        path: &str,
        token: Option<&str>,
    ) -> (StatusCode, reqwest::header::HeaderMap, Value) {
        let mut request = self.http.get(format!("{}{path}", self.gateway));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        let (status, headers) = (response.status(), response.headers().clone());
        (
            status,
            headers,
            response.json().await.unwrap_or(Value::Null),
        )
    }

    async fn finish(self) {
        let _ = self
            .tenants
            .delete(&self.tenant, &DeleteParams::default())
            .await;
        self.auth.finish(&self.env).await;
    }
}

#[tokio::test]
async fn routes_authenticates_and_hands_on_a_verified_identity() {
    let f = fixture().await;

    let (status, _, problem) = f.get("/api/projects/p1", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(problem["code"], "token_missing");

    // Spoofed identity and forwarding headers are replaced by the verified ones.
    let response = f
        .http
        .get(format!("{}/api/projects/p1/tasks?state=open", f.gateway))
        .bearer_auth(&f.token)
        .header("x-saascript-tenant", "victim")
        .header("x-saascript-roles", "platform-admin")
        .header("x-forwarded-for", "6.6.6.6")
        .header("x-request-id", "trace-me-123")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["x-request-id"], "trace-me-123");
    let seen: Value = response.json().await.unwrap();
    assert_eq!(seen["path"], "/projects/p1/tasks");
    assert_eq!(seen["query"], "state=open");
    let headers = &seen["headers"];
    assert_eq!(headers["x-saascript-tenant"], f.tenant.as_str());
    assert_eq!(headers["x-saascript-user"], f.user_id.as_str());
    assert_eq!(headers["x-saascript-roles"], "owner");
    assert_eq!(headers["x-forwarded-for"], "127.0.0.1");
    assert_eq!(headers["x-request-id"], "trace-me-123");

    // Auth behind the gateway verifies the same token itself.
    let (status, _, me) = f.get("/api/auth/me", Some(&f.token)).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["tenant"], f.tenant.as_str());

    // Forged tokens are refused here too.
    let parts: Vec<&str> = f.token.split('.').collect();
    let tampered = format!("{}.{}x.{}", parts[0], parts[1], parts[2]);
    assert_eq!(
        f.get("/api/projects/p1", Some(&tampered)).await.0,
        StatusCode::UNAUTHORIZED
    );
    let unsigned = format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{}.", parts[1]);
    assert_eq!(
        f.get("/api/projects/p1", Some(&unsigned)).await.0,
        StatusCode::UNAUTHORIZED
    );

    // Routes that do not exist, and services that are not deployed.
    assert_eq!(
        f.get("/api/nothing/here", Some(&f.token)).await.0,
        StatusCode::NOT_FOUND
    );
    let (status, _, problem) = f.get("/api/billing/invoices", Some(&f.token)).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Some("upstream_not_configured")
        )
    );

    // A slow upstream is cut off with 504.
    let (status, _, problem) = f.get("/api/projects/slow", Some(&f.token)).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::GATEWAY_TIMEOUT, Some("upstream_timeout"))
    );

    // The merged OpenAPI document: auth's routes under /api.
    let (status, _, document) = f.get("/api/openapi.json", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        document["paths"]["/api/auth/login"]["post"].is_object(),
        "{document}"
    );
    assert!(document["paths"]["/api/auth/invitations"]["post"].is_object());
    assert!(document["components"]["schemas"]["TokenPair"].is_object());
    // The echo upstreams answer every path, so they count as available (with no paths).
    assert_eq!(document["x-unavailable"], json!([]));

    // CORS for the web origin.
    let preflight = f
        .http
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/api/projects/p1", f.gateway),
        )
        .header("origin", WEB_ORIGIN)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization,content-type",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        preflight.headers()["access-control-allow-origin"],
        WEB_ORIGIN
    );
    f.finish().await;
}

#[tokio::test]
async fn a_suspended_tenant_is_refused_and_the_rate_limit_answers_429() {
    let f = fixture().await;
    assert_eq!(
        f.get("/api/profiles/me", Some(&f.token)).await.0,
        StatusCode::OK
    );

    // The entitlements in force allow 2 requests per second (the operator would write this).
    let status_patch = json!({ "status": { "entitlements": {
        "plan": "free", "quota": {}, "maxProjects": 3, "maxMembers": 3, "requestsPerSecond": 2, "isolation": "pooled"
    } } });
    f.tenants
        .patch_status(
            &f.tenant,
            &PatchParams::default(),
            &Patch::Merge(&status_patch),
        )
        .await
        .unwrap();
    let (retry_after, problem) = wait::until(Duration::from_secs(20), "a 429", || async {
        for _ in 0..5 {
            let (status, headers, body) = f.get("/api/profiles/me", Some(&f.token)).await;
            if status == StatusCode::TOO_MANY_REQUESTS {
                return Some((
                    headers
                        .get("retry-after")
                        .map(|v| v.to_str().unwrap().to_string()),
                    body,
                ));
            }
        }
        None
    })
    .await;
    assert_eq!(problem["code"], "rate_limited");
    assert_eq!(retry_after.as_deref(), Some("1"));

    f.tenants
        .patch(
            &f.tenant,
            &PatchParams::default(),
            &Patch::Merge(json!({ "spec": { "suspended": true } })),
        )
        .await
        .unwrap();
    let problem = wait::until(
        Duration::from_secs(20),
        "the suspension to reach the gateway",
        || async {
            let (status, _, body) = f.get("/api/profiles/me", Some(&f.token)).await;
            (status == StatusCode::FORBIDDEN).then_some(body)
        },
    )
    .await;
    assert_eq!(problem["code"], "tenant_suspended");
    f.finish().await;
}
