//! POST /auth/login: email and password for a token pair. The answer to a wrong password and to
//! an unknown email is the same, and takes as long.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;

use crate::error::{AuthError, Result};
use crate::tokens::{self, TokenPair};
use crate::{AppState, passwords, users};

#[derive(Deserialize)]
pub struct Login {
    pub email: String,
    pub password: String,
    /// The tenant to act for; by default the user's only one, if there is exactly one.
    #[serde(default)]
    pub tenant: Option<String>,
}

pub async fn login(
    State(state): State<AppState>,
    Json(body): Json<Login>,
) -> Result<Json<TokenPair>> {
    let user = users::find_by_email(&state.db, body.email.trim()).await?;
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    let matches = passwords::verify(body.password, hash).await?;
    let Some(user) = user.filter(|_| matches) else {
        return Err(AuthError::BadCredentials);
    };
    let tenant = tokens::choose_tenant(&state, user.id, body.tenant)
        .await?
        .map(|(t, _)| t);
    tracing::info!(user = %user.id, email_domain = user.email.rsplit('@').next().unwrap_or(""), "login");
    Ok(Json(tokens::new_session(&state, user.id, tenant).await?))
}
