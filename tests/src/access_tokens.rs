//! Access tokens signed with a test auth server's key, for tests that need a token of a given
//! shape (a tenant and its uid, or none) without a session behind it.

use saascript_common::jwt::Claims;

use crate::auth_server::{AUDIENCE, AuthServer, ISSUER};
use crate::unique::unique_name;

/// The claims auth puts in an access token of user `sub` acting for `tenant` (None: no tenant)
/// with the Tenant uid `tenant_uid`, valid for 15 minutes from now, with the test auth's issuer
/// and audience: one shape for every test signer.
pub fn claims(sub: &str, tenant: Option<&str>, tenant_uid: Option<&str>, roles: &[&str]) -> Claims {
    let now = jiff::Timestamp::now().as_second();
    Claims {
        sub: sub.to_string(),
        tenant: tenant.map(str::to_string),
        tenant_uid: tenant_uid.map(str::to_string),
        roles: roles.iter().map(|r| r.to_string()).collect(),
        exp: now + 900,
        iat: now,
        jti: unique_name("jti"),
        iss: ISSUER.into(),
        aud: AUDIENCE.into(),
    }
}

/// A token with `claims(..)`, signed with the test auth server's own key.
pub async fn sign_access_token(
    auth: &AuthServer,
    sub: &str,
    tenant: Option<&str>,
    tenant_uid: Option<&str>,
    roles: &[&str],
) -> String {
    auth.state
        .keys
        .sign(&claims(sub, tenant, tenant_uid, roles))
        .await
        .expect("the test auth server signs a token")
}
