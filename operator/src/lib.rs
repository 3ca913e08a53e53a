//! The SaaScript operator. The Tenant controller provisions each tenant's namespace and backing
//! resources (PostgreSQL, RabbitMQ, Kafka, DynamoDB, Redis) and reports them in the status.
//!
//! Layout: `tenant/`, `subscription/` and `service_deployment/` are the three controllers (each
//! validate → build → apply → status), all run and applied through `applier/`; `provision/` has
//! one provisioner per backing system, `credentials.rs` the tenant's Secret.

pub mod applier;
pub mod backoff;
pub mod clock;
pub mod config;
pub mod context;
pub mod crd_check;
pub mod credentials;
pub mod error;
pub mod events;
pub mod labels;
pub mod leader;
pub mod metrics;
pub mod provision;
pub mod server;
pub mod service_deployment;
pub mod subscription;
pub mod tenant;

use std::sync::Arc;

pub use config::Config;
pub use context::Context;
pub use error::{Error, Result};

/// Runs the operator until SIGTERM or Ctrl-C: checks the CRDs, loads the catalog, serves
/// /metrics, /healthz and /readyz, and runs the Tenant controller.
pub async fn run(config: Config) -> Result<()> {
    let metrics = Arc::new(metrics::Metrics::new());
    let client = counting_client(metrics.clone()).await?;
    crd_check::ensure_crds_installed(&client).await?;
    let ctx = Arc::new(Context::new(client, config, metrics.clone())?);
    let server = server::serve(ctx.config.metrics_addr, metrics).await?;
    tracing::info!(addr = %ctx.config.metrics_addr, "serving /metrics, /healthz and /readyz");
    if ctx.config.leader_election {
        let settings = ctx.config.lease();
        leader::check_settings(&settings)?;
        tracing::info!(lease = %settings.name, identity = %settings.identity, "campaigning for leadership");
        let elector = leader::LeaderElector::new(ctx.client.clone(), settings);
        run_elected(ctx, elector, shutdown_signal()).await;
    } else {
        run_controllers(ctx, shutdown_signal()).await;
    }
    server.abort();
    tracing::info!("stopped");
    Ok(())
}

/// A client from the kubeconfig (or the pod's service account) that counts its write requests
/// in the metrics: the proof that a steady state writes nothing.
async fn counting_client(metrics: Arc<metrics::Metrics>) -> Result<kube::Client> {
    let config = kube::Config::infer()
        .await
        .map_err(|e| Error::Config(format!("no Kubernetes configuration (set KUBECONFIG): {e}")))?;
    counting_client_from(config, metrics)
}

/// A client on `config` that counts every request other than a GET in `metrics`.
pub fn counting_client_from(
    config: kube::Config,
    metrics: Arc<metrics::Metrics>,
) -> Result<kube::Client> {
    let count =
        tower::util::MapRequestLayer::new(move |request: http::Request<kube::client::Body>| {
            if request.method() != http::Method::GET {
                metrics.kube_write();
            }
            request
        });
    Ok(kube::client::ClientBuilder::try_from(config)?
        .with_layer(&count)
        .build())
}

/// Runs the controller only while this replica holds the lease, until `shutdown`. Losing the
/// lease stops the controller (reconciles in flight finish); winning it again restarts it.
pub async fn run_elected(
    ctx: Arc<Context>,
    elector: leader::LeaderElector,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) {
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    });
    let (leading_tx, leading_rx) = tokio::sync::watch::channel(false);
    let campaign = {
        let stop = stop_rx.clone();
        AbortOnDrop(tokio::spawn(async move {
            elector.campaign(leading_tx, stop).await
        }))
    };
    loop {
        let mut leading = leading_rx.clone();
        let mut stop = stop_rx.clone();
        tokio::select! {
            became = leading.wait_for(|leading| *leading) => if became.is_err() { break },
            _ = stop.wait_for(|stop| *stop) => break,
        }
        let mut leading = leading_rx.clone();
        let mut stop = stop_rx.clone();
        run_controllers(ctx.clone(), async move {
            tokio::select! {
                _ = leading.wait_for(|leading| !*leading) => {}
                _ = stop.wait_for(|stop| *stop) => {}
            }
        })
        .await;
        if *stop_rx.borrow() {
            break;
        }
    }
    // Wait for the campaign to release the lease.
    let mut campaign = campaign;
    let _ = (&mut campaign.0).await;
}

/// Runs the Tenant, Subscription and ServiceDeployment controllers side by side until
/// `shutdown`.
pub async fn run_controllers(
    ctx: Arc<Context>,
    shutdown: impl std::future::Future<Output = ()> + Send + Sync + 'static,
) {
    use futures::FutureExt;
    let shutdown = shutdown.shared();
    tokio::join!(
        tenant::run(ctx.clone(), shutdown.clone()),
        subscription::run(ctx.clone(), shutdown.clone()),
        service_deployment::run(ctx, shutdown),
    );
}

/// Aborts a task when dropped, so that a dropped (or crashed) caller never leaves a campaign
/// renewing a lease on its own.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Resolves on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    saascript_process::shutdown::signal().await;
    tracing::info!("shutting down: finishing the reconciles in flight");
}
