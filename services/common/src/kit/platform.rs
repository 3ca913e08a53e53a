//! What every service takes from its surroundings rather than its flags: the Kubernetes client
//! (Tenants are read from the API server) and the one clock. `main` uses the default
//! configuration and the system clock; tests pass their own API server and a clock they move.

use super::KitError;
use crate::clock::{Clock, system_clock};

#[derive(Clone)]
pub struct Platform {
    pub kube: kube::Client,
    pub clock: Clock,
}

impl Platform {
    /// KUBECONFIG, ~/.kube/config or the in-cluster service account, and the system clock.
    pub async fn from_environment() -> Result<Platform, KitError> {
        let kube = kube::Client::try_default()
            .await
            .map_err(|e| KitError::Kubernetes(e.to_string()))?;
        Ok(Platform {
            kube,
            clock: system_clock(),
        })
    }
}
