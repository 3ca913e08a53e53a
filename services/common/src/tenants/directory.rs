//! Every Tenant, through a kube-runtime reflector: an in-memory copy kept current by a watch, so
//! no request costs an API call.

use kube::api::Api;
use kube::runtime::reflector::{self, ObjectRef, Store};
use kube::runtime::{WatchStreamExt, watcher};
use saascript_crds::Tenant;
use std::sync::Arc;

/// A tenant, as far as the gateway's admission is concerned.
#[derive(Clone, Debug, PartialEq)]
pub struct TenantInfo {
    /// The live Tenant's `metadata.uid`: a token acts only for the Tenant whose uid it carries,
    /// not for a later one that reuses the name.
    pub uid: Option<String>,
    pub suspended: bool,
    pub requests_per_second: Option<u32>,
    /// A siloed tenant's own services (from its status): where its requests for each go
    /// instead of the shared upstream.
    pub own_services: std::collections::HashMap<saascript_crds::ServiceName, String>,
}

#[derive(Clone)]
pub struct TenantDirectory {
    store: Store<Tenant>,
}

impl TenantDirectory {
    /// Starts the watch in the background and returns the directory reading it.
    pub fn start(client: kube::Client) -> TenantDirectory {
        let (store, writer) = reflector::store();
        let stream = reflector::reflector(
            writer,
            watcher(Api::<Tenant>::all(client), watcher::Config::default()),
        )
        .default_backoff()
        .touched_objects();
        tokio::spawn(async move {
            use futures::StreamExt;
            stream
                .for_each(|event| async move {
                    if let Err(e) = event {
                        tracing::warn!(error = %e, "the Tenant watch failed; retrying");
                    }
                })
                .await;
        });
        TenantDirectory { store }
    }

    /// A directory over a store filled by someone else (unit tests fill it by hand).
    pub fn from_store(store: Store<Tenant>) -> TenantDirectory {
        TenantDirectory { store }
    }

    /// Whether the first list has arrived (before that, every tenant would look unknown).
    pub async fn synced(&self) -> bool {
        tokio::time::timeout(
            std::time::Duration::from_millis(10),
            self.store.wait_until_ready(),
        )
        .await
        .is_ok_and(|r| r.is_ok())
    }

    /// The Tenant named `name` as last seen (None when there is none).
    pub fn get(&self, name: &str) -> Option<Arc<Tenant>> {
        self.store.get(&ObjectRef::new(name))
    }

    /// What admission needs of the Tenant named `tenant`.
    pub fn lookup(&self, tenant: &str) -> Option<TenantInfo> {
        let tenant = self.store.get(&ObjectRef::new(tenant))?;
        Some(TenantInfo {
            uid: tenant.metadata.uid.clone(),
            suspended: super::is_suspended(&tenant),
            requests_per_second: tenant
                .status
                .as_ref()
                .and_then(|s| s.entitlements.as_ref())
                .and_then(|e| u32::try_from(e.requests_per_second).ok()),
            own_services: tenant
                .status
                .iter()
                .flat_map(|s| &s.services)
                .filter_map(|own| Some((own.service, own.url.clone()?)))
                .collect(),
        })
    }
}
