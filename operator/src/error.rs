//! The operator's one error type.

/// Everything that can go wrong in the operator.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A SaaScript CRD is not installed on the API server.
    #[error(
        "the CRD {0} is not installed; install the CRDs with \
         `kubectl apply --server-side -f crds/manifests/` (or `make up`)"
    )]
    CrdMissing(String),
    /// The Kubernetes API refused or failed a request.
    #[error("Kubernetes API error: {0}")]
    Kube(#[from] kube::Error),
}

impl Error {
    /// A bounded label for metrics: one value per variant, never a message.
    pub fn metric_label(&self) -> &'static str {
        match self {
            Error::CrdMissing(_) => "crd_missing",
            Error::Kube(_) => "kube",
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
