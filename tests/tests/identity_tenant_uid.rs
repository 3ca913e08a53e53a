//! Identity is bound to the Tenant's uid, not its name. After a Tenant is deleted and another
//! organisation creates one of the same name, nothing of the old owner's acts for the new one:
//! not their refresh token, not a fresh login, not a pending invitation; their old access token
//! carries the old uid (for the gateway to refuse), and their membership, sessions and the
//! invitation are removed from auth's tables.

use std::time::Duration;

use kube::api::Api;
use reqwest::StatusCode;
use saascript_common::jwt::{Claims, JwtVerifier, VerifierSettings};
use saascript_crds::Tenant;
use saascript_tests::auth_server::{AUDIENCE, AuthServer, ISSUER};
use saascript_tests::crds::install_crds;
use saascript_tests::gateway_server::GatewayServer;
use saascript_tests::http::post_json;
use saascript_tests::tenants::delete_and_wait;
use saascript_tests::{TestEnv, unique_name, wait};
use serde_json::{Value, json};

const PASSWORD: &str = "correct horse battery staple";

async fn user(http: &reqwest::Client, server: &AuthServer, email: &str) -> String {
    server.register_verified(http, email, PASSWORD).await
}

async fn login(http: &reqwest::Client, server: &AuthServer, body: Value) -> (StatusCode, Value) {
    post_json(http, server.url("/auth/login"), body).await
}

