//! `metrics.k8s.io/v1beta1` from the kubelets' own summaries, for HPAs on a cluster without
//! metrics-server (the local node of `make up`, where metrics-server is not packaged). It is
//! registered as an APIService; the API server proxies `kubectl top` and the HPA controller's
//! queries here, and this asks each kubelet through the API server's node proxy.
//!
//! Layout: `summary.rs` reads a kubelet, `usage.rs` turns that into the API's objects (pure),
//! `tls.rs` serves HTTPS (the aggregator speaks nothing else).

pub mod summary;
pub mod tls;
pub mod usage;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use k8s_openapi::api::core::v1::{Node, Pod};
use kube::api::{Api, ListParams};
use serde::Deserialize;
use serde_json::{Value, json};

/// Start-up settings, from flags or the environment.
#[derive(Clone, Debug, clap::Parser)]
#[command(name = "saascript-metrics-api", version, about)]
pub struct Config {
    /// Where to serve HTTPS: the address the APIService's Service points at.
    #[arg(long, env = "METRICS_API_ADDR", default_value = "127.0.0.1:6444")]
    pub listen: SocketAddr,
    /// The serving certificate (PEM).
    #[arg(long, env = "METRICS_API_TLS_CERT")]
    pub tls_cert: PathBuf,
    /// Its private key (PEM).
    #[arg(long, env = "METRICS_API_TLS_KEY")]
    pub tls_key: PathBuf,
    /// Log format: `json` (in cluster) or `pretty` (locally).
    #[arg(long, env = "SAASCRIPT_LOG_FORMAT", default_value = "pretty")]
    pub log_format: String,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("no Kubernetes configuration: {0}")]
    Kube(#[from] kube::Error),
    #[error("TLS: {0}")]
    Tls(String),
    #[error("cannot listen on {0}: {1}")]
    Listen(SocketAddr, std::io::Error),
}

/// Serves until SIGTERM or Ctrl-C.
pub async fn run(config: Config) -> Result<(), Error> {
    let client = kube::Client::try_default().await?;
    let acceptor = tls::acceptor(&config.tls_cert, &config.tls_key)?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| Error::Listen(config.listen, e))?;
    tracing::info!(addr = %config.listen, "serving metrics.k8s.io/v1beta1");
    tls::serve(
        listener,
        acceptor,
        router(client),
        saascript_process::shutdown::signal(),
    )
    .await;
    Ok(())
}

pub fn router(client: kube::Client) -> axum::Router {
    let base = "/apis/metrics.k8s.io/v1beta1";
    axum::Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(|| async { "ok" }))
        .route(base, get(|| async { Json(usage::resource_list()) }))
        // The aggregator fetches every APIService's OpenAPI document; an empty one says there is
        // nothing to merge (metrics.k8s.io publishes no schema).
        .route(
            "/openapi/v2",
            get(|| async {
                Json(json!({ "swagger": "2.0",
                             "info": { "title": "metrics.k8s.io", "version": "v1beta1" },
                             "paths": {} }))
            }),
        )
        .route(&format!("{base}/nodes"), get(nodes))
        .route(&format!("{base}/nodes/{{name}}"), get(node))
        .route(&format!("{base}/pods"), get(all_pods))
        .route(&format!("{base}/namespaces/{{namespace}}/pods"), get(pods))
        .route(
            &format!("{base}/namespaces/{{namespace}}/pods/{{name}}"),
            get(pod),
        )
        .with_state(client)
}

/// The selectors a list may carry.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Selectors {
    label_selector: Option<String>,
    field_selector: Option<String>,
}

impl Selectors {
    fn params(&self) -> ListParams {
        let mut params = ListParams::default();
        if let Some(labels) = &self.label_selector {
            params = params.labels(labels);
        }
        if let Some(fields) = &self.field_selector {
            params = params.fields(fields);
        }
        params
    }
}

/// A Kubernetes Status, as the API server would answer.
fn status(code: StatusCode, reason: &str, message: String) -> Response {
    let body = json!({
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": message, "reason": reason, "code": code.as_u16(),
    });
    (code, Json(body)).into_response()
}

