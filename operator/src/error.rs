//! The operator's one error type.

use crate::provision::ProvisionError;

/// Everything that can go wrong in the operator.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A SaaScript CRD is not installed on the API server.
    #[error(
        "the CRD {0} is not installed; install the CRDs with \
         `kubectl apply --server-side -f crds/manifests/` (or `make up`)"
    )]
    CrdMissing(String),
    /// The plan catalog could not be loaded.
    #[error(transparent)]
    Catalog(#[from] saascript_catalog::CatalogError),
    /// The Kubernetes API refused or failed a request.
    #[error("Kubernetes API error: {0}")]
    Kube(#[from] kube::Error),
    /// An object could not be turned into JSON (a bug, not an input error).
    #[error("serialization error: {0}")]
    Serialization(#[from] serde_json::Error),
    /// An object built by the operator has no name (a bug).
    #[error("an object built by the operator has no name")]
    MissingName,
    /// A backing system failed; the Tenant's conditions say which.
    #[error(transparent)]
    Provision(#[from] ProvisionError),
    /// One or more backing systems are not ready yet; the conditions say which.
    #[error("not ready: {0}")]
    NotReady(String),
    /// Deletion is blocked by `spec.preventDeletion`.
    #[error("deletion is blocked by spec.preventDeletion")]
    DeletionBlocked,
    /// The finalizer machinery failed.
    #[error("finalizer: {0}")]
    Finalizer(String),
    /// Bad start-up configuration.
    #[error("configuration: {0}")]
    Config(String),
}

impl Error {
    /// Every value of `metric_label`, so that the failure counters exist at zero before the
    /// first failure (an alert's rate() needs the series).
    pub const METRIC_LABELS: [&'static str; 10] = [
        "crd_missing",
        "catalog",
        "kube",
        "serialization",
        "missing_name",
        "provision",
        "not_ready",
        "deletion_blocked",
        "finalizer",
        "config",
    ];

    /// A bounded label for metrics: one value per variant, never a message.
    pub fn metric_label(&self) -> &'static str {
        match self {
            Error::CrdMissing(_) => "crd_missing",
            Error::Catalog(_) => "catalog",
            Error::Kube(_) => "kube",
            Error::Serialization(_) => "serialization",
            Error::MissingName => "missing_name",
            Error::Provision(_) => "provision",
            Error::NotReady(_) => "not_ready",
            Error::DeletionBlocked => "deletion_blocked",
            Error::Finalizer(_) => "finalizer",
            Error::Config(_) => "config",
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::Error;

    #[test]
    fn every_metric_label_is_listed_once() {
        let mut labels = Error::METRIC_LABELS.to_vec();
        labels.sort_unstable();
        labels.dedup();
        assert_eq!(labels.len(), Error::METRIC_LABELS.len(), "no label twice");
        for error in [
            Error::CrdMissing("tenants".into()),
            Error::MissingName,
            Error::NotReady("x".into()),
            Error::DeletionBlocked,
            Error::Config("x".into()),
            Error::Serialization(serde_json::from_str::<u8>("x").unwrap_err()),
        ] {
            assert!(
                Error::METRIC_LABELS.contains(&error.metric_label()),
                "{} is not in METRIC_LABELS",
                error.metric_label()
            );
        }
    }
}
