//! What every request handler shares, built from the configuration.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use saascript_common::jwt::{JwtVerifier, VerifierSettings};

use crate::admission::Admission;
use crate::config::Config;
use crate::openapi_cache::OpenApiCache;
use crate::proxy::Proxy;
use crate::routes::Upstream;
use saascript_common::tenants::TenantDirectory;

#[derive(Clone)]
pub struct AppState {
    pub upstreams: Arc<HashMap<Upstream, String>>,
    pub verifier: Arc<JwtVerifier>,
    pub tenants: TenantDirectory,
    pub admission: Arc<Admission>,
    pub proxy: Proxy,
    pub openapi: Arc<OpenApiCache>,
}

impl AppState {
    pub fn new(config: &Config, tenants: TenantDirectory) -> AppState {
        let mut upstreams = HashMap::from([(Upstream::Auth, config.auth_upstream.clone())]);
        for (upstream, url) in [
            (Upstream::Profiles, &config.profiles_upstream),
            (Upstream::Billing, &config.billing_upstream),
            (Upstream::Projects, &config.projects_upstream),
            (Upstream::Tenants, &config.tenants_upstream),
        ] {
            if let Some(url) = url {
                upstreams.insert(upstream, url.clone());
            }
        }
        AppState {
            upstreams: Arc::new(upstreams),
            verifier: Arc::new(JwtVerifier::new(VerifierSettings {
                jwks_url: config.jwks_url.clone(),
                issuer: config.issuer.clone(),
                audience: config.audience.clone(),
                refetch_interval: Duration::from_secs(10),
                leeway: Duration::from_secs(30),
            })),
            tenants,
            admission: Arc::new(Admission::new(config)),
            proxy: Proxy::new(config.upstream_timeout()),
            openapi: Arc::new(OpenApiCache::new(config.openapi_cache_ttl())),
        }
    }
}
