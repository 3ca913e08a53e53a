//! The gateway on a loopback port, in process, with its Tenant directory on the local API
//! server, for tests.

use std::net::SocketAddr;

use clap::Parser;
use saascript_common::tenants::{TenantDirectory, TenantInfo};

use crate::auth_server::{AUDIENCE, AuthServer, ISSUER, WEB_ORIGIN};
use crate::billing_server::BillingServer;
use crate::test_env::TestEnv;
use crate::wait;

/// The upstream timeout of a test's gateway unless the test sets one: far longer than anything
/// an upstream takes in a test, even a debug build hashing passwords on a loaded machine, so
/// that only a test about timeouts ever meets one.
pub const GENEROUS_UPSTREAM_TIMEOUT_MS: &str = "120000";

/// The per-address limit of the account routes unless the test sets one: every test client
/// calls from 127.0.0.1, and a sweep of the API sends hundreds of requests there; only a test
/// about that limit ever meets it.
pub const GENEROUS_PUBLIC_REQUESTS_PER_SECOND: &str = "100000";

pub struct GatewayServer {
    pub base: String,
    pub directory: TenantDirectory,
    /// None once detached (`into_base`): the gateway then serves until the test ends.
    task: Option<tokio::task::JoinHandle<()>>,
}

/// A gateway in front of `auth` and `billing`, serving until the test ends; returns its base URL.
pub async fn start_gateway(
    auth: &AuthServer,
    billing: &BillingServer,
    directory: TenantDirectory,
) -> String {
    GatewayServer::start_with(
        directory,
        &auth.base,
        &["--upstream", &format!("billing={}", billing.base)],
    )
    .await
    .into_base()
}

impl GatewayServer {
    /// Serves a gateway whose auth upstream (and JWKS) is `auth_base`, with `args` added to its
    /// flags (other upstreams, limits); ready once its Tenant directory has synced.
    pub async fn start(env: &TestEnv, auth_base: &str, args: &[&str]) -> GatewayServer {
        Self::start_with(TenantDirectory::start(env.kube().await), auth_base, args).await
    }

    /// `start`, on a Tenant directory the caller made.
    pub async fn start_with(
        directory: TenantDirectory,
        auth_base: &str,
        args: &[&str],
    ) -> GatewayServer {
        let jwks_url = format!("{auth_base}/.well-known/jwks.json");
        let auth_upstream = format!("auth={auth_base}");
        let mut argv = vec![
            "saascript-gateway",
            "--upstream",
            &auth_upstream,
            "--jwks-url",
            &jwks_url,
            "--issuer",
            ISSUER,
            "--audience",
            AUDIENCE,
            "--web-origin",
            WEB_ORIGIN,
        ];
        if !args.contains(&"--upstream-timeout-ms") {
            argv.extend(["--upstream-timeout-ms", GENEROUS_UPSTREAM_TIMEOUT_MS]);
        }
        if !args.contains(&"--public-requests-per-second") {
            argv.extend([
                "--public-requests-per-second",
                GENEROUS_PUBLIC_REQUESTS_PER_SECOND,
            ]);
        }
        argv.extend_from_slice(args);
        let config = saascript_gateway::Config::try_parse_from(argv)
            .unwrap_or_else(|e| panic!("gateway flags: {e}"));
        wait::until(
            std::time::Duration::from_secs(30),
            "the gateway's Tenant directory to sync",
            || async { directory.synced().await.then_some(()) },
        )
        .await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free port");
        let address: SocketAddr = listener.local_addr().expect("an address");
        // The same assembly as the gateway's `main`, on the test's Tenant directory.
        let app = saascript_gateway::assemble(&config, directory.clone()).app;
        let task = tokio::spawn(async move {
            let _ = axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await;
        });
        GatewayServer {
            base: format!("http://{address}"),
            directory,
            task: Some(task),
        }
    }

    /// The base URL, the gateway left serving until the test's runtime ends.
    pub fn into_base(mut self) -> String {
        self.task = None;
        self.base.clone()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Waits until the gateway's directory sees `tenant` as `check` wants it (the directory
    /// follows the API server through a watch, so a change reaches it a little later).
    pub async fn wait_for_tenant(
        &self,
        tenant: &str,
        what: &str,
        check: impl Fn(&TenantInfo) -> bool,
    ) {
        wait::until(std::time::Duration::from_secs(30), what, || async {
            self.directory
                .lookup(tenant)
                .filter(|info| check(info))
                .map(|_| ())
        })
        .await;
    }
}

impl Drop for GatewayServer {
    fn drop(&mut self) {
        if let Some(task) = &self.task {
            task.abort();
        }
    }
}
