//! Access tokens signed with a test auth server's key, for tests that need a token of a given
//! shape (a tenant and its uid, or none) without a session behind it.

use saascript_common::jwt::Claims;

use crate::auth_server::{AUDIENCE, AuthServer, ISSUER};
use crate::unique::unique_name;

/// A token of user `sub` acting for `tenant` (None: no tenant) with the Tenant uid
/// `tenant_uid`, valid for 15 minutes.
pub async fn sign_access_token(
    auth: &AuthServer,
    sub: &str,
    tenant: Option<&str>,
    tenant_uid: Option<&str>,
    roles: &[&str],
) -> String {
    let now = jiff::Timestamp::now().as_second();
    auth.state
        .keys
        .sign(&Claims {
            sub: sub.to_string(),
            tenant: tenant.map(str::to_string),
            tenant_uid: tenant_uid.map(str::to_string),
            roles: roles.iter().map(|r| r.to_string()).collect(),
            exp: now + 900,
            iat: now,
            jti: unique_name("jti"),
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
        })
        .await
        .expect("the test auth server signs a token")
}
