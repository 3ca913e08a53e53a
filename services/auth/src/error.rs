//! The auth service's errors, each a problem with a stable code.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use saascript_common::problem::{ApiError, problem_response};

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("{0}")]
    Invalid(String),
    #[error("an account with this email already exists")]
    EmailTaken,
    /// The same answer whether the account exists or not, so that accounts cannot be enumerated.
    #[error("the email or password is wrong")]
    BadCredentials,
    #[error("the email address is not verified yet; use the link in the verification email")]
    EmailNotVerified,
    #[error("the link is invalid, used or expired")]
    BadEmailToken,
    #[error("{0}")]
    Forbidden(String),
    #[error("you are not a member of tenant {0}")]
    NotAMember(String),
    /// The tenant's plan allows no more of something (members); the plan says how many.
    #[error("{0}")]
    EntitlementExceeded(String),
    /// The tenant's entitlements are not written yet (it is being provisioned).
    #[error("tenant {0} is still being provisioned; try again shortly")]
    TenantProvisioning(String),
    #[error("the refresh token is invalid or expired")]
    BadRefreshToken,
    #[error("this refresh token was already used; every token of its session has been revoked")]
    RefreshTokenReused,
    /// The Tenant is deleted, or its name now belongs to another Tenant (another uid).
    #[error("tenant {0} no longer exists; its memberships, invitations and sessions have ended")]
    TenantGone(String),
    /// Tenants are read from the Kubernetes API before a token is minted; none is minted on a guess.
    #[error("the tenant directory cannot be read right now; try again shortly")]
    TenantsUnavailable,
    #[error("too many failed attempts; try again in {} seconds", .0.as_secs().max(1))]
    TooManyAttempts(std::time::Duration),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError for AuthError {
    fn status(&self) -> StatusCode {
        match self {
            AuthError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AuthError::EmailTaken => StatusCode::CONFLICT,
            AuthError::BadCredentials
            | AuthError::BadRefreshToken
            | AuthError::RefreshTokenReused => StatusCode::UNAUTHORIZED,
            AuthError::NotAMember(_)
            | AuthError::EmailNotVerified
            | AuthError::Forbidden(_)
            | AuthError::EntitlementExceeded(_) => StatusCode::FORBIDDEN,
            AuthError::TenantProvisioning(_) => StatusCode::CONFLICT,
            AuthError::BadEmailToken => StatusCode::BAD_REQUEST,
            AuthError::TooManyAttempts(_) => StatusCode::TOO_MANY_REQUESTS,
            AuthError::TenantGone(_) => StatusCode::GONE,
            AuthError::TenantsUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            AuthError::Database(_) | AuthError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            AuthError::Invalid(_) => "invalid_input",
            AuthError::EmailTaken => "email_taken",
            AuthError::BadCredentials => "bad_credentials",
            AuthError::NotAMember(_) => "not_a_member",
            AuthError::Forbidden(_) => "forbidden",
            AuthError::EntitlementExceeded(_) => "entitlement_exceeded",
            AuthError::TenantProvisioning(_) => "tenant_provisioning",
            AuthError::EmailNotVerified => "email_not_verified",
            AuthError::BadEmailToken => "email_token_invalid",
            AuthError::BadRefreshToken => "refresh_token_invalid",
            AuthError::RefreshTokenReused => "refresh_token_reused",
            AuthError::TooManyAttempts(_) => "too_many_attempts",
            AuthError::TenantGone(_) => "tenant_gone",
            AuthError::TenantsUnavailable => "tenants_unavailable",
            AuthError::Database(_) | AuthError::Internal(_) => "internal",
        }
    }
}

impl IntoResponse for AuthError {
    fn into_response(self) -> Response {
        let mut response = problem_response(&self);
        if let AuthError::TooManyAttempts(wait) = &self
            && let Ok(value) = axum::http::HeaderValue::from_str(&wait.as_secs().max(1).to_string())
        {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, value);
        }
        response
    }
}

impl From<saascript_common::tenants::TenantsUnavailable> for AuthError {
    fn from(_: saascript_common::tenants::TenantsUnavailable) -> Self {
        AuthError::TenantsUnavailable
    }
}

impl From<saascript_common::tenants::TenantRefusal> for AuthError {
    fn from(refusal: saascript_common::tenants::TenantRefusal) -> Self {
        match refusal {
            saascript_common::tenants::TenantRefusal::Unavailable(_) => {
                AuthError::TenantsUnavailable
            }
            saascript_common::tenants::TenantRefusal::Gone(name) => AuthError::TenantGone(name),
        }
    }
}

/// Unique violations on the email index become `EmailTaken`; everything else stays a database
/// error (a 500 whose cause is logged, not shown).
pub fn map_unique_email(error: sqlx::Error) -> AuthError {
    match &error {
        sqlx::Error::Database(e) if e.constraint() == Some("users_email_unique") => {
            AuthError::EmailTaken
        }
        _ => AuthError::Database(error),
    }
}

pub type Result<T, E = AuthError> = std::result::Result<T, E>;
