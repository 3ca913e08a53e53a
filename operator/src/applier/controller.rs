//! One way to run a controller: every reconcile is counted, timed, logged and backed off the same
//! way, whatever the kind.

use std::fmt::Debug;
use std::future::Future;
use std::sync::Arc;

use futures::StreamExt;
use kube::runtime::controller::{self, Action, Controller};
use kube::{Resource, ResourceExt};
use serde::de::DeserializeOwned;
use tracing::Instrument;

use crate::context::Context;
use crate::metrics::ControllerKind;
use crate::{Error, Result};

/// Runs `controller` with `reconcile` until `shutdown` resolves; reconciles in flight finish
/// first. At most `concurrency` objects are reconciled at once. A failure is counted by error,
/// logged, and retried with per-object exponential back-off; a success resets the back-off.
pub async fn run_controller<K, R, Fut>(
    controller: Controller<K>,
    kind: ControllerKind,
    ctx: Arc<Context>,
    shutdown: impl Future<Output = ()> + Send + Sync + 'static,
    reconcile: R,
) where
    K: Resource<DynamicType = ()> + Clone + DeserializeOwned + Debug + Send + Sync + 'static,
    R: Fn(Arc<K>, Arc<Context>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Action>> + Send + 'static,
{
    let reconcile = Arc::new(reconcile);
    let concurrency = ctx.config.concurrency;
    controller
        .with_config(controller::Config::default().concurrency(concurrency))
        .graceful_shutdown_on(shutdown)
        .run(
            move |object: Arc<K>, ctx: Arc<Context>| {
                let reconcile = reconcile.clone();
                async move {
                    let _timer = ctx.metrics.reconciles.started(kind);
                    let key = backoff_key(kind, object.as_ref());
                    let span = tracing::info_span!(
                        "reconcile",
                        controller = kind.as_str(),
                        namespace = object.namespace().unwrap_or_default(),
                        name = object.name_any(),
                    );
                    let result = reconcile(object, ctx.clone()).instrument(span).await;
                    if result.is_ok() {
                        ctx.backoff.succeeded(&key);
                    }
                    result
                }
            },
            move |object: Arc<K>, error: &Error, ctx: Arc<Context>| {
                ctx.metrics.reconciles.failed(kind, error);
                let key = backoff_key(kind, object.as_ref());
                match error {
                    Error::NotReady(_) | Error::DeletionBlocked => {
                        tracing::info!(object = %key, %error, "not done yet")
                    }
                    _ => tracing::warn!(object = %key, %error, "reconcile failed"),
                }
                Action::requeue(ctx.backoff.failed(&key))
            },
            ctx,
        )
        .for_each(|result| async move {
            if let Err(error) = result {
                tracing::debug!(%error, "reconcile failed");
            }
        })
        .await;
}

/// The back-off key of one object: its kind, namespace and name (a Tenant and its Subscription
/// share a name, and must not share a back-off).
fn backoff_key<K: Resource>(kind: ControllerKind, object: &K) -> String {
    format!(
        "{}/{}/{}",
        kind.as_str(),
        object.meta().namespace.as_deref().unwrap_or_default(),
        object.meta().name.as_deref().unwrap_or_default()
    )
}
