//! The profiles API within one pooled tenant: the defaults, writes that need `If-Match` (428
//! without it, 412 with a stale one, carrying the current profile), field validation (422 with
//! the field), a token without a tenant (403), and the OpenAPI document.

use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use kube::api::{Patch, PatchParams};
use reqwest::StatusCode;
use saascript_tests::profiles_server::{ProfilesServer, member_token, new_user_id, pooled_tenant};
use saascript_tests::token_issuer::TokenIssuer;
use saascript_tests::{TestEnv, wait};
use serde_json::{Value, json};

fn profile_body(display_name: &str) -> Value {
    json!({
        "displayName": display_name,
        "avatarUrl": "https://cdn.example.com/avatars/ada.png",
        "locale": "en-GB",
        "timeZone": "Europe/London",
        "preferences": { "theme": "dark" },
    })
}

async fn put(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    if_match: Option<&str>,
    body: &Value,
) -> (StatusCode, Option<String>, Option<String>, Value) {
    let mut request = http.put(url).bearer_auth(token).json(body);
    if let Some(if_match) = if_match {
        request = request.header("if-match", if_match);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
    };
    let (etag, content_type) = (header("etag"), header("content-type"));
    (
        status,
        etag,
        content_type,
        response.json().await.unwrap_or(Value::Null),
    )
}

