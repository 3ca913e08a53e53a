//! SaaScript's API gateway: the only entry for the web UI and API clients. It routes
//! `/api/<service>/...` to the services, checks access tokens against auth's JWKS, refuses
//! suspended tenants (known from Tenant CRs through a reflector), rate-limits each tenant from its
//! entitlements, and hands the services a verified identity (see `identity` for the trust model).

pub mod config;
pub mod identity;
pub mod openapi;
pub mod proxy;
pub mod rate_limit;
pub mod routes;
pub mod tenants;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use saascript_common::http::health::ReadinessCheck;
use saascript_common::http::metrics::HttpMetrics;
use saascript_common::jwt::{JwtVerifier, VerifierSettings};
use saascript_common::problem::Problem;
use tower_http::cors::{AllowOrigin, CorsLayer};

pub use config::Config;
use rate_limit::RateLimiter;
use routes::Upstream;
use tenants::TenantDirectory;

#[derive(Clone)]
pub struct AppState {
    pub upstreams: Arc<HashMap<Upstream, String>>,
    pub verifier: Arc<JwtVerifier>,
    pub tenants: TenantDirectory,
    pub limiter: Arc<RateLimiter>,
    pub client: proxy::HttpClient,
    pub upstream_timeout: Duration,
    pub replicas: u32,
    pub default_rps: u32,
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
            limiter: Arc::new(RateLimiter::default()),
            client: proxy::client(),
            upstream_timeout: config.upstream_timeout(),
            replicas: config.replicas.max(1),
            default_rps: config.default_requests_per_second.max(1),
        }
    }
}

fn problem(status: StatusCode, code: &str, detail: &str) -> Response {
    Problem::new(status, code, detail).into_response()
}

/// Every request: route, authenticate, admit, and forward.
async fn handle(State(state): State<AppState>, mut request: Request) -> Response {
    let path = request.uri().path().to_string();
    let method = request.method().clone();
    if method == Method::GET && path == "/api/openapi.json" {
        return axum::Json(openapi::merged(&state).await).into_response();
    }
    let Some(target) = routes::target(&path) else {
        return problem(StatusCode::NOT_FOUND, "not_found", "no such route");
    };
    let client_ip = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string());
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string);
    identity::strip_client_headers(request.headers_mut());

    if !routes::is_public(&method, &path) {
        let token = request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .map(str::to_string);
        let Some(token) = token else {
            return problem(
                StatusCode::UNAUTHORIZED,
                "token_missing",
                "an `Authorization: Bearer` token is required",
            );
        };
        let claims = match state.verifier.verify(&token).await {
            Ok(claims) => claims,
            Err(e) => return problem(StatusCode::UNAUTHORIZED, e.code(), &e.to_string()),
        };
        if let Some(tenant) = &claims.tenant {
            tracing::Span::current().record("tenant", tenant.as_str());
            let Some(info) = state.tenants.lookup(tenant) else {
                return problem(
                    StatusCode::FORBIDDEN,
                    "tenant_unknown",
                    "the token's tenant does not exist",
                );
            };
            if info.suspended {
                return problem(
                    StatusCode::FORBIDDEN,
                    "tenant_suspended",
                    "this tenant is suspended",
                );
            }
            let rate = f64::from(info.requests_per_second.unwrap_or(state.default_rps))
                / f64::from(state.replicas);
            if let Err(wait) = state.limiter.check_at(tenant, rate, state.limiter.now()) {
                let mut response = problem(
                    StatusCode::TOO_MANY_REQUESTS,
                    "rate_limited",
                    "the tenant's request rate is exceeded",
                );
                let seconds = wait.as_secs_f64().ceil().max(1.0) as u64;
                if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
                    response.headers_mut().insert(header::RETRY_AFTER, value);
                }
                return response;
            }
        }
        identity::set_identity(request.headers_mut(), &claims);
    }
    // Checked after authentication, so that anonymous clients learn nothing of the deployment.
    let Some(base) = state.upstreams.get(&target.upstream).cloned() else {
        return problem(
            StatusCode::SERVICE_UNAVAILABLE,
            "upstream_not_configured",
            "this service is not available",
        );
    };
    identity::set_forwarded(
        request.headers_mut(),
        client_ip.as_deref(),
        host.as_deref(),
        "http",
    );
    proxy::forward(
        &state.client,
        &base,
        &target.path,
        request.map(Body::new),
        state.upstream_timeout,
    )
    .await
}

/// The gateway's router (every path goes through `handle`), with CORS for the web origin.
pub fn router(state: AppState, web_origin: &str) -> Router {
    let origin = HeaderValue::from_str(web_origin)
        .unwrap_or(HeaderValue::from_static("http://127.0.0.1:3000"));
    let cors = CorsLayer::new()
        .allow_origin(AllowOrigin::exact(origin))
        .allow_credentials(true)
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::HeaderName::from_static("x-request-id"),
        ])
        .expose_headers([
            header::RETRY_AFTER,
            header::HeaderName::from_static("x-request-id"),
        ]);
    Router::new().fallback(handle).with_state(state).layer(cors)
}

/// The gateway with the shared HTTP layer; ready once the Tenant cache has synced.
pub fn app(state: AppState, config: &Config) -> Router {
    let tenants = state.tenants.clone();
    let ready: ReadinessCheck = Arc::new(move || {
        let tenants = tenants.clone();
        Box::pin(async move {
            if tenants.synced().await {
                Ok(())
            } else {
                Err("the Tenant cache has not synced yet".into())
            }
        })
    });
    saascript_common::http::app(
        router(state, &config.web_origin),
        &config.http,
        HttpMetrics::new("gateway"),
        ready,
    )
}

/// Serves until SIGTERM or Ctrl-C, with the client address available for X-Forwarded-For.
pub async fn serve(app: Router, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(saascript_common::shutdown::signal())
    .await
}

/// Connects to Kubernetes, starts the Tenant cache, and serves.
pub async fn run(config: Config) -> Result<(), String> {
    let client = kube::Client::try_default()
        .await
        .map_err(|e| format!("Kubernetes: {e}"))?;
    let state = AppState::new(&config, TenantDirectory::start(client));
    let listener = tokio::net::TcpListener::bind(config.http.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.http.listen))?;
    tracing::info!(addr = %config.http.listen, "gateway listening");
    serve(app(state, &config), listener)
        .await
        .map_err(|e| e.to_string())
}
