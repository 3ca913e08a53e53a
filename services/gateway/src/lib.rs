//! SaaScript's API gateway: the only entry for the web UI and API clients. It routes
//! `/api/<service>/...` to the services, checks access tokens against auth's JWKS, admits
//! (tenant identity by uid, suspension, rate limits per tenant, user and client address), and
//! hands the services a verified identity (see `identity` for the trust model). `handle` puts
//! those steps in order.

pub mod admission;
pub mod authenticate;
pub mod config;
pub mod error;
pub mod handle;
pub mod hop_by_hop;
pub mod identity;
pub mod openapi;
pub mod openapi_cache;
pub mod proxy;
pub mod rate_limit;
pub mod routes;
pub mod state;
pub mod upstreams;

use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderValue, Method, header};
use saascript_common::http::health::ReadinessCheck;
use saascript_common::http::metrics::HttpMetrics;
use saascript_common::kit::{Background, Platform, Service};
use tower_http::cors::{AllowOrigin, CorsLayer};

pub use config::Config;
use saascript_common::tenants::TenantDirectory;
pub use state::AppState;

/// The gateway's router (every path goes through `handle`), with CORS for the web origin.
pub fn router(state: AppState, web_origin: &str) -> Router {
    let origin = HeaderValue::from_str(web_origin)
        .unwrap_or(HeaderValue::from_static("http://127.0.0.1:3000"));
    let cors = CorsLayer::new()
        .allow_origin(AllowOrigin::exact(origin))
        .allow_credentials(true)
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        // What the UI sends beyond the safelisted headers: If-Match for optimistic writes
        // (profiles) and Idempotency-Key for creations that may be retried (sign-up, billing).
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            header::HeaderName::from_static("idempotency-key"),
            header::HeaderName::from_static("x-request-id"),
        ])
        // What the UI reads back: the version to send as If-Match, where a new thing lives, a
        // download's file name, and how long to wait after a 429.
        .expose_headers([
            header::ETAG,
            header::LOCATION,
            header::CONTENT_DISPOSITION,
            header::RETRY_AFTER,
            header::HeaderName::from_static("x-request-id"),
        ]);
    Router::new()
        .fallback(handle::handle)
        .with_state(state)
        .layer(cors)
}

/// The gateway with the shared HTTP layer; ready once the Tenant cache has synced.
pub fn app(state: AppState, config: &Config) -> Router {
    let tenants = state.tenants.clone();
    let ready: ReadinessCheck = Arc::new(move || {
        let tenants = tenants.clone();
        Box::pin(async move {
            if tenants.synced().await {
                Ok(())
            } else {
                Err("the Tenant cache has not synced yet".into())
            }
        })
    });
    // The whole request may take a little longer than the upstream may: a slow upstream is
    // then answered by the proxy's own 504 `upstream_timeout`, never by the shared layer's 503
    // `timeout` depending on which timer fires first.
    let mut http = config.http.clone();
    http.request_timeout_ms = http
        .request_timeout_ms
        .max(config.upstream_timeout_ms.saturating_add(1_000));
    saascript_common::http::app(
        router(state, &config.web_origin),
        &http,
        HttpMetrics::new("gateway"),
        ready,
    )
}

/// The gateway as `main` runs it: the Tenant directory (a watch of every Tenant, which starts
/// with it and is the gateway's only background work) and the app.
pub async fn build(config: Config, platform: Platform) -> Result<Service<AppState>, String> {
    Ok(assemble(&config, TenantDirectory::start(platform.kube)))
}

/// The gateway on a Tenant directory that is already running: `build`'s assembly, which the
/// test kit calls with a directory it shares with the test.
pub fn assemble(config: &Config, directory: TenantDirectory) -> Service<AppState> {
    let state = AppState::new(config, directory);
    Service {
        app: app(state.clone(), config),
        state,
        background: Background::new(),
    }
}
