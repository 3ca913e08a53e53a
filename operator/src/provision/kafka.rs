//! Kafka, through rdkafka's AdminClient. A siloed tenant gets its own topics
//! `tenant.<name>.<suffix>`; pooled tenants share `saascript.<suffix>`, keyed by tenant id.

use std::sync::Arc;
use std::time::Duration;

use rdkafka::ClientConfig;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use saascript_crds::{DeletionPolicy, Isolation};

use super::{Outcome, Presence, ProvisionError, ProvisionResult, System, TenantPlan};

const TIMEOUT: Duration = Duration::from_secs(10);

pub struct KafkaProvisioner {
    admin: Arc<AdminClient<DefaultClientContext>>,
    brokers: String,
    partitions: i32,
    replication: i32,
}

impl KafkaProvisioner {
    pub fn new(
        brokers: &str,
        partitions: i32,
        replication: i32,
    ) -> ProvisionResult<KafkaProvisioner> {
        let admin = ClientConfig::new()
            .set("bootstrap.servers", brokers)
            .set("socket.timeout.ms", "10000")
            .create()
            .map_err(|e| ProvisionError::failed(System::Kafka, format!("bad Kafka config: {e}")))?;
        Ok(KafkaProvisioner {
            admin: Arc::new(admin),
            brokers: brokers.to_string(),
            partitions,
            replication,
        })
    }

    pub fn brokers(&self) -> &str {
        &self.brokers
    }

    pub async fn ensure(&self, plan: &TenantPlan) -> ProvisionResult<Outcome> {
        let wanted = plan.kafka_topics();
        let existing = self.existing_topics(&wanted).await?;
        let missing: Vec<&String> = wanted.iter().filter(|t| !existing.contains(t)).collect();
        if !missing.is_empty() {
            let new_topics: Vec<NewTopic<'_>> = missing
                .iter()
                .map(|t| {
                    NewTopic::new(
                        t,
                        self.partitions,
                        TopicReplication::Fixed(self.replication),
                    )
                })
                .collect();
            let results = self
                .admin
                .create_topics(
                    &new_topics,
                    &AdminOptions::new().operation_timeout(Some(TIMEOUT)),
                )
                .await
                .map_err(classify)?;
            for result in results {
                match result {
                    Ok(_) | Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
                    Err((topic, code)) => {
                        return Err(ProvisionError::failed(
                            System::Kafka,
                            format!("creating topic {topic}: {code}"),
                        ));
                    }
                }
            }
        }
        let what = match plan.isolation {
            Isolation::Siloed => "own topics",
            Isolation::Pooled => "shared topics",
        };
        Ok(Outcome::ready(format!("{what} {}", wanted.join(", "))))
    }

    /// `Delete` removes a siloed tenant's topics; shared topics always stay, and `Retain` keeps
    /// the tenant's own.
    pub async fn remove(&self, plan: &TenantPlan, policy: DeletionPolicy) -> ProvisionResult<()> {
        if policy == DeletionPolicy::Retain || plan.isolation == Isolation::Pooled {
            return Ok(());
        }
        let topics = self.existing_topics(&plan.kafka_topics()).await?;
        if topics.is_empty() {
            return Ok(());
        }
        let names: Vec<&str> = topics.iter().map(String::as_str).collect();
        let results = self
            .admin
            .delete_topics(
                &names,
                &AdminOptions::new().operation_timeout(Some(TIMEOUT)),
            )
            .await
            .map_err(classify)?;
        for result in results {
            match result {
                Ok(_) | Err((_, RDKafkaErrorCode::UnknownTopicOrPartition)) => {}
                Err((topic, code)) => {
                    return Err(ProvisionError::failed(
                        System::Kafka,
                        format!("deleting topic {topic}: {code}"),
                    ));
                }
            }
        }
        Ok(())
    }

    /// The tenant's own topics that exist. A pooled tenant owns none: the shared topics are the
    /// platform's, and its messages in them are keyed by tenant.
    pub async fn observe(&self, plan: &TenantPlan) -> ProvisionResult<Presence> {
        if plan.isolation == Isolation::Pooled {
            return Ok(Presence { present: vec![] });
        }
        let present = self.existing_topics(&plan.kafka_topics()).await?;
        Ok(Presence {
            present: present.into_iter().map(|t| format!("topic {t}")).collect(),
        })
    }

    /// Which of `topics` the cluster has. Metadata requests block, so they run off the runtime.
    async fn existing_topics(&self, topics: &[String]) -> ProvisionResult<Vec<String>> {
        let admin = self.admin.clone();
        let topics = topics.to_vec();
        tokio::task::spawn_blocking(move || {
            let metadata = admin
                .inner()
                .fetch_metadata(None, TIMEOUT)
                .map_err(classify)?;
            Ok(topics
                .into_iter()
                .filter(|name| {
                    metadata
                        .topics()
                        .iter()
                        .any(|t| t.name() == name && t.error().is_none())
                })
                .collect())
        })
        .await
        .map_err(|e| ProvisionError::failed(System::Kafka, format!("metadata task failed: {e}")))?
    }
}

fn classify(error: KafkaError) -> ProvisionError {
    let unreachable = match &error {
        KafkaError::MetadataFetch(code) | KafkaError::AdminOp(code) => matches!(
            code,
            RDKafkaErrorCode::OperationTimedOut
                | RDKafkaErrorCode::AllBrokersDown
                | RDKafkaErrorCode::BrokerTransportFailure
                | RDKafkaErrorCode::RequestTimedOut
        ),
        _ => false,
    };
    if unreachable {
        ProvisionError::unreachable(System::Kafka, error)
    } else {
        ProvisionError::failed(System::Kafka, error)
    }
}