fn kube_failure(error: kube::Error) -> Response {
    match error {
        kube::Error::Api(status_) if status_.code == 400 => {
            status(StatusCode::BAD_REQUEST, "BadRequest", status_.message)
        }
        other => {
            tracing::warn!(error = %other, "reading the kubelets failed");
            status(
                StatusCode::SERVICE_UNAVAILABLE,
                "ServiceUnavailable",
                "the kubelets' summaries cannot be read right now".into(),
            )
        }
    }
}

/// Every node's summary, by node name.
async fn summaries(
    client: &kube::Client,
) -> Result<BTreeMap<String, summary::Summary>, kube::Error> {
    let nodes = Api::<Node>::all(client.clone())
        .list_metadata(&ListParams::default())
        .await?;
    let mut out = BTreeMap::new();
    for node in nodes.items {
        let Some(name) = node.metadata.name else {
            continue;
        };
        match summary::fetch(client, &name).await {
            Ok(summary) => {
                out.insert(name, summary);
            }
            // A node that cannot be read is left out, as metrics-server does.
            Err(error) => tracing::warn!(node = %name, %error, "no summary from this node"),
        }
    }
    Ok(out)
}

async fn nodes(State(client): State<kube::Client>) -> Response {
    match summaries(&client).await {
        Ok(all) => Json(usage::list(
            "NodeMetricsList",
            all.values()
                .filter_map(|s| usage::node_metrics(&s.node))
                .collect(),
        ))
        .into_response(),
        Err(error) => kube_failure(error),
    }
}

async fn node(State(client): State<kube::Client>, Path(name): Path<String>) -> Response {
    match summary::fetch(&client, &name).await {
        Ok(summary) => match usage::node_metrics(&summary.node) {
            Some(metrics) => Json(metrics).into_response(),
            None => not_found("nodes", &name),
        },
        Err(kube::Error::Api(s)) if s.code == 404 => not_found("nodes", &name),
        Err(error) => kube_failure(error),
    }
}

fn not_found(resource: &str, name: &str) -> Response {
    status(
        StatusCode::NOT_FOUND,
        "NotFound",
        format!("{resource}.metrics.k8s.io \"{name}\" not found"),
    )
}

async fn all_pods(
    State(client): State<kube::Client>,
    Query(selectors): Query<Selectors>,
) -> Response {
    list_pods(&client, Api::all(client.clone()), &selectors).await
}

async fn pods(
    State(client): State<kube::Client>,
    Path(namespace): Path<String>,
    Query(selectors): Query<Selectors>,
) -> Response {
    list_pods(
        &client,
        Api::namespaced(client.clone(), &namespace),
        &selectors,
    )
    .await
}

/// The metrics of the pods the selectors pick, that their kubelets have figures for.
async fn list_pods(client: &kube::Client, api: Api<Pod>, selectors: &Selectors) -> Response {
    let picked = match api.list_metadata(&selectors.params()).await {
        Ok(list) => list.items,
        Err(error) => return kube_failure(error),
    };
    let all = match summaries(client).await {
        Ok(all) => all,
        Err(error) => return kube_failure(error),
    };
    let items: Vec<Value> = picked
        .iter()
        .filter_map(|pod| {
            let namespace = pod.metadata.namespace.as_deref()?;
            let name = pod.metadata.name.as_deref()?;
            all.values()
                .find_map(|s| usage::pod_metrics(s, namespace, name))
        })
        .collect();
    Json(usage::list("PodMetricsList", items)).into_response()
}

async fn pod(
    State(client): State<kube::Client>,
    Path((namespace, name)): Path<(String, String)>,
) -> Response {
    match summaries(&client).await {
        Ok(all) => match all
            .values()
            .find_map(|s| usage::pod_metrics(s, &namespace, &name))
        {
            Some(metrics) => Json(metrics).into_response(),
            None => not_found("pods", &name),
        },
        Err(error) => kube_failure(error),
    }
}
