//! Admission: whether a request may go on, once its caller is known. A token that acts for a
//! tenant must name the live Tenant (by uid), which must not be suspended, and is limited at the
//! tenant's rate; a token for no tenant is limited per user; a request to a public route is
//! limited per client address. Every request that reaches an upstream has passed one of these
//! limits, but for Stripe's webhook and the keys (see `routes::is_account_entry`).

use std::net::IpAddr;

use saascript_common::jwt::Claims;

use crate::config::Config;
use crate::error::GatewayError;
use crate::rate_limit::RateLimiter;
use saascript_common::tenants::{TenantDirectory, TenantInfo};

pub struct Admission {
    tenants: RateLimiter,
    users: RateLimiter,
    addresses: RateLimiter,
    /// Each replica enforces its share of every rate (see `rate_limit`).
    replicas: f64,
    default_tenant_rate: u32,
    user_rate: u32,
    address_rate: u32,
}

impl Admission {
    pub fn new(config: &Config) -> Admission {
        Admission {
            tenants: RateLimiter::default(),
            users: RateLimiter::default(),
            addresses: RateLimiter::default(),
            replicas: f64::from(config.replicas.max(1)),
            default_tenant_rate: config.default_requests_per_second.max(1),
            user_rate: config.user_requests_per_second.max(1),
            address_rate: config.public_requests_per_second.max(1),
        }
    }

    /// Admits a request with a verified token, and returns the tenant it acts for (None for a
    /// token of no tenant). `reachable_while_suspended` says whether the request is one a
    /// suspended tenant may still make (see `routes`).
    pub fn admit(
        &self,
        directory: &TenantDirectory,
        claims: &Claims,
        reachable_while_suspended: bool,
    ) -> Result<Option<TenantInfo>, GatewayError> {
        let Some(tenant) = &claims.tenant else {
            check(
                &self.users,
                &claims.sub,
                self.share(self.user_rate),
                "the user",
            )?;
            return Ok(None);
        };
        tracing::Span::current().record("tenant", tenant.as_str());
        let info = directory
            .lookup(tenant)
            .ok_or(GatewayError::TenantUnknown)?;
        // A token without a uid cannot tell the Tenant it was issued for from a later one of
        // the same name, so it is refused like a token for that later one.
        if info.uid.is_none() || claims.tenant_uid != info.uid {
            return Err(GatewayError::TenantChanged);
        }
        if info.suspended && !reachable_while_suspended {
            return Err(GatewayError::TenantSuspended);
        }
        let rate = info.requests_per_second.unwrap_or(self.default_tenant_rate);
        check(&self.tenants, tenant, self.share(rate), "the tenant")?;
        Ok(Some(info))
    }

    /// Admits a request to a public route from `address` (None only when the server was not
    /// given the connection's address, as in a router called directly: all such share one
    /// limit).
    pub fn admit_anonymous(&self, address: Option<IpAddr>) -> Result<(), GatewayError> {
        let key = address
            .map(saascript_common::client_address::client_key)
            .unwrap_or_default();
        check(
            &self.addresses,
            &key,
            self.share(self.address_rate),
            "this address",
        )
    }

    fn share(&self, rate: u32) -> f64 {
        f64::from(rate) / self.replicas
    }
}

fn check(
    limiter: &RateLimiter,
    key: &str,
    rate: f64,
    scope: &'static str,
) -> Result<(), GatewayError> {
    limiter
        .check_at(key, rate, limiter.now())
        .map_err(|retry_after| GatewayError::RateLimited { scope, retry_after })
}

#[cfg(test)]
mod tests {
    use clap::Parser;
    use kube::runtime::reflector;
    use kube::runtime::watcher::Event;
    use saascript_crds::Tenant;
    use serde_json::json;

    use super::*;

    fn directory(tenants: &[(&str, &str, bool)]) -> TenantDirectory {
        let (store, mut writer) = reflector::store::<Tenant>();
        for (name, uid, suspended) in tenants {
            let tenant: Tenant = serde_json::from_value(json!({
                "apiVersion": "saascript.io/v1alpha1", "kind": "Tenant",
                "metadata": { "name": name, "uid": uid },
                "spec": { "displayName": name, "owners": ["o@example.com"], "plan": "free",
                          "isolation": "pooled", "deletionPolicy": "Delete", "suspended": suspended },
            }))
            .unwrap();
            writer.apply_watcher_event(&Event::Apply(tenant));
        }
        TenantDirectory::from_store(store)
    }

    fn claims(tenant: Option<&str>, uid: Option<&str>) -> Claims {
        Claims {
            sub: "u-1".into(),
            tenant: tenant.map(str::to_string),
            tenant_uid: uid.map(str::to_string),
            roles: vec!["owner".into()],
            exp: 0,
            iat: 0,
            jti: "j".into(),
            iss: "i".into(),
            aud: "a".into(),
        }
    }

    fn admission(args: &[&str]) -> Admission {
        let mut argv = vec!["saascript-gateway"];
        argv.extend_from_slice(args);
        Admission::new(&Config::parse_from(argv))
    }

    #[test]
    fn a_token_acts_only_for_the_tenant_whose_uid_it_carries() {
        let tenants = directory(&[("acme", "uid-2", false), ("frozen", "uid-9", true)]);
        let admission = admission(&["--default-requests-per-second", "1000"]);
        assert!(
            admission
                .admit(&tenants, &claims(Some("acme"), Some("uid-2")), false)
                .is_ok()
        );
        for uid in [Some("uid-1"), None] {
            assert!(matches!(
                admission.admit(&tenants, &claims(Some("acme"), uid), false),
                Err(GatewayError::TenantChanged)
            ));
        }
        assert!(matches!(
            admission.admit(&tenants, &claims(Some("gone"), Some("uid-2")), false),
            Err(GatewayError::TenantUnknown)
        ));
        assert!(matches!(
            admission.admit(&tenants, &claims(Some("frozen"), Some("uid-9")), false),
            Err(GatewayError::TenantSuspended)
        ));
        // What a suspended tenant may still reach (billing, its own view) is admitted.
        assert!(
            admission
                .admit(&tenants, &claims(Some("frozen"), Some("uid-9")), true)
                .is_ok()
        );
    }

    #[test]
    fn a_token_for_no_tenant_is_limited_per_user() {
        let tenants = directory(&[]);
        let admission = admission(&["--user-requests-per-second", "2"]);
        let mut alice = claims(None, None);
        alice.sub = "alice".into();
        let mut bob = alice.clone();
        bob.sub = "bob".into();
        assert!(admission.admit(&tenants, &alice, false).is_ok());
        assert!(admission.admit(&tenants, &alice, false).is_ok());
        assert!(matches!(
            admission.admit(&tenants, &alice, false),
            Err(GatewayError::RateLimited { .. })
        ));
        assert!(admission.admit(&tenants, &bob, false).is_ok(), "per user");
    }

    #[test]
    fn public_routes_are_limited_per_address() {
        let admission = admission(&["--public-requests-per-second", "1"]);
        let (one, two) = ("10.0.0.1".parse().ok(), "10.0.0.2".parse().ok());
        assert!(admission.admit_anonymous(one).is_ok());
        assert!(matches!(
            admission.admit_anonymous(one),
            Err(GatewayError::RateLimited { .. })
        ));
        assert!(admission.admit_anonymous(two).is_ok());
    }
}
