//! The route table: which upstream serves a path, and which paths need no token.

use axum::http::Method;
use saascript_crds::service_deployment::ServiceName;

/// Where a request goes: the upstream and the path there (the `/api` prefix removed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub upstream: ServiceName,
    pub path: String,
}

/// The upstream of a gateway path, or None for a path the gateway does not serve.
pub fn target(path: &str) -> Option<Target> {
    if path == "/.well-known/jwks.json" {
        return Some(Target {
            upstream: ServiceName::Auth,
            path: path.to_string(),
        });
    }
    let rest = path.strip_prefix("/api/")?;
    let (service, _) = rest.split_once('/').unwrap_or((rest, ""));
    // Any service but the gateway itself; which of them are configured is the upstream table's.
    let upstream: ServiceName = service.parse().ok()?;
    if upstream == ServiceName::Gateway {
        return None;
    }
    Some(Target {
        upstream,
        path: format!("/{rest}"),
    })
}

/// The routes anyone may call to get into an account: signing up and in, and the links from
/// emails. No token says who calls them, so the gateway limits them per client address.
const ACCOUNT_ENTRY_POSTS: [&str; 6] = [
    "/api/auth/register",
    "/api/auth/login",
    "/api/auth/refresh",
    "/api/auth/verify-email",
    "/api/auth/password-reset",
    "/api/auth/password-reset/confirm",
];

/// Paths that need no token: the account entries, the keys, and Stripe's webhook (which billing
/// verifies by its signature).
pub fn is_public(method: &Method, path: &str) -> bool {
    (method == Method::GET && path == "/.well-known/jwks.json")
        || (method == Method::POST && path == "/api/billing/webhooks/stripe")
        || is_account_entry(method, path)
}

/// Whether the request is one of the account entries. The keys and the webhook are not: the
/// keys cost nothing to serve, and Stripe sends every webhook from a few addresses.
pub fn is_account_entry(method: &Method, path: &str) -> bool {
    method == Method::POST && ACCOUNT_ENTRY_POSTS.contains(&path)
}

/// Whether a suspended tenant's members may still make the request: billing (a tenant suspended
/// because a payment failed pays its way back there), the tenant's own view and progress (so the
/// UI can say why it is suspended), and the caller's own account. Everything else is refused at
/// the gateway, reads included, so that a suspension holds whatever a service would allow.
pub fn is_reachable_while_suspended(method: &Method, path: &str) -> bool {
    path.starts_with("/api/billing/")
        || (method == Method::GET
            && matches!(
                path,
                "/api/tenants/current" | "/api/tenants/current/events" | "/api/auth/me"
            ))
        || (method == Method::POST && path == "/api/auth/logout")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_suspended_tenant_reaches_billing_its_own_view_and_its_account_only() {
        for (method, path) in [
            (Method::GET, "/api/billing/subscription"),
            (Method::PUT, "/api/billing/subscription"),
            (Method::POST, "/api/billing/portal"),
            (Method::GET, "/api/tenants/current"),
            (Method::GET, "/api/tenants/current/events"),
            (Method::GET, "/api/auth/me"),
            (Method::POST, "/api/auth/logout"),
        ] {
            assert!(
                is_reachable_while_suspended(&method, path),
                "{method} {path}"
            );
        }
        for (method, path) in [
            (Method::GET, "/api/projects"),
            (Method::POST, "/api/projects"),
            (Method::PUT, "/api/profiles/me"),
            (Method::PATCH, "/api/tenants/current"),
            (Method::DELETE, "/api/tenants/current"),
            (Method::GET, "/api/tenants/current/members"),
            (Method::POST, "/api/auth/invitations"),
            (Method::GET, "/api/billing"),
        ] {
            assert!(
                !is_reachable_while_suspended(&method, path),
                "{method} {path}"
            );
        }
    }

    #[test]
    fn paths_map_to_their_upstream_without_the_api_prefix() {
        assert_eq!(
            target("/api/auth/login"),
            Some(Target {
                upstream: ServiceName::Auth,
                path: "/auth/login".into()
            })
        );
        assert_eq!(
            target("/api/projects/p1/tasks").unwrap().path,
            "/projects/p1/tasks"
        );
        assert_eq!(
            target("/api/profiles").unwrap().upstream,
            ServiceName::Profiles
        );
        assert_eq!(
            target("/.well-known/jwks.json").unwrap().upstream,
            ServiceName::Auth
        );
        assert_eq!(target("/api/secret-admin/x"), None);
        assert_eq!(target("/api/gateway/x"), None, "the gateway is no upstream");
        assert_eq!(target("/auth/login"), None, "only /api is routed");
    }

    #[test]
    fn only_the_listed_routes_are_public() {
        assert!(is_public(&Method::POST, "/api/auth/login"));
        assert!(is_public(&Method::POST, "/api/billing/webhooks/stripe"));
        assert!(!is_public(&Method::GET, "/api/auth/me"));
        assert!(
            !is_public(&Method::GET, "/api/auth/login"),
            "the method matters"
        );
        assert!(!is_public(&Method::POST, "/api/auth/login/../me"));
    }

    #[test]
    fn account_entries_are_public_and_the_webhook_and_keys_are_not_entries() {
        for path in ACCOUNT_ENTRY_POSTS {
            assert!(is_public(&Method::POST, path), "{path}");
            assert!(is_account_entry(&Method::POST, path), "{path}");
        }
        assert!(!is_account_entry(
            &Method::POST,
            "/api/billing/webhooks/stripe"
        ));
        assert!(!is_account_entry(&Method::GET, "/.well-known/jwks.json"));
        assert!(!is_account_entry(&Method::GET, "/api/auth/login"));
    }
}
