//! Headers about one connection, which a proxy must not pass on (RFC 9110 §7.6.1): the gateway
//! has a connection with the client and another with the upstream, each with its own. An
//! upstream's `Connection: close` passed on would close the client's connection too.

use axum::http::{HeaderMap, HeaderName, header};

/// Removes the hop-by-hop headers, and those that `Connection` names.
pub fn strip(headers: &mut HeaderMap) {
    let named: Vec<HeaderName> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|name| HeaderName::from_bytes(name.trim().as_bytes()).ok())
        .collect();
    for name in named {
        headers.remove(name);
    }
    for name in [
        "connection",
        "keep-alive",
        "proxy-connection",
        "te",
        "trailer",
        "upgrade",
    ] {
        headers.remove(name);
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    #[test]
    fn connection_headers_and_the_ones_they_name_go_the_rest_stays() {
        let mut headers = HeaderMap::new();
        for (name, value) in [
            ("connection", "close, x-upstream-secret"),
            ("keep-alive", "timeout=5"),
            ("x-upstream-secret", "s"),
            ("content-type", "application/json"),
            ("content-length", "2"),
        ] {
            headers.insert(name, HeaderValue::from_static(value));
        }
        strip(&mut headers);
        let left: Vec<&str> = headers.keys().map(|k| k.as_str()).collect();
        assert_eq!(left, ["content-type", "content-length"]);
    }
}
