//! GET /.well-known/jwks.json: the public keys that verify access tokens still alive.

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use saascript_common::input::Json;

use crate::AppState;
use crate::error::Result;

/// The public keys of the access tokens.
#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "auth", responses((status = 200, description = "A JWK set")))]
pub async fn jwks(State(state): State<AppState>) -> Result<impl IntoResponse> {
    let set = state.keys.jwks().await?;
    Ok(([(header::CACHE_CONTROL, "public, max-age=60")], Json(set)))
}