async fn count(server: &AuthServer, sql: &'static str, user_id: &str) -> i64 {
    sqlx::query_scalar(sql)
        .bind(user_id)
        .fetch_one(&server.state.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_tenant_recreated_under_its_name_is_another_organisation() {
    let env = TestEnv::new();
    let server = AuthServer::start(&env).await;
    install_crds(&server.kube).await;
    let tenants: Api<Tenant> = Api::all(server.kube.clone());
    let http = reqwest::Client::new();
    let verifier = JwtVerifier::new(VerifierSettings {
        jwks_url: server.url("/.well-known/jwks.json"),
        issuer: ISSUER.into(),
        audience: AUDIENCE.into(),
        refetch_interval: Duration::from_secs(1),
        leeway: Duration::from_secs(5),
    });
    let claims = |token: &Value| {
        let token = token.as_str().unwrap().to_string();
        let verifier = &verifier;
        async move { verifier.verify(&token).await.unwrap() }
    };

    // A owns the first Tenant of the name, signs in, and invites C.
    let name = unique_name("reused");
    let old_uid = server.create_tenant(&name).await;
    let a_email = format!("{}@example.com", unique_name("a"));
    let a = user(&http, &server, &a_email).await;
    server.add_member(&a, &name, "owner").await;
    let (status, a_tokens) = login(
        &http,
        &server,
        json!({ "email": a_email, "password": PASSWORD }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{a_tokens}");
    let a_claims: Claims = claims(&a_tokens["access_token"]).await;
    assert_eq!(a_claims.tenant.as_deref(), Some(name.as_str()));
    assert_eq!(a_claims.tenant_uid.as_deref(), Some(old_uid.as_str()));
    let c_email = format!("{}@example.com", unique_name("c"));
    let c = user(&http, &server, &c_email).await;
    let response = http
        .post(server.url("/auth/invitations"))
        .bearer_auth(a_tokens["access_token"].as_str().unwrap())
        .json(&json!({ "email": c_email, "role": "member" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let invitation = invitation_token(&server).await;

    // The Tenant is deleted, and B's organisation takes the name.
    delete_and_wait(&tenants, &name).await;
    let new_uid = server.create_tenant(&name).await;
    assert_ne!(new_uid, old_uid);
    let b_email = format!("{}@example.com", unique_name("b"));
    let b = user(&http, &server, &b_email).await;
    server.add_member(&b, &name, "owner").await;

    // A's refresh token is refused.
    let (status, problem) = post_json(
        &http,
        server.url("/auth/refresh"),
        json!({ "refresh_token": a_tokens["refresh_token"] }),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{problem}");
    assert_eq!(problem["code"], "refresh_token_invalid");

    // A's password still works, but acts for no tenant; asking for the name is refused.
    let (status, fresh) = login(
        &http,
        &server,
        json!({ "email": a_email, "password": PASSWORD }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{fresh}");
    let fresh_claims = claims(&fresh["access_token"]).await;
    assert_eq!(fresh_claims.tenant, None, "{fresh_claims:?}");
    assert_eq!(fresh_claims.tenant_uid, None);
    assert!(fresh_claims.roles.is_empty(), "{fresh_claims:?}");
    let (status, problem) = login(
        &http,
        &server,
        json!({ "email": a_email, "password": PASSWORD, "tenant": name }),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{problem}");
    assert_eq!(problem["code"], "not_a_member");

    // A's old access token, still unexpired, is refused at the gateway: it names the old uid.
    let gateway = GatewayServer::start(&env, &server.base, &[]).await;
    let response = http
        .get(gateway.url("/api/auth/me"))
        .bearer_auth(a_tokens["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let problem: serde_json::Value = response.json().await.unwrap();
    assert_eq!(problem["code"], "tenant_changed", "{problem}");

    // C's pending invitation admits to nothing.
    let response = http
        .post(server.url("/auth/invitations/accept"))
        .bearer_auth(
            login(
                &http,
                &server,
                json!({ "email": c_email, "password": PASSWORD }),
            )
            .await
            .1["access_token"]
                .as_str()
                .unwrap(),
        )
        .json(&json!({ "token": invitation }))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let problem: Value = response.json().await.unwrap();
    assert!(
        matches!(
            problem["code"].as_str(),
            Some("tenant_gone" | "email_token_invalid")
        ),
        "{status} {problem}"
    );

    // A's membership, sessions bound to the old Tenant, and the invitation are removed.
    wait::until(
        Duration::from_secs(20),
        "A's membership, sessions and invitation to be removed",
        || async {
            let memberships = count(&server, "SELECT count(*) FROM memberships WHERE user_id = $1::text::uuid", &a).await;
            let sessions = count(&server, "SELECT count(*) FROM refresh_tokens WHERE user_id = $1::text::uuid AND tenant IS NOT NULL", &a).await;
            let invitations = count(&server, "SELECT count(*) FROM invitations WHERE invited_by = $1::text::uuid", &a).await;
            (memberships + sessions + invitations == 0).then_some(())
        },
    )
    .await;
    assert_eq!(
        count(
            &server,
            "SELECT count(*) FROM memberships WHERE user_id = $1::text::uuid",
            &c
        )
        .await,
        0,
        "C joined nothing"
    );

    // B's membership is untouched, and B's token carries the new uid.
    let (status, b_tokens) = login(
        &http,
        &server,
        json!({ "email": b_email, "password": PASSWORD }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{b_tokens}");
    let b_claims = claims(&b_tokens["access_token"]).await;
    assert_eq!(b_claims.tenant.as_deref(), Some(name.as_str()));
    assert_eq!(b_claims.tenant_uid.as_deref(), Some(new_uid.as_str()));
    assert_eq!(b_claims.roles, ["owner"]);

    let _ = tenants.delete(&name, &Default::default()).await;
    server.finish(&env).await;
}

/// The token of the last email task, from its sealed outbox row (the kit holds the server's
/// task key, as the mailer does): no mail server needed.
async fn invitation_token(server: &AuthServer) -> String {
    let payload: String = sqlx::query_scalar(
        "SELECT payload::text FROM task_outbox ORDER BY created_at DESC LIMIT 1",
    )
    .fetch_one(&server.state.db)
    .await
    .unwrap();
    let email = server.open_task(payload.as_bytes());
    let text = email["text"].as_str().unwrap();
    let start = text.find("?token=").unwrap() + "?token=".len();
    text[start..]
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect()
}
