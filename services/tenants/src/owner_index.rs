//! Every Tenant through a watch (a kube-runtime reflector), for the one question sign-up asks of
//! all of them: does a Tenant already declare this address as an owner. A lag of a moment is
//! harmless there (auth's memberships are checked too, and the idempotency key covers retries);
//! the decisions that must not lag read the Tenant itself.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use kube::api::Api;
use kube::runtime::reflector::{self, Store};
use kube::runtime::{WatchStreamExt, watcher};
use saascript_crds::Tenant;

#[derive(Clone)]
pub struct OwnerIndex {
    store: Store<Tenant>,
}

impl OwnerIndex {
    /// The index and the watch that fills it (the caller runs the watch, as background work).
    pub fn new(
        tenants: Api<Tenant>,
    ) -> (
        OwnerIndex,
        impl std::future::Future<Output = ()> + Send + 'static,
    ) {
        let (store, writer) = reflector::store();
        let watch = reflector::reflector(writer, watcher(tenants, watcher::Config::default()))
            .default_backoff()
            .touched_objects()
            .for_each(|event| async move {
                if let Err(e) = event {
                    tracing::warn!(error = %e, "the Tenant watch failed; retrying");
                }
            });
        (OwnerIndex { store }, watch)
    }

    /// Whether the first list has arrived (before that, no address looks taken).
    pub async fn synced(&self) -> bool {
        tokio::time::timeout(Duration::from_millis(10), self.store.wait_until_ready())
            .await
            .is_ok_and(|ready| ready.is_ok())
    }

    /// The name of a live Tenant that declares `email` (in any letter case) as an owner.
    pub fn owned_by(&self, email: &str) -> Option<String> {
        self.store
            .state()
            .iter()
            .filter(|tenant| tenant.metadata.deletion_timestamp.is_none())
            .find(|tenant| owns(tenant, email))
            .and_then(|tenant| tenant.metadata.name.clone())
    }
}

fn owns(tenant: &Arc<Tenant>, email: &str) -> bool {
    tenant
        .spec
        .owners
        .iter()
        .any(|owner| owner.trim().eq_ignore_ascii_case(email.trim()))
}
