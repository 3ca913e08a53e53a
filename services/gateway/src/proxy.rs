//! Forwarding a request to its upstream, bodies streamed both ways. An upstream that does not
//! answer in time gets 504; one that cannot be reached, 502; a chunked body over the limit, 413.
//!
//! Why two clients. A kept-alive connection can be closed by the upstream at any moment: after
//! an answer it gave without reading the body (415, 405), at its idle timeout, when it shuts
//! down. Until the gateway has read that close, the pool still hands the connection out, and a
//! request written on it fails although the upstream never saw it. hyper retries only a request
//! it had not started to write; one already written is ambiguous to the gateway, which cannot
//! tell "closed before reading" from "read, applied, then crashed" (RFC 9110 §9.2.2). So:
//! - a request that may be sent twice (an idempotent method, no body) uses the pool, and is
//!   sent once more on a fresh connection when the pooled one fails before any answer;
//! - every other request (POST, PATCH, or any body, which is streamed and cannot be replayed)
//!   goes on a connection of its own, with `Connection: close` so that the upstream closes it
//!   first and holds its TIME_WAIT (the gateway's ports toward one upstream are few). A fresh
//!   connection was never closed under the gateway, so its failure is the upstream's own, and
//!   the 502 is true.

use std::error::Error as _;
use std::time::Duration;

use axum::body::{Body, HttpBody};
use axum::http::{HeaderValue, Method, Request, Response, Uri, header};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use tokio::time::Instant;

use crate::error::GatewayError;

pub type HttpClient = Client<HttpConnector, Body>;

/// The pooled client, for requests that may be replayed.
fn pooled_client() -> HttpClient {
    Client::builder(TokioExecutor::new()).build_http()
}

/// A client that keeps no connection: each request connects anew.
fn unpooled_client() -> HttpClient {
    Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(0)
        .build_http()
}

#[derive(Clone)]
pub struct Proxy {
    pooled: HttpClient,
    unpooled: HttpClient,
    timeout: Duration,
}

impl Proxy {
    /// `timeout` bounds the wait for an answer's head, retry included.
    pub fn new(timeout: Duration) -> Proxy {
        Proxy {
            pooled: pooled_client(),
            unpooled: unpooled_client(),
            timeout,
        }
    }

    /// Sends `request` to `base` + `path` (+ the original query) and streams the answer back.
    pub async fn forward(
        &self,
        base: &str,
        path: &str,
        mut request: Request<Body>,
    ) -> Result<Response<Body>, GatewayError> {
        let deadline = Instant::now() + self.timeout;
        let query = request
            .uri()
            .query()
            .map(|q| format!("?{q}"))
            .unwrap_or_default();
        let uri: Uri = format!("{}{path}{query}", base.trim_end_matches('/'))
            .parse()
            .map_err(|e| {
                tracing::error!(error = %e, base, "bad upstream URL");
                GatewayError::BadUpstream
            })?;
        if let Some(authority) = uri
            .authority()
            .and_then(|a| HeaderValue::from_str(a.as_str()).ok())
        {
            request.headers_mut().insert(header::HOST, authority);
        }
        *request.uri_mut() = uri;

        self.send(request, deadline).await
    }

    /// Sends `request` to the URI it names. One that may be sent twice (`replayable_copy`)
    /// goes over the pool, and once more on a fresh connection when the pooled one fails
    /// before answering; any other goes once, on a connection of its own.
    pub async fn send(
        &self,
        mut request: Request<Body>,
        deadline: Instant,
    ) -> Result<Response<Body>, GatewayError> {
        let Some(replay) = replayable_copy(&request) else {
            request
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
            return exchange(&self.unpooled, request, deadline).await;
        };
        match tokio::time::timeout_at(deadline, self.pooled.request(request)).await {
            Ok(Ok(response)) => Ok(for_client(response)),
            // Nothing to gain from connecting again to an upstream that refused a connection.
            Ok(Err(e)) if !e.is_connect() => {
                tracing::debug!(error = %e, "a pooled connection failed; sending again");
                exchange(&self.unpooled, replay, deadline).await
            }
            Ok(Err(e)) => Err(failed(&e)),
            Err(_) => Err(GatewayError::UpstreamTimeout),
        }
    }
}

/// One exchange on `client`, bounded by `deadline`.
async fn exchange(
    client: &HttpClient,
    request: Request<Body>,
    deadline: Instant,
) -> Result<Response<Body>, GatewayError> {
    match tokio::time::timeout_at(deadline, client.request(request)).await {
        Ok(Ok(response)) => Ok(for_client(response)),
        Ok(Err(e)) => Err(failed(&e)),
        Err(_) => Err(GatewayError::UpstreamTimeout),
    }
}

/// The upstream's answer as the client gets it: streamed, without the headers about the
/// upstream connection (an unpooled request's `Connection: close` comes back in the answer).
fn for_client(response: Response<hyper::body::Incoming>) -> Response<Body> {
    let mut response = response.map(Body::new);
    crate::hop_by_hop::strip(response.headers_mut());
    response
}

/// A copy of `request` to send again, when sending it twice means the same as once: an
/// idempotent method (RFC 9110 §9.2.2) and no body.
fn replayable_copy(request: &Request<Body>) -> Option<Request<Body>> {
    let idempotent = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE | Method::PUT | Method::DELETE
    );
    if !idempotent || request.body().size_hint().exact() != Some(0) {
        return None;
    }
    let mut copy = Request::new(Body::empty());
    *copy.method_mut() = request.method().clone();
    *copy.uri_mut() = request.uri().clone();
    *copy.version_mut() = request.version();
    *copy.headers_mut() = request.headers().clone();
    Some(copy)
}

/// What a failed exchange means to the client: its own body over the limit (the body limit
/// ends a chunked body only as the gateway streams it on), or an upstream out of reach.
fn failed(error: &hyper_util::client::legacy::Error) -> GatewayError {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = error.source();
    while let Some(e) = cause {
        if e.is::<http_body_util::LengthLimitError>() {
            return GatewayError::BodyTooLarge;
        }
        cause = e.source();
    }
    tracing::warn!(error = %error, cause = ?error.source(), "upstream unreachable");
    GatewayError::UpstreamUnreachable
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_idempotent_requests_without_a_body_are_replayed() {
        let request = |method: Method, body: Body| {
            let mut request = Request::new(body);
            *request.method_mut() = method;
            request
        };
        assert!(replayable_copy(&request(Method::GET, Body::empty())).is_some());
        assert!(replayable_copy(&request(Method::DELETE, Body::empty())).is_some());
        assert!(replayable_copy(&request(Method::POST, Body::empty())).is_none());
        assert!(replayable_copy(&request(Method::PATCH, Body::empty())).is_none());
        assert!(replayable_copy(&request(Method::PUT, Body::from("{}"))).is_none());
    }
}
