//! The auth service's configuration (flags or environment variables).

use std::time::Duration;

use clap::Parser;
use saascript_common::Sensitive;
use saascript_common::http::HttpConfig;
use saascript_common::kit::{DatabaseArgs, EventArgs, ServiceConfig, TaskArgs};

use crate::client_address::TrustedProxies;
use crate::task_key::{TaskKey, TaskKeyError};
use crate::throttle::ThrottleSettings;

#[derive(Clone, Debug, Parser)]
#[command(name = "saascript-auth", about = "SaaScript's auth service")]
pub struct Config {
    #[command(flatten)]
    pub http: HttpConfig,
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[command(flatten)]
    pub events: EventArgs,
    #[command(flatten)]
    pub tasks: TaskArgs,
    /// Redis, for login throttling.
    #[arg(
        long,
        env = "REDIS_URL",
        default_value = "redis://127.0.0.1:6379",
        hide_env_values = true
    )]
    pub redis_url: Sensitive,
    /// The queue of email tasks.
    #[arg(long, env = "EMAIL_QUEUE", default_value = "email.send")]
    pub email_queue: String,
    /// The web UI, for the links in emails.
    #[arg(long, env = "WEB_ORIGIN", default_value = "http://127.0.0.1:3000")]
    pub web_origin: String,
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
    /// The key that seals email tasks (they carry working links), 64 hex digits; the mailer
    /// needs the same. No default: a key known from the source would protect nothing.
    #[arg(long, env = "EMAIL_TASK_KEY", hide_env_values = true)]
    pub email_task_key: Sensitive,
    /// The gateway's addresses (IPs or CIDRs, comma-separated): the only peers whose
    /// X-Forwarded-For is believed for login throttling. Empty believes no one, and every client
    /// is its TCP peer; list the gateway's addresses (in a cluster, its pods' network).
    #[arg(long, env = "AUTH_TRUSTED_PROXIES", default_value = "")]
    pub trusted_proxies: TrustedProxies,
    /// Login throttling: the defaults in production; tests set their own (no flags, since an
    /// operator has had no reason to tune them).
    #[arg(skip)]
    pub throttle: ThrottleSettings,
}

/// What the handlers need of the configuration.
#[derive(Clone, Debug)]
pub struct Settings {
    pub issuer: String,
    pub audience: String,
    pub access_token_lifetime: Duration,
    pub refresh_token_lifetime: Duration,
    pub verify_token_lifetime: Duration,
    pub reset_token_lifetime: Duration,
    pub email_queue: String,
    pub web_origin: String,
    pub task_key: TaskKey,
    pub trusted_proxies: TrustedProxies,
}

impl Settings {
    /// The lifetimes the service uses, for an issuer and an audience; no trusted proxies.
    pub fn new(
        issuer: &str,
        audience: &str,
        email_queue: &str,
        web_origin: &str,
        task_key: TaskKey,
    ) -> Settings {
        Settings {
            issuer: issuer.into(),
            audience: audience.into(),
            access_token_lifetime: Duration::from_secs(900),
            refresh_token_lifetime: Duration::from_secs(30 * 24 * 3600),
            verify_token_lifetime: Duration::from_secs(24 * 3600),
            reset_token_lifetime: Duration::from_secs(3600),
            email_queue: email_queue.into(),
            web_origin: web_origin.into(),
            task_key,
            trusted_proxies: TrustedProxies::default(),
        }
    }
}

impl Config {
    /// The handlers' settings; Err when the task key is not a key.
    pub fn settings(&self) -> Result<Settings, TaskKeyError> {
        Ok(Settings {
            access_token_lifetime: Duration::from_secs(self.access_token_seconds),
            refresh_token_lifetime: Duration::from_secs(self.refresh_token_seconds),
            trusted_proxies: self.trusted_proxies.clone(),
            ..Settings::new(
                &self.issuer,
                &self.audience,
                &self.email_queue,
                &self.web_origin,
                TaskKey::from_hex(&self.email_task_key)?,
            )
        })
    }
}

impl ServiceConfig for Config {
    fn http(&self) -> &HttpConfig {
        &self.http
    }
}
