//! SaaScript's product service: projects, their tasks and the tasks' comments, per tenant, and
//! exports of a tenant's projects as CSV and JSON. See README.md for the routes and the
//! row-level security design.
//!
//! Layout: `routes/` (one resource per file), `caller` (the token bound to the live Tenant),
//! `tenant_databases` (pooled or siloed, with the LRU of siloed pools), `tenant_scope` (the
//! transaction that acts for one tenant), `app_role` (the role without ownership that queries
//! run as), `members` and `membership_consumer` (who may be assigned a task), `exports/` (the
//! worker and the files it writes), `events`, `pagination`, `validation`.

pub mod app_role;
pub mod caller;
pub mod config;
pub mod error;
pub mod events;
pub mod exports;
pub mod members;
pub mod membership_consumer;
pub mod openapi;
pub mod pagination;
pub mod routes;
pub mod tenant_databases;
pub mod tenant_scope;
pub mod validation;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::FromRef;
use saascript_common::clock::Clock;
use saascript_common::http::health::postgres_ready;
use saascript_common::http::metrics::HttpMetrics;
use saascript_common::jwt::JwtVerifier;
use saascript_common::kit::{Background, Platform, Service};
use saascript_common::tenants::TenantDirectory;
use sqlx::migrate::Migrator;

pub use config::Config;
pub use error::ProjectsError;
use tenant_databases::{RelayTargets, SiloedSettings, TenantDatabases};

/// The service's schema: the same on the pooled database and on every siloed one.
pub static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// The names of the background tasks, for tests that start only some of them.
pub const EVENT_RELAY: &str = "event-relay";
pub const TASK_RELAY: &str = "task-relay";
pub const EXPORT_WORKER: &str = "export-worker";
pub const MEMBERSHIP_CONSUMER: &str = "membership-consumer";

/// What the handlers need of the configuration.
#[derive(Clone, Debug)]
pub struct Settings {
    pub export_queue: String,
    pub export_ttl_seconds: i64,
}

#[derive(Clone)]
pub struct AppState {
    pub databases: Arc<TenantDatabases>,
    pub tenants: TenantDirectory,
    pub kube: kube::Client,
    pub verifier: Arc<JwtVerifier>,
    pub settings: Settings,
    pub clock: Clock,
}

impl FromRef<AppState> for Arc<JwtVerifier> {
    fn from_ref(state: &AppState) -> Self {
        state.verifier.clone()
    }
}

impl AppState {
    /// Seconds since the epoch, by the service's clock.
    pub fn now(&self) -> i64 {
        (self.clock)()
    }
}

/// Projects as `main` runs it and as the tests start it: the pooled database migrated and its
/// app role granted, the Tenant watch, the routes with the shared HTTP layer, and the
/// background work (outbox relays, the export worker, the membership consumer).
pub async fn build(config: Config, platform: Platform) -> Result<Service<AppState>, ProjectsError> {
    let db = config.database.connect(&MIGRATOR, 10).await?;
    app_role::ensure(&db).await?;
    let producer = saascript_common::event_outbox::producer(&config.events.kafka_brokers)
        .map_err(|e| ProjectsError::Internal(e.to_string()))?;
    let databases = Arc::new(TenantDatabases::new(
        db.clone(),
        platform.kube.clone(),
        SiloedSettings {
            limit: config.siloed_pool_limit,
            connections: config.siloed_pool_connections,
            relays: Some(RelayTargets {
                producer,
                events_topic: config.events.events_topic.clone(),
                amqp_url: config.tasks.amqp_url.expose().to_string(),
                task_retention: Duration::from_secs(config.tasks.task_retention_seconds),
            }),
        },
    ));
    let state = AppState {
        databases: databases.clone(),
        tenants: TenantDirectory::start(platform.kube.clone()),
        kube: platform.kube.clone(),
        verifier: Arc::new(config.jwt.verifier()),
        settings: Settings {
            export_queue: config.export_queue.clone(),
            export_ttl_seconds: config.export_ttl_seconds,
        },
        clock: platform.clock.clone(),
    };
    let app = saascript_common::http::app(
        routes::router(state.clone()),
        &config.http,
        HttpMetrics::new("projects"),
        postgres_ready(db.clone()),
    );
    let mut background = Background::new();
    config.events.add_relay(&db, &mut background)?;
    config.tasks.add_relay(&db, &mut background);
    background.add(
        EXPORT_WORKER,
        exports::worker::run_forever(
            state.clone(),
            exports::worker::WorkerSettings {
                amqp_url: config.tasks.amqp_url.expose().to_string(),
                queue: config.export_queue.clone(),
                max_attempts: config.export_max_attempts.max(1),
                base_backoff: Duration::from_millis(config.export_backoff_ms),
            },
        ),
    );
    let consumer =
        saascript_common::event_consumer::subscribe(&config.events, &config.membership_group)
            .map_err(|e| ProjectsError::Internal(e.to_string()))?;
    background.add(
        MEMBERSHIP_CONSUMER,
        membership_consumer::run(databases.pooled(), consumer),
    );
    Ok(Service {
        state,
        app,
        background,
    })
}
