//! The tenants service's flags, each with its environment variable.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use saascript_common::Sensitive;
use saascript_common::http::HttpConfig;
use saascript_common::kit::{JwtArgs, ServiceConfig};

use crate::error::{Result, TenantsError};

#[derive(Clone, Debug, Parser)]
#[command(name = "saascript-tenants", about = "SaaScript's tenants service")]
pub struct Config {
    #[command(flatten)]
    pub http: HttpConfig,
    #[command(flatten)]
    pub jwt: JwtArgs,
    /// Auth's base URL, inside the cluster: tenants reads the caller's verified email and
    /// memberships there (/auth/me), and the tenant's members (/auth/members), with the
    /// caller's own token.
    #[arg(long, env = "AUTH_URL", default_value = "http://127.0.0.1:8081")]
    pub auth_url: String,
    /// The plan catalog, the same file the operator and billing read; an invalid one stops
    /// start-up.
    #[arg(long, env = "SAASCRIPT_CATALOG", default_value = "config/plans.yaml")]
    pub catalog: PathBuf,
    /// Labels put on every Tenant this service creates, as `key=value,key=value` (for example
    /// the selector of the operator that should provision them).
    #[arg(long, env = "TENANT_LABELS", default_value = "")]
    pub tenant_labels: String,
    /// How long one provisioning stream (/tenants/current/events) may stay open, in seconds;
    /// the client reconnects after that.
    #[arg(long, env = "EVENT_STREAM_LIMIT_SECONDS", default_value_t = 600)]
    pub event_stream_limit_seconds: u64,
    /// The token Argo CD's plugin generator presents (its ConfigMap's `token`): with it, POST
    /// /api/v1/getparams.execute lists the Tenants for an ApplicationSet; without it, that
    /// route is off.
    #[arg(long, env = "ARGOCD_PLUGIN_TOKEN", hide_env_values = true)]
    pub argocd_plugin_token: Option<Sensitive>,
}

impl ServiceConfig for Config {
    fn http(&self) -> &HttpConfig {
        &self.http
    }
}

/// What the handlers need of the configuration.
#[derive(Clone, Debug)]
pub struct Settings {
    pub tenant_labels: BTreeMap<String, String>,
    pub event_stream_limit: Duration,
    pub argocd_plugin_token: Option<Sensitive>,
}

impl Config {
    pub fn settings(&self) -> Result<Settings> {
        Ok(Settings {
            tenant_labels: parse_labels(&self.tenant_labels)?,
            event_stream_limit: Duration::from_secs(self.event_stream_limit_seconds),
            argocd_plugin_token: self
                .argocd_plugin_token
                .clone()
                .filter(|token| !token.expose().is_empty()),
        })
    }
}

/// `key=value,key=value`; blanks are ignored, anything else without `=` stops start-up.
fn parse_labels(text: &str) -> Result<BTreeMap<String, String>> {
    text.split(',')
        .map(str::trim)
        .filter(|pair| !pair.is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((key, value)) if !key.trim().is_empty() => {
                Ok((key.trim().to_string(), value.trim().to_string()))
            }
            _ => Err(TenantsError::Config(format!(
                "TENANT_LABELS: `{pair}` is not key=value"
            ))),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_pairs() {
        let labels = parse_labels(" a=1, saascript.io/run = x ,").unwrap();
        assert_eq!(labels["a"], "1");
        assert_eq!(labels["saascript.io/run"], "x");
        assert!(parse_labels("").unwrap().is_empty());
        assert!(parse_labels("novalue").is_err());
    }
}
