//! auth.user.registered reaches Kafka exactly once through the event outbox, even when the
//! service is restarted right after the commit: the event was committed with the user, and the
//! relay of the next process publishes it, once.

use std::time::Duration;

use rdkafka::Message;
use rdkafka::consumer::{BaseConsumer, Consumer};
use saascript_tests::auth_server::AuthServer;
use saascript_tests::kafka_topics::{from_the_start, new_topic};
use saascript_tests::{TestEnv, unique_name};
use serde_json::{Value, json};

#[tokio::test]
async fn a_registration_event_reaches_kafka_exactly_once_across_a_restart() {
    let env = TestEnv::new();
    let topic = new_topic(&env, "auth-events").await;

    // The process that commits the registration stops before its relay runs.
    let server = AuthServer::start(&env).await;
    let http = reqwest::Client::new();
    let email = format!("{}@example.com", unique_name("event"));
    let response = http
        .post(server.url("/auth/register"))
        .json(&json!({ "email": email, "password": "correct horse battery staple" }))
        .send()
        .await
        .unwrap();
    let user: Value = response.json().await.unwrap();

    // The next process's relay publishes what is pending, once; a second pass finds nothing.
    let producer = saascript_common::event_outbox::producer(env.kafka_brokers()).unwrap();
    let db = &server.state.db;
    assert_eq!(
        saascript_common::event_outbox::relay_once(db, &producer, &topic)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        saascript_common::event_outbox::relay_once(db, &producer, &topic)
            .await
            .unwrap(),
        0
    );

    // Exactly one message in the topic, and it is the CloudEvent of this registration.
    let probe: BaseConsumer = env
        .kafka_config()
        .set("group.id", unique_name("g"))
        .create()
        .unwrap();
    let (low, high) = probe
        .fetch_watermarks(&topic, 0, Duration::from_secs(10))
        .unwrap();
    assert_eq!(high - low, 1, "exactly one event in the topic");
    let consumer = from_the_start(&env, &topic);
    let message = tokio::time::timeout(Duration::from_secs(20), consumer.recv())
        .await
        .unwrap()
        .unwrap();
    let event: Value = serde_json::from_slice(message.payload().unwrap()).unwrap();
    assert_eq!(event["specversion"], "1.0");
    assert_eq!(event["type"], "auth.user.registered");
    assert_eq!(event["source"], "saascript/auth");
    assert_eq!(event["subject"], user["id"]);
    assert_eq!(event["data"]["email"], email.as_str());
    assert_eq!(
        message.key(),
        user["id"].as_str().map(str::as_bytes),
        "keyed by the subject (no tenant yet)"
    );
    server.finish(&env).await;
}
