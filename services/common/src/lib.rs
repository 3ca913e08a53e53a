//! What every SaaScript process shares: the TLS provider set-up, `Sensitive` for secrets in
//! config, RFC 9457 problem+json errors, JWT verification with a JWKS cache, and the axum
//! extractors for the user, a role and the tenant. Config, telemetry and the HTTP middleware
//! join it with the auth and gateway issue.

pub mod client_address;
pub mod clock;
pub mod crypto;
pub mod encoding;
pub mod event_outbox;
pub mod events;
pub mod extract;
pub mod http;
pub mod input;
pub mod jwt;
pub mod openapi;
pub mod problem;
pub mod sensitive;
pub mod shutdown;
pub mod tasks;

pub use crypto::install_crypto_provider;
pub use sensitive::Sensitive;
