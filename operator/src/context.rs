//! What every reconcile shares: the client, the catalog, the provisioners, the clock.

use std::sync::Arc;

use kube::runtime::events::{Recorder, Reporter};
use saascript_catalog::Catalog;

use crate::backoff::Backoff;
use crate::clock::{Clock, system_clock};
use crate::config::Config;
use crate::credentials::TenantEndpoints;
use crate::metrics::Metrics;
use crate::provision::SharedNames;
use crate::provision::dynamodb::DynamoDbProvisioner;
use crate::provision::kafka::KafkaProvisioner;
use crate::provision::postgres::PostgresProvisioner;
use crate::provision::rabbitmq::RabbitMqProvisioner;
use crate::provision::redis::RedisProvisioner;
use crate::{Error, Result};

pub struct Provisioners {
    pub postgres: PostgresProvisioner,
    pub rabbitmq: RabbitMqProvisioner,
    pub kafka: KafkaProvisioner,
    pub dynamodb: DynamoDbProvisioner,
    pub redis: RedisProvisioner,
}

impl Provisioners {
    /// Builds every provisioner from the config. Nothing connects yet: a backing system that is
    /// down shows up in the Tenants' conditions, not as a failed start.
    pub fn from_config(config: &Config) -> Result<Provisioners> {
        Ok(Provisioners {
            postgres: PostgresProvisioner::new(
                config.database_url.expose(),
                &config.pooled_database,
            )?,
            rabbitmq: RabbitMqProvisioner::new(config.rabbitmq_management_url.expose())?,
            kafka: KafkaProvisioner::new(
                &config.kafka_brokers,
                config.kafka_partitions,
                config.kafka_replication,
            )?,
            dynamodb: DynamoDbProvisioner::new(
                config.dynamodb_endpoint.as_deref(),
                &config.aws_region,
            ),
            redis: RedisProvisioner::new(config.redis_url.expose())?,
        })
    }
}

pub struct Context {
    pub client: kube::Client,
    pub config: Config,
    pub catalog: Catalog,
    pub shared: SharedNames,
    pub provisioners: Provisioners,
    pub endpoints: TenantEndpoints,
    pub recorder: Recorder,
    pub clock: Clock,
    pub metrics: Arc<Metrics>,
    pub backoff: Backoff,
}

impl Context {
    /// Loads the catalog (an invalid one stops start-up) and builds the provisioners.
    pub fn new(client: kube::Client, config: Config, metrics: Arc<Metrics>) -> Result<Context> {
        let catalog = Catalog::load(&config.catalog)?;
        let provisioners = Provisioners::from_config(&config)?;
        let endpoints = TenantEndpoints {
            postgres: provisioners.postgres.address(),
            amqp: host_port(config.amqp_url.expose(), 5672)?,
            redis: provisioners.redis.address(),
            kafka_brokers: config.kafka_brokers.clone(),
            dynamodb: config.dynamodb_endpoint.clone(),
        };
        let endpoints = match &config.workload_loopback_host {
            Some(host) => endpoints.with_loopback_as(host),
            None => endpoints,
        };
        let reporter = Reporter {
            controller: "saascript-operator".into(),
            instance: std::env::var("POD_NAME").ok(),
        };
        let backoff = Backoff::new(std::time::Duration::from_secs(
            config.max_backoff_seconds.max(1),
        ));
        Ok(Context {
            backoff,
            recorder: Recorder::new(client.clone(), reporter),
            client,
            shared: config.shared_names(),
            config,
            catalog,
            provisioners,
            endpoints,
            clock: system_clock(),
            metrics,
        })
    }
}

fn host_port(url: &str, default_port: u16) -> Result<(String, u16)> {
    let parsed = reqwest::Url::parse(url).map_err(|e| Error::Config(format!("bad URL: {e}")))?;
    let host = parsed
        .host_str()
        .ok_or_else(|| Error::Config("a URL without a host".into()))?;
    Ok((host.to_string(), parsed.port().unwrap_or(default_port)))
}
