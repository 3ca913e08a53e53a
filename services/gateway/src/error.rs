//! Every answer the gateway gives of its own (rather than an upstream's), as one enum: each has
//! a status and a stable code, and turns into a problem+json response.

use std::time::Duration;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use saascript_common::jwt::TokenError;
use saascript_common::problem::{ApiError, problem_response};

#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    #[error("no route matches this path")]
    NotFound,
    #[error("an `Authorization: Bearer` token is required")]
    TokenMissing,
    #[error("{0}")]
    Token(TokenError),
    #[error("the token's tenant does not exist")]
    TenantUnknown,
    /// The token was issued for an earlier Tenant of the same name (deleted, then created again),
    /// or carries no Tenant uid at all: signing in again gives a token for the Tenant that is.
    #[error("the token was issued for another tenant of this name; sign in again")]
    TenantChanged,
    #[error("this tenant is suspended")]
    TenantSuspended,
    #[error("{scope}'s request rate is exceeded")]
    RateLimited {
        scope: &'static str,
        retry_after: Duration,
    },
    #[error("this service is not available")]
    UpstreamNotConfigured,
    #[error("the upstream is misconfigured")]
    BadUpstream,
    #[error("the request body is too large")]
    BodyTooLarge,
    #[error("the service is unreachable")]
    UpstreamUnreachable,
    #[error("the service took too long to answer")]
    UpstreamTimeout,
}

impl ApiError for GatewayError {
    fn status(&self) -> StatusCode {
        match self {
            GatewayError::NotFound => StatusCode::NOT_FOUND,
            GatewayError::TokenMissing | GatewayError::Token(_) | GatewayError::TenantChanged => {
                StatusCode::UNAUTHORIZED
            }
            GatewayError::TenantUnknown | GatewayError::TenantSuspended => StatusCode::FORBIDDEN,
            GatewayError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            GatewayError::UpstreamNotConfigured => StatusCode::SERVICE_UNAVAILABLE,
            GatewayError::BadUpstream | GatewayError::UpstreamUnreachable => {
                StatusCode::BAD_GATEWAY
            }
            GatewayError::BodyTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            GatewayError::UpstreamTimeout => StatusCode::GATEWAY_TIMEOUT,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            GatewayError::NotFound => "not_found",
            GatewayError::TokenMissing => "token_missing",
            GatewayError::Token(e) => e.code(),
            GatewayError::TenantUnknown => "tenant_unknown",
            GatewayError::TenantChanged => "tenant_changed",
            GatewayError::TenantSuspended => "tenant_suspended",
            GatewayError::RateLimited { .. } => "rate_limited",
            GatewayError::UpstreamNotConfigured => "upstream_not_configured",
            GatewayError::BadUpstream => "bad_upstream",
            GatewayError::BodyTooLarge => "body_too_large",
            GatewayError::UpstreamUnreachable => "upstream_unreachable",
            GatewayError::UpstreamTimeout => "upstream_timeout",
        }
    }
}

impl IntoResponse for GatewayError {
    fn into_response(self) -> Response {
        let mut response = problem_response(&self);
        if let GatewayError::RateLimited { retry_after, .. } = self {
            // Whole seconds, rounded up: a client that waits this long is admitted.
            let seconds = retry_after.as_secs_f64().ceil().max(1.0) as u64;
            if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_is_whole_seconds_rounded_up() {
        let response = GatewayError::RateLimited {
            scope: "the tenant",
            retry_after: Duration::from_millis(1200),
        }
        .into_response();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()[header::RETRY_AFTER], "2");
    }
}
