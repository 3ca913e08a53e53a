//! POST /auth/login: email and password for a token pair. The answer to a wrong password and to
//! an unknown email is the same, and takes as long.

use axum::extract::State;
use saascript_common::input::Json;
use serde::Deserialize;

use crate::client_address::ClientIp;
use crate::error::{AuthError, Result};
use crate::text::Text;
use crate::tokens::{self, TokenPair};
use crate::{AppState, passwords, users};

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Login {
    pub email: Text,
    pub password: Text,
    /// The tenant to act for; by default the user's only one, if there is exactly one.
    #[serde(default)]
    pub tenant: Option<Text>,
}

/// Email and password for a token pair.
#[utoipa::path(post, path = "/auth/login", tag = "auth", request_body = Login,
    responses((status = 200, body = TokenPair), (status = 401, description = "bad_credentials"), (status = 403, description = "email_not_verified or not_a_member"), (status = 429, description = "too_many_attempts")))]
pub async fn login(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    Json(body): Json<Login>,
) -> Result<Json<TokenPair>> {
    let ip = Some(client);
    state.throttle.check(&body.email, ip).await?;
    let user = users::find_by_email(&state.db, body.email.trim()).await?;
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    let matches = passwords::verify(body.password.into_string(), hash).await?;
    let Some(user) = user.filter(|_| matches) else {
        state.throttle.failed(&body.email, ip).await?;
        return Err(AuthError::BadCredentials);
    };
    state.throttle.succeeded(&body.email).await?;
    // Checked after the password, so that it reveals nothing to someone who does not know it.
    if !user.email_verified {
        return Err(AuthError::EmailNotVerified);
    }
    let asked = body.tenant.map(Text::into_string);
    let defaulted = asked.is_none();
    let tenant = tokens::choose_tenant(&state, user.id, asked).await?;
    tracing::info!(user = %user.id, email_domain = user.email.rsplit('@').next().unwrap_or(""), "login");
    match tokens::new_session(&state, user.id, tenant).await {
        // The only membership was of a Tenant that is gone: a session without a tenant, as for
        // a user with no membership at all.
        Err(AuthError::TenantGone(_)) if defaulted => {
            Ok(Json(tokens::new_session(&state, user.id, None).await?))
        }
        Err(AuthError::TenantGone(tenant)) => Err(AuthError::NotAMember(tenant)),
        pair => Ok(Json(pair?)),
    }
}
