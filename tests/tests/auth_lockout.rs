//! Login throttling in Redis: per account (whether or not it exists) and per IP (an IPv6 client
//! by its /64), with back-off, answered with 429 and Retry-After.

use std::time::Duration;

use reqwest::StatusCode;
use saascript_auth::throttle::ThrottleSettings;
use saascript_tests::auth_server::AuthServer;
use saascript_tests::{TestEnv, unique_name, wait};
use serde_json::{Value, json};

const PASSWORD: &str = "correct horse battery staple";

fn settings(account_failures: u32, ip_failures: u32) -> ThrottleSettings {
    ThrottleSettings {
        account_failures,
        ip_failures,
        base_lock: Duration::from_secs(1),
        max_lock: Duration::from_secs(4),
        window: Duration::from_secs(60),
        ..ThrottleSettings::default()
    }
}

/// A documentation-range IPv6 address of its own, as the gateway (which the test kit's auth
/// server trusts) would report a client.
fn own_ip() -> String {
    // A /64 of its own: auth counts an IPv6 client by its /64.
    format!(
        "2001:db8:{:x}:{:x}::1",
        rand::random::<u16>(),
        rand::random::<u16>()
    )
}

async fn login(
    http: &reqwest::Client,
    server: &AuthServer,
    ip: &str,
    email: &str,
    password: &str,
) -> (StatusCode, Option<String>, Value) {
    let response = http
        .post(server.url("/auth/login"))
        .header("x-forwarded-for", ip)
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let retry_after = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_string());
    (
        status,
        retry_after,
        response.json().await.unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn an_account_locks_after_repeated_failures_and_unlocks_after_the_back_off() {
    let env = TestEnv::new();
    let server = AuthServer::start_with(&env, settings(3, 1000)).await;
    let http = reqwest::Client::new();
    let ip = own_ip();
    let email = format!("{}@example.com", unique_name("lock"));
    http.post(server.url("/auth/register"))
        .json(&json!({ "email": email, "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    server.mark_verified(&email).await;

    for _ in 0..3 {
        assert_eq!(
            login(&http, &server, &ip, &email, "wrong password!!")
                .await
                .0,
            StatusCode::UNAUTHORIZED
        );
    }
    // Locked: even the right password is refused, with a Retry-After.
    let (status, retry_after, problem) = login(&http, &server, &ip, &email, PASSWORD).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(problem["code"], "too_many_attempts");
    assert_eq!(retry_after.as_deref(), Some("1"));

    // An unknown account behaves exactly the same, so lockout reveals nothing.
    let nobody = format!("{}@example.com", unique_name("nobody"));
    for _ in 0..3 {
        assert_eq!(
            login(&http, &server, &ip, &nobody, "wrong password!!")
                .await
                .0,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        login(&http, &server, &ip, &nobody, PASSWORD).await.0,
        StatusCode::TOO_MANY_REQUESTS
    );

    // The lock lifts after its back-off, and the right password works again.
    let (status, _, _) = wait::until(Duration::from_secs(10), "the lock to lift", || async {
        let result = login(&http, &server, &ip, &email, PASSWORD).await;
        (result.0 != StatusCode::TOO_MANY_REQUESTS).then_some(result)
    })
    .await;
    assert_eq!(status, StatusCode::OK);
    server.finish(&env).await;
}

#[tokio::test]
async fn one_ip_trying_many_accounts_is_locked_out() {
    let env = TestEnv::new();
    let server = AuthServer::start_with(&env, settings(100, 4)).await;
    let http = reqwest::Client::new();
    let ip = own_ip();
    for _ in 0..4 {
        let email = format!("{}@example.com", unique_name("spray"));
        assert_eq!(
            login(&http, &server, &ip, &email, "guessed password")
                .await
                .0,
            StatusCode::UNAUTHORIZED
        );
    }
    let email = format!("{}@example.com", unique_name("spray"));
    let (status, _, problem) = login(&http, &server, &ip, &email, "guessed password").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{problem}");
    // Another address of the same IPv6 /64 is the same client, and stays locked.
    let neighbour = ip.replace("::1", "::2");
    let (status, _, _) = login(&http, &server, &neighbour, &email, "guessed password").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{neighbour}");
    // Another client is not affected.
    let (status, _, _) = login(&http, &server, &own_ip(), &email, "guessed password").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    server.finish(&env).await;
}
