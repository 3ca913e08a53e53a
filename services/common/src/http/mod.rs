//! The HTTP layer every service shares: config, request ids and spans, Prometheus metrics,
//! health endpoints, body limits, timeouts and unknown routes that answer with problems, and `serve` with
//! graceful shutdown.

pub mod config;
pub mod health;
pub mod metrics;
pub mod plain_errors;
pub mod request_id;
pub mod serve;

pub use config::HttpConfig;
pub use serve::{app, serve};
