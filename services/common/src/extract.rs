//! axum extractors for the authenticated user, a required role, and the tenant a request acts
//! for. Each refuses with problem+json: 401 for a missing or bad token, 403 for a token that is
//! fine but not allowed.

use std::marker::PhantomData;
use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::jwt::{Claims, JwtVerifier};
use crate::problem::Problem;

/// The verified claims of the request's bearer token.
#[derive(Clone, Debug)]
pub struct AuthUser(pub Claims);

fn unauthorized(code: &str, detail: &str) -> Response {
    let mut response = Problem::new(StatusCode::UNAUTHORIZED, code, detail).into_response();
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    response
}

impl<S> FromRequestParts<S> for AuthUser
where
    Arc<JwtVerifier>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                unauthorized(
                    "token_missing",
                    "an `Authorization: Bearer` token is required",
                )
            })?;
        let verifier = Arc::<JwtVerifier>::from_ref(state);
        match verifier.verify(token).await {
            Ok(claims) => Ok(AuthUser(claims)),
            Err(e @ crate::jwt::TokenError::KeysUnavailable(_)) => {
                tracing::error!(error = %e, "cannot verify tokens");
                Err(Problem::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    e.code(),
                    "tokens cannot be verified right now",
                )
                .into_response())
            }
            Err(e) => Err(unauthorized(e.code(), &e.to_string())),
        }
    }
}

/// The tenant a request acts for: the token's `tenant` claim. Refuses (403) a token without one.
#[derive(Clone, Debug)]
pub struct TenantContext {
    pub tenant: String,
    pub claims: Claims,
}

impl<S> FromRequestParts<S> for TenantContext
where
    Arc<JwtVerifier>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let AuthUser(claims) = AuthUser::from_request_parts(parts, state).await?;
        let Some(tenant) = claims.tenant.clone() else {
            return Err(Problem::new(
                StatusCode::FORBIDDEN,
                "tenant_required",
                "this token acts for no tenant",
            )
            .into_response());
        };
        tracing::Span::current().record("tenant", tenant.as_str());
        Ok(TenantContext { tenant, claims })
    }
}

/// A role name, as a type, for `RequireRole`.
pub trait Role: Send + Sync {
    const NAME: &'static str;
}

/// The tenant's owner.
pub struct Owner;
impl Role for Owner {
    const NAME: &'static str = "owner";
}

/// A tenant admin.
pub struct Admin;
impl Role for Admin {
    const NAME: &'static str = "admin";
}

/// A SaaScript operator of the whole platform.
pub struct PlatformAdmin;
impl Role for PlatformAdmin {
    const NAME: &'static str = "platform-admin";
}

/// The verified claims, which must carry role `R` (403 otherwise).
pub struct RequireRole<R: Role>(pub Claims, PhantomData<R>);

impl<R: Role, S> FromRequestParts<S> for RequireRole<R>
where
    Arc<JwtVerifier>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let AuthUser(claims) = AuthUser::from_request_parts(parts, state).await?;
        if !claims.has_role(R::NAME) {
            return Err(Problem::new(
                StatusCode::FORBIDDEN,
                "role_required",
                format!("this needs the {} role", R::NAME),
            )
            .into_response());
        }
        Ok(RequireRole(claims, PhantomData))
    }
}

/// The tenant a request acts for, when the caller is one of its owners or admins: what changing
/// a tenant's settings or billing needs. 401 without a good token, 403 for a token that acts for
/// no tenant or holds neither role.
#[derive(Clone, Debug)]
pub struct TenantManager {
    pub tenant: String,
    pub claims: Claims,
}

impl<S> FromRequestParts<S> for TenantManager
where
    Arc<JwtVerifier>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let TenantContext { tenant, claims } =
            TenantContext::from_request_parts(parts, state).await?;
        if !(claims.has_role(Owner::NAME) || claims.has_role(Admin::NAME)) {
            return Err(Problem::new(
                StatusCode::FORBIDDEN,
                "role_required",
                format!("only an owner or admin of tenant {tenant} may do this"),
            )
            .into_response());
        }
        Ok(TenantManager { tenant, claims })
    }
}
