//! GET /auth/invitations: the open invitations of the caller's tenant, for its owners and admins
//! (as their membership is now, not as their token remembers it): neither the accepted, nor the
//! expired, nor another tenant's, and never a token.

use reqwest::StatusCode;
use saascript_tests::access_tokens::sign_access_token;
use saascript_tests::auth_server::AuthServer;
use saascript_tests::crds::install_crds;
use saascript_tests::http::post_json;
use saascript_tests::maildir::token_from;
use saascript_tests::tenants_server::call;
use saascript_tests::{TestEnv, unique_name};
use serde_json::{Value, json};

const PASSWORD: &str = "correct horse battery staple";

/// A verified user, with `role` in `tenant` when given, signed in (for that tenant): the user's
/// id, email and access token.
async fn user(
    http: &reqwest::Client,
    server: &AuthServer,
    tenant_role: Option<(&str, &str)>,
) -> (String, String, String) {
    let email = format!("{}@example.com", unique_name("pend"));
    let id = server.register_verified(http, &email, PASSWORD).await;
    let mut login = json!({ "email": email, "password": PASSWORD });
    if let Some((tenant, role)) = tenant_role {
        server.add_member(&id, tenant, role).await;
        login["tenant"] = json!(tenant);
    }
    let (status, tokens) = post_json(http, server.url("/auth/login"), login).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let token = tokens["access_token"].as_str().unwrap().to_string();
    (id, email, token)
}

