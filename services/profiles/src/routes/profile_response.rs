//! A profile as a response: the JSON body with its version as the ETag, which the next PUT sends
//! back in `If-Match`.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use saascript_common::input::Json;

use crate::etag::etag_of;
use crate::profile::Profile;

pub struct ProfileResponse(pub Profile);

impl IntoResponse for ProfileResponse {
    fn into_response(self) -> Response {
        let etag = HeaderValue::from_str(&etag_of(self.0.version));
        let mut response = Json(self.0).into_response();
        let headers = response.headers_mut();
        if let Ok(etag) = etag {
            headers.insert(header::ETAG, etag);
        }
        // Another member's change must show on the next read, not a cached copy.
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-cache"),
        );
        response
    }
}