async fn get(
    http: &reqwest::Client,
    url: &str,
    token: &str,
) -> (StatusCode, Option<String>, Value) {
    let response = http.get(url).bearer_auth(token).send().await.unwrap();
    let status = response.status();
    let etag = response
        .headers()
        .get("etag")
        .map(|v| v.to_str().unwrap().to_string());
    (status, etag, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_profile_is_written_only_against_the_version_it_was_read_at() {
    let env = TestEnv::new();
    let issuer = TokenIssuer::start().await;
    let server = ProfilesServer::start(&env, &issuer).await;
    let tenant = pooled_tenant(&env).await;
    server.wait_known(&tenant.name, &tenant.uid).await;
    let user = new_user_id();
    let token = member_token(&issuer, &tenant, &user);
    let http = reqwest::Client::new();
    let me = server.url("/profiles/me");

    // Before anything is stored: the defaults, at version 0.
    let (status, etag, body) = get(&http, &me, &token).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(etag.as_deref(), Some("\"0\""));
    assert_eq!(body["userId"], user.as_str());
    assert_eq!(body["version"], 0);
    assert_eq!(body["locale"], "en");
    assert_eq!(body["timeZone"], "UTC");

    // No If-Match: 428, as a problem.
    let (status, _, content_type, body) = put(&http, &me, &token, None, &profile_body("Ada")).await;
    assert_eq!(status, 428, "{body}");
    assert_eq!(content_type.as_deref(), Some("application/problem+json"));
    assert_eq!(body["code"], "if_match_required");

    // Against version 0: stored as version 1, locale and zone in canonical form.
    let mut first = profile_body("Ada");
    first["locale"] = json!("EN-gb");
    first["timeZone"] = json!("europe/london");
    let (status, etag, _, body) = put(&http, &me, &token, Some("\"0\""), &first).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(etag.as_deref(), Some("\"1\""));
    assert_eq!(body["version"], 1);
    assert_eq!(body["locale"], "en-GB");
    assert_eq!(body["timeZone"], "Europe/London");
    assert_eq!(body["preferences"]["theme"], "dark");

    // Another write against version 0 is stale: 412 with the profile as it is now.
    let (status, etag, content_type, body) = put(
        &http,
        &me,
        &token,
        Some("\"0\""),
        &profile_body("Lost update"),
    )
    .await;
    assert_eq!(status, 412, "{body}");
    assert_eq!(content_type.as_deref(), Some("application/problem+json"));
    assert_eq!(body["code"], "version_stale");
    assert_eq!(body["currentVersion"], 1);
    assert_eq!(body["current"]["displayName"], "Ada");
    assert_eq!(etag.as_deref(), Some("\"1\""));

    // A weak tag never matches (strong comparison); a malformed one is a 400.
    let (status, _, _, body) = put(&http, &me, &token, Some("W/\"1\""), &profile_body("x")).await;
    assert_eq!(status, 412, "{body}");
    let (status, _, _, body) = put(&http, &me, &token, Some("1"), &profile_body("x")).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["code"], "if_match_invalid");

    // Two writers against version 1 at once: DynamoDB's condition lets exactly one through.
    let (writer_a, writer_b) = (profile_body("Writer A"), profile_body("Writer B"));
    let (a, b) = tokio::join!(
        put(&http, &me, &token, Some("\"1\""), &writer_a),
        put(&http, &me, &token, Some("\"1\""), &writer_b),
    );
    let mut statuses = [a.0.as_u16(), b.0.as_u16()];
    statuses.sort();
    assert_eq!(statuses, [200, 412], "{a:?} {b:?}");
    let winner = if a.0 == 200 { &a.3 } else { &b.3 };
    let (status, etag, body) = get(&http, &me, &token).await;
    assert_eq!(status, 200);
    assert_eq!(etag.as_deref(), Some("\"2\""));
    assert_eq!(body["displayName"], winner["displayName"]);

    // Clearing the optional fields.
    let cleared =
        json!({ "displayName": "", "avatarUrl": null, "locale": "de", "timeZone": "UTC" });
    let (status, _, _, body) = put(&http, &me, &token, Some("\"2\""), &cleared).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["avatarUrl"], Value::Null);
    assert_eq!(body["preferences"], json!({}));
    assert_eq!(body["version"], 3);

    // Another writer, straight to DynamoDB (not through the service), moves the version on: the
    // next PUT against version 3 is refused by the write's own condition, with what is there now.
    env.dynamodb()
        .await
        .update_item()
        .table_name(&server.shared_table)
        .key("pk", AttributeValue::S(format!("TENANT#{}", tenant.name)))
        .key("sk", AttributeValue::S(format!("USER#{user}")))
        .update_expression("SET version = :v, display_name = :n")
        .expression_attribute_values(":v", AttributeValue::N("7".into()))
        .expression_attribute_values(":n", AttributeValue::S("Written elsewhere".into()))
        .send()
        .await
        .unwrap();
    let (status, etag, _, body) = put(&http, &me, &token, Some("\"3\""), &profile_body("x")).await;
    assert_eq!(status, 412, "{body}");
    assert_eq!(body["currentVersion"], 7);
    assert_eq!(body["current"]["displayName"], "Written elsewhere");
    assert_eq!(etag.as_deref(), Some("\"7\""));
    let (status, _, _, body) = put(&http, &me, &token, Some("\"7\""), &profile_body("Back")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["version"], 8);

    server.finish(&env).await;
}

