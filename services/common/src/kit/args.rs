//! The flag groups services share. Each is a clap `Args` group that a service's `Config`
//! flattens, with the environment variable of each flag named once here.

use std::time::Duration;

use clap::Args;
use sqlx::PgPool;
use sqlx::migrate::Migrator;
use sqlx::postgres::PgPoolOptions;

use super::{Background, KitError, outbox_schema};
use crate::Sensitive;
use crate::jwt::{JwtVerifier, VerifierSettings};

/// The service's own PostgreSQL database.
#[derive(Clone, Debug, Args)]
pub struct DatabaseArgs {
    /// The service's database; its migrations run at start-up.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Sensitive,
    /// The most connections the service holds (each service has its own default).
    #[arg(long, env = "DATABASE_MAX_CONNECTIONS")]
    pub database_max_connections: Option<u32>,
}

impl DatabaseArgs {
    /// Connects, runs the service's migrations, then makes sure the shared outbox tables exist.
    /// `default_connections` applies unless the flag sets another number.
    pub async fn connect(
        &self,
        migrator: &Migrator,
        default_connections: u32,
    ) -> Result<PgPool, KitError> {
        let db = PgPoolOptions::new()
            .max_connections(self.database_max_connections.unwrap_or(default_connections))
            .acquire_timeout(Duration::from_secs(5))
            .connect(self.database_url.expose())
            .await?;
        migrator.run(&db).await?;
        outbox_schema::ensure(&db).await?;
        Ok(db)
    }
}

/// Verifying access tokens against auth's JWKS.
#[derive(Clone, Debug, Args)]
pub struct JwtArgs {
    /// Where auth publishes its signing keys.
    #[arg(
        long,
        env = "JWKS_URL",
        default_value = "http://127.0.0.1:8081/.well-known/jwks.json"
    )]
    pub jwks_url: String,
    /// The `iss` that tokens must carry.
    #[arg(long, env = "AUTH_ISSUER", default_value = "http://127.0.0.1:8081")]
    pub issuer: String,
    /// The `aud` that tokens must carry.
    #[arg(long, env = "AUTH_AUDIENCE", default_value = "saascript")]
    pub audience: String,
}

impl JwtArgs {
    /// A verifier that fetches the JWKS on first use and again for an unknown key id (at most
    /// every 10 s), with 30 s of leeway on the times in a token.
    pub fn verifier(&self) -> JwtVerifier {
        JwtVerifier::new(VerifierSettings {
            jwks_url: self.jwks_url.clone(),
            issuer: self.issuer.clone(),
            audience: self.audience.clone(),
            refetch_interval: Duration::from_secs(10),
            leeway: Duration::from_secs(30),
        })
    }
}

/// Publishing the service's CloudEvents to Kafka through its event outbox.
#[derive(Clone, Debug, Args)]
pub struct EventArgs {
    /// Kafka's bootstrap servers.
    #[arg(long, env = "KAFKA_BROKERS", default_value = "127.0.0.1:9092")]
    pub kafka_brokers: String,
    /// The topic of the platform's events.
    #[arg(long, env = "EVENTS_TOPIC", default_value = "saascript.events")]
    pub events_topic: String,
}

impl EventArgs {
    /// Adds the event relay (outbox → Kafka, every 500 ms) to `background`.
    pub fn add_relay(&self, db: &PgPool, background: &mut Background) -> Result<(), KitError> {
        let producer = crate::event_outbox::producer(&self.kafka_brokers)
            .map_err(|e| KitError::Kafka(e.to_string()))?;
        background.add(
            "event-relay",
            crate::event_outbox::run_relay(
                db.clone(),
                producer,
                self.events_topic.clone(),
                Duration::from_millis(500),
            ),
        );
        Ok(())
    }
}

/// Publishing the service's tasks to RabbitMQ through its task outbox.
#[derive(Clone, Debug, Args)]
pub struct TaskArgs {
    /// RabbitMQ.
    #[arg(
        long,
        env = "AMQP_URL",
        default_value = "amqp://guest:guest@127.0.0.1:5672/%2f",
        hide_env_values = true
    )]
    pub amqp_url: Sensitive,
    /// How long a published task stays in the outbox, in seconds.
    #[arg(long, env = "TASK_RETENTION_SECONDS", default_value_t = 24 * 3600)]
    pub task_retention_seconds: u64,
}

impl TaskArgs {
    /// Adds the task relay (outbox → RabbitMQ, every 500 ms, pruning after the retention).
    pub fn add_relay(&self, db: &PgPool, background: &mut Background) {
        background.add(
            "task-relay",
            crate::task_outbox::run_relay(
                db.clone(),
                self.amqp_url.expose().to_string(),
                Duration::from_millis(500),
                Duration::from_secs(self.task_retention_seconds),
            ),
        );
    }
}
