//! The trust model between the gateway and the services.
//!
//! Services are reachable only through the gateway (the tenant namespaces' NetworkPolicy admits
//! only saascript-system, and the services listen inside it). The gateway is therefore the one
//! place that turns a bearer token into identity headers: it removes every identity or
//! forwarding header a client sent, verifies the token, and sets `x-saascript-user`,
//! `x-saascript-tenant` and `x-saascript-roles` from the verified claims, and
//! `x-forwarded-for/proto/host` from the connection. A service may trust those headers, and only
//! those, because no client can reach it to forge them. Services that need more (auth's `/me`)
//! verify the token themselves; the token travels on unchanged.

use axum::http::{HeaderMap, HeaderName, HeaderValue};
use saascript_common::jwt::Claims;

pub const USER: &str = "x-saascript-user";
pub const TENANT: &str = "x-saascript-tenant";
pub const ROLES: &str = "x-saascript-roles";

/// Headers a client may never set: identity, and forwarding facts only the gateway knows.
fn is_reserved(name: &str) -> bool {
    name.starts_with("x-saascript-")
        || name.starts_with("x-forwarded-")
        || matches!(
            name,
            "forwarded" | "x-real-ip" | "x-user-id" | "x-tenant-id" | "x-user-roles"
        )
}

/// Removes every reserved header a client sent, and the hop-by-hop ones.
pub fn strip_client_headers(headers: &mut HeaderMap) {
    crate::hop_by_hop::strip(headers);
    let names: Vec<HeaderName> = headers
        .keys()
        .filter(|name| is_reserved(name.as_str()))
        .cloned()
        .collect();
    for name in names {
        headers.remove(name);
    }
}

/// Sets the verified identity.
pub fn set_identity(headers: &mut HeaderMap, claims: &Claims) {
    let mut set = |name: &'static str, value: &str| {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(name, value);
        }
    };
    set(USER, &claims.sub);
    if let Some(tenant) = &claims.tenant {
        set(TENANT, tenant);
    }
    set(ROLES, &claims.roles.join(","));
}

/// Sets the forwarding headers from what the gateway itself saw.
pub fn set_forwarded(
    headers: &mut HeaderMap,
    client_ip: Option<&str>,
    host: Option<&str>,
    proto: &str,
) {
    if let Some(ip) = client_ip.and_then(|ip| HeaderValue::from_str(ip).ok()) {
        headers.insert("x-forwarded-for", ip);
    }
    if let Some(host) = host.and_then(|h| HeaderValue::from_str(h).ok()) {
        headers.insert("x-forwarded-host", host);
    }
    if let Ok(proto) = HeaderValue::from_str(proto) {
        headers.insert("x-forwarded-proto", proto);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spoofed_identity_is_removed_and_the_verified_one_set() {
        let mut headers = HeaderMap::new();
        for (name, value) in [
            ("x-saascript-tenant", "victim"),
            ("x-saascript-roles", "platform-admin"),
            ("x-forwarded-for", "1.2.3.4"),
            ("x-user-id", "admin"),
            ("connection", "close"),
            ("authorization", "Bearer t"),
            ("accept", "application/json"),
        ] {
            headers.insert(name, HeaderValue::from_static(value));
        }
        strip_client_headers(&mut headers);
        assert!(headers.get("x-saascript-tenant").is_none());
        assert!(headers.get("x-forwarded-for").is_none());
        assert!(headers.get("x-user-id").is_none());
        assert!(headers.get("connection").is_none());
        assert_eq!(headers["authorization"], "Bearer t", "the token travels on");
        let claims = Claims {
            sub: "u-1".into(),
            tenant: Some("acme".into()),
            tenant_uid: None,
            roles: vec!["owner".into(), "admin".into()],
            exp: 0,
            iat: 0,
            jti: "j".into(),
            iss: "i".into(),
            aud: "a".into(),
        };
        set_identity(&mut headers, &claims);
        assert_eq!(headers[TENANT], "acme");
        assert_eq!(headers[ROLES], "owner,admin");
        assert_eq!(headers[USER], "u-1");
    }
}