#[tokio::test]
async fn invalid_fields_are_refused_with_the_field_named() {
    let env = TestEnv::new();
    let issuer = TokenIssuer::start().await;
    let server = ProfilesServer::start(&env, &issuer).await;
    let tenant = pooled_tenant(&env).await;
    server.wait_known(&tenant.name, &tenant.uid).await;
    let token = member_token(&issuer, &tenant, &new_user_id());
    let http = reqwest::Client::new();
    let me = server.url("/profiles/me");

    let too_many: serde_json::Map<String, Value> =
        (0..51).map(|i| (format!("k{i}"), json!("v"))).collect();
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "avatarUrl",
            json!("http://cdn.example.com/a.png"),
            "invalid_input",
        ),
        ("avatarUrl", json!("javascript:alert(1)"), "invalid_input"),
        (
            "avatarUrl",
            json!("https://user:pw@cdn.example.com/a.png"),
            "invalid_input",
        ),
        ("locale", json!("en_US"), "invalid_input"),
        ("locale", json!("not a locale"), "invalid_input"),
        ("timeZone", json!("Mars/Olympus_Mons"), "invalid_input"),
        ("timeZone", json!("+02:00"), "invalid_input"),
        ("displayName", json!("x".repeat(101)), "invalid_input"),
        ("preferences", Value::Object(too_many), "invalid_input"),
        ("preferences", json!({ "bad key": "v" }), "invalid_input"),
        ("locale", json!(42), "json_invalid"),
    ];
    for (field, value, code) in cases {
        let mut body = profile_body("Ada");
        body[field] = value.clone();
        let (status, _, content_type, answer) = put(&http, &me, &token, Some("*"), &body).await;
        assert_eq!(status, 422, "{field} = {value}: {answer}");
        assert_eq!(content_type.as_deref(), Some("application/problem+json"));
        assert_eq!(answer["code"], code, "{field} = {value}: {answer}");
        assert_eq!(answer["field"], field, "{field} = {value}: {answer}");
    }
    let mut long_value = profile_body("Ada");
    long_value["preferences"] = json!({ "theme": "d".repeat(1025) });
    let (status, _, _, answer) = put(&http, &me, &token, Some("*"), &long_value).await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["field"], "preferences.theme");

    // An unknown field, and a body that is no JSON: problems, never a 5xx.
    let mut unknown = profile_body("Ada");
    unknown["tenant"] = json!("someone-else");
    let (status, _, _, answer) = put(&http, &me, &token, Some("*"), &unknown).await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["field"], "tenant");
    let response = http
        .put(&me)
        .bearer_auth(&token)
        .header("if-match", "*")
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);

    // Nothing was stored by any of them.
    let (_, etag, _) = get(&http, &me, &token).await;
    assert_eq!(etag.as_deref(), Some("\"0\""));

    server.finish(&env).await;
}

#[tokio::test]
async fn a_token_without_a_tenant_or_of_an_earlier_tenant_reaches_nothing() {
    let env = TestEnv::new();
    let issuer = TokenIssuer::start().await;
    let server = ProfilesServer::start(&env, &issuer).await;
    let tenant = pooled_tenant(&env).await;
    server.wait_known(&tenant.name, &tenant.uid).await;
    let http = reqwest::Client::new();
    let user = new_user_id();

    let no_tenant = issuer.sign(&user, None, None, &[]);
    let (status, _, body) = get(&http, &server.url("/profiles/me"), &no_tenant).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["code"], "tenant_required");

    let earlier = issuer.sign(&user, Some(&tenant.name), Some("an-earlier-uid"), &[]);
    let (status, _, body) = get(&http, &server.url("/profiles/me"), &earlier).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["code"], "tenant_changed");

    let gone = issuer.sign(&user, Some("prof-no-such-tenant"), Some("uid"), &[]);
    let (status, _, body) = get(&http, &server.url("/profiles/me"), &gone).await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["code"], "tenant_not_found");

    let response = http.get(server.url("/profiles/me")).send().await.unwrap();
    assert_eq!(response.status(), 401);

    // The document describes the routes.
    let document: Value = http
        .get(server.url("/profiles/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        document["paths"]["/profiles/me"]["put"].is_object(),
        "{document}"
    );
    assert!(
        document["paths"]["/profiles/{userId}"]["get"].is_object(),
        "{document}"
    );

    // A suspended tenant's members reach nothing.
    let member = member_token(&issuer, &tenant, &user);
    let (status, _, body) = get(&http, &server.url("/profiles/me"), &member).await;
    assert_eq!(status, 200, "{body}");
    tenant
        .api()
        .patch(
            &tenant.name,
            &PatchParams::default(),
            &Patch::Merge(json!({ "spec": { "suspended": true } })),
        )
        .await
        .unwrap();
    wait::until(Duration::from_secs(20), "the suspension to be seen", || {
        let (http, url, member) = (&http, server.url("/profiles/me"), &member);
        async move {
            let (status, _, body) = get(http, &url, member).await;
            (status == 403).then_some(body)
        }
    })
    .await;
    let (_, _, body) = get(&http, &server.url("/profiles/me"), &member).await;
    assert_eq!(body["code"], "tenant_suspended");

    // Ready: the shared table answers.
    let ready = http.get(server.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);

    server.finish(&env).await;
}
