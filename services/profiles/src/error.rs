//! The profiles service's errors, each a problem (RFC 9457) with a stable code.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use saascript_common::problem::{ApiError, PROBLEM_JSON, Problem, problem_response};

use crate::profile::Profile;

#[derive(Debug, thiserror::Error)]
pub enum ProfilesError {
    /// One field of the request body is wrong.
    #[error("{message}")]
    InvalidField {
        field: &'static str,
        message: String,
    },
    /// One preference is wrong (the field names it: `preferences.theme`).
    #[error("{message}")]
    InvalidPreference { field: String, message: String },
    /// A PUT without `If-Match`: a write must say which version it replaces.
    #[error("`If-Match` with the profile's ETag is required to change it")]
    IfMatchRequired,
    #[error("`If-Match` must be `*` or one or more strong entity tags such as \"3\"")]
    IfMatchInvalid,
    /// Someone changed the profile since the client read it; `current` is what is there now
    /// (None when it could not be read back), so that a UI can show it.
    #[error("the profile has changed since it was read (it is at version {})", current_version(.current))]
    VersionStale { current: Option<Box<Profile>> },
    /// No profile of that user in the caller's tenant (another tenant's user answers the same).
    #[error("there is no such profile")]
    ProfileNotFound,
    #[error("there is no tenant {0}")]
    TenantNotFound(String),
    #[error("this token was issued for an earlier tenant named {0}; log in again")]
    TenantChanged(String),
    #[error("the tenant {0} is suspended")]
    TenantSuspended(String),
    /// Something the service must wait for: the Tenant list not loaded yet, or a siloed
    /// tenant's table not provisioned yet.
    #[error("{0}")]
    NotReady(String),
    #[error("DynamoDB error: {0}")]
    DynamoDb(String),
    #[error("Kubernetes API error: {0}")]
    Kubernetes(#[from] kube::Error),
    #[error("configuration error: {0}")]
    Config(String),
    #[error("internal error: {0}")]
    Internal(String),
}

pub type Result<T, E = ProfilesError> = std::result::Result<T, E>;

fn current_version(current: &Option<Box<Profile>>) -> String {
    current
        .as_ref()
        .map_or_else(|| "unknown".to_string(), |p| p.version.to_string())
}

impl ProfilesError {
    /// A DynamoDB failure, with the SDK's whole chain of causes (the top one says only "service
    /// error").
    pub fn dynamodb<E: std::error::Error + 'static>(error: E) -> ProfilesError {
        ProfilesError::DynamoDb(aws_sdk_dynamodb::error::DisplayErrorContext(error).to_string())
    }
}

impl ApiError for ProfilesError {
    fn status(&self) -> StatusCode {
        match self {
            ProfilesError::InvalidField { .. } | ProfilesError::InvalidPreference { .. } => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ProfilesError::IfMatchRequired => StatusCode::PRECONDITION_REQUIRED,
            ProfilesError::IfMatchInvalid => StatusCode::BAD_REQUEST,
            ProfilesError::VersionStale { .. } => StatusCode::PRECONDITION_FAILED,
            ProfilesError::ProfileNotFound | ProfilesError::TenantNotFound(_) => {
                StatusCode::NOT_FOUND
            }
            ProfilesError::TenantChanged(_) => StatusCode::UNAUTHORIZED,
            ProfilesError::TenantSuspended(_) => StatusCode::FORBIDDEN,
            ProfilesError::NotReady(_) => StatusCode::SERVICE_UNAVAILABLE,
            ProfilesError::DynamoDb(_)
            | ProfilesError::Kubernetes(_)
            | ProfilesError::Config(_)
            | ProfilesError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            ProfilesError::InvalidField { .. } | ProfilesError::InvalidPreference { .. } => {
                "invalid_input"
            }
            ProfilesError::IfMatchRequired => "if_match_required",
            ProfilesError::IfMatchInvalid => "if_match_invalid",
            ProfilesError::VersionStale { .. } => "version_stale",
            ProfilesError::ProfileNotFound => "profile_not_found",
            ProfilesError::TenantNotFound(_) => "tenant_not_found",
            ProfilesError::TenantChanged(_) => "tenant_changed",
            ProfilesError::TenantSuspended(_) => "tenant_suspended",
            ProfilesError::NotReady(_) => "not_ready",
            ProfilesError::DynamoDb(_)
            | ProfilesError::Kubernetes(_)
            | ProfilesError::Config(_)
            | ProfilesError::Internal(_) => "internal",
        }
    }

    fn field(&self) -> Option<&str> {
        match self {
            ProfilesError::InvalidField { field, .. } => Some(field),
            ProfilesError::InvalidPreference { field, .. } => Some(field),
            _ => None,
        }
    }
}

impl IntoResponse for ProfilesError {
    fn into_response(self) -> Response {
        match &self {
            ProfilesError::VersionStale { current } => stale_response(&self, current.as_deref()),
            _ => problem_response(&self),
        }
    }
}

/// The 412 problem with the profile as it is now (`current`, `currentVersion`) and its ETag, so
/// that a client can show the newer version and retry against it without another GET.
fn stale_response(error: &ProfilesError, current: Option<&Profile>) -> Response {
    let problem = Problem::new(error.status(), error.code(), error.to_string());
    let mut body = match serde_json::to_value(&problem) {
        Ok(body) => body,
        Err(_) => return problem.into_response(),
    };
    if let (Some(current), Some(object)) = (current, body.as_object_mut()) {
        object.insert("currentVersion".into(), current.version.into());
        if let Ok(profile) = serde_json::to_value(current) {
            object.insert("current".into(), profile);
        }
    }
    let mut response = (error.status(), axum::Json(body)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    if let Some(current) = current
        && let Ok(etag) = HeaderValue::from_str(&crate::etag::etag_of(current.version))
    {
        headers.insert(header::ETAG, etag);
    }
    response
}
