//! What every SaaScript process shares. It grows with the auth and gateway issue (config,
//! telemetry, problem+json errors, JWT verification); for now it holds the start-up step that
//! every binary and test needs first.

pub mod crypto;

pub use crypto::install_crypto_provider;
