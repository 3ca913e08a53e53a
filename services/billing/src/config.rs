//! The billing service's configuration (flags or environment variables).

use std::path::PathBuf;

use clap::Parser;
use saascript_common::Sensitive;
use saascript_common::http::HttpConfig;
use saascript_common::kit::{DatabaseArgs, EventArgs, JwtArgs, ServiceConfig};

#[derive(Clone, Debug, Parser)]
#[command(name = "saascript-billing", about = "SaaScript's billing service")]
pub struct Config {
    #[command(flatten)]
    pub http: HttpConfig,
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[command(flatten)]
    pub jwt: JwtArgs,
    #[command(flatten)]
    pub events: EventArgs,
    /// The plan catalog, the same file the operator reads; an invalid one stops start-up.
    #[arg(long, env = "SAASCRIPT_CATALOG", default_value = "config/plans.yaml")]
    pub catalog: PathBuf,
    /// Stripe's API base: https://api.stripe.com in production, the local fake otherwise.
    #[arg(
        long,
        env = "STRIPE_API_BASE",
        default_value = "https://api.stripe.com"
    )]
    pub stripe_api_base: String,
    /// The Stripe secret key.
    #[arg(
        long,
        hide_env_values = true,
        env = "STRIPE_SECRET_KEY",
        default_value = "sk_test_saascript_local"
    )]
    pub stripe_secret_key: Sensitive,
    /// The webhook endpoint secrets, comma-separated: the current one first, and the previous
    /// one while a rotation is under way.
    #[arg(
        long,
        hide_env_values = true,
        env = "STRIPE_WEBHOOK_SECRETS",
        value_delimiter = ','
    )]
    pub stripe_webhook_secrets: Vec<Sensitive>,
    /// How far (seconds) a webhook's signed timestamp may be from now.
    #[arg(long, env = "STRIPE_WEBHOOK_TOLERANCE_SECONDS", default_value_t = 300)]
    pub webhook_tolerance_seconds: i64,
    /// Give a tenant's first subscription the catalog's trial days. The local Stripe fake
    /// (localstripe) does not model trials: it leaves a trialing subscription `incomplete`
    /// forever, so `make up` and the tests turn trials off.
    #[arg(long, env = "STRIPE_TRIALS", default_value_t = true, action = clap::ArgAction::Set)]
    pub stripe_trials: bool,
    /// Where Checkout and the Portal send the browser back to (the web UI's billing page).
    #[arg(
        long,
        env = "BILLING_RETURN_URL",
        default_value = "http://127.0.0.1:3000/settings/billing"
    )]
    pub return_url: String,
    /// Take part in deleting only the Tenants with these labels (a label selector, as the
    /// operator's); unset means all.
    #[arg(long, env = "SAASCRIPT_TENANT_SELECTOR")]
    pub tenant_selector: Option<String>,
}

impl ServiceConfig for Config {
    fn http(&self) -> &HttpConfig {
        &self.http
    }
}
