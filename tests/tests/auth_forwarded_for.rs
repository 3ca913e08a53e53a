//! Login throttling counts against the TCP peer unless the peer is a trusted proxy (the
//! gateway): a caller that reaches auth directly cannot pick, with a forged X-Forwarded-For, the
//! address its failures count against, so it can neither lock out someone else's address nor
//! dodge its own limit. Each party calls from an address of its own on the loopback network.

use std::net::IpAddr;
use std::time::Duration;

use reqwest::StatusCode;
use saascript_auth::throttle::ThrottleSettings;
use saascript_tests::auth_server::{AuthOptions, AuthServer, test_throttle};
use saascript_tests::{TestEnv, unique_name};
use serde_json::json;

/// The gateway, the only trusted proxy.
const GATEWAY: &str = "127.0.0.3";
/// A caller that reaches auth directly, around the gateway.
const DIRECT: &str = "127.0.0.2";
/// A client behind the gateway, whose address the direct caller forges.
const VICTIM: &str = "198.51.100.7";

fn client_from(address: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(address.parse::<IpAddr>().unwrap())
        .build()
        .unwrap()
}

async fn login(http: &reqwest::Client, server: &AuthServer, forwarded_for: &str) -> StatusCode {
    http.post(server.url("/auth/login"))
        .header("x-forwarded-for", forwarded_for)
        // A fresh address each time: only the per-address limit can lock.
        .json(&json!({
            "email": format!("{}@example.com", unique_name("spray")),
            "password": "guessed password",
        }))
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn a_forged_forwarded_for_counts_against_the_caller_itself() {
    let env = TestEnv::new();
    let server = AuthServer::start_with_options(
        &env,
        AuthOptions {
            throttle: test_throttle(ThrottleSettings {
                account_failures: 100,
                ip_failures: 3,
                base_lock: Duration::from_secs(60),
                ..ThrottleSettings::default()
            }),
            trusted_proxies: GATEWAY.parse().unwrap(),
            ..AuthOptions::default()
        },
    )
    .await;
    let (direct, gateway) = (client_from(DIRECT), client_from(GATEWAY));

    // Three failures with the victim's address forged: each one claims another client.
    for _ in 0..3 {
        assert_eq!(
            login(&direct, &server, VICTIM).await,
            StatusCode::UNAUTHORIZED
        );
    }
    // The victim, through the gateway, is not locked out.
    assert_eq!(
        login(&gateway, &server, VICTIM).await,
        StatusCode::UNAUTHORIZED,
        "the forged failures must not count against the victim"
    );
    // The direct caller is, whatever address it claims now.
    for forged in ["203.0.113.1", "2001:db8::1", VICTIM] {
        assert_eq!(
            login(&direct, &server, forged).await,
            StatusCode::TOO_MANY_REQUESTS,
            "claiming {forged} must not dodge the caller's own limit"
        );
    }
    // The gateway's word about another client is believed: that client is not locked.
    assert_eq!(
        login(&gateway, &server, "203.0.113.2").await,
        StatusCode::UNAUTHORIZED
    );

    // And the gateway's word makes the limit per client: the victim's own failures lock it.
    for _ in 0..2 {
        assert_eq!(
            login(&gateway, &server, VICTIM).await,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        login(&gateway, &server, VICTIM).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    server.finish(&env).await;
}
