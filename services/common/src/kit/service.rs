//! What a service's `build(config, platform)` returns, to `main` and to the test kit alike.

use axum::Router;

use super::Background;

pub struct Service<S> {
    /// The handlers' state (tests read its pools and clients).
    pub state: S,
    /// The routes with the shared HTTP layer (request ids, metrics, limits, health).
    pub app: Router,
    /// The work that runs beside the routes; `main` starts all of it.
    pub background: Background,
}
