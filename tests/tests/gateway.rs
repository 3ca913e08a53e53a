//! The gateway in front of the real auth service and an echo upstream, with a Tenant on the
//! local API server: routing, authentication, identity headers, suspension, the tenant's rate
//! limit, and the upstream timeout.

use std::time::Duration;

use kube::api::{Patch, PatchParams};
use reqwest::StatusCode;
use saascript_tests::access_tokens::sign_access_token;
use saascript_tests::auth_server::{AuthServer, WEB_ORIGIN};
use saascript_tests::crds::install_crds;
use saascript_tests::echo_upstream::{EchoUpstream, SLOW_FOR, SLOW_PATH};
use saascript_tests::gateway_server::GatewayServer;
use saascript_tests::http::post_json;
use saascript_tests::operator::new_run_id;
use saascript_tests::tenant_guard::TenantGuard;
use saascript_tests::tenants::tenant_manifest;
use saascript_tests::{TestEnv, unique_name, wait};
use serde_json::{Value, json};

const PASSWORD: &str = "correct horse battery staple";

struct Fixture {
    env: TestEnv,
    auth: AuthServer,
    _echo: EchoUpstream,
    gateway: GatewayServer,
    tenant: TenantGuard,
    /// The owner's access token from auth: the tenant's name and uid.
    token: String,
    user_id: String,
    http: reqwest::Client,
}

