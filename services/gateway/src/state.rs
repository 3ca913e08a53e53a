//! What every request handler shares, built from the configuration.

use std::collections::HashMap;
use std::sync::Arc;

use saascript_common::jwt::JwtVerifier;

use crate::admission::Admission;
use crate::config::Config;
use crate::openapi_cache::OpenApiCache;
use crate::proxy::Proxy;
use saascript_common::tenants::TenantDirectory;
use saascript_crds::service_deployment::ServiceName;

#[derive(Clone)]
pub struct AppState {
    pub upstreams: Arc<HashMap<ServiceName, String>>,
    pub verifier: Arc<JwtVerifier>,
    pub tenants: TenantDirectory,
    pub admission: Arc<Admission>,
    pub proxy: Proxy,
    pub openapi: Arc<OpenApiCache>,
}

impl AppState {
    pub fn new(config: &Config, tenants: TenantDirectory) -> AppState {
        AppState {
            upstreams: Arc::new(crate::upstreams::table(&config.upstreams)),
            verifier: Arc::new(config.jwt.verifier()),
            tenants,
            admission: Arc::new(Admission::new(config)),
            proxy: Proxy::new(config.upstream_timeout()),
            openapi: Arc::new(OpenApiCache::new(config.openapi_cache_ttl())),
        }
    }
}
