//! SaaScript's billing service: one Stripe customer per tenant, subscriptions (subscribe,
//! change plan, cancel at period end, resume), invoices, Checkout and Portal links, and Stripe's
//! webhook, which mirrors Stripe into the tenant's Subscription and sets `Tenant.spec.plan` once
//! Stripe confirms a change. The operator carries the entitlements from there.
//!
//! Layout: `routes/` (one concern per file), `webhooks.rs` (signature → dedupe → apply),
//! `subscription_sync.rs` (fetch from Stripe → write to Kubernetes), `sync.rs` (the pure
//! decision), `tenant_deletion.rs` (a deleted tenant's subscriptions canceled, behind billing's
//! finalizer), `crd_reinstall.rs` (a tenant back after a CRD reinstall takes its customer
//! back), `stripe/` (client, object views, signatures), `kubernetes.rs`, `customers.rs`.

pub mod config;
pub mod crd_reinstall;
pub mod customers;
pub mod error;
pub mod kubernetes;
pub mod openapi;
pub mod routes;
pub mod stripe;
pub mod subscription_sync;
pub mod sync;
pub mod tenant_deletion;
pub mod webhooks;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::FromRef;
use saascript_catalog::Catalog;
use saascript_common::Sensitive;
use saascript_common::http::health::postgres_ready;
use saascript_common::http::metrics::HttpMetrics;
use saascript_common::jwt::{JwtVerifier, VerifierSettings};
use sqlx::PgPool;

pub use config::Config;
use error::{BillingError, Result};

pub use saascript_common::clock::{Clock, system_clock};

/// What the handlers need of the configuration.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Stripe's endpoint secrets (several while one is rolled); never printed.
    pub webhook_secrets: Vec<Sensitive>,
    pub webhook_tolerance_seconds: i64,
    pub return_url: String,
    /// Whether first subscriptions get the catalog's trial days (off against the local fake).
    pub trials: bool,
    /// The Tenants whose deletions this billing takes part in (a label selector; None: all).
    pub tenant_selector: Option<String>,
}

#[derive(Clone)]
pub struct AppState {
    pub db: PgPool,
    pub stripe: stripe::StripeApi,
    pub kube: kubernetes::Kubernetes,
    pub catalog: Arc<Catalog>,
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
    pub fn now(&self) -> i64 {
        (self.clock)()
    }
}

/// Runs the migrations in `migrations/`.
pub async fn migrate(db: &PgPool) -> Result<()> {
    sqlx::migrate!("./migrations")
        .run(db)
        .await
        .map_err(|e| BillingError::Internal(format!("migrations: {e}")))
}

impl Config {
    pub fn settings(&self) -> Result<Settings> {
        let webhook_secrets: Vec<Sensitive> = self
            .stripe_webhook_secrets
            .iter()
            .map(|s| s.expose().trim())
            .filter(|s| !s.is_empty())
            .map(Sensitive::new)
            .collect();
        if webhook_secrets.is_empty() {
            return Err(BillingError::Config(
                "STRIPE_WEBHOOK_SECRETS is empty: Stripe's webhooks could not be verified".into(),
            ));
        }
        Ok(Settings {
            webhook_secrets,
            webhook_tolerance_seconds: self.webhook_tolerance_seconds,
            return_url: self.return_url.clone(),
            trials: self.stripe_trials,
            tenant_selector: self.tenant_selector.clone(),
        })
    }

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

/// The service with the shared HTTP layer (request ids, metrics, limits, health).
pub fn app(state: AppState, config: &saascript_common::http::HttpConfig) -> Router {
    let ready = postgres_ready(state.db.clone());
    saascript_common::http::app(
        routes::router(state),
        config,
        HttpMetrics::new("billing"),
        ready,
    )
}

/// Billing as `main` runs it and as the test kit starts it: the state on a migrated database,
/// and the app with the shared HTTP layer. The background work (the event relay and
/// `tenant_deletion::run`) is the caller's to start, so that a test can run only what it needs.
pub struct Billing {
    pub state: AppState,
    pub app: Router,
}

/// Loads the catalog (an invalid one stops start-up), connects, migrates and builds the service.
/// The Kubernetes client and the clock come from the caller: `run` uses the default
/// configuration and the system clock, and tests their own.
pub async fn build(config: &Config, kube: kube::Client, clock: Clock) -> Result<Billing> {
    let catalog = load_catalog(config)?;
    let settings = config.settings()?;
    let db = sqlx::postgres::PgPoolOptions::new()
        // Each webhook delivery holds a connection (its transaction and lock) while it talks to
        // Stripe and Kubernetes.
        .max_connections(20)
        .acquire_timeout(Duration::from_secs(5))
        .connect(config.database_url.expose())
        .await?;
    migrate(&db).await?;
    let state = AppState {
        db,
        stripe: stripe::StripeApi::new(config.stripe_secret_key.expose(), &config.stripe_api_base)?,
        kube: kubernetes::Kubernetes::new(kube),
        catalog: Arc::new(catalog),
        verifier: Arc::new(config.verifier()),
        settings,
        clock,
    };
    let app = app(state.clone(), &config.http);
    Ok(Billing { state, app })
}

fn load_catalog(config: &Config) -> Result<Catalog> {
    Catalog::load(&config.catalog).map_err(|e| {
        BillingError::Config(format!("plan catalog {}: {e}", config.catalog.display()))
    })
}

/// Builds billing and serves it until SIGTERM or Ctrl-C, with the event relay and the
/// tenant-deletion controller beside it.
pub async fn run(config: Config) -> Result<()> {
    // A bad catalog or missing webhook secrets stop start-up with their own reason, before
    // anything is connected (`build` reads them again; they are small).
    load_catalog(&config)?;
    config.settings()?;
    let kube_client = kube::Client::try_default().await.map_err(|e| {
        BillingError::Config(format!("no Kubernetes configuration (set KUBECONFIG): {e}"))
    })?;
    let Billing { state, app } = build(&config, kube_client, system_clock()).await?;
    let producer = saascript_common::event_outbox::producer(&config.kafka_brokers)
        .map_err(|e| BillingError::Config(e.to_string()))?;
    tokio::spawn(saascript_common::event_outbox::run_relay(
        state.db.clone(),
        producer,
        config.events_topic.clone(),
        Duration::from_millis(500),
    ));
    tokio::spawn(tenant_deletion::run(state.clone(), std::future::pending()));
    saascript_common::http::serve(app, &config.http)
        .await
        .map_err(|e| BillingError::Internal(format!("serving: {e}")))
}
