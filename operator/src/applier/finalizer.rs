//! kube's finalizer helper, with its errors folded into the operator's.

use std::fmt::Debug;
use std::future::Future;
use std::sync::Arc;

use kube::Resource;
use kube::api::Api;
use kube::runtime::controller::Action;
use kube::runtime::finalizer::{Error as FinalizerError, Event, finalizer};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{Error, Result};

/// Runs `reconcile` with `Event::Apply` while the object lives (adding the finalizer first), and
/// with `Event::Cleanup` once it is being deleted (removing the finalizer after).
///
/// Removing the finalizer from an object that is already gone (404) is success: someone removed
/// the finalizer first, or the object was force-deleted, and either way what the finalizer
/// guarded is over. Counting it as a failed reconcile would fire an error-rate alert when nothing
/// is wrong.
pub async fn finalized<K, F, Fut>(
    api: &Api<K>,
    finalizer_name: &str,
    object: Arc<K>,
    reconcile: F,
) -> Result<Action>
where
    K: Resource + Clone + DeserializeOwned + Serialize + Debug,
    F: FnOnce(Event<K>) -> Fut,
    Fut: Future<Output = Result<Action>>,
{
    match finalizer(api, finalizer_name, object, reconcile).await {
        Ok(action) => Ok(action),
        Err(error) => settle(error),
    }
}

/// What a finalizer error means for the reconcile. Pure, so that the 404 rule is unit-tested.
pub fn settle(error: FinalizerError<Error>) -> Result<Action> {
    match error {
        FinalizerError::ApplyFailed(e) | FinalizerError::CleanupFailed(e) => Err(e),
        FinalizerError::RemoveFinalizer(kube::Error::Api(status)) if status.code == 404 => {
            tracing::debug!("the object was gone before its finalizer was removed: done");
            Ok(Action::await_change())
        }
        other => Err(Error::Finalizer(other.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api_error(code: u16) -> kube::Error {
        kube::Error::Api(
            kube::core::Status::failure("test", "NotFound")
                .with_code(code)
                .boxed(),
        )
    }

    #[test]
    fn a_finalizer_removed_from_a_gone_object_is_done() {
        let settled = settle(FinalizerError::RemoveFinalizer(api_error(404)));
        assert_eq!(settled.ok(), Some(Action::await_change()));
    }

    #[test]
    fn other_finalizer_failures_stay_failures() {
        assert!(matches!(
            settle(FinalizerError::RemoveFinalizer(api_error(409))),
            Err(Error::Finalizer(_))
        ));
        assert!(matches!(
            settle(FinalizerError::CleanupFailed(Error::DeletionBlocked)),
            Err(Error::DeletionBlocked)
        ));
    }
}