async fn fixture() -> Fixture {
    let env = TestEnv::new();
    install_crds(&env.kube().await).await;
    let auth = AuthServer::start(&env).await;
    let echo = EchoUpstream::start().await;
    let tenant = TenantGuard::create(
        &env,
        &tenant_manifest(
            &unique_name("gw"),
            &new_run_id(),
            "pooled",
            "free",
            "Delete",
        ),
    )
    .await;
    let gateway = GatewayServer::start(
        &env,
        &auth.base,
        &[
            "--upstream",
            &format!("projects={}", echo.base),
            "--upstream",
            &format!("profiles={}", echo.base),
            "--upstream",
            &format!("tenants={}", echo.base),
            "--default-requests-per-second",
            "1000",
        ],
    )
    .await;
    gateway
        .wait_for_tenant(&tenant.name, "the gateway's Tenant cache", |_| true)
        .await;

    // An owner of the tenant, signed up and in through the gateway's public routes: auth's
    // token names the tenant and its uid, which the gateway checks against the live Tenant.
    let http = reqwest::Client::new();
    let email = format!("{}@example.com", unique_name("gwuser"));
    let (status, user) = post_json(
        &http,
        gateway.url("/api/auth/register"),
        json!({ "email": email, "password": PASSWORD }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{user}");
    auth.mark_verified(&email).await;
    let user_id = user["id"].as_str().unwrap().to_string();
    auth.add_member(&user_id, &tenant.name, "owner").await;
    let (status, tokens) = post_json(
        &http,
        gateway.url("/api/auth/login"),
        json!({ "email": email, "password": PASSWORD }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let token = tokens["access_token"].as_str().unwrap().to_string();
    Fixture {
        env,
        auth,
        _echo: echo,
        gateway,
        tenant,
        token,
        user_id,
        http,
    }
}

impl Fixture {
    async fn get(
        &self,
        path: &str,
        token: Option<&str>,
    ) -> (StatusCode, reqwest::header::HeaderMap, Value) {
        get(&self.http, &self.gateway.url(path), token).await
    }

    async fn finish(self) {
        self.auth.finish(&self.env).await;
    }
}

async fn get(
    http: &reqwest::Client,
    url: &str,
    token: Option<&str>,
) -> (StatusCode, reqwest::header::HeaderMap, Value) {
    let mut request = http.get(url);
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

#[tokio::test]
async fn routes_authenticates_and_hands_on_a_verified_identity() {
    let f = fixture().await;

    let (status, _, problem) = f.get("/api/projects/p1", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(problem["code"], "token_missing");

    // Spoofed identity and forwarding headers are replaced by the verified ones.
    let response = f
        .http
        .get(f.gateway.url("/api/projects/p1/tasks?state=open"))
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
    assert_eq!(headers["x-saascript-tenant"], f.tenant.name.as_str());
    assert_eq!(headers["x-saascript-user"], f.user_id.as_str());
    assert_eq!(headers["x-saascript-roles"], "owner");
    assert_eq!(headers["x-forwarded-for"], "127.0.0.1");
    assert_eq!(headers["x-request-id"], "trace-me-123");

    // Auth behind the gateway verifies the same token itself.
    let (status, _, me) = f.get("/api/auth/me", Some(&f.token)).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["tenant"], f.tenant.name.as_str());

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
        .request(reqwest::Method::OPTIONS, f.gateway.url("/api/projects/p1"))
        .header("origin", WEB_ORIGIN)
        .header("access-control-request-method", "PUT")
        .header(
            "access-control-request-headers",
            "authorization,content-type,if-match,idempotency-key",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        preflight.headers()["access-control-allow-origin"],
        WEB_ORIGIN
    );
    // The web UI sends If-Match (profiles) and Idempotency-Key (sign-up, billing) ...
    let allowed = preflight.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    for header in [
        "authorization",
        "content-type",
        "if-match",
        "idempotency-key",
    ] {
        assert!(allowed.contains(header), "{header} not allowed: {allowed}");
    }
    // ... and reads the ETag and a download's file name back.
    let answer = f
        .http
        .get(f.gateway.url("/.well-known/jwks.json"))
        .header("origin", WEB_ORIGIN)
        .send()
        .await
        .unwrap();
    let exposed = answer.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    for header in ["etag", "content-disposition", "retry-after"] {
        assert!(exposed.contains(header), "{header} not exposed: {exposed}");
    }
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
    f.tenant
        .api()
        .patch_status(
            &f.tenant.name,
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

    f.tenant
        .api()
        .patch(
            &f.tenant.name,
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

    // Lifted, then suspended by the operator for a payment lapse: the Suspended condition.
    f.tenant
        .api()
        .patch(
            &f.tenant.name,
            &PatchParams::default(),
            &Patch::Merge(json!({ "spec": { "suspended": false } })),
        )
        .await
        .unwrap();
    wait::until(
        Duration::from_secs(20),
        "the lifted suspension to reach the gateway",
        || async {
            let (status, _, _) = f.get("/api/profiles/me", Some(&f.token)).await;
            // 429 is the rate limit of 2 per second, which is not suspension.
            matches!(status, StatusCode::OK | StatusCode::TOO_MANY_REQUESTS).then_some(())
        },
    )
    .await;
    let lapsed = json!({ "status": { "conditions": [{
        "type": "Suspended", "status": "True", "reason": "PaymentLapsed",
        "message": "payment lapsed past the grace period",
        "lastTransitionTime": "2026-01-01T00:00:00Z",
    }] } });
    f.tenant
        .api()
        .patch_status(
            &f.tenant.name,
            &PatchParams::default(),
            &Patch::Merge(&lapsed),
        )
        .await
        .unwrap();
    let problem = wait::until(
        Duration::from_secs(20),
        "the Suspended condition to reach the gateway",
        || async {
            let (status, _, body) = f.get("/api/profiles/me", Some(&f.token)).await;
            (status == StatusCode::FORBIDDEN).then_some(body)
        },
    )
    .await;
    assert_eq!(problem["code"], "tenant_suspended");
    // The tenant's own view stays reachable, so that the UI can say why it is suspended; the
    // product's routes do not, reads included.
    let own_view = wait::until(
        Duration::from_secs(20),
        "the suspended tenant's own view",
        || async {
            let (status, _, _) = f.get("/api/tenants/current", Some(&f.token)).await;
            // 429 is the rate limit of 2 per second, which is not suspension.
            (status != StatusCode::TOO_MANY_REQUESTS).then_some(status)
        },
    )
    .await;
    assert_eq!(own_view, StatusCode::OK);
    let problem = wait::until(Duration::from_secs(20), "a refused read", || async {
        let (status, _, body) = f.get("/api/projects", Some(&f.token)).await;
        (status != StatusCode::TOO_MANY_REQUESTS).then_some((status, body))
    })
    .await;
    assert_eq!(
        (problem.0, problem.1["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("tenant_suspended"))
    );
    f.finish().await;
}

#[tokio::test]
async fn a_slow_upstream_is_cut_off_with_504() {
    let env = TestEnv::new();
    let auth = AuthServer::start(&env).await;
    let echo = EchoUpstream::start().await;
    // The one gateway of the tests with a short upstream timeout: this test is about it.
    let timeout = Duration::from_millis(1500);
    assert!(timeout < SLOW_FOR);
    let gateway = GatewayServer::start(
        &env,
        &auth.base,
        &[
            "--upstream",
            &format!("projects={}", echo.base),
            "--upstream-timeout-ms",
            &timeout.as_millis().to_string(),
        ],
    )
    .await;
    let token = sign_access_token(
        &auth,
        &unique_name("admin"),
        None,
        None,
        &["platform-admin"],
    )
    .await;
    let http = reqwest::Client::new();
    let (status, _, problem) = get(
        &http,
        &gateway.url(&format!("/api{SLOW_PATH}")),
        Some(&token),
    )
    .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::GATEWAY_TIMEOUT, Some("upstream_timeout"))
    );
    assert_eq!(
        echo.requests(SLOW_PATH),
        1,
        "the request reached the upstream"
    );
    auth.finish(&env).await;
}
