//! The proxy answers with the upstream's answer or with a true account of why there is none: a
//! chunked body over the limit is the client's 413, and an upstream that closes a connection
//! after answering never turns the next request into a 502.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use saascript_tests::TestEnv;
use saascript_tests::echo_upstream::EchoUpstream;
use saascript_tests::gateway_server::GatewayServer;
use saascript_tests::raw_http::{post_chunked, read_head};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufReader};

#[tokio::test]
async fn a_chunked_body_over_the_limit_is_refused_with_413() {
    let env = TestEnv::new();
    let echo = EchoUpstream::start().await;
    // Account routes go to the echo: public, so no token is needed to send a body.
    let gateway = GatewayServer::start(&env, &echo.base, &["--body-limit-bytes", "1024"]).await;
    let address = gateway.base.trim_start_matches("http://");

    // Under the limit, a chunked body goes through whole.
    let small = post_chunked(
        address,
        "/api/auth/register",
        &[vec![b'a'; 300], vec![b'b'; 300]],
    )
    .await;
    assert_eq!(small.status, 200, "{small:?}");
    // The upstream's connection was the gateway's alone; the client's stays open.
    assert_eq!(small.headers.get("connection"), None, "{small:?}");
    let seen: Value = serde_json::from_str(&small.body).unwrap();
    assert_eq!(seen["body_length"], 600);

    // Over it: no Content-Length warned the gateway, which learns it while streaming.
    let large = post_chunked(address, "/api/auth/register", &vec![vec![b'c'; 512]; 4]).await;
    assert_eq!(large.status, 413, "{large:?}");
    assert_eq!(large.headers["content-type"], "application/problem+json");
    let problem: Value = serde_json::from_str(&large.body).unwrap();
    assert_eq!(problem["code"], "body_too_large");
}

/// An upstream over raw TCP. `POST /auth/login` is answered 415 at once, before its body is
/// read, and `GET /.well-known/jwks.json` 200; neither answer says `Connection: close`, but the
/// upstream is done with the connection: it hangs up as soon as anything more arrives on it.
/// That is the race of a server closing a kept-alive connection, made certain: a request
/// crossing the close is written on a connection that nobody will read. Anything else is read
/// whole and answered 200 on a connection kept alive. Returns the base URL and how many
/// requests were hung up on.
async fn closing_upstream() -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let hung_up = Arc::new(AtomicUsize::new(0));
    let counted = hung_up.clone();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let hung_up = counted.clone();
            tokio::spawn(async move {
                let mut stream = BufReader::new(stream);
                while let Some((request_line, headers)) = read_head(&mut stream).await {
                    let length: usize = headers
                        .get("content-length")
                        .and_then(|v| v.parse().ok())
                        .unwrap_or(0);
                    let closing =
                        match request_line.split_whitespace().take(2).collect::<Vec<_>>()[..] {
                            ["POST", "/auth/login"] => {
                                Some(("415 Unsupported Media Type", r#"{"code":"unsupported"}"#))
                            }
                            ["GET", "/.well-known/jwks.json"] => Some(("200 OK", r#"{"keys":[]}"#)),
                            _ => None,
                        };
                    if let Some((status, body)) = closing {
                        let answer = format!(
                            "HTTP/1.1 {status}\r\ncontent-type: application/json\r\n\
                             content-length: {}\r\n\r\n{body}",
                            body.len()
                        );
                        if stream.get_mut().write_all(answer.as_bytes()).await.is_err() {
                            return;
                        }
                        // Past the body it never read, the next byte is another request.
                        let mut rest = vec![0; length + 1];
                        if stream.read_exact(&mut rest).await.is_ok() {
                            hung_up.fetch_add(1, Ordering::SeqCst);
                        }
                        return;
                    }
                    let mut body = vec![0; length];
                    if stream.read_exact(&mut body).await.is_err() {
                        return;
                    }
                    let answer = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
                                  content-length: 2\r\n\r\n{}";
                    if stream.get_mut().write_all(answer.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (base, hung_up)
}

#[tokio::test]
async fn an_upstream_closing_after_its_answer_never_causes_a_502() {
    let env = TestEnv::new();
    let (upstream, hung_up) = closing_upstream().await;
    // Hundreds of requests from one address: the kit's gateway does not limit them.
    let gateway = GatewayServer::start(&env, &upstream, &[]).await;
    let http = reqwest::Client::new();
    let body =
        json!({ "email": "someone@example.com", "password": "correct horse battery staple" });
    // Requests with bodies, alternating: one that the upstream refuses and hangs up on, one
    // that it serves on a kept-alive connection; and the keys twice in a row, which it serves
    // and hangs up on. Several clients at once, so that a connection going back to the pool
    // is taken at once by a request waiting for one: the moment a close is not yet seen.
    let client = |client: usize| {
        let (http, body, gateway) = (&http, &body, &gateway);
        async move {
            let mut statuses = vec![];
            for i in client..client + 60 {
                let request = match i % 4 {
                    0 => http.post(gateway.url("/api/auth/login")).json(body),
                    1 => http.post(gateway.url("/api/auth/register")).json(body),
                    _ => http.get(gateway.url("/.well-known/jwks.json")),
                };
                statuses.push(request.send().await.unwrap().status().as_u16());
            }
            statuses
        }
    };
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    for status in futures::future::join_all((0..5).map(client))
        .await
        .into_iter()
        .flatten()
    {
        *statuses.entry(status).or_default() += 1;
    }
    assert_eq!(
        statuses,
        [(200, 225), (415, 75)].into_iter().collect(),
        "every answer is the upstream's; none is a 502 of the gateway's"
    );
    // The pooled GETs did meet connections closed under them, and were sent again.
    assert!(
        hung_up.load(Ordering::SeqCst) > 0,
        "no request crossed a close"
    );
}
