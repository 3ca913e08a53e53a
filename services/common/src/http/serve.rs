//! Putting a service's router together and serving it.

use axum::Router;
use axum::http::StatusCode;
use axum::middleware::{from_fn, from_fn_with_state};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;

use super::config::HttpConfig;
use super::health::{ReadinessCheck, routes};
use super::metrics::{self, HttpMetrics};
use super::plain_errors::as_problems;
use super::request_id;

/// The service's routes with the operational routes and the shared layers: request ids and
/// spans, metrics, body limit and timeout (both answered with problems).
pub fn app(
    service_routes: Router,
    config: &HttpConfig,
    metrics: HttpMetrics,
    ready: ReadinessCheck,
) -> Router {
    service_routes
        .merge(routes(metrics.clone(), ready))
        .layer(RequestBodyLimitLayer::new(config.body_limit_bytes))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            config.request_timeout(),
        ))
        .layer(from_fn(as_problems))
        .layer(from_fn_with_state(metrics, metrics::middleware))
        .layer(from_fn(request_id::middleware))
}

/// Serves `app` on the configured address until SIGTERM or Ctrl-C, keeps serving for the
/// configured shutdown delay, then finishes the requests in flight. Each request carries its
/// peer address (`ConnectInfo`): auth's login throttling counts against it, believing
/// X-Forwarded-For only from a trusted proxy.
pub async fn serve(app: Router, config: &HttpConfig) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    tracing::info!(addr = %config.listen, "listening");
    let delay = std::time::Duration::from_secs(config.shutdown_delay_seconds);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        crate::shutdown::signal().await;
        if !delay.is_zero() {
            tracing::info!(
                ?delay,
                "stopping: serving on while the endpoints forget this pod"
            );
            tokio::time::sleep(delay).await;
        }
    })
    .await
}
