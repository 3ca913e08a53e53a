//! Issuing a token pair: a 15-minute access token (a JWT with the tenant and roles) and a
//! refresh token.

use serde::Serialize;
use uuid::Uuid;

use crate::AppState;
use crate::error::{AuthError, Result};
use crate::refresh_tokens::{self, Session, TenantRef};
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
/// only one, or none. Whether that Tenant is still the one of the membership is checked when
/// the token is minted.
pub async fn choose_tenant(
    state: &AppState,
    user_id: Uuid,
    asked: Option<String>,
) -> Result<Option<TenantRef>> {
    let memberships = users::memberships(&state.db, user_id).await?;
    let bound = |m: users::Membership| {
        m.tenant_uid.map(|uid| TenantRef {
            name: m.tenant,
            uid,
        })
    };
    match asked {
        Some(tenant) => memberships
            .into_iter()
            .find(|m| m.tenant == tenant)
            .and_then(bound)
            .map(Some)
            .ok_or(AuthError::NotAMember(tenant)),
        None if memberships.len() == 1 => Ok(memberships.into_iter().next().and_then(bound)),
        None => Ok(None),
    }
}

/// Signs an access token for the session. The role is read now, so a changed membership takes
/// effect at the next refresh; and the session's Tenant is read now, so nothing is minted for
/// a Tenant that is gone or whose name another Tenant (another uid) has taken.
pub async fn access_token(state: &AppState, session: &Session) -> Result<String> {
    let (_, platform_admin) = users::find_by_id(&state.db, session.user_id)
        .await?
        .ok_or(AuthError::BadRefreshToken)?;
    let mut roles = vec![];
    if let Some(tenant) = &session.tenant {
        let role = users::role_in(&state.db, session.user_id, &tenant.name, &tenant.uid)
            .await?
            .ok_or_else(|| AuthError::NotAMember(tenant.name.clone()))?;
        state.tenants.require(&tenant.name, &tenant.uid).await?;
        roles.push(role);
    }
    if platform_admin {
        roles.push("platform-admin".into());
    }
    let now = state.clock_now();
    let claims = saascript_common::jwt::Claims {
        sub: session.user_id.to_string(),
        tenant: session.tenant.as_ref().map(|t| t.name.clone()),
        tenant_uid: session.tenant.as_ref().map(|t| t.uid.clone()),
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
    tenant: Option<TenantRef>,
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
