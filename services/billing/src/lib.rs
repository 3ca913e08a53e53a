//! SaaScript's billing service: one Stripe customer per tenant, subscriptions (subscribe,
//! change plan, cancel at period end, resume), invoices, Checkout and Portal links, and Stripe's
//! webhook, which mirrors Stripe into the tenant's Subscription and sets `Tenant.spec.plan` once
//! Stripe confirms a change. The operator carries the entitlements from there.
//!
//! Layout, bottom up (each file uses only those above it): `decisions.rs` (pure: what a Stripe
//! subscription means for a tenant, whether a deletion proceeds), `stripe/` (client, object
//! views, signatures) and `kubernetes.rs` (Tenants and Subscriptions), `customers.rs` (billing's
//! own table), then the workflows, which stack: `subscription_sync.rs` (fetch from Stripe →
//! write to Kubernetes), `crd_reinstall.rs` (a tenant back after a CRD reinstall takes its
//! customer back), `tenant_deletion.rs` (a deleted tenant's subscriptions canceled, behind
//! billing's finalizer). `webhooks.rs` (signature → dedupe → apply) and `routes/` (one concern
//! per file) are the entries.

pub mod config;
pub mod crd_reinstall;
pub mod customers;
pub mod decisions;
pub mod error;
pub mod kubernetes;
pub mod openapi;
pub mod routes;
pub mod stripe;
pub mod subscription_sync;
pub mod tenant_deletion;
pub mod webhooks;

use std::sync::Arc;

use axum::Router;
use axum::extract::FromRef;
use saascript_catalog::Catalog;
use saascript_common::Sensitive;
use saascript_common::http::health::postgres_ready;
use saascript_common::http::metrics::HttpMetrics;
use saascript_common::jwt::JwtVerifier;
use saascript_common::kit::{Background, Platform, Service};
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

/// The migrations in `migrations/`, run by the kit at start-up.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

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

/// Billing as `main` runs it and as the test kit starts it. Loads the catalog (an invalid one
/// stops start-up, as do missing webhook secrets), connects, migrates and builds the state and
/// the app. Its background work is the event relay and `tenant-deletion` (billing's part in
/// deleting Tenants); a test starts only what it needs.
pub async fn build(config: Config, platform: Platform) -> Result<Service<AppState>> {
    let catalog = load_catalog(&config)?;
    let settings = config.settings()?;
    // Each webhook delivery holds a connection (its transaction and lock) while it talks to
    // Stripe and Kubernetes.
    let db = config
        .database
        .connect(&MIGRATOR, 20)
        .await
        .map_err(|e| BillingError::Config(e.to_string()))?;
    let state = AppState {
        db: db.clone(),
        stripe: stripe::StripeApi::new(config.stripe_secret_key.expose(), &config.stripe_api_base)?,
        kube: kubernetes::Kubernetes::new(platform.kube),
        catalog: Arc::new(catalog),
        verifier: Arc::new(config.jwt.verifier()),
        settings,
        clock: platform.clock,
    };
    let app = app(state.clone(), &config.http);
    let mut background = Background::new();
    config
        .events
        .add_relay(&db, &mut background)
        .map_err(|e| BillingError::Config(e.to_string()))?;
    background.add(
        "tenant-deletion",
        tenant_deletion::run(state.clone(), std::future::pending()),
    );
    Ok(Service {
        state,
        app,
        background,
    })
}

fn load_catalog(config: &Config) -> Result<Catalog> {
    Catalog::load(&config.catalog).map_err(|e| {
        BillingError::Config(format!("plan catalog {}: {e}", config.catalog.display()))
    })
}
