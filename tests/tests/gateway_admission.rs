//! Every request that reaches an upstream has passed a rate limit: a token for no tenant is
//! limited per user, and the routes that need no token (sign-up, login, refresh, verification,
//! password reset) per client address. Both answer 429 problem+json with Retry-After.

use std::net::IpAddr;
use std::time::Duration;

use reqwest::StatusCode;
use saascript_tests::access_tokens::sign_access_token;
use saascript_tests::auth_server::AuthServer;
use saascript_tests::echo_upstream::EchoUpstream;
use saascript_tests::gateway_server::GatewayServer;
use saascript_tests::{TestEnv, unique_name, wait};
use serde_json::{Value, json};

/// An answer as a test looks at it: status, Retry-After, problem code.
#[derive(Debug)]
struct Answer {
    status: StatusCode,
    retry_after: Option<u64>,
    code: Option<String>,
}

async fn answer(response: reqwest::Response) -> Answer {
    let status = response.status();
    let retry_after = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().parse().unwrap());
    let problem = response
        .headers()
        .get("content-type")
        .is_some_and(|v| v == "application/problem+json");
    let body: Value = response.json().await.unwrap_or(Value::Null);
    Answer {
        status,
        retry_after,
        code: problem.then(|| body["code"].as_str().unwrap().to_string()),
    }
}

/// Sends `send` in bursts until one is refused with 429 (a burst outruns any rate the test
/// sets, however slow the machine), and returns that refusal.
async fn first_refusal<F, Fut>(what: &str, send: F) -> Answer
where
    F: Fn() -> Fut,
    Fut: Future<Output = Answer>,
{
    wait::until(Duration::from_secs(20), what, || async {
        for _ in 0..10 {
            let answer = send().await;
            if answer.status == StatusCode::TOO_MANY_REQUESTS {
                return Some(answer);
            }
            assert!(answer.status.is_success(), "{answer:?}");
        }
        None
    })
    .await
}

fn assert_rate_limited(refusal: &Answer) {
    assert_eq!(refusal.code.as_deref(), Some("rate_limited"), "{refusal:?}");
    assert!(
        refusal.retry_after.is_some_and(|s| s >= 1),
        "Retry-After in whole seconds: {refusal:?}"
    );
}

#[tokio::test]
async fn a_token_for_no_tenant_is_limited_per_user() {
    let env = TestEnv::new();
    let auth = AuthServer::start(&env).await;
    let echo = EchoUpstream::start().await;
    let gateway = GatewayServer::start(
        &env,
        &auth.base,
        &[
            "--upstream",
            &format!("projects={}", echo.base),
            "--user-requests-per-second",
            "2",
        ],
    )
    .await;
    let alice = sign_access_token(
        &auth,
        &unique_name("alice"),
        None,
        None,
        &["platform-admin"],
    )
    .await;
    let bob = sign_access_token(&auth, &unique_name("bob"), None, None, &["platform-admin"]).await;
    let http = reqwest::Client::new();
    let get = |token: String| {
        let request = http.get(gateway.url("/api/projects")).bearer_auth(token);
        async move { answer(request.send().await.unwrap()).await }
    };

    let refusal = first_refusal("alice's 429", || get(alice.clone())).await;
    assert_rate_limited(&refusal);
    // Per user: bob's allowance is his own.
    let bob_now = get(bob.clone()).await;
    assert_eq!(bob_now.status, StatusCode::OK, "{bob_now:?}");
    auth.finish(&env).await;
}

#[tokio::test]
async fn account_entry_routes_are_limited_per_client_address() {
    let env = TestEnv::new();
    // The account routes' upstream is the echo: what matters is what the gateway lets through.
    let echo = EchoUpstream::start().await;
    let gateway =
        GatewayServer::start(&env, &echo.base, &["--public-requests-per-second", "1"]).await;
    let client_at = |address: &str| {
        reqwest::Client::builder()
            .local_address(address.parse::<IpAddr>().unwrap())
            .build()
            .unwrap()
    };
    let (first, second) = (client_at("127.0.0.1"), client_at("127.0.0.2"));
    let login = |http: &reqwest::Client| {
        let request = http
            .post(gateway.url("/api/auth/login"))
            .json(&json!({ "email": "someone@example.com", "password": "guess" }));
        async move { answer(request.send().await.unwrap()).await }
    };

    let refusal = first_refusal("a 429 for 127.0.0.1", || login(&first)).await;
    assert_rate_limited(&refusal);
    let passed = echo.requests("/auth/login");

    // The account routes share the address's allowance. At one request per second, the next
    // is refused for about a second after a refusal: ample for one request on loopback.
    let register = answer(
        first
            .post(gateway.url("/api/auth/register"))
            .json(&json!({}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        register.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{register:?}"
    );
    // Another address has its own.
    let other = login(&second).await;
    assert_eq!(other.status, StatusCode::OK, "{other:?}");
    // Stripe's webhook is public but not an account route: never limited per address (here
    // billing is not configured, which the gateway says after admission).
    let webhook = answer(
        first
            .post(gateway.url("/api/billing/webhooks/stripe"))
            .body("{}")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(webhook.code.as_deref(), Some("upstream_not_configured"));
    // Refused requests never reached the upstream.
    assert_eq!(echo.requests("/auth/login"), passed + 1);
    assert_eq!(echo.requests("/auth/register"), 0);
}
