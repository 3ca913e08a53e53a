//! End to end with the real auth service: an owner invites a user, who accepts; auth records
//! `auth.membership.created` in its outbox, its relay publishes it to Kafka, and the profiles
//! consumer gives the new member a default profile. The member then logs in to the tenant and
//! reads that profile with auth's own access token (verified against auth's JWKS).

use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use reqwest::StatusCode;
use saascript_tests::auth_server::AuthServer;
use saascript_tests::crds::install_crds;
use saascript_tests::http::post_json;
use saascript_tests::maildir::{token_from, wait_for_mail};
use saascript_tests::profiles_server::ProfilesServer;
use saascript_tests::{Dependency, TestEnv, unique_name, wait};
use serde_json::{Value, json};

const PASSWORD: &str = "correct horse battery staple";

/// A verified user (made a member of `tenant` with `role` directly, when given); returns the
/// user's id, email and a tenant-less access token.
async fn user(
    http: &reqwest::Client,
    auth: &AuthServer,
    tenant_role: Option<(&str, &str)>,
) -> (String, String, String) {
    let email = format!("{}@example.com", unique_name("prof"));
    let id = auth.register_verified(http, &email, PASSWORD).await;
    if let Some((tenant, role)) = tenant_role {
        auth.add_member(&id, tenant, role).await;
    }
    let (status, tokens) = post_json(
        http,
        auth.url("/auth/login"),
        json!({ "email": email, "password": PASSWORD }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    (
        id,
        email,
        tokens["access_token"].as_str().unwrap().to_string(),
    )
}

async fn post_as(http: &reqwest::Client, url: String, token: &str, body: Value) -> StatusCode {
    http.post(url)
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn a_member_who_joins_through_auth_gets_a_default_profile() {
    let env = TestEnv::new();
    let dynamodb = env.dynamodb().await;
    let auth = AuthServer::start(&env).await;
    let maildir = env.endpoints.require(Dependency::SmtpMaildir).to_string();
    let mailer = auth.start_mailer(
        &env,
        env.endpoints.require(Dependency::Smtp),
        3,
        Duration::from_millis(100),
    );
    let profiles = ProfilesServer::start_with_jwks(&env, &auth.url("/.well-known/jwks.json")).await;
    let http = reqwest::Client::new();
    install_crds(&auth.kube).await;
    let tenant = unique_name("team");
    let tenant_uid = auth.create_tenant(&tenant).await;
    profiles.wait_known(&tenant, &tenant_uid).await;

    // The owner invites; the invitee accepts the emailed token.
    let (_, _, owner) = user(&http, &auth, Some((&tenant, "owner"))).await;
    let (invitee_id, invitee_email, invitee) = user(&http, &auth, None).await;
    let invited = post_as(
        &http,
        auth.url("/auth/invitations"),
        &owner,
        json!({ "email": invitee_email, "role": "member" }),
    )
    .await;
    assert_eq!(invited, StatusCode::CREATED);
    let mail = wait_for_mail(&maildir, &invitee_email, "You are invited").await;
    let accepted = post_as(
        &http,
        auth.url("/auth/invitations/accept"),
        &invitee,
        json!({ "token": token_from(&mail) }),
    )
    .await;
    assert_eq!(accepted, StatusCode::OK);

    // auth's relay publishes its outbox to the topic profiles consumes.
    let producer = saascript_common::event_outbox::producer(env.kafka_brokers()).unwrap();
    let published = saascript_common::event_outbox::relay_once(
        &auth.state.db,
        &producer,
        &profiles.events_topic,
    )
    .await
    .unwrap();
    assert!(published >= 1, "auth published its events");
    wait::until(
        Duration::from_secs(60),
        "the new member's default profile",
        || {
            let (dynamodb, table) = (&dynamodb, &profiles.shared_table);
            let (tenant, user) = (&tenant, &invitee_id);
            async move {
                dynamodb
                    .get_item()
                    .table_name(table)
                    .key("pk", AttributeValue::S(format!("TENANT#{tenant}")))
                    .key("sk", AttributeValue::S(format!("USER#{user}")))
                    .consistent_read(true)
                    .send()
                    .await
                    .unwrap()
                    .item
            }
        },
    )
    .await;

    // The member reads it with auth's own token for the tenant: stored, at version 1.
    let (status, tokens) = post_json(
        &http,
        auth.url("/auth/login"),
        json!({ "email": invitee_email, "password": PASSWORD, "tenant": tenant }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let member = tokens["access_token"].as_str().unwrap();
    let response = http
        .get(profiles.url("/profiles/me"))
        .bearer_auth(member)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers().get("etag").unwrap().to_str().unwrap(),
        "\"1\""
    );
    let profile: Value = response.json().await.unwrap();
    assert_eq!(profile["userId"], invitee_id.as_str());
    assert_eq!(profile["version"], 1);

    mailer.abort();
    profiles.finish(&env).await;
    auth.finish(&env).await;
}
