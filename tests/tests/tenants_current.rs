//! The tenant's own view without an operator (only the Tenant CR matters here): who may read and
//! change it, the rules of its inputs, deletion with the name typed back and `preventDeletion`,
//! a token of another Tenant of the same name, and sign-up's refusals. Every refusal is a
//! problem (RFC 9457), never a 5xx.

use kube::api::{Api, DeleteParams, Patch, PatchParams};
use reqwest::StatusCode;
use saascript_crds::Tenant;
use saascript_tests::access_tokens::sign_access_token;
use saascript_tests::auth_server::AuthServer;
use saascript_tests::crds::install_crds;
use saascript_tests::tenants::wait_gone;
use saascript_tests::tenants_server::{
    TenantsServer, call, login, register_and_verify, wait_owner,
};
use saascript_tests::{TestEnv, unique_name};
use serde_json::{Value, json};

struct Signed {
    name: String,
    uid: String,
    email: String,
    user: String,
    bearer: String,
}

/// A verified user who signed up a tenant, logged in again with it.
async fn signed_up(http: &reqwest::Client, auth: &AuthServer, service: &TenantsServer) -> Signed {
    let email = format!("{}@example.com", unique_name("owner"));
    let user = register_and_verify(http, auth, &email).await;
    let tokens = login(http, auth, &email, None).await;
    let name = unique_name("current");
    let (status, _, created) = call(
        http.post(service.url("/tenants"))
            .bearer_auth(tokens["access_token"].as_str().unwrap())
            .header("idempotency-key", unique_name("key"))
            .json(&json!({ "name": name, "displayName": "Current Co" })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let uid = created["uid"].as_str().unwrap().to_string();
    wait_owner(auth, &uid, &email).await;
    let tokens = login(http, auth, &email, Some(&name)).await;
    Signed {
        name,
        uid,
        email,
        user,
        bearer: format!("Bearer {}", tokens["access_token"].as_str().unwrap()),
    }
}

fn assert_problem(
    status: StatusCode,
    content_type: &str,
    body: &Value,
    want: StatusCode,
    code: &str,
) {
    assert_eq!(status, want, "{body}");
    assert_eq!(content_type, "application/problem+json", "{body}");
    assert_eq!(body["code"], code, "{body}");
}

#[tokio::test]
async fn owners_change_and_delete_their_tenant_and_members_only_read_it() {
    let env = TestEnv::new();
    let auth = AuthServer::start(&env).await;
    install_crds(&auth.kube).await;
    let service = TenantsServer::start(&env, &auth, "").await;
    let http = reqwest::Client::new();
    let tenants: Api<Tenant> = Api::all(auth.kube.clone());
    let owner = signed_up(&http, &auth, &service).await;
    let current = service.url("/tenants/current");

    let (status, _, view) = call(http.get(&current).header("authorization", &owner.bearer)).await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(view["uid"], owner.uid.as_str());
    assert_eq!(view["spec"]["owners"], json!([owner.email]));

    // The display name, and a second owner.
    let colleague = format!("{}@example.com", unique_name("colleague"));
    let (status, _, changed) = call(
        http.patch(&current)
            .header("authorization", &owner.bearer)
            .json(&json!({ "displayName": "  Renamed Co ", "owners": [owner.email, colleague, owner.email.to_uppercase()] })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(changed["spec"]["displayName"], "Renamed Co");
    assert_eq!(changed["spec"]["owners"], json!([owner.email, colleague]));
    // Never an empty list, nor a bad address.
    for (body, code) in [
        (json!({ "owners": [] }), "owners_invalid"),
        (json!({ "owners": ["not-an-address"] }), "owners_invalid"),
        (json!({ "displayName": "" }), "display_name_invalid"),
        (json!({ "plan": "enterprise" }), "json_invalid"),
    ] {
        let (status, content_type, refused) = call(
            http.patch(&current)
                .header("authorization", &owner.bearer)
                .json(&body),
        )
        .await;
        assert_problem(
            status,
            &content_type,
            &refused,
            StatusCode::UNPROCESSABLE_ENTITY,
            code,
        );
    }

    // A member reads the tenant and its members, and changes nothing.
    let member_email = format!("{}@example.com", unique_name("member"));
    let member = register_and_verify(&http, &auth, &member_email).await;
    auth.add_member(&member, &owner.name, "member").await;
    let member_tokens = login(&http, &auth, &member_email, Some(&owner.name)).await;
    let member_bearer = format!("Bearer {}", member_tokens["access_token"].as_str().unwrap());
    let (status, _, _) = call(http.get(&current).header("authorization", &member_bearer)).await;
    assert_eq!(status, StatusCode::OK);
    let (status, content_type, refused) = call(
        http.patch(&current)
            .header("authorization", &member_bearer)
            .json(&json!({ "displayName": "Mine now" })),
    )
    .await;
    assert_problem(
        status,
        &content_type,
        &refused,
        StatusCode::FORBIDDEN,
        "owner_required",
    );
    let (status, _, members) = call(
        http.get(service.url("/tenants/current/members"))
            .header("authorization", &member_bearer),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{members}");
    let listed: Vec<(&str, &str)> = members["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["email"].as_str().unwrap(), m["role"].as_str().unwrap()))
        .collect();
    assert_eq!(
        listed,
        [
            (owner.email.as_str(), "owner"),
            (member_email.as_str(), "member")
        ]
    );

    // A token of another Tenant of this name (another uid) sees nothing of this one.
    let stranger = sign_access_token(
        &auth,
        &owner.user,
        Some(&owner.name),
        Some("another-uid"),
        &["owner"],
    )
    .await;
    for request in [
        http.get(&current),
        http.get(service.url("/tenants/current/events")),
    ] {
        let (status, content_type, refused) =
            call(request.header("authorization", format!("Bearer {stranger}"))).await;
        assert_problem(
            status,
            &content_type,
            &refused,
            StatusCode::NOT_FOUND,
            "tenant_not_found",
        );
    }
    let (status, content_type, refused) = call(http.get(&current)).await;
    assert_problem(
        status,
        &content_type,
        &refused,
        StatusCode::UNAUTHORIZED,
        "token_missing",
    );

    // Deletion: the name typed back, and never while preventDeletion is set.
    let delete = |confirm: &str| {
        http.delete(&current)
            .header("authorization", &owner.bearer)
            .json(&json!({ "confirm": confirm }))
    };
    let (status, content_type, refused) = call(delete("not-the-name")).await;
    assert_problem(
        status,
        &content_type,
        &refused,
        StatusCode::UNPROCESSABLE_ENTITY,
        "confirmation_mismatch",
    );
    let (status, content_type, refused) = call(
        http.delete(&current)
            .header("authorization", &member_bearer)
            .json(&json!({ "confirm": owner.name })),
    )
    .await;
    assert_problem(
        status,
        &content_type,
        &refused,
        StatusCode::FORBIDDEN,
        "owner_required",
    );
    tenants
        .patch(
            &owner.name,
            &PatchParams::default(),
            &Patch::Merge(json!({ "spec": { "preventDeletion": true } })),
        )
        .await
        .unwrap();
    let (status, content_type, refused) = call(delete(&owner.name)).await;
    assert_problem(
        status,
        &content_type,
        &refused,
        StatusCode::CONFLICT,
        "deletion_prevented",
    );
    tenants
        .patch(
            &owner.name,
            &PatchParams::default(),
            &Patch::Merge(json!({ "spec": { "preventDeletion": false } })),
        )
        .await
        .unwrap();
    let (status, _, deleted) = call(delete(&owner.name)).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{deleted}");
    wait_gone(&tenants, &owner.name).await;
    let (status, content_type, refused) =
        call(http.get(&current).header("authorization", &owner.bearer)).await;
    assert_problem(
        status,
        &content_type,
        &refused,
        StatusCode::NOT_FOUND,
        "tenant_not_found",
    );
}

#[tokio::test]
async fn sign_up_refuses_bad_input_with_problems_and_admins_choose_plan_and_owners() {
    let env = TestEnv::new();
    let auth = AuthServer::start(&env).await;
    install_crds(&auth.kube).await;
    let service = TenantsServer::start(&env, &auth, "").await;
    let http = reqwest::Client::new();
    let tenants: Api<Tenant> = Api::all(auth.kube.clone());
    let email = format!("{}@example.com", unique_name("user"));
    let user = register_and_verify(&http, &auth, &email).await;
    let tokens = login(&http, &auth, &email, None).await;
    let bearer = format!("Bearer {}", tokens["access_token"].as_str().unwrap());
    let post = |key: Option<&str>, body: Value| {
        let request = http
            .post(service.url("/tenants"))
            .header("authorization", &bearer)
            .json(&body);
        match key {
            Some(key) => request.header("idempotency-key", key),
            None => request,
        }
    };
    let name = unique_name("refused");
    for (key, body, want, code) in [
        (
            None,
            json!({ "name": name, "displayName": "X" }),
            StatusCode::BAD_REQUEST,
            "idempotency_key_required",
        ),
        (
            Some("k 1"),
            json!({ "name": name, "displayName": "X" }),
            StatusCode::BAD_REQUEST,
            "idempotency_key_invalid",
        ),
        (
            Some("k1"),
            json!({ "name": "Not-DNS", "displayName": "X" }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "name_invalid",
        ),
        (
            Some("k1"),
            json!({ "name": "a".repeat(41), "displayName": "X" }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "name_invalid",
        ),
        (
            Some("k1"),
            json!({ "name": name, "displayName": " " }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "display_name_invalid",
        ),
        (
            Some("k1"),
            json!({ "name": name, "displayName": "X", "plan": "pro" }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "plan_needs_billing",
        ),
        (
            Some("k1"),
            json!({ "name": name, "displayName": "X", "plan": "gold" }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "plan_unknown",
        ),
        (
            Some("k1"),
            json!({ "name": name, "displayName": "X", "owners": ["a@b.io"] }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "owners_not_allowed",
        ),
        (
            Some("k1"),
            json!({ "name": name }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "json_invalid",
        ),
        (
            Some("k1"),
            json!("not an object"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "json_invalid",
        ),
    ] {
        let (status, content_type, refused) = call(post(key, body)).await;
        assert_problem(status, &content_type, &refused, want, code);
    }
    let (status, content_type, refused) = call(
        http.post(service.url("/tenants"))
            .header("authorization", &bearer)
            .header("idempotency-key", "k1")
            .body("{"),
    )
    .await;
    assert_problem(
        status,
        &content_type,
        &refused,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "content_type_unsupported",
    );
    let (status, _, availability) = call(
        http.get(service.url("/tenants/availability?name=Not-DNS"))
            .header("authorization", &bearer),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(availability["available"], false, "{availability}");
    let (status, content_type, refused) = call(
        http.get(service.url("/tenants/availability"))
            .header("authorization", &bearer),
    )
    .await;
    assert_problem(
        status,
        &content_type,
        &refused,
        StatusCode::BAD_REQUEST,
        "query_invalid",
    );
    // Nothing was created by any of these.
    assert!(tenants.get_opt(&name).await.unwrap().is_none());

    // A platform admin starts a tenant on a contract plan, for other owners: it is siloed.
    let admin = sign_access_token(&auth, &user, None, None, &["platform-admin"]).await;
    let (status, _, created) = call(
        http.post(service.url("/tenants"))
            .bearer_auth(&admin)
            .header("idempotency-key", "admin-1")
            .json(&json!({ "name": name, "displayName": "Big Co", "plan": "enterprise", "owners": ["cto@big.example"] })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["spec"]["plan"], "enterprise");
    assert_eq!(created["spec"]["isolation"], "siloed");
    assert_eq!(created["spec"]["owners"], json!(["cto@big.example"]));
    // The name is taken now, for anyone.
    let (status, content_type, refused) = call(post(
        Some("k2"),
        json!({ "name": name, "displayName": "X" }),
    ))
    .await;
    assert_problem(
        status,
        &content_type,
        &refused,
        StatusCode::CONFLICT,
        "name_taken",
    );
    tenants
        .delete(&name, &DeleteParams::default())
        .await
        .unwrap();
    wait_gone(&tenants, &name).await;

    let (status, _, openapi) = call(http.get(service.url("/tenants/openapi.json"))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        openapi["paths"]["/tenants/current/events"].is_object(),
        "{openapi}"
    );
}
