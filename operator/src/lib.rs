//! The SaaScript operator. The Tenant controller provisions each tenant's namespace and backing
//! resources (PostgreSQL, RabbitMQ, Kafka, DynamoDB, Redis) and reports them in the status.
//!
//! Layout: `tenant/` is the controller (validate → build → apply → status, and cleanup),
//! `provision/` has one provisioner per backing system, `credentials.rs` the tenant's Secret.

pub mod backoff;
pub mod clock;
pub mod config;
pub mod context;
pub mod crd_check;
pub mod credentials;
pub mod error;
pub mod labels;
pub mod metrics;
pub mod provision;
pub mod server;
pub mod tenant;

use std::sync::Arc;

pub use config::Config;
pub use context::Context;
pub use error::{Error, Result};

/// Runs the operator until SIGTERM or Ctrl-C: checks the CRDs, loads the catalog, serves
/// /metrics, /healthz and /readyz, and runs the Tenant controller.
pub async fn run(config: Config) -> Result<()> {
    let client = kube::Client::try_default().await?;
    crd_check::ensure_crds_installed(&client).await?;
    let metrics = Arc::new(metrics::Metrics::new());
    let ctx = Arc::new(Context::new(client, config, metrics.clone())?);
    let server = server::serve(ctx.config.metrics_addr, metrics).await?;
    tracing::info!(addr = %ctx.config.metrics_addr, "serving /metrics, /healthz and /readyz");
    tenant::run(ctx, shutdown_signal()).await;
    server.abort();
    tracing::info!("stopped");
    Ok(())
}

/// Resolves on SIGTERM (Kubernetes stopping the pod) or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing the reconciles in flight");
}
