//! The gateway's configuration (flags or environment variables).

use std::time::Duration;

use clap::Parser;
use saascript_common::http::HttpConfig;

#[derive(Clone, Debug, Parser)]
#[command(name = "saascript-gateway", about = "SaaScript's API gateway")]
pub struct Config {
    #[command(flatten)]
    pub http: HttpConfig,
    /// The auth service.
    #[arg(long, env = "AUTH_UPSTREAM", default_value = "http://127.0.0.1:8081")]
    pub auth_upstream: String,
    /// The profiles service (unset: its routes answer 503).
    #[arg(long, env = "PROFILES_UPSTREAM")]
    pub profiles_upstream: Option<String>,
    /// The billing service.
    #[arg(long, env = "BILLING_UPSTREAM")]
    pub billing_upstream: Option<String>,
    /// The projects service.
    #[arg(long, env = "PROJECTS_UPSTREAM")]
    pub projects_upstream: Option<String>,
    /// The tenants service.
    #[arg(long, env = "TENANTS_UPSTREAM")]
    pub tenants_upstream: Option<String>,
    /// Where the access tokens' keys are published (auth's JWKS).
    #[arg(
        long,
        env = "JWKS_URL",
        default_value = "http://127.0.0.1:8081/.well-known/jwks.json"
    )]
    pub jwks_url: String,
    /// The tokens' `iss`.
    #[arg(long, env = "AUTH_ISSUER", default_value = "http://127.0.0.1:8081")]
    pub issuer: String,
    /// The tokens' `aud`.
    #[arg(long, env = "AUTH_AUDIENCE", default_value = "saascript")]
    pub audience: String,
    /// The web UI's origin, allowed by CORS.
    #[arg(long, env = "WEB_ORIGIN", default_value = "http://127.0.0.1:3000")]
    pub web_origin: String,
    /// How long an upstream may take to answer before the gateway answers 504, in milliseconds.
    #[arg(long, env = "UPSTREAM_TIMEOUT_MS", default_value_t = 10_000)]
    pub upstream_timeout_ms: u64,
    /// Gateway replicas: each allows its share (1/replicas) of a tenant's request rate.
    #[arg(long, env = "GATEWAY_REPLICAS", default_value_t = 1)]
    pub replicas: u32,
    /// The request rate of a tenant whose entitlements are not known yet.
    #[arg(long, env = "DEFAULT_REQUESTS_PER_SECOND", default_value_t = 5)]
    pub default_requests_per_second: u32,
    /// The request rate of each user whose token acts for no tenant (a platform admin outside
    /// any tenant): the free plan's rate, since no entitlements apply.
    #[arg(long, env = "USER_REQUESTS_PER_SECOND", default_value_t = 5)]
    pub user_requests_per_second: u32,
    /// The request rate of each client address on the routes that need no token (register, log
    /// in, refresh, verify, password reset). Generous: many people can share one address (an
    /// office, a NAT), and auth throttles failed logins per account on its own.
    #[arg(long, env = "PUBLIC_REQUESTS_PER_SECOND", default_value_t = 50)]
    pub public_requests_per_second: u32,
    /// How long the merged /api/openapi.json is served before the services are asked again, in
    /// seconds.
    #[arg(long, env = "OPENAPI_CACHE_SECONDS", default_value_t = 60)]
    pub openapi_cache_seconds: u64,
}

impl Config {
    pub fn upstream_timeout(&self) -> Duration {
        Duration::from_millis(self.upstream_timeout_ms)
    }

    pub fn openapi_cache_ttl(&self) -> Duration {
        Duration::from_secs(self.openapi_cache_seconds)
    }
}
