//! What every SaaScript process shares: the TLS provider set-up, `Sensitive` for secrets in
//! config, RFC 9457 problem+json errors, JWT verification with a JWKS cache, and the axum
//! extractors for the user, a role and the tenant. Config, telemetry and the HTTP middleware
//! join it with the auth and gateway issue.

pub mod client_address;
pub mod encoding;
pub mod event_consumer;
pub mod event_outbox;
pub mod events;
pub mod extract;
pub mod http;
pub mod input;
pub mod jwt;
pub mod kit;
pub mod openapi;
pub mod problem;
pub mod task_outbox;
pub mod tasks;
pub mod tenants;

// Below the services and the operator alike (process/); re-exported so that a service needs
// one dependency for its plumbing.
pub use saascript_process::{Sensitive, clock, install_crypto_provider, shutdown};
