//! Invitations: an owner invites by email, the invitee accepts with the emailed token and becomes
//! a member (with an auth.membership.created event); members cannot invite, and a token works
//! once and only for the address it was sent to.

use std::time::Duration;

use kube::api::Api;
use reqwest::StatusCode;
use saascript_crds::Tenant;
use saascript_tests::auth_server::AuthServer;
use saascript_tests::crds::install_crds;
use saascript_tests::http::post_json;
use saascript_tests::maildir::{token_from, wait_for_mail};
use saascript_tests::{Dependency, TestEnv, unique_name};
use serde_json::{Value, json};

const PASSWORD: &str = "correct horse battery staple";

async fn user(
    http: &reqwest::Client,
    server: &AuthServer,
    tenant_role: Option<(&str, &str)>,
) -> (String, String) {
    let email = format!("{}@example.com", unique_name("inv"));
    let (_, created) = post_json(
        http,
        server.url("/auth/register"),
        json!({ "email": email, "password": PASSWORD }),
    )
    .await;
    server.mark_verified(&email).await;
    if let Some((tenant, role)) = tenant_role {
        server
            .add_member(created["id"].as_str().unwrap(), tenant, role)
            .await;
    }
    let (_, tokens) = post_json(
        http,
        server.url("/auth/login"),
        json!({ "email": email, "password": PASSWORD }),
    )
    .await;
    (email, tokens["access_token"].as_str().unwrap().to_string())
}

async fn post_as(
    http: &reqwest::Client,
    url: String,
    token: &str,
    body: Value,
) -> (StatusCode, Value) {
    let response = http
        .post(url)
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn an_owner_invites_and_the_invitee_joins_once() {
    let env = TestEnv::new();
    let server = AuthServer::start(&env).await;
    let maildir = env.endpoints.require(Dependency::SmtpMaildir).to_string();
    let mailer = server.start_mailer(
        &env,
        env.endpoints.require(Dependency::Smtp),
        3,
        Duration::from_millis(100),
    );
    let http = reqwest::Client::new();
    install_crds(&server.kube).await;
    let tenants: Api<Tenant> = Api::all(server.kube.clone());
    let tenant = unique_name("team");
    // Guarded by the server: gone when it drops, even if the test fails.
    server.create_tenant(&tenant).await;
    let (_, owner) = user(&http, &server, Some((&tenant, "owner"))).await;
    let (_, member) = user(&http, &server, Some((&tenant, "member"))).await;
    let (invitee_email, invitee) = user(&http, &server, None).await;
    let (_, stranger) = user(&http, &server, None).await;

    let (status, problem) = post_as(
        &http,
        server.url("/auth/invitations"),
        &member,
        json!({ "email": invitee_email, "role": "member" }),
    )
    .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("forbidden"))
    );
    let (status, problem) = post_as(
        &http,
        server.url("/auth/invitations"),
        &owner,
        json!({ "email": invitee_email, "role": "owner" }),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    let (status, _) = post_as(
        &http,
        server.url("/auth/invitations"),
        &owner,
        json!({ "email": invitee_email, "role": "member" }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);

    let mail = wait_for_mail(&maildir, &invitee_email, "You are invited").await;
    let token = token_from(&mail);
    // Only the invited address can use it.
    let (status, _) = post_as(
        &http,
        server.url("/auth/invitations/accept"),
        &stranger,
        json!({ "token": token }),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, joined) = post_as(
        &http,
        server.url("/auth/invitations/accept"),
        &invitee,
        json!({ "token": token }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{joined}");
    assert_eq!(joined, json!({ "tenant": tenant, "role": "member" }));
    let (status, _) = post_as(
        &http,
        server.url("/auth/invitations/accept"),
        &invitee,
        json!({ "token": token }),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "single use");

    // The new member signs in to the tenant, and the membership was announced once.
    let (status, tokens) = post_json(
        &http,
        server.url("/auth/login"),
        json!({ "email": invitee_email, "password": PASSWORD, "tenant": tenant }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let events: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM event_outbox WHERE event->>'type' = 'auth.membership.created' AND event->>'tenant' = $1",
    )
    .bind(&tenant)
    .fetch_one(&server.state.db)
    .await
    .unwrap();
    assert_eq!(events, 1);
    mailer.abort();
    let _ = tenants.delete(&tenant, &Default::default()).await;
    server.finish(&env).await;
}

#[tokio::test]
async fn the_plans_member_limit_holds_for_invitations_and_acceptances() {
    let env = TestEnv::new();
    let server = AuthServer::start(&env).await;
    let maildir = env.endpoints.require(Dependency::SmtpMaildir).to_string();
    let _mailer = server.start_mailer(
        &env,
        env.endpoints.require(Dependency::Smtp),
        3,
        Duration::from_millis(100),
    );
    let http = reqwest::Client::new();
    install_crds(&server.kube).await;
    let tenants: Api<Tenant> = Api::all(server.kube.clone());
    let tenant = unique_name("full");
    let uid = server.create_tenant_for(&tenant, 3).await;
    let (_, owner) = user(&http, &server, Some((&tenant, "owner"))).await;
    let (first_email, first) = user(&http, &server, None).await;
    let (second_email, second) = user(&http, &server, None).await;
    let (third_email, _) = user(&http, &server, None).await;

    // One member and two open invitations fill a plan of three.
    for email in [&first_email, &second_email] {
        let (status, body) = post_as(
            &http,
            server.url("/auth/invitations"),
            &owner,
            json!({ "email": email, "role": "member" }),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let (status, problem) = post_as(
        &http,
        server.url("/auth/invitations"),
        &owner,
        json!({ "email": third_email, "role": "member" }),
    )
    .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("entitlement_exceeded")),
        "{problem}"
    );

    // The plan shrinks to two before the invitees accept: the first takes the last place.
    saascript_tests::tenants::write_entitlements(&tenants, &tenant, 2).await;
    let mut outcomes = vec![];
    for (email, token) in [(&first_email, &first), (&second_email, &second)] {
        let link = token_from(&wait_for_mail(&maildir, email, "You are invited").await);
        let (status, body) = post_as(
            &http,
            server.url("/auth/invitations/accept"),
            token,
            json!({ "token": link }),
        )
        .await;
        outcomes.push((status, body["code"].as_str().map(str::to_string)));
    }
    assert_eq!(
        outcomes,
        [
            (StatusCode::OK, None),
            (StatusCode::FORBIDDEN, Some("entitlement_exceeded".into()))
        ]
    );
    // Auth's own table, read directly: two members, the refused acceptance left nothing.
    let members: i64 = sqlx::query_scalar("SELECT count(*) FROM memberships WHERE tenant_uid = $1")
        .bind(&uid)
        .fetch_one(&server.state.db)
        .await
        .unwrap();
    assert_eq!(members, 2);
}
