//! A NUL character in any string of any auth request body is refused with 422, as a problem
//! naming the field (PostgreSQL cannot store NUL in text; it used to be a 500).

use kube::api::Api;
use reqwest::StatusCode;
use saascript_crds::Tenant;
use saascript_tests::auth_server::AuthServer;
use saascript_tests::crds::install_crds;
use saascript_tests::http::post_json;
use saascript_tests::{TestEnv, unique_name};
use serde_json::{Value, json};

const PASSWORD: &str = "correct horse battery staple";

#[tokio::test]
async fn a_nul_in_any_field_of_any_route_is_a_422_naming_the_field() {
    let env = TestEnv::new();
    let server = AuthServer::start(&env).await;
    let http = reqwest::Client::new();

    // An owner of a live Tenant, for the routes that need a signed-in caller.
    install_crds(&server.kube).await;
    let tenants: Api<Tenant> = Api::all(server.kube.clone());
    let tenant = unique_name("nul");
    // Guarded by the server: gone when it drops, even if the test fails.
    server.create_tenant(&tenant).await;
    let email = format!("{}@example.com", unique_name("nul"));
    let (_, user) = post_json(
        &http,
        server.url("/auth/register"),
        json!({ "email": email, "password": PASSWORD }),
    )
    .await;
    server.mark_verified(&email).await;
    server
        .add_member(user["id"].as_str().unwrap(), &tenant, "owner")
        .await;
    let (status, tokens) = post_json(
        &http,
        server.url("/auth/login"),
        json!({ "email": email, "password": PASSWORD }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let owner = tokens["access_token"].as_str().unwrap().to_string();

    let other = format!("{}@example.com", unique_name("nul"));
    let routes: [(&str, Value); 9] = [
        (
            "/auth/register",
            json!({ "email": other, "password": PASSWORD }),
        ),
        (
            "/auth/login",
            json!({ "email": email, "password": PASSWORD, "tenant": tenant }),
        ),
        ("/auth/refresh", json!({ "refresh_token": "abc" })),
        ("/auth/logout", json!({ "refresh_token": "abc" })),
        ("/auth/verify-email", json!({ "token": "abc" })),
        ("/auth/password-reset", json!({ "email": email })),
        (
            "/auth/password-reset/confirm",
            json!({ "token": "abc", "password": PASSWORD }),
        ),
        (
            "/auth/invitations",
            json!({ "email": other, "role": "member" }),
        ),
        ("/auth/invitations/accept", json!({ "token": "abc" })),
    ];
    let mut checked = 0;
    for (path, body) in routes {
        for field in body.as_object().unwrap().keys() {
            let mut hostile = body.clone();
            let value = hostile[field].as_str().unwrap();
            // In the middle, where a trim would not remove it.
            hostile[field] = json!(format!("{}\u{0}{}", &value[..1], &value[1..]));
            let response = http
                .post(server.url(path))
                .bearer_auth(&owner)
                .json(&hostile)
                .send()
                .await
                .unwrap();
            let status = response.status();
            let content_type = response.headers()["content-type"]
                .to_str()
                .unwrap()
                .to_string();
            let problem: Value = response.json().await.unwrap();
            assert_eq!(
                status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{path} with a NUL in {field}: {problem}"
            );
            assert_eq!(content_type, "application/problem+json", "{path} {field}");
            assert_eq!(problem["code"], "json_invalid", "{path} {field}: {problem}");
            assert_eq!(problem["field"], field.as_str(), "{path}: {problem}");
            checked += 1;
        }
    }
    assert_eq!(checked, 14, "every string field of every route");

    // Nothing of those requests was stored: no user with the NUL-bearing address.
    let users: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&server.state.db)
        .await
        .unwrap();
    assert_eq!(users, 1);
    let _ = tenants.delete(&tenant, &Default::default()).await;
    server.finish(&env).await;
}
