//! SaaScript's auth service: users with argon2id passwords, EdDSA access tokens (15 minutes,
//! with the tenant and roles), refresh tokens that rotate on every use and revoke their whole
//! family when reused, and the JWKS with key rotation.
//!
//! `router(state)` is the service; `run(config)` connects, migrates and serves it.

pub mod client_address;
pub mod config;
pub mod email_tokens;
pub mod error;
pub mod events;
pub mod keys;
pub mod mail;
pub mod mailer;
pub mod opaque_token;
pub mod openapi;
pub mod sealed_tasks;
pub mod passwords;
pub mod refresh_tokens;
pub mod routes;
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
    pub tenants: saascript_common::tenants::TenantApi,
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
        tenants: saascript_common::tenants::TenantApi,
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

/// Runs the migrations in `migrations/`.
pub async fn migrate(db: &PgPool) -> Result<()> {
    sqlx::migrate!("./migrations")
        .run(db)
        .await
        .map_err(|e| AuthError::Internal(format!("migrations: {e}")))
}

/// The service's routes.
pub fn router(state: AppState) -> Router {
    routes::router(state)
}

/// The service with the shared HTTP layer (request ids, metrics, limits, health).
pub fn app(state: AppState, config: &saascript_common::http::HttpConfig) -> Router {
    let ready = postgres_ready(state.db.clone());
    saascript_common::http::app(router(state), config, HttpMetrics::new("auth"), ready)
}

/// Connects, migrates and serves until SIGTERM or Ctrl-C.
pub async fn run(config: Config) -> Result<()> {
    let db = sqlx::postgres::PgPoolOptions::new()
        .max_connections(10)
        .acquire_timeout(Duration::from_secs(5))
        .connect(config.database_url.expose())
        .await?;
    migrate(&db).await?;
    let redis = redis::Client::open(config.redis_url.expose())
        .map_err(|e| AuthError::Internal(format!("bad Redis URL: {e}")))?;
    let redis = redis::aio::ConnectionManager::new(redis)
        .await
        .map_err(|e| AuthError::Internal(format!("redis: {e}")))?;
    // The default kube configuration, as the gateway's: KUBECONFIG, ~/.kube/config, or in-cluster.
    let kube = kube::Client::try_default()
        .await
        .map_err(|e| AuthError::Internal(format!("Kubernetes: {e}")))?;
    let tenants = saascript_common::tenants::TenantApi::new(kube);
    let state = AppState::new(
        db.clone(),
        redis,
        config
            .settings()
            .map_err(|e| AuthError::Internal(format!("--email-task-key: {e}")))?,
        Default::default(),
        system_clock(),
        tenants.clone(),
    )
    .await?;
    tokio::spawn(tenant_sweep::run(db.clone(), tenants));
    // The outbox relay runs beside the service; a task committed with a change is published
    // even if RabbitMQ is down at that moment.
    tokio::spawn(outbox::run_relay(
        db.clone(),
        config.amqp_url.expose().to_string(),
        Duration::from_millis(500),
        Duration::from_secs(config.task_retention_seconds),
    ));
    let producer = saascript_common::event_outbox::producer(&config.kafka_brokers)
        .map_err(|e| AuthError::Internal(e.to_string()))?;
    tokio::spawn(saascript_common::event_outbox::run_relay(
        db,
        producer,
        config.events_topic.clone(),
        Duration::from_millis(500),
    ));
    serve(app(state, &config.http), &config.http)
        .await
        .map_err(|e| AuthError::Internal(format!("serving: {e}")))
}

/// Serves until SIGTERM or Ctrl-C, with each request's peer address (`ConnectInfo`): login
/// throttling counts against it, and believes X-Forwarded-For only from a trusted proxy.
pub async fn serve(
    app: Router,
    config: &saascript_common::http::HttpConfig,
) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    tracing::info!(addr = %config.listen, "listening");
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(saascript_common::shutdown::signal())
    .await
}
