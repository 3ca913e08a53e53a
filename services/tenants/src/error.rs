//! The tenants service's errors, each a problem (RFC 9457) with a stable code.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use saascript_common::problem::{ApiError, problem_response};

#[derive(Debug, thiserror::Error)]
pub enum TenantsError {
    /// One field of the request is wrong (`field` names it).
    #[error("{message}")]
    InvalidField {
        field: &'static str,
        code: &'static str,
        message: String,
    },
    /// A request header is malformed or missing (the `Idempotency-Key`).
    #[error("{message}")]
    BadHeader { code: &'static str, message: String },
    /// The same `Idempotency-Key` came with another request body.
    #[error("this Idempotency-Key was used with another request body")]
    IdempotencyKeyReused,
    #[error("{message}")]
    Forbidden { code: &'static str, message: String },
    /// No Tenant, or not the caller's: the two are not told apart.
    #[error("the tenant does not exist")]
    NotFound,
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    /// Auth did not answer, or answered what tenants cannot read.
    #[error("the auth service cannot be reached right now; try again shortly")]
    AuthUnavailable,
    /// Auth refused the caller's token (the user is gone).
    #[error("the token's user is unknown")]
    Unauthenticated,
    /// Argo CD's generator route without `ARGOCD_PLUGIN_TOKEN` set.
    #[error("the Argo CD plugin generator is off: the tenants service has no ARGOCD_PLUGIN_TOKEN")]
    PluginDisabled,
    /// Argo CD's generator route with a missing or wrong bearer token.
    #[error("the bearer token is missing or is not the Argo CD plugin token (ARGOCD_PLUGIN_TOKEN)")]
    PluginToken,
    /// The API server did not answer.
    #[error("the Kubernetes API cannot be reached right now; try again shortly")]
    KubernetesUnavailable,
    #[error("Kubernetes API error: {0}")]
    Kubernetes(#[from] kube::Error),
    #[error("configuration error: {0}")]
    Config(String),
    #[error("internal error: {0}")]
    Internal(String),
}

pub type Result<T, E = TenantsError> = std::result::Result<T, E>;

impl TenantsError {
    pub fn invalid(field: &'static str, code: &'static str, message: impl Into<String>) -> Self {
        TenantsError::InvalidField {
            field,
            code,
            message: message.into(),
        }
    }

    /// An error from the API server: one that says it could not be reached is a 503, anything
    /// else a 500 whose cause is logged.
    pub fn from_kube(error: kube::Error) -> Self {
        match &error {
            kube::Error::Api(status) if status.code >= 500 => TenantsError::KubernetesUnavailable,
            kube::Error::Api(_) => TenantsError::Kubernetes(error),
            _ => {
                tracing::warn!(error = %error, "the Kubernetes API cannot be reached");
                TenantsError::KubernetesUnavailable
            }
        }
    }
}

impl ApiError for TenantsError {
    fn status(&self) -> StatusCode {
        match self {
            TenantsError::InvalidField { .. } | TenantsError::IdempotencyKeyReused => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            TenantsError::BadHeader { .. } => StatusCode::BAD_REQUEST,
            TenantsError::Forbidden { .. } => StatusCode::FORBIDDEN,
            TenantsError::NotFound | TenantsError::PluginDisabled => StatusCode::NOT_FOUND,
            TenantsError::Conflict { .. } => StatusCode::CONFLICT,
            TenantsError::Unauthenticated | TenantsError::PluginToken => StatusCode::UNAUTHORIZED,
            TenantsError::AuthUnavailable | TenantsError::KubernetesUnavailable => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            TenantsError::Kubernetes(_) | TenantsError::Config(_) | TenantsError::Internal(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }

    fn code(&self) -> &'static str {
        match self {
            TenantsError::InvalidField { code, .. }
            | TenantsError::BadHeader { code, .. }
            | TenantsError::Forbidden { code, .. }
            | TenantsError::Conflict { code, .. } => code,
            TenantsError::IdempotencyKeyReused => "idempotency_key_reused",
            TenantsError::NotFound => "tenant_not_found",
            TenantsError::Unauthenticated => "token_invalid",
            TenantsError::PluginDisabled => "argocd_plugin_disabled",
            TenantsError::PluginToken => "plugin_token_invalid",
            TenantsError::AuthUnavailable => "auth_unavailable",
            TenantsError::KubernetesUnavailable => "kubernetes_unavailable",
            TenantsError::Kubernetes(_) | TenantsError::Config(_) | TenantsError::Internal(_) => {
                "internal"
            }
        }
    }

    fn field(&self) -> Option<&str> {
        match self {
            TenantsError::InvalidField { field, .. } => Some(field),
            _ => None,
        }
    }
}

impl IntoResponse for TenantsError {
    fn into_response(self) -> Response {
        problem_response(&self)
    }
}
