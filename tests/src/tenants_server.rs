//! The tenants service on a loopback port, built with its own `build` as `main` builds it,
//! verifying tokens against a test auth server and calling it for the caller and the members.

use std::net::SocketAddr;

use clap::Parser;
use saascript_common::kit::Platform;
use saascript_tenants::{AppState, Config};
use tokio::task::JoinHandle;

use crate::auth_server::{AUDIENCE, AuthServer, ISSUER};
use crate::endpoints::workspace_root;
use crate::test_env::TestEnv;

pub struct TenantsServer {
    pub base: String,
    pub state: AppState,
    tasks: Vec<JoinHandle<()>>,
}

impl TenantsServer {
    /// Serves the tenants service beside `auth`. Every Tenant it creates carries `labels`
    /// (`key=value,...`: a test's operator selector, so that a test run provisions its own).
    pub async fn start(env: &TestEnv, auth: &AuthServer, labels: &str) -> TenantsServer {
        Self::start_with_args(env, auth, labels, &[]).await
    }

    /// The same, with more flags (for example `--event-stream-limit-seconds`).
    pub async fn start_with_args(
        env: &TestEnv,
        auth: &AuthServer,
        labels: &str,
        more: &[&str],
    ) -> TenantsServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free port");
        let address: SocketAddr = listener.local_addr().expect("an address");
        let catalog = workspace_root().join("config/plans.yaml");
        let address_text = address.to_string();
        let jwks_url = auth.url("/.well-known/jwks.json");
        let catalog_text = catalog.display().to_string();
        let mut args = vec![
            "saascript-tenants",
            "--listen",
            &address_text,
            "--jwks-url",
            &jwks_url,
            "--issuer",
            ISSUER,
            "--audience",
            AUDIENCE,
            "--auth-url",
            &auth.base,
            "--catalog",
            &catalog_text,
            "--tenant-labels",
            labels,
        ];
        args.extend_from_slice(more);
        let config = Config::try_parse_from(args)
            .unwrap_or_else(|e| panic!("the tenants configuration: {e}"));
        let platform = Platform {
            kube: env.kube().await,
            clock: saascript_common::clock::system_clock(),
        };
        let service = saascript_tenants::build(config, platform)
            .await
            .unwrap_or_else(|e| panic!("the tenants service: {e}"));
        let mut tasks = service.background.spawn_all();
        let app = service.app;
        tasks.push(tokio::spawn(async move {
            let _ = axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await;
        }));
        let server = TenantsServer {
            base: format!("http://{address}"),
            state: service.state,
            tasks,
        };
        server.wait_ready().await;
        server
    }

    /// Until /readyz answers 200 (the Tenant watch has listed the Tenants).
    async fn wait_ready(&self) {
        let http = reqwest::Client::new();
        let url = self.url("/readyz");
        crate::wait::until(
            std::time::Duration::from_secs(20),
            "the tenants service to be ready",
            || {
                let http = http.clone();
                let url = url.clone();
                async move {
                    let response = http.get(url).send().await.ok()?;
                    response.status().is_success().then_some(())
                }
            },
        )
        .await;
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

impl Drop for TenantsServer {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// The password of the users these helpers register.
pub const PASSWORD: &str = "correct horse battery staple";

/// Verifies `email` (registered already) through the link in its verification email, as a
/// user does: auth's verification then makes them owner of any Tenant that declares them.
pub async fn verify_through_link(http: &reqwest::Client, auth: &AuthServer, email: &str) {
    let sealed: Vec<String> = sqlx::query_scalar("SELECT payload::text FROM task_outbox")
        .fetch_all(&auth.state.db)
        .await
        .expect("the outbox");
    let mail = sealed
        .iter()
        .map(|task| auth.open_task(task.as_bytes()))
        .find(|mail| mail["to"] == email && mail["subject"] == "Confirm your email address")
        .unwrap_or_else(|| panic!("no verification email to {email}"));
    let text = mail["text"].as_str().expect("the email's text");
    let (status, answer) = crate::http::post_json(
        http,
        auth.url("/auth/verify-email"),
        serde_json::json!({ "token": crate::maildir::token_from(text) }),
    )
    .await;
    assert_eq!(status, reqwest::StatusCode::NO_CONTENT, "{answer}");
}

/// Registers `email` and verifies it through the emailed link; returns the user's id.
pub async fn register_and_verify(http: &reqwest::Client, auth: &AuthServer, email: &str) -> String {
    let (status, created) = crate::http::post_json(
        http,
        auth.url("/auth/register"),
        serde_json::json!({ "email": email, "password": PASSWORD }),
    )
    .await;
    assert_eq!(status, reqwest::StatusCode::CREATED, "{created}");
    verify_through_link(http, auth, email).await;
    created["id"].as_str().expect("the user's id").to_string()
}

/// Logs `email` in (for `tenant`, or by default); returns the token pair.
pub async fn login(
    http: &reqwest::Client,
    auth: &AuthServer,
    email: &str,
    tenant: Option<&str>,
) -> serde_json::Value {
    let mut body = serde_json::json!({ "email": email, "password": PASSWORD });
    if let Some(tenant) = tenant {
        body["tenant"] = tenant.into();
    }
    let (status, tokens) = crate::http::post_json(http, auth.url("/auth/login"), body).await;
    assert_eq!(status, reqwest::StatusCode::OK, "{tokens}");
    tokens
}

/// Waits until auth has made `email` an owner of the Tenant with `uid` (its owner sync).
pub async fn wait_owner(auth: &AuthServer, uid: &str, email: &str) {
    crate::wait::until(
        std::time::Duration::from_secs(20),
        &format!("{email} to be an owner of {uid}"),
        || async {
            let role: Option<String> = sqlx::query_scalar(
                "SELECT m.role FROM memberships m JOIN users u ON u.id = m.user_id
                 WHERE m.tenant_uid = $1 AND lower(u.email) = lower($2)",
            )
            .bind(uid)
            .bind(email)
            .fetch_optional(&auth.state.db)
            .await
            .ok()?;
            (role.as_deref() == Some("owner")).then_some(())
        },
    )
    .await;
}

/// A JSON request to the tenants service: the status, the content type and the JSON answer.
pub async fn call(
    request: reqwest::RequestBuilder,
) -> (reqwest::StatusCode, String, serde_json::Value) {
    let response = request.send().await.expect("the request is sent");
    let status = response.status();
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let body = response.json().await.unwrap_or(serde_json::Value::Null);
    (status, content_type, body)
}
