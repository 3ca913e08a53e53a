//! No request reaches another tenant's profiles, pooled or siloed. Every check of where data
//! landed is made with a DynamoDB client of the test's own (GetItem, Query, DescribeTable), not
//! with the service's code.

use aws_sdk_dynamodb::types::AttributeValue;
use reqwest::StatusCode;
use saascript_tests::TestEnv;
use saascript_tests::profiles_server::{
    ProfilesServer, member_token, new_user_id, pooled_tenant, siloed_tenant,
};
use saascript_tests::token_issuer::TokenIssuer;
use serde_json::{Value, json};

async fn put_profile(server: &ProfilesServer, token: &str, name: &str) -> Value {
    let response = reqwest::Client::new()
        .put(server.url("/profiles/me"))
        .bearer_auth(token)
        .header("if-match", "\"0\"")
        .json(&json!({ "displayName": name, "locale": "fr-FR", "timeZone": "Europe/Paris" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

async fn get_status(server: &ProfilesServer, token: &str, path: &str) -> (StatusCode, Value) {
    let response = reqwest::Client::new()
        .get(server.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The item of `user` in `tenant`'s partition of `table`, read directly.
async fn item(
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
    tenant: &str,
    user: &str,
) -> Option<std::collections::HashMap<String, AttributeValue>> {
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

/// Every item in `tenant`'s partition of `table`, read directly.
async fn partition(
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
    tenant: &str,
) -> Vec<std::collections::HashMap<String, AttributeValue>> {
    dynamodb
        .query()
        .table_name(table)
        .key_condition_expression("pk = :pk")
        .expression_attribute_values(":pk", AttributeValue::S(format!("TENANT#{tenant}")))
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .items
        .unwrap_or_default()
}

fn text(item: &std::collections::HashMap<String, AttributeValue>, name: &str) -> String {
    item.get(name).unwrap().as_s().unwrap().clone()
}

#[tokio::test]
async fn pooled_tenants_share_a_table_but_not_a_partition() {
    let env = TestEnv::new();
    let dynamodb = env.dynamodb().await;
    let issuer = TokenIssuer::start().await;
    let server = ProfilesServer::start(&env, &issuer).await;
    let (a, b) = (pooled_tenant(&env).await, pooled_tenant(&env).await);
    server.wait_known(&a.name, &a.uid).await;
    server.wait_known(&b.name, &b.uid).await;
    let (alice, bob) = (new_user_id(), new_user_id());
    let alice_token = member_token(&issuer, &a, &alice);
    let bob_token = member_token(&issuer, &b, &bob);

    put_profile(&server, &alice_token, "Alice of A").await;
    put_profile(&server, &bob_token, "Bob of B").await;

    // Each write is in its own tenant's partition, and only there.
    let stored = item(&dynamodb, &server.shared_table, &a.name, &alice)
        .await
        .unwrap();
    assert_eq!(text(&stored, "display_name"), "Alice of A");
    assert_eq!(text(&stored, "tenant"), a.name);
    assert!(
        item(&dynamodb, &server.shared_table, &b.name, &alice)
            .await
            .is_none()
    );
    let in_a = partition(&dynamodb, &server.shared_table, &a.name).await;
    let in_b = partition(&dynamodb, &server.shared_table, &b.name).await;
    assert_eq!(in_a.len(), 1, "{in_a:?}");
    assert_eq!(in_b.len(), 1, "{in_b:?}");
    assert_eq!(text(&in_b[0], "user_id"), bob);

    // Bob asks for Alice by id: the same 404 as for an id nobody has.
    let (status, across) = get_status(&server, &bob_token, &format!("/profiles/{alice}")).await;
    assert_eq!(status, 404, "{across}");
    let (status, missing) =
        get_status(&server, &bob_token, &format!("/profiles/{}", new_user_id())).await;
    assert_eq!(status, 404);
    assert_eq!(across["code"], missing["code"]);
    assert_eq!(across["detail"], missing["detail"]);
    // Ids that could smuggle another key in are 404s too, never 5xx.
    for odd in ["a%23b", "x%00", &"x".repeat(2000), "USER%23x"] {
        let (status, body) = get_status(&server, &bob_token, &format!("/profiles/{odd}")).await;
        assert_eq!(status, 404, "{odd}: {body}");
    }

    // Within a tenant, a member reads another member's profile.
    let carol = new_user_id();
    let carol_token = member_token(&issuer, &a, &carol);
    let (status, seen) = get_status(&server, &carol_token, &format!("/profiles/{alice}")).await;
    assert_eq!(status, 200, "{seen}");
    assert_eq!(seen["displayName"], "Alice of A");

    // Bob's own write never touched A's partition.
    assert_eq!(
        partition(&dynamodb, &server.shared_table, &a.name)
            .await
            .len(),
        1
    );

    server.finish(&env).await;
}

#[tokio::test]
async fn a_siloed_tenant_keeps_its_profiles_in_its_own_table() {
    let env = TestEnv::new();
    let dynamodb = env.dynamodb().await;
    let issuer = TokenIssuer::start().await;
    let server = ProfilesServer::start(&env, &issuer).await;
    let (silo, silo_table) = siloed_tenant(&env).await;
    let pool = pooled_tenant(&env).await;
    server.wait_known(&silo.name, &silo.uid).await;
    server.wait_known(&pool.name, &pool.uid).await;
    let (sam, pat) = (new_user_id(), new_user_id());
    let sam_token = member_token(&issuer, &silo, &sam);
    let pat_token = member_token(&issuer, &pool, &pat);

    put_profile(&server, &sam_token, "Sam of the silo").await;
    put_profile(&server, &pat_token, "Pat of the pool").await;

    // The siloed profile is in the silo's table, and nothing of the silo is in the shared one.
    let description = dynamodb
        .describe_table()
        .table_name(&silo_table)
        .send()
        .await
        .unwrap();
    assert_eq!(
        description.table.unwrap().table_name.as_deref(),
        Some(silo_table.as_str())
    );
    let stored = item(&dynamodb, &silo_table, &silo.name, &sam)
        .await
        .unwrap();
    assert_eq!(text(&stored, "display_name"), "Sam of the silo");
    assert!(
        partition(&dynamodb, &server.shared_table, &silo.name)
            .await
            .is_empty()
    );
    assert!(
        item(&dynamodb, &server.shared_table, &silo.name, &sam)
            .await
            .is_none()
    );
    // And nothing of the pool is in the silo's table.
    assert!(
        partition(&dynamodb, &silo_table, &pool.name)
            .await
            .is_empty()
    );
    let scanned = dynamodb
        .scan()
        .table_name(&silo_table)
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .items
        .unwrap_or_default();
    assert_eq!(scanned.len(), 1, "{scanned:?}");
    assert!(
        item(&dynamodb, &server.shared_table, &pool.name, &pat)
            .await
            .is_some()
    );

    // Neither side reads the other, by id.
    let (status, _) = get_status(&server, &pat_token, &format!("/profiles/{sam}")).await;
    assert_eq!(status, 404);
    let (status, _) = get_status(&server, &sam_token, &format!("/profiles/{pat}")).await;
    assert_eq!(status, 404);
    let (status, own) = get_status(&server, &sam_token, "/profiles/me").await;
    assert_eq!(status, 200);
    assert_eq!(own["displayName"], "Sam of the silo");

    server.finish(&env).await;
    let _ = dynamodb.delete_table().table_name(&silo_table).send().await;
}
