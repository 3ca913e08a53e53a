//! The projects service's errors, each a problem (RFC 9457) with a stable code. Whatever a
//! client sent is refused with a 4xx before it reaches the database; a 5xx is ours, logged, and
//! shown to the client without its internals.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use saascript_common::problem::{ApiError, problem_response};

#[derive(Debug, thiserror::Error)]
pub enum ProjectsError {
    /// One input field is wrong.
    #[error("{message}")]
    InvalidField {
        field: &'static str,
        message: String,
    },
    /// A project, task, comment or export that this tenant does not have (also one that
    /// another tenant has: the two are not told apart).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The plan's `maxProjects` (or another entitlement) is used up.
    #[error("{0}")]
    EntitlementExceeded(String),
    /// The tenant's entitlements are not written yet (the operator is provisioning it).
    #[error("tenant {0} is still being provisioned; try again shortly")]
    TenantProvisioning(String),
    #[error("the tenant is suspended: it can read but not write")]
    TenantSuspended,
    #[error("{0}")]
    RoleRequired(String),
    /// The token names a tenant that does not exist (any more).
    #[error("the tenant {0} does not exist")]
    TenantUnknown(String),
    /// The token was issued for an earlier Tenant of the same name.
    #[error("the token belongs to an earlier tenant of this name; sign in again")]
    TenantChanged,
    #[error("the export has expired; request a new one")]
    ExportExpired,
    #[error("the export is {0}, not done")]
    ExportNotReady(String),
    /// A siloed tenant whose database the operator has not provisioned yet.
    #[error("{0}")]
    TenantNotReady(String),
    #[error("Kubernetes API error: {0}")]
    Kubernetes(#[from] kube::Error),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("service kit: {0}")]
    Kit(#[from] saascript_common::kit::KitError),
    #[error("internal error: {0}")]
    Internal(String),
}

pub type Result<T, E = ProjectsError> = std::result::Result<T, E>;

impl ProjectsError {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> ProjectsError {
        ProjectsError::InvalidField {
            field,
            message: message.into(),
        }
    }
}

impl ApiError for ProjectsError {
    fn status(&self) -> StatusCode {
        match self {
            ProjectsError::InvalidField { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ProjectsError::NotFound(_) => StatusCode::NOT_FOUND,
            ProjectsError::EntitlementExceeded(_)
            | ProjectsError::TenantSuspended
            | ProjectsError::RoleRequired(_)
            | ProjectsError::TenantUnknown(_) => StatusCode::FORBIDDEN,
            ProjectsError::TenantChanged => StatusCode::UNAUTHORIZED,
            ProjectsError::TenantProvisioning(_) => StatusCode::CONFLICT,
            ProjectsError::ExportExpired => StatusCode::GONE,
            ProjectsError::ExportNotReady(_) => StatusCode::CONFLICT,
            ProjectsError::TenantNotReady(_) => StatusCode::SERVICE_UNAVAILABLE,
            ProjectsError::Kubernetes(_)
            | ProjectsError::Database(_)
            | ProjectsError::Kit(_)
            | ProjectsError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            ProjectsError::InvalidField { .. } => "invalid_input",
            ProjectsError::NotFound(_) => "not_found",
            ProjectsError::EntitlementExceeded(_) => "entitlement_exceeded",
            ProjectsError::TenantSuspended => "tenant_suspended",
            ProjectsError::RoleRequired(_) => "role_required",
            ProjectsError::TenantUnknown(_) => "tenant_unknown",
            ProjectsError::TenantChanged => "tenant_changed",
            ProjectsError::TenantProvisioning(_) => "tenant_provisioning",
            ProjectsError::ExportExpired => "export_expired",
            ProjectsError::ExportNotReady(_) => "export_not_ready",
            ProjectsError::TenantNotReady(_) => "tenant_not_ready",
            ProjectsError::Kubernetes(_)
            | ProjectsError::Database(_)
            | ProjectsError::Kit(_)
            | ProjectsError::Internal(_) => "internal",
        }
    }

    fn field(&self) -> Option<&str> {
        match self {
            ProjectsError::InvalidField { field, .. } => Some(field),
            _ => None,
        }
    }
}

impl IntoResponse for ProjectsError {
    fn into_response(self) -> Response {
        problem_response(&self)
    }
}
