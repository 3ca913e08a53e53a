//! Issuing a token pair: a 15-minute access token (a JWT with the tenant and roles) and a
//! refresh token.

use serde::Serialize;
use uuid::Uuid;

use crate::AppState;
use crate::error::{AuthError, Result};
use crate::refresh_tokens::{self, Session};
use crate::users;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TokenPair {
    pub access_token: String,
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    pub refresh_token: String,
}

/// The tenant a session acts for: the one asked for (which needs a membership), or the user's
/// only one, or none.
pub async fn choose_tenant(
    state: &AppState,
    user_id: Uuid,
    asked: Option<String>,
) -> Result<Option<(String, String)>> {
    let memberships = users::memberships(&state.db, user_id).await?;
    match asked {
        Some(tenant) => memberships
            .into_iter()
            .find(|(t, _)| *t == tenant)
            .map(Some)
            .ok_or(AuthError::NotAMember(tenant)),
        None if memberships.len() == 1 => Ok(memberships.into_iter().next()),
        None => Ok(None),
    }
}

/// Signs an access token for the session. Roles are read now, so a changed membership takes
/// effect at the next refresh.
pub async fn access_token(state: &AppState, session: &Session) -> Result<String> {
    let (_, platform_admin) = users::find_by_id(&state.db, session.user_id)
        .await?
        .ok_or(AuthError::BadRefreshToken)?;
    let mut roles = vec![];
    if let Some(tenant) = &session.tenant {
        let role = users::memberships(&state.db, session.user_id)
            .await?
            .into_iter()
            .find(|(t, _)| t == tenant)
            .map(|(_, role)| role)
            .ok_or_else(|| AuthError::NotAMember(tenant.clone()))?;
        roles.push(role);
    }
    if platform_admin {
        roles.push("platform-admin".into());
    }
    let now = state.clock_now();
    let claims = saascript_common::jwt::Claims {
        sub: session.user_id.to_string(),
        tenant: session.tenant.clone(),
        roles,
        iat: now,
        exp: now + state.settings.access_token_lifetime.as_secs() as i64,
        jti: Uuid::new_v4().to_string(),
        iss: state.settings.issuer.clone(),
        aud: state.settings.audience.clone(),
    };
    state.keys.sign(&claims).await
}

/// A new session (a login): a new refresh-token family and an access token.
pub async fn new_session(
    state: &AppState,
    user_id: Uuid,
    tenant: Option<String>,
) -> Result<TokenPair> {
    let session = Session {
        user_id,
        tenant,
        family_id: Uuid::new_v4(),
    };
    let access = access_token(state, &session).await?;
    let mut tx = state.db.begin().await?;
    let refresh =
        refresh_tokens::issue(&mut tx, &session, state.settings.refresh_token_lifetime).await?;
    tx.commit().await?;
    Ok(pair(state, access, refresh))
}

pub fn pair(state: &AppState, access_token: String, refresh_token: String) -> TokenPair {
    TokenPair {
        access_token,
        token_type: "Bearer",
        expires_in: state.settings.access_token_lifetime.as_secs(),
        refresh_token,
    }
}
