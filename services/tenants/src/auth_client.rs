//! Calls to auth with the caller's own token: who the caller is now (their verified email and
//! memberships, /auth/me) and the tenant's members (/auth/members). Tenants keeps no user data;
//! auth is the truth about users and memberships.

use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde::Deserialize;

use crate::error::{Result, TenantsError};

#[derive(Clone)]
pub struct AuthClient {
    http: reqwest::Client,
    base: String,
}

/// The caller as auth knows them now.
#[derive(Clone, Debug, Deserialize)]
pub struct Me {
    pub id: String,
    /// Verified: auth issues access tokens only to users whose address is verified.
    pub email: String,
    #[serde(default)]
    pub memberships: Vec<Membership>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Membership {
    pub tenant: String,
    pub role: String,
}

impl Me {
    /// The caller's role in `tenant` now (a token remembers it for up to 15 minutes).
    pub fn role_in(&self, tenant: &str) -> Option<&str> {
        self.memberships
            .iter()
            .find(|m| m.tenant == tenant)
            .map(|m| m.role.as_str())
    }
}

impl AuthClient {
    pub fn new(base: &str) -> Result<AuthClient> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .map_err(|e| TenantsError::Config(format!("the HTTP client for auth: {e}")))?;
        Ok(AuthClient {
            http,
            base: base.trim_end_matches('/').to_string(),
        })
    }

    /// The caller of `bearer` (the raw `Authorization` value, already verified here).
    pub async fn me(&self, bearer: &HeaderValue) -> Result<Me> {
        let response = self.get("/auth/me", bearer).await?;
        match response.status() {
            StatusCode::OK => response.json().await.map_err(|e| {
                tracing::warn!(error = %e, "auth's /auth/me answer cannot be read");
                TenantsError::AuthUnavailable
            }),
            StatusCode::UNAUTHORIZED => Err(TenantsError::Unauthenticated),
            status => {
                tracing::warn!(%status, "auth's /auth/me refused");
                Err(TenantsError::AuthUnavailable)
            }
        }
    }

    /// Auth's answer to /auth/members, passed on as it is (a list, or auth's problem).
    pub async fn members(&self, bearer: &HeaderValue) -> Result<Response> {
        let response = self.get("/auth/members", bearer).await?;
        let status = response.status();
        if status.is_server_error() {
            tracing::warn!(%status, "auth's /auth/members failed");
            return Err(TenantsError::AuthUnavailable);
        }
        let content_type = response.headers().get(header::CONTENT_TYPE).cloned();
        let body = response.bytes().await.map_err(|e| {
            tracing::warn!(error = %e, "auth's /auth/members answer cannot be read");
            TenantsError::AuthUnavailable
        })?;
        let mut answer = Response::new(Body::from(body));
        *answer.status_mut() = status;
        if let Some(content_type) = content_type {
            answer
                .headers_mut()
                .insert(header::CONTENT_TYPE, content_type);
        }
        Ok(answer)
    }

    async fn get(&self, path: &str, bearer: &HeaderValue) -> Result<reqwest::Response> {
        self.http
            .get(format!("{}{path}", self.base))
            .header(header::AUTHORIZATION, bearer.clone())
            .send()
            .await
            .map_err(|e| {
                tracing::warn!(error = %e, path, "auth cannot be reached");
                TenantsError::AuthUnavailable
            })
    }
}
