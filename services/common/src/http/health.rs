//! `/healthz` (the process is alive), `/readyz` (its dependencies answer) and `/metrics`.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use axum::Router;
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::get;

use super::metrics::HttpMetrics;
use crate::problem::Problem;

/// A readiness check: Ok when the service can serve, Err with the reason otherwise.
pub type ReadinessCheck =
    Arc<dyn Fn() -> Pin<Box<dyn Future<Output = Result<(), String>> + Send>> + Send + Sync>;

/// The readiness of a service whose one dependency is its PostgreSQL database.
pub fn postgres_ready(db: sqlx::PgPool) -> ReadinessCheck {
    Arc::new(move || {
        let db = db.clone();
        Box::pin(async move {
            sqlx::query("SELECT 1")
                .execute(&db)
                .await
                .map(|_| ())
                .map_err(|e| format!("postgres: {e}"))
        })
    })
}

/// The operational routes, merged into every service's router.
pub fn routes(metrics: HttpMetrics, ready: ReadinessCheck) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route(
            "/readyz",
            get(move || {
                let ready = ready.clone();
                async move {
                    match ready().await {
                        Ok(()) => "ok".into_response(),
                        Err(reason) => {
                            tracing::warn!(%reason, "not ready");
                            Problem::new(StatusCode::SERVICE_UNAVAILABLE, "not_ready", reason)
                                .into_response()
                        }
                    }
                }
            }),
        )
        .route(
            "/metrics",
            get(move || {
                let metrics = metrics.clone();
                async move {
                    (
                        [(
                            CONTENT_TYPE,
                            "application/openmetrics-text; version=1.0.0; charset=utf-8",
                        )],
                        metrics.encode(),
                    )
                }
            }),
        )
}

/// A readiness check that always passes, for services with no dependency to check.
pub fn always_ready() -> ReadinessCheck {
    Arc::new(|| Box::pin(async { Ok(()) }))
}
