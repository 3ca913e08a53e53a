//! Listing projects under wrk, through the gateway and straight at the service, in one run: the
//! same page of the same tenant's projects (row-level security on: the service sets the tenant
//! in each transaction, as the app role), with a valid access token both ways (the gateway
//! checks it, admits the tenant and proxies; the service checks it again). Prints one JSON line
//! with req/s and p99 of each and the ratio.
//!
//! Run after `scripts/deps up`: `scripts/bench-projects` (a release build; wrk from Debian).
//! `BENCH_SECONDS` (10), `BENCH_CONNECTIONS` (32), `BENCH_PROJECTS` (50).

use std::process::Command;

use saascript_tests::auth_server::AuthServer;
use saascript_tests::gateway_server::GatewayServer;
use saascript_tests::projects_fixture::entitlements;
use saascript_tests::projects_server::{ProjectsOptions, ProjectsServer};
use saascript_tests::{TestEnv, unique_name};
use serde_json::json;

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// wrk's requests per second and p99 (milliseconds) for `url` with `token`.
fn measure(url: &str, token: &str, seconds: u64, connections: u64) -> (f64, f64) {
    let output = Command::new("wrk")
        .args([
            "-t2",
            &format!("-c{connections}"),
            &format!("-d{seconds}s"),
            "--latency",
        ])
        .args(["-H", &format!("Authorization: Bearer {token}")])
        .arg(url)
        .output()
        .expect("wrk runs (apt-get install wrk)");
    let out = String::from_utf8_lossy(&output.stdout);
    assert!(
        !out.contains("Non-2xx"),
        "every answer must be a 200, else the figures mean nothing:\n{out}"
    );
    let rps = out
        .lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no Requests/sec in wrk's output:\n{out}"));
    let p99 = out
        .lines()
        .map(str::split_whitespace)
        .find_map(|mut words| {
            (words.next() == Some("99%"))
                .then(|| words.next())
                .flatten()
        })
        .map(milliseconds)
        .unwrap_or_else(|| panic!("no 99% line in wrk's output:\n{out}"));
    (rps, p99)
}

/// "850.00us", "3.21ms" or "1.02s", in milliseconds.
fn milliseconds(value: &str) -> f64 {
    let (number, scale) = if let Some(n) = value.strip_suffix("us") {
        (n, 0.001)
    } else if let Some(n) = value.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = value.strip_suffix('s') {
        (n, 1000.0)
    } else {
        (value, 1.0)
    };
    number.parse::<f64>().unwrap_or(f64::NAN) * scale
}

#[tokio::main]
async fn main() {
    saascript_common::install_crypto_provider();
    let seconds = setting("BENCH_SECONDS", 10);
    let connections = setting("BENCH_CONNECTIONS", 32);
    let count = setting("BENCH_PROJECTS", 50);
    let env = TestEnv::new();
    let auth = AuthServer::start(&env).await;
    let projects = ProjectsServer::start(&env, &auth, ProjectsOptions::default()).await;
    let tenant = projects.tenant(&env, "pooled", 1000).await;
    // The gateway's limit for the tenant is its plan's rate; the bench measures the path, not
    // the limit, so the plan allows the most the schema does.
    let mut unlimited = entitlements("pooled", 1000);
    unlimited["requestsPerSecond"] = json!(1_000_000);
    tenant
        .set_status(json!({ "entitlements": unlimited }))
        .await;
    let upstream = format!("projects={}", projects.base);
    let gateway = GatewayServer::start(&env, &auth.base, &["--upstream", &upstream]).await;
    gateway
        .wait_for_tenant(tenant.name(), "the gateway to see the tenant's plan", |t| {
            t.requests_per_second == Some(1_000_000)
        })
        .await;
    let token = tenant
        .token(&auth, &unique_name("bench-user"), &["owner"])
        .await;
    for n in 0..count {
        let (status, body) = projects
            .post(
                "/projects",
                &token,
                json!({ "name": format!("project {n}") }),
            )
            .await;
        assert_eq!(status, 201, "{body}");
    }

    let direct = format!("{}/projects?limit=20", projects.base);
    let through_gateway = format!("{}/api/projects?limit=20", gateway.base);
    // A short warm-up of each, so that neither pays for the first connections.
    measure(&direct, &token, 1, connections);
    measure(&through_gateway, &token, 1, connections);
    let (direct_rps, direct_p99) = measure(&direct, &token, seconds, connections);
    let (gateway_rps, gateway_p99) = measure(&through_gateway, &token, seconds, connections);
    println!(
        "{}",
        json!({
            "bench": "projects_list",
            "connections": connections,
            "seconds": seconds,
            "projects": count,
            "page": 20,
            "direct_rps": direct_rps.round(),
            "direct_p99_ms": direct_p99,
            "gateway_rps": gateway_rps.round(),
            "gateway_p99_ms": gateway_p99,
            "gateway_over_direct_rps": (gateway_rps / direct_rps * 1000.0).round() / 1000.0,
        })
    );
    projects.finish(&env).await;
}
