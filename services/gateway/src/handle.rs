//! Every request, in four steps: route, authenticate, admit, forward. Each step is a module of
//! its own; this one only puts them in order.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{Method, header};
use axum::response::{IntoResponse, Response};

use crate::error::GatewayError;
use crate::{AppState, authenticate, identity, openapi, routes};

pub async fn handle(State(state): State<AppState>, request: Request) -> Response {
    match pass(&state, request).await {
        Ok(response) => response,
        Err(refusal) => refusal.into_response(),
    }
}

async fn pass(state: &AppState, mut request: Request) -> Result<Response, GatewayError> {
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    if method == Method::GET && path == "/api/openapi.json" {
        let document = state
            .openapi
            .get(|| openapi::merged(&state.proxy, &state.upstreams))
            .await;
        return Ok(axum::Json(document.as_ref()).into_response());
    }
    let target = routes::target(&path).ok_or(GatewayError::NotFound)?;
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string);
    identity::strip_client_headers(request.headers_mut());

    let mut tenant = None;
    if !routes::is_public(&method, &path) {
        let claims = authenticate::bearer(&state.verifier, request.headers()).await?;
        let reachable = routes::is_reachable_while_suspended(&method, &path);
        tenant = state.admission.admit(&state.tenants, &claims, reachable)?;
        identity::set_identity(request.headers_mut(), &claims);
    } else if routes::is_account_entry(&method, &path) {
        state.admission.admit_anonymous(peer)?;
    }
    // A siloed tenant's requests go to its own services, where its Tenant names them; the rest
    // to the shared ones. Checked after authentication, so that anonymous clients learn nothing
    // of the deployment.
    let base = tenant
        .as_ref()
        .and_then(|t| t.own_services.get(&target.upstream))
        .or_else(|| state.upstreams.get(&target.upstream))
        .ok_or(GatewayError::UpstreamNotConfigured)?;
    identity::set_forwarded(
        request.headers_mut(),
        peer.map(|ip| ip.to_string()).as_deref(),
        host.as_deref(),
        "http",
    );
    state.proxy.forward(base, &target.path, request).await
}
