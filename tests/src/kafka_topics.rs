//! Kafka topics of a test's own, and reading one from its start.

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::{Offset, TopicPartitionList};

use crate::test_env::TestEnv;
use crate::unique::unique_name;

/// Creates a one-partition topic named `<prefix>-<unique>` (the broker started, or the test
/// fails with the command that starts it).
pub async fn new_topic(env: &TestEnv, prefix: &str) -> String {
    env.ensure_kafka().await;
    let topic = unique_name(prefix);
    let admin: AdminClient<_> = env.kafka_config().create().unwrap();
    let created = admin
        .create_topics(
            &[NewTopic::new(&topic, 1, TopicReplication::Fixed(1))],
            &AdminOptions::new(),
        )
        .await
        .unwrap();
    assert!(created[0].is_ok(), "topic creation: {created:?}");
    topic
}

/// A consumer of the topic's one partition from its first message, in a group of its own.
pub fn from_the_start(env: &TestEnv, topic: &str) -> StreamConsumer {
    let consumer: StreamConsumer = env
        .kafka_config()
        .set("group.id", unique_name("group"))
        .set("enable.auto.commit", "false")
        .create()
        .unwrap();
    let mut partitions = TopicPartitionList::new();
    partitions
        .add_partition_offset(topic, 0, Offset::Beginning)
        .unwrap();
    consumer.assign(&partitions).unwrap();
    consumer
}
