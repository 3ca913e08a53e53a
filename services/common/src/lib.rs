//! What every SaaScript process shares. It grows with the auth and gateway issue (config,
//! telemetry, problem+json errors, JWT verification); for now it holds the start-up step that
//! every binary and test needs first, and the `Sensitive` wrapper for secrets in config.

pub mod crypto;
pub mod sensitive;

pub use crypto::install_crypto_provider;
pub use sensitive::Sensitive;
