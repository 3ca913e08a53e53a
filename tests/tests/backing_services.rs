//! One real round trip on each backing service, through the test kit: proof that the harness
//! talks to real servers and not to stand-ins.

use std::time::Duration;

use aws_sdk_dynamodb::client::Waiters;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
    ScalarAttributeType,
};
use futures::StreamExt;
use lapin::BasicProperties;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicPublishOptions, ConfirmSelectOptions,
    QueueDeclareOptions, QueueDeleteOptions,
};
use lapin::types::FieldTable;
use rdkafka::Message;
use rdkafka::producer::{FutureProducer, FutureRecord};
use saascript_tests::kafka_topics::{from_the_start, new_topic};
use saascript_tests::test_env::STRIPE_TEST_KEY;
use saascript_tests::{TestEnv, unique_ident, unique_name};
use sqlx::{AssertSqlSafe, Row};

#[tokio::test]
async fn postgres_creates_connects_to_and_drops_a_database() {
    let env = TestEnv::new();
    let admin = env.postgres().await;
    let database = unique_ident("db");
    // The name comes from unique_ident: letters, digits and '_' only.
    sqlx::query(AssertSqlSafe(format!(r#"CREATE DATABASE "{database}""#)))
        .execute(&admin)
        .await
        .unwrap();

    let url = url_with_database(env.database_url(), &database);
    let pool = env.postgres_at(&url).await;
    let row = sqlx::query("SELECT current_database() AS db, 40 + 2 AS answer")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(row.get::<String, _>("db"), database);
    assert_eq!(row.get::<i32, _>("answer"), 42);
    sqlx::query("CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL)")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("INSERT INTO notes (body) VALUES ($1)")
        .bind("hello")
        .execute(&pool)
        .await
        .unwrap();
    let body: String = sqlx::query_scalar("SELECT body FROM notes")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(body, "hello");
    pool.close().await;

    sqlx::query(AssertSqlSafe(format!(
        r#"DROP DATABASE "{database}" WITH (FORCE)"#
    )))
    .execute(&admin)
    .await
    .unwrap();
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(&database)
            .fetch_one(&admin)
            .await
            .unwrap();
    assert!(!exists, "the database should be gone");
}

fn url_with_database(url: &str, database: &str) -> String {
    let (base, _) = url.rsplit_once('/').expect("DATABASE_URL has a path");
    format!("{base}/{database}")
}

#[tokio::test]
async fn rabbitmq_publishes_with_confirms_and_consumes() {
    let env = TestEnv::new();
    let connection = env.rabbitmq().await;
    let channel = connection.create_channel().await.unwrap();
    let queue = unique_name("q");
    channel
        .queue_declare(
            queue.as_str().into(),
            QueueDeclareOptions::durable(),
            FieldTable::default(),
        )
        .await
        .unwrap();
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await
        .unwrap();
    let confirm = channel
        .basic_publish(
            "".into(),
            queue.as_str().into(),
            BasicPublishOptions::default(),
            b"{\"task\":\"email.send\"}",
            BasicProperties::default().with_delivery_mode(2),
        )
        .await
        .unwrap()
        .await
        .unwrap();
    assert!(confirm.is_ack(), "the broker confirms the publish");

    let mut consumer = channel
        .basic_consume(
            queue.as_str().into(),
            "saascript-test".into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await
        .unwrap();
    let delivery = tokio::time::timeout(Duration::from_secs(10), consumer.next())
        .await
        .expect("a delivery within 10 s")
        .expect("the consumer stream is open")
        .unwrap();
    assert_eq!(delivery.data, b"{\"task\":\"email.send\"}");
    delivery.ack(BasicAckOptions::default()).await.unwrap();
    channel
        .queue_delete(queue.as_str().into(), QueueDeleteOptions::default())
        .await
        .unwrap();
    connection.close(200, "done".into()).await.unwrap();
}

#[tokio::test]
async fn kafka_produces_and_consumes_with_rdkafka() {
    let env = TestEnv::new();
    let topic = new_topic(&env, "topic").await;

    let producer: FutureProducer = env.kafka_config().create().unwrap();
    let delivered = producer
        .send(
            FutureRecord::to(&topic)
                .key("tenant-acme")
                .payload("hello kafka"),
            Duration::from_secs(10),
        )
        .await;
    assert!(delivered.is_ok(), "delivery failed: {delivered:?}");

    let consumer = from_the_start(&env, &topic);
    let message = tokio::time::timeout(Duration::from_secs(20), consumer.recv())
        .await
        .expect("a message within 20 s")
        .unwrap();
    assert_eq!(message.key(), Some(&b"tenant-acme"[..]));
    assert_eq!(message.payload(), Some(&b"hello kafka"[..]));
}

#[tokio::test]
async fn dynamodb_creates_a_table_puts_and_gets_an_item() {
    let env = TestEnv::new();
    let client = env.dynamodb().await;
    let table = unique_name("table");
    client
        .create_table()
        .table_name(&table)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("pk")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .unwrap(),
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("pk")
                .key_type(KeyType::Hash)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    // As in real DynamoDB, a new table is CREATING until it turns ACTIVE.
    client
        .wait_until_table_exists()
        .table_name(&table)
        .wait(Duration::from_secs(30))
        .await
        .expect("the table turns ACTIVE within 30 s");
    client
        .put_item()
        .table_name(&table)
        .item("pk", AttributeValue::S("TENANT#acme#PROFILE#1".into()))
        .item("name", AttributeValue::S("Ada".into()))
        .send()
        .await
        .unwrap();
    let item = client
        .get_item()
        .table_name(&table)
        .key("pk", AttributeValue::S("TENANT#acme#PROFILE#1".into()))
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item
        .expect("the item is there");
    assert_eq!(item["name"], AttributeValue::S("Ada".into()));
    client
        .delete_table()
        .table_name(&table)
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn redis_sets_and_gets() {
    let env = TestEnv::new();
    let mut redis = env.redis().await;
    let key = format!("t:{}:greeting", unique_name("t"));
    let _: () = redis::cmd("SET")
        .arg(&key)
        .arg("hello")
        .arg("EX")
        .arg(60)
        .query_async(&mut redis)
        .await
        .unwrap();
    let value: Option<String> = redis::cmd("GET")
        .arg(&key)
        .query_async(&mut redis)
        .await
        .unwrap();
    assert_eq!(value.as_deref(), Some("hello"));
    let _: () = redis::cmd("DEL")
        .arg(&key)
        .query_async(&mut redis)
        .await
        .unwrap();
}

#[tokio::test]
async fn the_stripe_fake_creates_and_keeps_a_customer() {
    let env = TestEnv::new();
    let base = env.stripe_api_base().await;
    let http = reqwest::Client::new();
    let email = format!("{}@acme.example", unique_name("owner"));
    let created: serde_json::Value = http
        .post(format!("{base}/v1/customers"))
        .bearer_auth(STRIPE_TEST_KEY)
        .form(&[("email", email.as_str()), ("metadata[tenant]", "acme")])
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().expect("a customer id");
    assert!(id.starts_with("cus_"), "{created}");

    // The fake keeps state: the customer can be fetched back.
    let fetched: serde_json::Value = http
        .get(format!("{base}/v1/customers/{id}"))
        .bearer_auth(STRIPE_TEST_KEY)
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(fetched["email"], email.as_str());
    assert_eq!(fetched["metadata"]["tenant"], "acme");
}
