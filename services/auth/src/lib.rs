//! SaaScript's auth service: users with argon2id passwords, EdDSA access tokens (15 minutes,
//! with the tenant and roles), refresh tokens that rotate on every use and revoke their whole
//! family when reused, and the JWKS with key rotation.
//!
//! `router(state)` is the service; `build(config, platform)` connects, migrates and assembles it
//! with its background work, for `main` and the test kit alike.

pub mod client_address;
pub mod config;
pub mod email_tokens;
pub mod error;
pub mod events;
pub mod keys;
pub mod mail;
pub mod mailer;
pub mod member_limit;
pub mod opaque_token;
pub mod openapi;
pub mod passwords;
pub mod refresh_tokens;
pub mod routes;
pub mod sealed_tasks;
pub mod task_key;
pub mod tenant_sweep;
pub mod text;
pub mod throttle;
pub mod tokens;
pub mod users;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::FromRef;
use saascript_common::http::health::postgres_ready;
use saascript_common::http::metrics::HttpMetrics;
use saascript_common::jwt::{JwtVerifier, VerifierSettings};
use saascript_common::kit::{Background, Platform, Service};
use saascript_common::tenants::TenantApi;
use sqlx::PgPool;

pub use config::{Config, Settings};
use error::{AuthError, Result};
use keys::SigningKeys;

pub use saascript_common::clock::{Clock, system_clock};

#[derive(Clone)]
pub struct AppState {
    pub db: PgPool,
    pub keys: Arc<SigningKeys>,
    pub verifier: Arc<JwtVerifier>,
    pub settings: Settings,
    pub clock: Clock,
    pub throttle: throttle::Throttle,
    pub tenants: TenantApi,
}

impl FromRef<AppState> for Arc<JwtVerifier> {
    fn from_ref(state: &AppState) -> Self {
        state.verifier.clone()
    }
}

impl AppState {
    /// Builds the state on a migrated database, with an active signing key.
    pub async fn new(
        db: PgPool,
        redis: redis::aio::ConnectionManager,
        settings: Settings,
        throttle: throttle::ThrottleSettings,
        clock: Clock,
        tenants: TenantApi,
    ) -> Result<AppState> {
        let keys = Arc::new(SigningKeys::new(db.clone(), settings.access_token_lifetime));
        keys.ensure_active().await?;
        let verifier = Arc::new(JwtVerifier::with_source(
            VerifierSettings {
                jwks_url: format!(
                    "{}/.well-known/jwks.json",
                    settings.issuer.trim_end_matches('/')
                ),
                issuer: settings.issuer.clone(),
                audience: settings.audience.clone(),
                // A reload is one indexed query on its own database, not a request to an issuer.
                refetch_interval: Duration::from_secs(1),
                leeway: Duration::from_secs(30),
            },
            Arc::new(keys::OwnKeys(keys.clone())),
        ));
        verifier.install_keys(&keys.jwks().await?);
        let throttle = throttle::Throttle::new(redis, throttle);
        Ok(AppState {
            db,
            keys,
            verifier,
            settings,
            clock,
            throttle,
            tenants,
        })
    }

    pub fn clock_now(&self) -> i64 {
        (self.clock)()
    }
}

/// The migrations in `migrations/`, run by the kit at start-up.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// The service's routes.
pub fn router(state: AppState) -> Router {
    routes::router(state)
}

/// The service with the shared HTTP layer (request ids, metrics, limits, health).
pub fn app(state: AppState, config: &saascript_common::http::HttpConfig) -> Router {
    let ready = postgres_ready(state.db.clone());
    saascript_common::http::app(router(state), config, HttpMetrics::new("auth"), ready)
}

/// Auth as `main` runs it and as the test kit starts it: connects and migrates, makes sure a
/// signing key is active, and builds the app. Its background work: `tenant-sweep` (memberships
/// of gone Tenants removed), the task relay (sealed email tasks to RabbitMQ) and the event relay.
pub async fn build(config: Config, platform: Platform) -> Result<Service<AppState>> {
    let settings = config
        .settings()
        .map_err(|e| AuthError::Internal(format!("--email-task-key: {e}")))?;
    let db = config
        .database
        .connect(&MIGRATOR, 10)
        .await
        .map_err(|e| AuthError::Internal(e.to_string()))?;
    let redis = redis::Client::open(config.redis_url.expose())
        .map_err(|e| AuthError::Internal(format!("bad Redis URL: {e}")))?;
    let redis = redis::aio::ConnectionManager::new(redis)
        .await
        .map_err(|e| AuthError::Internal(format!("redis: {e}")))?;
    let tenants = TenantApi::new(platform.kube);
    let state = AppState::new(
        db.clone(),
        redis,
        settings,
        config.throttle.clone(),
        platform.clock,
        tenants.clone(),
    )
    .await?;
    let app = app(state.clone(), &config.http);
    let mut background = Background::new();
    background.add("tenant-sweep", tenant_sweep::run(db.clone(), tenants));
    // A task committed with a change is published even if RabbitMQ is down at that moment.
    config.tasks.add_relay(&db, &mut background);
    config
        .events
        .add_relay(&db, &mut background)
        .map_err(|e| AuthError::Internal(e.to_string()))?;
    Ok(Service {
        state,
        app,
        background,
    })
}
