//! The HTTP settings every service takes, from flags or environment variables.

use std::net::SocketAddr;

use clap::Args;

#[derive(Clone, Debug, Args)]
pub struct HttpConfig {
    /// The address to listen on.
    #[arg(long = "listen", env = "LISTEN_ADDR", default_value = "127.0.0.1:8081")]
    pub listen: SocketAddr,
    /// Log format: `json` (in cluster) or `pretty` (locally).
    #[arg(long, env = "LOG_FORMAT", default_value = "pretty")]
    pub log_format: String,
    /// The largest request body accepted, in bytes.
    #[arg(long, env = "BODY_LIMIT_BYTES", default_value_t = 1024 * 1024)]
    pub body_limit_bytes: usize,
    /// How long a request may take before it is answered with 503, in milliseconds.
    #[arg(long, env = "REQUEST_TIMEOUT_MS", default_value_t = 10_000)]
    pub request_timeout_ms: u64,
    /// How long to keep serving after SIGTERM before draining, in seconds. In a cluster the pod
    /// leaves its Service's endpoints only once kube-proxy on every node has heard it is
    /// terminating; a process that stopped accepting at once would refuse the requests still
    /// routed to it meanwhile. The operator sets it on every pod; 0 stops at once (locally).
    #[arg(long, env = "SHUTDOWN_DELAY_SECONDS", default_value_t = 0)]
    pub shutdown_delay_seconds: u64,
}

impl HttpConfig {
    pub fn request_timeout(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.request_timeout_ms)
    }
}

pub use saascript_process::init_logging;
