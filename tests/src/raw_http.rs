//! HTTP/1.1 spoken by hand over TCP, for what a client library does not let a test choose: a
//! chunked request body of exactly the given chunks, or an upstream that answers before
//! reading the body and then closes.

use std::collections::HashMap;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// An answer as read off the wire: status, headers (lower-case names), body.
#[derive(Debug)]
pub struct RawResponse {
    pub status: u16,
    pub headers: HashMap<String, String>,
    pub body: String,
}

/// Sends `POST path` to `address` (host:port) with a chunked body made of `chunks`, and reads
/// the answer (which must have a Content-Length).
pub async fn post_chunked(address: &str, path: &str, chunks: &[Vec<u8>]) -> RawResponse {
    let mut stream = TcpStream::connect(address).await.expect("connect");
    let mut request = format!(
        "POST {path} HTTP/1.1\r\nhost: {address}\r\ncontent-type: application/json\r\n\
         transfer-encoding: chunked\r\n\r\n"
    )
    .into_bytes();
    for chunk in chunks {
        request.extend(format!("{:x}\r\n", chunk.len()).bytes());
        request.extend(chunk);
        request.extend(b"\r\n");
    }
    request.extend(b"0\r\n\r\n");
    stream
        .write_all(&request)
        .await
        .expect("the request is sent");
    let mut reader = BufReader::new(stream);
    let (status_line, headers) = read_head(&mut reader).await.expect("an answer's head");
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let length: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .expect("an answer with a Content-Length");
    let mut body = vec![0; length];
    reader
        .read_exact(&mut body)
        .await
        .expect("the answer's body");
    RawResponse {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

/// Reads a request or response head: its first line, and its headers (lower-case names).
/// None when the peer closed before a whole head.
pub async fn read_head<R: AsyncBufReadExt + Unpin>(
    reader: &mut R,
) -> Option<(String, HashMap<String, String>)> {
    let mut first = String::new();
    if reader.read_line(&mut first).await.ok()? == 0 {
        return None;
    }
    let mut headers = HashMap::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).await.ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            return Some((first.trim_end().to_string(), headers));
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_string());
        }
    }
}
