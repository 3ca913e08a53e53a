//! auth's events give members a default profile, once: the consumer creates it from
//! `auth.membership.created` on Kafka, records the event's id, and a replay of the event
//! changes nothing (not even a profile its owner has changed since). Checked with a DynamoDB
//! client of the test's own.

use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use rdkafka::producer::{FutureProducer, FutureRecord};
use saascript_common::events::CloudEvent;
use saascript_profiles::event_handler::Handled;
use saascript_tests::profiles_server::{
    ProfilesServer, member_token, new_user_id, pooled_tenant, siloed_tenant,
};
use saascript_tests::token_issuer::TokenIssuer;
use saascript_tests::{TestEnv, unique_name, wait};
use serde_json::json;

fn membership_event(tenant: &str, tenant_uid: &str, user: &str) -> CloudEvent {
    CloudEvent {
        specversion: "1.0".into(),
        id: unique_name("evt"),
        source: "saascript/auth".into(),
        type_: "auth.membership.created".into(),
        subject: Some(user.into()),
        time: "2026-12-01T04:00:00Z".into(),
        datacontenttype: "application/json".into(),
        tenant: Some(tenant.into()),
        data: json!({ "user": user, "tenant": tenant, "tenant_uid": tenant_uid, "role": "member" }),
    }
}

async fn publish(producer: &FutureProducer, topic: &str, event: &CloudEvent) {
    let payload = serde_json::to_vec(event).unwrap();
    producer
        .send(
            FutureRecord::to(topic).key(event.key()).payload(&payload),
            Duration::from_secs(10),
        )
        .await
        .map_err(|(e, _)| e)
        .unwrap();
}

/// The version of `user`'s profile in the shared table, read directly.
async fn stored_version(
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
    tenant: &str,
    user: &str,
) -> Option<u64> {
    let item = dynamodb
        .get_item()
        .table_name(table)
        .key("pk", AttributeValue::S(format!("TENANT#{tenant}")))
        .key("sk", AttributeValue::S(format!("USER#{user}")))
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item?;
    item.get("version")?.as_n().ok()?.parse().ok()
}

#[tokio::test]
async fn a_membership_event_creates_a_default_profile_once() {
    let env = TestEnv::new();
    let dynamodb = env.dynamodb().await;
    let issuer = TokenIssuer::start().await;
    let server = ProfilesServer::start(&env, &issuer).await;
    let tenant = pooled_tenant(&env).await;
    server.wait_known(&tenant.name, &tenant.uid).await;
    let producer: FutureProducer = env.kafka_config().create().unwrap();
    let table = server.shared_table.clone();

    // The consumer creates the default profile.
    let user = new_user_id();
    let event = membership_event(&tenant.name, &tenant.uid, &user);
    publish(&producer, &server.events_topic, &event).await;
    wait::until(Duration::from_secs(60), "the default profile", || {
        let (dynamodb, table, tenant, user) = (&dynamodb, &table, &tenant.name, &user);
        async move { stored_version(dynamodb, table, tenant, user).await }
    })
    .await;
    assert_eq!(
        stored_version(&dynamodb, &table, &tenant.name, &user).await,
        Some(1)
    );
    let processed = dynamodb
        .get_item()
        .table_name(&table)
        .key(
            "pk",
            AttributeValue::S(format!("EVENT#saascript/auth#{}", event.id)),
        )
        .key("sk", AttributeValue::S("PROCESSED".into()))
        .consistent_read(true)
        .send()
        .await
        .unwrap();
    assert!(processed.item.is_some(), "the event's id is recorded");

    // Its owner changes it.
    let token = member_token(&issuer, &tenant, &user);
    let response = reqwest::Client::new()
        .put(server.url("/profiles/me"))
        .bearer_auth(&token)
        .header("if-match", "\"1\"")
        .json(&json!({ "displayName": "Changed", "locale": "nl", "timeZone": "Europe/Amsterdam" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    // The same event again, then a new one behind it: once the new one is applied, the replay
    // has been through the consumer, and it changed nothing.
    publish(&producer, &server.events_topic, &event).await;
    let marker_user = new_user_id();
    publish(
        &producer,
        &server.events_topic,
        &membership_event(&tenant.name, &tenant.uid, &marker_user),
    )
    .await;
    wait::until(
        Duration::from_secs(60),
        "the event behind the replay",
        || {
            let (dynamodb, table, tenant, user) = (&dynamodb, &table, &tenant.name, &marker_user);
            async move { stored_version(dynamodb, table, tenant, user).await }
        },
    )
    .await;
    assert_eq!(
        stored_version(&dynamodb, &table, &tenant.name, &user).await,
        Some(2)
    );
    let (status, profile) = {
        let response = reqwest::Client::new()
            .get(server.url("/profiles/me"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        (
            response.status(),
            response.json::<serde_json::Value>().await.unwrap(),
        )
    };
    assert_eq!(status, 200);
    assert_eq!(profile["displayName"], "Changed");

    // The consumer counted what it did (bounded labels: known types and outcomes).
    let metrics = reqwest::get(server.url("/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(
            "saascript_profiles_events_total{event_type=\"auth.membership.created\",outcome=\"created\"} 2"
        ),
        "{metrics}"
    );
    assert!(
        metrics.contains(
            "saascript_profiles_events_total{event_type=\"auth.membership.created\",outcome=\"replayed\"} 1"
        ),
        "{metrics}"
    );

    // The handler itself says what it did with a replay, and with what it does not handle.
    let handler = server.state.event_handler();
    assert_eq!(handler.handle(&event).await.unwrap(), Handled::Replayed);
    let mut registration = membership_event(&tenant.name, &tenant.uid, &new_user_id());
    registration.type_ = "auth.user.registered".into();
    registration.tenant = None;
    registration.data = json!({ "id": registration.subject, "email": "x@example.com" });
    assert!(matches!(
        handler.handle(&registration).await.unwrap(),
        Handled::Ignored(_)
    ));
    // An event of an earlier Tenant of the name creates nothing.
    let stale_user = new_user_id();
    let stale = membership_event(&tenant.name, "an-earlier-uid", &stale_user);
    assert!(matches!(
        handler.handle(&stale).await.unwrap(),
        Handled::Ignored(_)
    ));
    assert_eq!(
        stored_version(&dynamodb, &table, &tenant.name, &stale_user).await,
        None
    );

    // A siloed tenant's member gets the profile in the tenant's own table, not the shared one.
    let (silo, silo_table) = siloed_tenant(&env).await;
    let silo_user = new_user_id();
    let created = handler
        .handle(&membership_event(&silo.name, &silo.uid, &silo_user))
        .await
        .unwrap();
    assert_eq!(created, Handled::Created);
    assert_eq!(
        stored_version(&dynamodb, &silo_table, &silo.name, &silo_user).await,
        Some(1)
    );
    assert_eq!(
        stored_version(&dynamodb, &table, &silo.name, &silo_user).await,
        None
    );

    server.finish(&env).await;
    let _ = dynamodb.delete_table().table_name(&silo_table).send().await;
}
