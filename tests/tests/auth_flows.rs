//! The auth service over HTTP on a real PostgreSQL: register, log in, refresh with rotation,
//! reuse detection that revokes the family, logout, tenant tokens, key rotation and expiry.

use std::sync::atomic::Ordering;
use std::time::Duration;

use kube::api::Api;
use reqwest::StatusCode;
use saascript_common::jwt::{JwtVerifier, VerifierSettings};
use saascript_crds::Tenant;
use saascript_tests::auth_server::{AUDIENCE, AuthServer, ISSUER};
use saascript_tests::crds::install_crds;
use saascript_tests::http::post_json;
use saascript_tests::{TestEnv, unique_name};
use serde_json::{Value, json};

const PASSWORD: &str = "correct horse battery staple";

async fn me(http: &reqwest::Client, server: &AuthServer, access: &str) -> (StatusCode, Value) {
    let response = http
        .get(server.url("/auth/me"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn email() -> String {
    format!("{}@example.com", unique_name("user"))
}

#[tokio::test]
async fn register_login_refresh_reuse_and_logout() {
    let env = TestEnv::new();
    let server = AuthServer::start(&env).await;
    let http = reqwest::Client::new();
    let email = email();

    let (status, user) = post_json(
        &http,
        server.url("/auth/register"),
        json!({ "email": email, "password": PASSWORD }),
    )
    .await;
    server.mark_verified(&email).await;
    assert_eq!(status, StatusCode::CREATED, "{user}");
    let (status, tokens) = post_json(
        &http,
        server.url("/auth/login"),
        json!({ "email": email, "password": PASSWORD }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 900);
    let access = tokens["access_token"].as_str().unwrap();
    let (status, who) = me(&http, &server, access).await;
    assert_eq!(status, StatusCode::OK, "{who}");
    assert_eq!(who["email"], email.as_str());
    assert_eq!(who["id"], user["id"]);

    // Refresh rotates: a new pair, and the old refresh token is used up.
    let first_refresh = tokens["refresh_token"].as_str().unwrap().to_string();
    let (status, rotated) = post_json(
        &http,
        server.url("/auth/refresh"),
        json!({ "refresh_token": first_refresh }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{rotated}");
    let second_refresh = rotated["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(second_refresh, first_refresh);
    assert_eq!(
        me(&http, &server, rotated["access_token"].as_str().unwrap())
            .await
            .0,
        StatusCode::OK
    );

    // Reusing the old token revokes the whole family, including the newest token.
    let (status, problem) = post_json(
        &http,
        server.url("/auth/refresh"),
        json!({ "refresh_token": first_refresh }),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(problem["code"], "refresh_token_reused");
    let (status, problem) = post_json(
        &http,
        server.url("/auth/refresh"),
        json!({ "refresh_token": second_refresh }),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the family is revoked");
    assert_eq!(problem["code"], "refresh_token_invalid");

    // Logout ends a fresh session.
    let (_, again) = post_json(
        &http,
        server.url("/auth/login"),
        json!({ "email": email, "password": PASSWORD }),
    )
    .await;
    let refresh = again["refresh_token"].as_str().unwrap();
    let response = http
        .post(server.url("/auth/logout"))
        .json(&json!({ "refresh_token": refresh }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let (status, _) = post_json(
        &http,
        server.url("/auth/refresh"),
        json!({ "refresh_token": refresh }),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    server.finish(&env).await;
}

#[tokio::test]
async fn bad_input_and_bad_credentials_get_clear_problems() {
    let env = TestEnv::new();
    let server = AuthServer::start(&env).await;
    let http = reqwest::Client::new();
    let email = email();

    let (status, problem) = post_json(
        &http,
        server.url("/auth/register"),
        json!({ "email": email, "password": "short" }),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["code"], "invalid_input");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("at least 12 characters")
    );
    let (status, _) = post_json(
        &http,
        server.url("/auth/register"),
        json!({ "email": "not-an-email", "password": PASSWORD }),
    )
    .await;
    server.mark_verified(&email).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // Unique without regard to case.
    post_json(
        &http,
        server.url("/auth/register"),
        json!({ "email": email, "password": PASSWORD }),
    )
    .await;
    server.mark_verified(&email).await;
    let (status, problem) = post_json(
        &http,
        server.url("/auth/register"),
        json!({ "email": email.to_uppercase(), "password": PASSWORD }),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(problem["code"], "email_taken");
    // Logging in works in any case too.
    let (status, _) = post_json(
        &http,
        server.url("/auth/login"),
        json!({ "email": email.to_uppercase(), "password": PASSWORD }),
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    // A wrong password and an unknown account get the very same answer.
    let (s1, wrong) = post_json(
        &http,
        server.url("/auth/login"),
        json!({ "email": email, "password": "wrong password!!" }),
    )
    .await;
    let (s2, unknown) = post_json(
        &http,
        server.url("/auth/login"),
        // An address of its own: a shared one would lock up after a few runs.
        json!({ "email": format!("{}@example.com", unique_name("nobody")), "password": PASSWORD }),
    )
    .await;
    assert_eq!(
        (s1, s2),
        (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED)
    );
    assert_eq!(wrong, unknown);

    // A malformed body is a 4xx, never a 500.
    let response = http
        .post(server.url("/auth/login"))
        .body("{not json")
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert!(response.status().is_client_error(), "{}", response.status());
    server.finish(&env).await;
}

#[tokio::test]
async fn a_member_gets_a_tenant_token_and_a_stranger_is_refused() {
    let env = TestEnv::new();
    let server = AuthServer::start(&env).await;
    let http = reqwest::Client::new();
    let email = email();
    let (_, user) = post_json(
        &http,
        server.url("/auth/register"),
        json!({ "email": email, "password": PASSWORD }),
    )
    .await;
    server.mark_verified(&email).await;
    install_crds(&server.kube).await;
    let tenants: Api<Tenant> = Api::all(server.kube.clone());
    let acme = unique_name("acme");
    // Guarded by the server: gone when it drops, even if the test fails.
    server.create_tenant(&acme).await;
    server
        .add_member(user["id"].as_str().unwrap(), &acme, "owner")
        .await;

    let (status, tokens) = post_json(
        &http,
        server.url("/auth/login"),
        json!({ "email": email, "password": PASSWORD }),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (_, who) = me(&http, &server, tokens["access_token"].as_str().unwrap()).await;
    assert_eq!(
        who["tenant"],
        acme.as_str(),
        "the only membership is the default"
    );
    assert_eq!(who["roles"], json!(["owner"]));
    assert_eq!(
        who["memberships"],
        json!([{ "tenant": acme, "role": "owner" }])
    );

    let (status, problem) = post_json(
        &http,
        server.url("/auth/login"),
        json!({ "email": email, "password": PASSWORD, "tenant": "globex" }),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(problem["code"], "not_a_member");
    let _ = tenants.delete(&acme, &Default::default()).await;
    server.finish(&env).await;
}

#[tokio::test]
async fn rotated_keys_keep_verifying_their_tokens_and_expired_tokens_are_refused() {
    let env = TestEnv::new();
    let server = AuthServer::start(&env).await;
    let http = reqwest::Client::new();
    let email = email();
    post_json(
        &http,
        server.url("/auth/register"),
        json!({ "email": email, "password": PASSWORD }),
    )
    .await;
    server.mark_verified(&email).await;
    let (_, before) = post_json(
        &http,
        server.url("/auth/login"),
        json!({ "email": email, "password": PASSWORD }),
    )
    .await;
    let old_token = before["access_token"].as_str().unwrap().to_string();

    let new_kid = server.state.keys.rotate().await.unwrap();
    let (_, after) = post_json(
        &http,
        server.url("/auth/login"),
        json!({ "email": email, "password": PASSWORD }),
    )
    .await;
    let new_token = after["access_token"].as_str().unwrap().to_string();
    let header = jsonwebtoken::decode_header(&new_token).unwrap();
    assert_eq!(header.kid.as_deref(), Some(new_kid.as_str()));

    // Auth itself verifies the new key's token at once, before anyone has fetched the JWKS (its
    // verifier reads its own key store), and the old key's token still.
    let (status, who) = me(&http, &server, &new_token).await;
    assert_eq!(status, StatusCode::OK, "{who}");
    let (status, who) = me(&http, &server, &old_token).await;
    assert_eq!(status, StatusCode::OK, "{who}");

    // Another service verifies both through the published JWKS.
    let jwks: Value = http
        .get(server.url("/.well-known/jwks.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        jwks["keys"].as_array().unwrap().len(),
        2,
        "the retired key stays while its tokens live"
    );
    let verifier = JwtVerifier::new(VerifierSettings {
        jwks_url: server.url("/.well-known/jwks.json"),
        issuer: ISSUER.into(),
        audience: AUDIENCE.into(),
        refetch_interval: Duration::from_secs(1),
        leeway: Duration::from_secs(5),
    });
    assert!(verifier.verify(&old_token).await.is_ok());
    assert!(verifier.verify(&new_token).await.is_ok());

    // Sixteen minutes later the access token has expired, here and at the other service.
    server.clock_offset.store(-16 * 60, Ordering::SeqCst);
    let (_, stale) = post_json(
        &http,
        server.url("/auth/login"),
        json!({ "email": email, "password": PASSWORD }),
    )
    .await;
    let stale = stale["access_token"].as_str().unwrap();
    let (status, problem) = me(&http, &server, stale).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(problem["code"], "token_expired");
    assert!(verifier.verify(stale).await.is_err());
    server.finish(&env).await;
}
