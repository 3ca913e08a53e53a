//! The caller of a request: the verified claims of their token, and the token itself, which
//! tenants forwards to auth (auth answers for the user the token names, nobody else).

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::response::Response;
use saascript_common::extract::{AuthUser, TenantContext};
use saascript_common::jwt::{Claims, JwtVerifier};

/// Any signed-in user.
pub struct Caller {
    pub claims: Claims,
    pub bearer: HeaderValue,
}

/// A user whose token acts for a tenant.
pub struct TenantCaller {
    pub tenant: String,
    pub claims: Claims,
    pub bearer: HeaderValue,
}

impl TenantCaller {
    /// The uid of the Tenant the token was issued for (a token from before tenant uids has
    /// none, and acts for no Tenant for sure).
    pub fn tenant_uid(&self) -> Option<&str> {
        self.claims.tenant_uid.as_deref()
    }
}

fn bearer(parts: &Parts) -> HeaderValue {
    // The extractor before this one has checked that the header is there.
    parts
        .headers
        .get(header::AUTHORIZATION)
        .cloned()
        .unwrap_or_else(|| HeaderValue::from_static(""))
}

impl<S> FromRequestParts<S> for Caller
where
    Arc<JwtVerifier>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let AuthUser(claims) = AuthUser::from_request_parts(parts, state).await?;
        Ok(Caller {
            claims,
            bearer: bearer(parts),
        })
    }
}

impl<S> FromRequestParts<S> for TenantCaller
where
    Arc<JwtVerifier>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let TenantContext { tenant, claims } =
            TenantContext::from_request_parts(parts, state).await?;
        Ok(TenantCaller {
            tenant,
            claims,
            bearer: bearer(parts),
        })
    }
}
