//! The gateway's configuration (flags or environment variables).

use std::time::Duration;

use clap::Parser;
use saascript_common::http::HttpConfig;
use saascript_common::kit::{JwtArgs, ServiceConfig};

use crate::upstreams::UpstreamFlag;

#[derive(Clone, Debug, Parser)]
#[command(name = "saascript-gateway", about = "SaaScript's API gateway")]
pub struct Config {
    #[command(flatten)]
    pub http: HttpConfig,
    /// The services behind the gateway, each `name=url` (repeat the flag, or comma-separate
    /// them in GATEWAY_UPSTREAMS). A service without one answers 503.
    #[arg(
        long = "upstream",
        env = "GATEWAY_UPSTREAMS",
        value_delimiter = ',',
        default_value = "auth=http://127.0.0.1:8081"
    )]
    pub upstreams: Vec<UpstreamFlag>,
    #[command(flatten)]
    pub jwt: JwtArgs,
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

impl ServiceConfig for Config {
    fn http(&self) -> &HttpConfig {
        &self.http
    }
}
