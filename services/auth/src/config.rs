//! The auth service's configuration (flags or environment variables).

use std::time::Duration;

use clap::Parser;
use saascript_common::Sensitive;
use saascript_common::http::HttpConfig;

#[derive(Clone, Debug, Parser)]
#[command(name = "saascript-auth", about = "SaaScript's auth service")]
pub struct Config {
    #[command(flatten)]
    pub http: HttpConfig,
    /// The auth database (its migrations run at start-up).
    #[arg(
        long,
        env = "AUTH_DATABASE_URL",
        default_value = "postgres://postgres:postgres@127.0.0.1:5432/saascript_auth"
    )]
    pub database_url: Sensitive,
    /// Redis, for login throttling.
    #[arg(long, env = "REDIS_URL", default_value = "redis://127.0.0.1:6379")]
    pub redis_url: Sensitive,
    /// The `iss` of the access tokens; also where the JWKS is published.
    #[arg(long, env = "AUTH_ISSUER", default_value = "http://127.0.0.1:8081")]
    pub issuer: String,
    /// The `aud` of the access tokens.
    #[arg(long, env = "AUTH_AUDIENCE", default_value = "saascript")]
    pub audience: String,
    /// Access-token lifetime, in seconds.
    #[arg(long, env = "AUTH_ACCESS_TOKEN_SECONDS", default_value_t = 900)]
    pub access_token_seconds: u64,
    /// Refresh-token lifetime, in seconds (30 days).
    #[arg(long, env = "AUTH_REFRESH_TOKEN_SECONDS", default_value_t = 30 * 24 * 3600)]
    pub refresh_token_seconds: u64,
}

/// What the handlers need of the configuration.
#[derive(Clone, Debug)]
pub struct Settings {
    pub issuer: String,
    pub audience: String,
    pub access_token_lifetime: Duration,
    pub refresh_token_lifetime: Duration,
}

impl Config {
    pub fn settings(&self) -> Settings {
        Settings {
            issuer: self.issuer.clone(),
            audience: self.audience.clone(),
            access_token_lifetime: Duration::from_secs(self.access_token_seconds),
            refresh_token_lifetime: Duration::from_secs(self.refresh_token_seconds),
        }
    }
}
