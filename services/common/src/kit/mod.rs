//! The service kit: what every service is assembled from, so that a new service is its routes
//! and its state, not a fourth copy of the plumbing.
//!
//! - `args`: clap `Args` groups for the database, JWT verification, Kafka events and RabbitMQ
//!   tasks, each with what it connects or builds;
//! - `platform`: the Kubernetes client and the one clock, which tests replace;
//! - `service`: what a service's `build(config, platform)` returns: the state, the app (routes
//!   with the shared HTTP layer) and the background tasks;
//! - `outbox_schema`: the event and task outbox tables every service shares;
//! - `entry`: `main` for every service: parse, log, build, spawn the background, serve.

pub mod args;
pub mod background;
pub mod entry;
pub mod outbox_schema;
pub mod platform;
pub mod service;

pub use args::{DatabaseArgs, EventArgs, JwtArgs, TaskArgs};
pub use background::Background;
pub use entry::{ServiceConfig, run_main};
pub use platform::Platform;
pub use service::Service;

/// Why a service could not be put together.
#[derive(Debug, thiserror::Error)]
pub enum KitError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migrations: {0}")]
    Migrations(#[from] sqlx::migrate::MigrateError),
    #[error("Kafka: {0}")]
    Kafka(String),
    #[error("no Kubernetes configuration (set KUBECONFIG): {0}")]
    Kubernetes(String),
}
