//! What every SaaScript process shares, below both the operator and the services: the clock,
//! the TLS crypto provider, `Sensitive` for secrets in config, the shutdown signal and logging. It
//! depends on nothing of ours, so the operator needs nothing under services/.

pub mod clock;
pub mod crypto;
pub mod logging;
pub mod sensitive;
pub mod shutdown;

pub use clock::{Clock, offset_clock, system_clock};
pub use crypto::install_crypto_provider;
pub use logging::init_logging;
pub use sensitive::Sensitive;