async fn invite(http: &reqwest::Client, server: &AuthServer, token: &str, email: &str, role: &str) {
    let (status, _, body) = call(
        http.post(server.url("/auth/invitations"))
            .bearer_auth(token)
            .json(&json!({ "email": email, "role": role })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

/// The token of the invitation emailed to `email`, from the server's outbox (no mailer needed).
async fn invitation_token(server: &AuthServer, email: &str) -> String {
    let sealed: Vec<String> = sqlx::query_scalar("SELECT payload::text FROM task_outbox")
        .fetch_all(&server.state.db)
        .await
        .unwrap();
    let mail = sealed
        .iter()
        .map(|task| server.open_task(task.as_bytes()))
        .find(|mail| mail["to"] == email && mail["subject"] == "You are invited to SaaScript")
        .unwrap_or_else(|| panic!("no invitation to {email}"));
    token_from(mail["text"].as_str().unwrap())
}

async fn pending(
    http: &reqwest::Client,
    server: &AuthServer,
    token: Option<&str>,
) -> (StatusCode, String, Value) {
    let request = http.get(server.url("/auth/invitations"));
    call(match token {
        Some(token) => request.bearer_auth(token),
        None => request,
    })
    .await
}

fn assert_problem(answer: (StatusCode, String, Value), want: StatusCode, code: &str) {
    let (status, content_type, body) = answer;
    assert_eq!(status, want, "{body}");
    assert_eq!(content_type, "application/problem+json", "{body}");
    assert_eq!(body["code"], code, "{body}");
}

fn timestamp(value: &Value) -> jiff::Timestamp {
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("a string: {value}"));
    assert!(text.ends_with('Z'), "RFC 3339 in UTC: {text}");
    text.parse()
        .unwrap_or_else(|e| panic!("RFC 3339: {text}: {e}"))
}

#[tokio::test]
async fn owners_and_admins_see_their_tenants_open_invitations_only() {
    let env = TestEnv::new();
    let server = AuthServer::start(&env).await;
    let http = reqwest::Client::new();
    install_crds(&server.kube).await;
    let tenant = unique_name("pending");
    let uid = server.create_tenant(&tenant).await;
    let other = unique_name("other");
    server.create_tenant(&other).await;
    let (_, _, owner) = user(&http, &server, Some((&tenant, "owner"))).await;
    let (admin_id, _, admin) = user(&http, &server, Some((&tenant, "admin"))).await;
    let (_, _, member) = user(&http, &server, Some((&tenant, "member"))).await;
    let (_, _, other_owner) = user(&http, &server, Some((&other, "owner"))).await;
    let (_, accepted_email, invitee) = user(&http, &server, None).await;

    let [first, second, expired] =
        ["first", "second", "expired"].map(|n| format!("{}@example.com", unique_name(n)));
    invite(&http, &server, &owner, &first, "member").await;
    invite(&http, &server, &admin, &second, "admin").await;
    invite(&http, &server, &owner, &expired, "member").await;
    invite(&http, &server, &owner, &accepted_email, "member").await;
    invite(
        &http,
        &server,
        &other_owner,
        &format!("{}@example.com", unique_name("theirs")),
        "member",
    )
    .await;
    // One expires, one is accepted.
    sqlx::query("UPDATE invitations SET expires_at = now() - interval '1 second' WHERE email = $1")
        .bind(&expired)
        .execute(&server.state.db)
        .await
        .unwrap();
    let token = invitation_token(&server, &accepted_email).await;
    let (status, _, joined) = call(
        http.post(server.url("/auth/invitations/accept"))
            .bearer_auth(&invitee)
            .json(&json!({ "token": token })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{joined}");

    for token in [&owner, &admin] {
        let (status, content_type, listed) = pending(&http, &server, Some(token)).await;
        assert_eq!(status, StatusCode::OK, "{listed}");
        assert_eq!(content_type, "application/json");
        assert_eq!(listed["tenant"], tenant.as_str(), "{listed}");
        let invitations = listed["invitations"].as_array().unwrap();
        let seen: Vec<(&str, &str)> = invitations
            .iter()
            .map(|i| (i["email"].as_str().unwrap(), i["role"].as_str().unwrap()))
            .collect();
        assert_eq!(
            seen,
            [(first.as_str(), "member"), (second.as_str(), "admin")],
            "oldest first: {listed}"
        );
        for invitation in invitations {
            let mut fields: Vec<&str> = invitation
                .as_object()
                .unwrap()
                .keys()
                .map(String::as_str)
                .collect();
            fields.sort_unstable();
            assert_eq!(
                fields,
                ["createdAt", "email", "expiresAt", "role"],
                "no token: {invitation}"
            );
            let (created, expires) = (
                timestamp(&invitation["createdAt"]),
                timestamp(&invitation["expiresAt"]),
            );
            let lifetime = expires.duration_since(created).as_secs();
            assert!(
                (7 * 24 * 3600 - 2..=7 * 24 * 3600 + 2).contains(&lifetime),
                "valid for 7 days: {invitation}"
            );
        }
    }

    // The other tenant's owner sees only theirs.
    let (status, _, theirs) = pending(&http, &server, Some(&other_owner)).await;
    assert_eq!(status, StatusCode::OK, "{theirs}");
    assert_eq!(theirs["tenant"], other.as_str());
    assert_eq!(
        theirs["invitations"].as_array().unwrap().len(),
        1,
        "{theirs}"
    );

    // A member may not; nor an admin demoted since the token was issued; nor a token of a
    // role the membership does not hold.
    assert_problem(
        pending(&http, &server, Some(&member)).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    sqlx::query(
        "UPDATE memberships SET role = 'member' WHERE user_id = $1::text::uuid AND tenant_uid = $2",
    )
    .bind(&admin_id)
    .bind(&uid)
    .execute(&server.state.db)
    .await
    .unwrap();
    assert_problem(
        pending(&http, &server, Some(&admin)).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    let raised = sign_access_token(&server, &admin_id, Some(&tenant), Some(&uid), &["owner"]).await;
    assert_problem(
        pending(&http, &server, Some(&raised)).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    // A token for no tenant, and none at all.
    let (_, _, no_tenant) = user(&http, &server, None).await;
    assert_problem(
        pending(&http, &server, Some(&no_tenant)).await,
        StatusCode::FORBIDDEN,
        "tenant_required",
    );
    assert_problem(
        pending(&http, &server, None).await,
        StatusCode::UNAUTHORIZED,
        "token_missing",
    );

    let (status, _, openapi) = call(http.get(server.url("/auth/openapi.json"))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        openapi["paths"]["/auth/invitations"]["get"].is_object(),
        "{openapi}"
    );
    assert!(
        openapi["paths"]["/auth/invitations"]["post"].is_object(),
        "{openapi}"
    );
    server.finish(&env).await;
}
