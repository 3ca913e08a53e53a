//! Authentication: the request's bearer token, verified against auth's keys.

use axum::http::{HeaderMap, header};
use saascript_common::jwt::{Claims, JwtVerifier};

use crate::error::GatewayError;

/// The verified claims of the request's `Authorization: Bearer` token.
pub async fn bearer(verifier: &JwtVerifier, headers: &HeaderMap) -> Result<Claims, GatewayError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .ok_or(GatewayError::TokenMissing)?;
    verifier.verify(token).await.map_err(GatewayError::Token)
}
