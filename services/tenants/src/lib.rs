//! SaaScript's tenants service: sign-up (a Tenant with the caller as its owner), the platform
//! admins' list of every Tenant, and the tenant's own view of itself: its spec, phase and
//! conditions, live provisioning progress (Server-Sent Events from a watch), its display name and
//! owners, its deletion, and its members (through auth). It keeps no tenant state: the Tenant CR
//! is the truth, and an idempotency record lives on the Tenant it created (`idempotency`).
//!
//! Layout: `routes/` (one route per file), `caller.rs` (the token and its claims),
//! `current_tenant.rs` (the caller's live Tenant), `auth_client.rs` (auth, with the caller's
//! token), `progress.rs` (condition changes as stream events, pure), `tenant_view.rs` (a Tenant
//! as its users and as the admins' list see it), `owner_index.rs` (a watch of every Tenant's
//! owners), `idempotency.rs`, and the input rules `tenant_name.rs`, `display_name.rs`,
//! `owner_list.rs`.

pub mod auth_client;
pub mod caller;
pub mod config;
pub mod current_tenant;
pub mod display_name;
pub mod error;
pub mod idempotency;
pub mod openapi;
pub mod owner_index;
pub mod owner_list;
pub mod progress;
pub mod routes;
pub mod tenant_name;
pub mod tenant_view;

use std::sync::Arc;

use axum::extract::FromRef;
use kube::api::Api;
use saascript_catalog::Catalog;
use saascript_common::clock::Clock;
use saascript_common::http::health::ReadinessCheck;
use saascript_common::http::metrics::HttpMetrics;
use saascript_common::jwt::JwtVerifier;
use saascript_common::kit;
use saascript_crds::Tenant;

pub use config::{Config, Settings};
pub use error::{Result, TenantsError};

#[derive(Clone)]
pub struct AppState {
    /// Live reads and writes of Tenants (cluster-scoped).
    pub tenants: Api<Tenant>,
    /// A watch-fed copy of every Tenant, for the one check that may lag a moment (is this
    /// address already an owner somewhere).
    pub owners: owner_index::OwnerIndex,
    pub catalog: Arc<Catalog>,
    pub verifier: Arc<JwtVerifier>,
    pub auth: auth_client::AuthClient,
    pub settings: Settings,
    pub clock: Clock,
}

impl FromRef<AppState> for Arc<JwtVerifier> {
    fn from_ref(state: &AppState) -> Self {
        state.verifier.clone()
    }
}

/// The service as `main` runs it and as the test kit starts it. Its one background task is the
/// Tenant watch of the owner index (`tenant-watch`).
pub async fn build(config: Config, platform: kit::Platform) -> Result<kit::Service<AppState>> {
    let catalog = Catalog::load(&config.catalog).map_err(|e| {
        TenantsError::Config(format!("plan catalog {}: {e}", config.catalog.display()))
    })?;
    let tenants: Api<Tenant> = Api::all(platform.kube);
    let (owners, watch) = owner_index::OwnerIndex::new(tenants.clone());
    let mut background = kit::Background::new();
    background.add("tenant-watch", watch);
    let state = AppState {
        tenants,
        owners,
        catalog: Arc::new(catalog),
        verifier: Arc::new(config.jwt.verifier()),
        auth: auth_client::AuthClient::new(&config.auth_url)?,
        settings: config.settings()?,
        clock: platform.clock,
    };
    let app = saascript_common::http::app(
        routes::router(state.clone()),
        &config.http,
        HttpMetrics::new("tenants"),
        readiness(state.owners.clone()),
    );
    Ok(kit::Service {
        state,
        app,
        background,
    })
}

/// Ready once the Tenant watch has listed every Tenant (before that, sign-up could not tell
/// whether the caller already owns one).
fn readiness(owners: owner_index::OwnerIndex) -> ReadinessCheck {
    Arc::new(move || {
        let owners = owners.clone();
        Box::pin(async move {
            if owners.synced().await {
                Ok(())
            } else {
                Err("the Tenant watch has not listed the Tenants yet".to_string())
            }
        })
    })
}
