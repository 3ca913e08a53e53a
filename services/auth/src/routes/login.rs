//! POST /auth/login: email and password for a token pair. The answer to a wrong password and to
//! an unknown email is the same, and takes as long.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use serde::Deserialize;

use crate::error::{AuthError, Result};
use crate::tokens::{self, TokenPair};
use crate::{AppState, passwords, users};

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Login {
    pub email: String,
    pub password: String,
    /// The tenant to act for; by default the user's only one, if there is exactly one.
    #[serde(default)]
    pub tenant: Option<String>,
}

/// The client's address as the gateway reports it. The auth service is reachable only through
/// the gateway, which replaces any client-supplied X-Forwarded-For (the gateway's trust model).
fn client_ip(headers: &HeaderMap) -> Option<String> {
    headers
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(str::trim)
        .filter(|ip| ip.parse::<std::net::IpAddr>().is_ok())
        .map(str::to_string)
}

/// Email and password for a token pair.
#[utoipa::path(post, path = "/auth/login", tag = "auth", request_body = Login,
    responses((status = 200, body = TokenPair), (status = 401, description = "bad_credentials"), (status = 403, description = "email_not_verified or not_a_member"), (status = 429, description = "too_many_attempts")))]
pub async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    Json(body): Json<Login>,
) -> Result<Json<TokenPair>> {
    let ip = client_ip(&headers);
    state.throttle.check(&body.email, ip.as_deref()).await?;
    let user = users::find_by_email(&state.db, body.email.trim()).await?;
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    let matches = passwords::verify(body.password, hash).await?;
    let Some(user) = user.filter(|_| matches) else {
        state.throttle.failed(&body.email, ip.as_deref()).await?;
        return Err(AuthError::BadCredentials);
    };
    state.throttle.succeeded(&body.email).await?;
    // Checked after the password, so that it reveals nothing to someone who does not know it.
    if !user.email_verified {
        return Err(AuthError::EmailNotVerified);
    }
    let tenant = tokens::choose_tenant(&state, user.id, body.tenant)
        .await?
        .map(|(t, _)| t);
    tracing::info!(user = %user.id, email_domain = user.email.rsplit('@').next().unwrap_or(""), "login");
    Ok(Json(tokens::new_session(&state, user.id, tenant).await?))
}
