//! An upstream for gateway tests that answers every request with what it received (path,
//! query, headers, and the body's length), and counts the requests per path.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use serde_json::json;

/// The path that takes `SLOW_FOR` to answer.
pub const SLOW_PATH: &str = "/projects/slow";
pub const SLOW_FOR: Duration = Duration::from_secs(4);

pub struct EchoUpstream {
    pub base: String,
    requests: Arc<Mutex<HashMap<String, usize>>>,
    task: tokio::task::JoinHandle<()>,
}

impl EchoUpstream {
    pub async fn start() -> EchoUpstream {
        let requests: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
        let counted = requests.clone();
        let app = Router::new().fallback(move |request: Request| {
            let counted = counted.clone();
            async move {
                let path = request.uri().path().to_string();
                *counted.lock().unwrap().entry(path.clone()).or_default() += 1;
                if path == SLOW_PATH {
                    tokio::time::sleep(SLOW_FOR).await;
                }
                let headers: BTreeMap<String, String> = request
                    .headers()
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
                    .collect();
                let query = request.uri().query().map(str::to_string);
                let body = axum::body::to_bytes(request.into_body(), usize::MAX)
                    .await
                    .map(|b| b.len())
                    .ok();
                axum::Json(json!({
                    "path": path,
                    "query": query,
                    "headers": headers,
                    "body_length": body,
                }))
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free port");
        let address = listener.local_addr().expect("an address");
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        EchoUpstream {
            base: format!("http://{address}"),
            requests,
            task,
        }
    }

    /// How many requests for `path` have arrived.
    pub fn requests(&self, path: &str) -> usize {
        self.requests
            .lock()
            .unwrap()
            .get(path)
            .copied()
            .unwrap_or(0)
    }
}

impl Drop for EchoUpstream {
    fn drop(&mut self) {
        self.task.abort();
    }
}
