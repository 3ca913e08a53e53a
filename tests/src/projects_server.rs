//! The projects service on a loopback port, on its own fresh database, for tests: the same
//! `build` as its `main`, with the local API server, a clock the test moves, access tokens from
//! a test auth server, and only the background work the test names.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::AtomicI64;

use reqwest::Method;
use saascript_projects::AppState;
use serde_json::Value;

use crate::auth_server::{AUDIENCE, AuthServer, ISSUER};
use crate::databases::{drop_database, fresh_database_url};
use crate::test_env::TestEnv;
use crate::unique::unique_name;

/// What a test chooses about the service it starts.
pub struct ProjectsOptions {
    /// The Kafka topic of the platform's events (out: projects.*, in: auth.membership.*).
    pub events_topic: String,
    /// The export queue (one per test, so that tests never take each other's tasks).
    pub export_queue: String,
    /// The background tasks to start (`saascript_projects::EVENT_RELAY` and the others).
    pub background: Vec<&'static str>,
    pub siloed_pool_limit: usize,
    pub export_max_attempts: u32,
}

impl Default for ProjectsOptions {
    fn default() -> Self {
        ProjectsOptions {
            events_topic: "unused".into(),
            export_queue: unique_name("projects-export"),
            background: vec![],
            siloed_pool_limit: 8,
            export_max_attempts: 3,
        }
    }
}

pub struct ProjectsServer {
    pub base: String,
    /// The service's own (pooled) database, and its URL as the owner.
    pub database: String,
    pub database_url: String,
    pub state: AppState,
    /// Seconds added to the real clock.
    pub clock_offset: Arc<AtomicI64>,
    pub export_queue: String,
    http: reqwest::Client,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl ProjectsServer {
    pub async fn start(
        env: &TestEnv,
        auth: &AuthServer,
        options: ProjectsOptions,
    ) -> ProjectsServer {
        // Every dependency the service talks to answers, or the test fails here with the command
        // that starts it (the relays and workers would only retry quietly).
        env.ensure_kafka().await;
        let _ = env.rabbitmq().await.close(0, "checked".into()).await;
        let (database, database_url) = fresh_database_url(env, "projects").await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free port");
        let address: SocketAddr = listener.local_addr().expect("an address");
        let config = saascript_projects::Config {
            http: saascript_common::http::HttpConfig {
                listen: address,
                log_format: "pretty".into(),
                body_limit_bytes: 64 * 1024,
                request_timeout_ms: 30_000,
                shutdown_delay_seconds: 0,
            },
            database: saascript_common::kit::DatabaseArgs {
                database_url: database_url.clone().into(),
                database_max_connections: None,
            },
            jwt: saascript_common::kit::JwtArgs {
                jwks_url: auth.url("/.well-known/jwks.json"),
                issuer: ISSUER.into(),
                audience: AUDIENCE.into(),
            },
            events: saascript_common::kit::EventArgs {
                kafka_brokers: env.kafka_brokers().to_string(),
                events_topic: options.events_topic.clone(),
            },
            tasks: saascript_common::kit::TaskArgs {
                amqp_url: env.amqp_url().to_string().into(),
                task_retention_seconds: 3600,
            },
            export_queue: options.export_queue.clone(),
            export_max_attempts: options.export_max_attempts,
            export_backoff_ms: 200,
            export_ttl_seconds: 24 * 3600,
            siloed_pool_limit: options.siloed_pool_limit,
            siloed_pool_connections: 2,
            membership_group: unique_name("projects-members"),
        };
        let clock_offset = Arc::new(AtomicI64::new(0));
        let platform = saascript_common::kit::Platform {
            kube: env.kube().await,
            clock: saascript_common::clock::offset_clock(clock_offset.clone()),
        };
        let service = saascript_projects::build(config, platform)
            .await
            .expect("projects builds");
        let state = service.state.clone();
        let mut tasks = service.background.spawn_only(&options.background);
        let app = service.app;
        tasks.push(tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        }));
        ProjectsServer {
            base: format!("http://{address}"),
            database,
            database_url,
            state,
            clock_offset,
            export_queue: options.export_queue,
            http: reqwest::Client::new(),
            tasks,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A Tenant of the test's with `max_projects` in force, once this service sees it with its
    /// entitlements: its Tenant watch gets the Tenant first without a status (which answers 409
    /// `tenant_provisioning`, as it should), and the entitlements a moment later.
    pub async fn tenant(
        &self,
        env: &TestEnv,
        isolation: &str,
        max_projects: i32,
    ) -> crate::projects_fixture::ProjectsTenant {
        let tenant =
            crate::projects_fixture::ProjectsTenant::create(env, isolation, max_projects).await;
        let directory = self.state.tenants.clone();
        crate::wait::until(
            std::time::Duration::from_secs(30),
            &format!(
                "projects to see tenant {} with its entitlements",
                tenant.name()
            ),
            || {
                let directory = directory.clone();
                let (name, uid) = (tenant.name().to_string(), tenant.uid().to_string());
                async move {
                    directory
                        .get(&name)
                        .filter(|t| t.metadata.uid.as_deref() == Some(uid.as_str()))
                        .filter(|t| t.status.as_ref().is_some_and(|s| s.entitlements.is_some()))
                        .map(|_| ())
                }
            },
        )
        .await;
        tenant
    }

    /// Sends `method path` with `token` and, when given, a JSON body; returns the status, the
    /// content type and the body (JSON, or a string for anything else).
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (u16, String, Value) {
        let mut request = self.http.request(method, self.url(path)).bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("the projects service answers");
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let text = response.text().await.expect("a body");
        let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, content_type, value)
    }

    pub async fn get(&self, path: &str, token: &str) -> (u16, Value) {
        let (status, _, body) = self.send(Method::GET, path, token, None).await;
        (status, body)
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> (u16, Value) {
        let (status, _, body) = self.send(Method::POST, path, token, Some(body)).await;
        (status, body)
    }

    pub async fn patch(&self, path: &str, token: &str, body: Value) -> (u16, Value) {
        let (status, _, body) = self.send(Method::PATCH, path, token, Some(body)).await;
        (status, body)
    }

    pub async fn delete(&self, path: &str, token: &str) -> (u16, Value) {
        let (status, _, body) = self.send(Method::DELETE, path, token, None).await;
        (status, body)
    }

    /// The service's database as its owner (the tests' oracle connects on its own).
    pub async fn owner_pool(&self, env: &TestEnv) -> sqlx::PgPool {
        env.postgres_at(&self.database_url).await
    }

    pub async fn finish(self, env: &TestEnv) {
        for task in &self.tasks {
            task.abort();
        }
        self.state.databases.pooled().pool.close().await;
        drop_database(env, &self.database).await;
    }
}

impl Drop for ProjectsServer {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}
