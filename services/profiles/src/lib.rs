//! SaaScript's profiles service: each member's profile in each of their tenants, on DynamoDB.
//! Pooled tenants share one table (partition `TENANT#<tenant>`, sort key `USER#<id>`); a siloed
//! tenant has a table of its own, named in its credentials Secret, with the same keys. Members
//! get a default profile when auth's events say they joined a tenant.
//!
//! Layout: `routes/` (one concern per file), `fields/` (each field's checks), `profile_store.rs`
//! (reads and conditional writes), `tenant_tables.rs` (which table a tenant uses),
//! `event_consumer.rs` → `event_handler.rs` → `profile_events.rs` (Kafka → what to do, once),
//! `processed_events.rs`, `etag.rs`, `dynamodb.rs` (client, shared table, readiness).

pub mod config;
pub mod dynamodb;
pub mod error;
pub mod etag;
pub mod event_consumer;
pub mod event_handler;
pub mod event_metrics;
pub mod fields;
pub mod keys;
pub mod openapi;
pub mod processed_events;
pub mod profile;
pub mod profile_events;
pub mod profile_item;
pub mod profile_store;
pub mod routes;
pub mod tenant_tables;

use std::sync::Arc;

use axum::extract::FromRef;
use saascript_common::clock::Clock;
use saascript_common::http::metrics::HttpMetrics;
use saascript_common::jwt::JwtVerifier;
use saascript_common::kit::{Background, Platform, Service};
use saascript_common::tenants::TenantDirectory;

pub use config::Config;
pub use error::ProfilesError;

use event_handler::EventHandler;
use processed_events::ProcessedEvents;
use profile_store::ProfileStore;
use tenant_tables::TenantTables;

/// The name of the Kafka consumer in `Background`.
pub const EVENT_CONSUMER: &str = "event-consumer";

#[derive(Clone)]
pub struct AppState {
    pub store: ProfileStore,
    pub tables: TenantTables,
    pub processed: ProcessedEvents,
    pub verifier: Arc<JwtVerifier>,
    pub clock: Clock,
}

impl FromRef<AppState> for Arc<JwtVerifier> {
    fn from_ref(state: &AppState) -> Self {
        state.verifier.clone()
    }
}

impl AppState {
    pub fn now(&self) -> i64 {
        (self.clock)()
    }

    /// The event handler over this state (the consumer's, and tests' to call directly).
    pub fn event_handler(&self) -> EventHandler {
        EventHandler {
            store: self.store.clone(),
            tables: self.tables.clone(),
            processed: self.processed.clone(),
            clock: self.clock.clone(),
        }
    }
}

/// Profiles as `main` runs it and as the test kit starts it: the shared table ensured (unless
/// turned off), the Tenant watch started, the app with the shared HTTP layer, and the Kafka
/// consumer in the background.
pub async fn build(config: Config, platform: Platform) -> Result<Service<AppState>, ProfilesError> {
    let dynamodb = dynamodb::client(&config.dynamodb);
    let shared_table = config.dynamodb.shared_table.clone();
    if config.dynamodb.create_shared_table {
        dynamodb::ensure_table(&dynamodb, &shared_table).await?;
    }
    let directory = TenantDirectory::start(platform.kube.clone());
    let state = AppState {
        store: ProfileStore::new(dynamodb.clone()),
        tables: TenantTables::new(
            directory.clone(),
            platform.kube.clone(),
            shared_table.clone(),
        ),
        processed: ProcessedEvents::new(dynamodb.clone(), shared_table.clone()),
        verifier: Arc::new(config.jwt.verifier()),
        clock: platform.clock,
    };
    let metrics = HttpMetrics::new("profiles");
    let event_metrics = event_metrics::EventMetrics::registered_in(&metrics);
    let app = saascript_common::http::app(
        routes::router(state.clone()),
        &config.http,
        metrics,
        dynamodb::readiness(dynamodb, shared_table, directory),
    );
    let mut background = Background::new();
    let consumer = event_consumer::subscribe(&config.events, &config.kafka_group_id)?;
    background.add(
        EVENT_CONSUMER,
        event_consumer::run(consumer, state.event_handler(), event_metrics),
    );
    Ok(Service {
        state,
        app,
        background,
    })
}
