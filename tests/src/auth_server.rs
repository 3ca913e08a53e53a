//! The auth service on a loopback port, on its own fresh database, for tests.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::AtomicI64;
use std::time::Duration;

use saascript_auth::AppState;
use saascript_auth::client_address::TrustedProxies;
use saascript_auth::task_key::TaskKey;
use saascript_auth::throttle::ThrottleSettings;
use saascript_common::Sensitive;

use crate::databases::{drop_database, fresh_database_url};
use crate::test_env::TestEnv;
use crate::unique::unique_ident;

pub const ISSUER: &str = "http://auth.saascript.test";
pub const AUDIENCE: &str = "saascript";
pub const WEB_ORIGIN: &str = "http://web.saascript.test";

pub struct AuthServer {
    pub base: String,
    database: String,
    pub state: AppState,
    /// Seconds added to the real clock: tests move time forward with it.
    pub clock_offset: Arc<AtomicI64>,
    pub email_queue: String,
    /// The key this server seals its email tasks with (a fresh one per server).
    pub task_key: TaskKey,
    /// The API server's Tenants, where memberships are bound to a Tenant's uid.
    pub kube: kube::Client,
    task: tokio::task::JoinHandle<()>,
    /// Auth's background work that this test runs (the task relay, and the Tenant sweep unless
    /// the test starts it itself).
    background: Vec<tokio::task::JoinHandle<()>>,
    /// The Tenants `create_tenant` made: deleted when the server drops, so that a test that
    /// fails half-way leaves none behind in the shared API server.
    tenants: std::sync::Mutex<Vec<crate::tenant_guard::TenantGuard>>,
}

/// How a test's auth server differs from the default one.
#[derive(Clone)]
pub struct AuthOptions {
    pub throttle: ThrottleSettings,
    pub trusted_proxies: TrustedProxies,
    /// How long a published task stays in the outbox.
    pub task_retention: Duration,
    /// Whether the Tenant sweep runs (a test may start it later, as after an outage).
    pub tenant_sweep: bool,
    /// The client auth reads Tenants with (by default, one of the local API server).
    pub kube: Option<kube::Client>,
}

impl Default for AuthOptions {
    fn default() -> Self {
        AuthOptions {
            throttle: test_throttle(ThrottleSettings::default()),
            // The test is the gateway: its X-Forwarded-For is believed, as auth believes the
            // gateway's, so that each test can act from an address of its own.
            trusted_proxies: "127.0.0.1, ::1".parse().expect("loopback addresses"),
            task_retention: Duration::from_secs(3600),
            tenant_sweep: true,
            kube: None,
        }
    }
}

/// `throttle` with Redis keys of its own: tests share one Redis, and one test's failures must
/// never lock another's address.
pub fn test_throttle(throttle: ThrottleSettings) -> ThrottleSettings {
    ThrottleSettings {
        key_prefix: format!("{}:{}", throttle.key_prefix, unique_ident("t")),
        ..throttle
    }
}

impl AuthServer {
    /// Creates a database, migrates it, and serves the auth service on a free port.
    pub async fn start(env: &TestEnv) -> AuthServer {
        Self::start_with(env, ThrottleSettings::default()).await
    }

    /// The same, with its own login-throttling settings.
    pub async fn start_with(env: &TestEnv, throttle: ThrottleSettings) -> AuthServer {
        Self::start_with_options(
            env,
            AuthOptions {
                throttle: test_throttle(throttle),
                ..AuthOptions::default()
            },
        )
        .await
    }

    /// The same, with `options`.
    pub async fn start_with_options(env: &TestEnv, options: AuthOptions) -> AuthServer {
        let kube = match options.kube {
            Some(kube) => kube,
            None => env.kube().await,
        };
        let (database, database_url) = fresh_database_url(env, "auth").await;
        let clock_offset = Arc::new(AtomicI64::new(0));
        let clock = saascript_common::clock::offset_clock(clock_offset.clone());
        // A queue of its own, so that parallel tests never take each other's emails.
        let email_queue = format!("email.send.{}", unique_ident("test"));
        let task_key_hex = saascript_common::encoding::hex(&rand::random::<[u8; 32]>());
        let task_key =
            TaskKey::from_hex(&Sensitive::new(task_key_hex.clone())).expect("a task key");
        let redis_url = env.endpoints.require(crate::Dependency::Redis);
        // Fail with the command that starts Redis, rather than inside auth's build.
        let redis = redis::Client::open(redis_url).expect("a Redis URL");
        redis::aio::ConnectionManager::new(redis)
            .await
            .unwrap_or_else(|e| panic!("{}", crate::Dependency::Redis.unreachable(redis_url, e)));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free port");
        let address: SocketAddr = listener.local_addr().expect("an address");
        let config = saascript_auth::Config {
            http: saascript_common::http::HttpConfig {
                listen: address,
                log_format: "pretty".into(),
                body_limit_bytes: 64 * 1024,
                request_timeout_ms: 10_000,
                shutdown_delay_seconds: 0,
            },
            database: saascript_common::kit::DatabaseArgs {
                database_url: database_url.into(),
                database_max_connections: None,
            },
            events: saascript_common::kit::EventArgs {
                kafka_brokers: env.kafka_brokers().to_string(),
                events_topic: "unused".into(),
            },
            tasks: saascript_common::kit::TaskArgs {
                amqp_url: env.amqp_url().to_string().into(),
                task_retention_seconds: options.task_retention.as_secs(),
            },
            redis_url: redis_url.to_string().into(),
            email_queue: email_queue.clone(),
            web_origin: WEB_ORIGIN.into(),
            issuer: ISSUER.into(),
            audience: AUDIENCE.into(),
            access_token_seconds: 900,
            refresh_token_seconds: 3600,
            email_task_key: task_key_hex.into(),
            trusted_proxies: options.trusted_proxies,
            throttle: options.throttle,
        };
        let platform = saascript_common::kit::Platform {
            kube: kube.clone(),
            clock,
        };
        // The same assembly as auth's `main`; the clock, the API server and which background
        // work runs are the test's (its events are read from the outbox, not from Kafka).
        let service = saascript_auth::build(config, platform)
            .await
            .expect("auth builds");
        let mut wanted = vec!["task-relay"];
        if options.tenant_sweep {
            wanted.push("tenant-sweep");
        }
        let background = service.background.spawn_only(&wanted);
        let state = service.state;
        let app = service.app;
        // With the peer's address, as the kit's `serve` does.
        let task = tokio::spawn(async move {
            let _ = axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await;
        });
        AuthServer {
            base: format!("http://{address}"),
            database,
            state,
            clock_offset,
            task,
            background,
            email_queue,
            task_key,
            kube,
            tenants: std::sync::Mutex::new(Vec::new()),
        }
    }

    /// Registers `email` with `password` and marks it verified; returns the user's id.
    pub async fn register_verified(
        &self,
        http: &reqwest::Client,
        email: &str,
        password: &str,
    ) -> String {
        let (status, created) = crate::http::post_json(
            http,
            self.url("/auth/register"),
            serde_json::json!({ "email": email, "password": password }),
        )
        .await;
        assert_eq!(status, reqwest::StatusCode::CREATED, "{created}");
        self.mark_verified(email).await;
        created["id"].as_str().expect("the user's id").to_string()
    }

    /// Creates a Tenant `name` that no operator runs for (memberships only need it to exist),
    /// whose plan allows 10 members; returns its uid. The Tenant CRD must be installed.
    pub async fn create_tenant(&self, name: &str) -> String {
        self.create_tenant_for(name, 10).await
    }

    /// `create_tenant`, with entitlements (written as the operator would) that allow
    /// `max_members` members.
    pub async fn create_tenant_for(&self, name: &str, max_members: i32) -> String {
        let guard = crate::tenant_guard::TenantGuard::create(
            &TestEnv::new(),
            &crate::tenants::tenant_manifest(
                name,
                &crate::operator::new_run_id(),
                "pooled",
                "free",
                "Delete",
            ),
        )
        .await;
        crate::tenants::write_entitlements(guard.api(), name, max_members).await;
        let uid = guard.uid.clone();
        self.tenants
            .lock()
            .expect("the tenants list is not poisoned")
            .push(guard);
        uid
    }

    /// Makes the user a member of the live Tenant `tenant` with `role`, bound to its uid (read
    /// from the API server), as an invitation or the owner sync would.
    pub async fn add_member(&self, user_id: &str, tenant: &str, role: &str) {
        let uid = kube::Api::<saascript_crds::Tenant>::all(self.kube.clone())
            .get(tenant)
            .await
            .unwrap_or_else(|e| panic!("the Tenant {tenant} to add a member to: {e}"))
            .metadata
            .uid
            .expect("a Tenant has a uid");
        sqlx::query(
            "INSERT INTO memberships (user_id, tenant, tenant_uid, role)
             VALUES ($1::text::uuid, $2, $3, $4)",
        )
        .bind(user_id)
        .bind(tenant)
        .bind(&uid)
        .bind(role)
        .execute(&self.state.db)
        .await
        .expect("insert the membership");
    }

    /// Marks the account's email verified, for tests about something else than verification.
    pub async fn mark_verified(&self, email: &str) {
        sqlx::query("UPDATE users SET email_verified = true WHERE lower(email) = lower($1)")
            .bind(email)
            .execute(&self.state.db)
            .await
            .expect("mark the email verified");
    }

    /// The payload of one of this server's sealed tasks (an outbox row's payload, or a queued
    /// message), opened with its key as the mailer opens it.
    pub fn open_task(&self, sealed: &[u8]) -> serde_json::Value {
        let task: saascript_auth::sealed_tasks::SealedTask =
            serde_json::from_slice(sealed).expect("a sealed task");
        let plaintext = self
            .task_key
            .open(task.id, &task.sealed)
            .expect("the task opens with the server's key");
        serde_json::from_slice(&plaintext).expect("a JSON payload")
    }

    /// Starts a mailer on this server's email queue, sending to `smtp_url`.
    pub fn start_mailer(
        &self,
        env: &TestEnv,
        smtp_url: &str,
        max_attempts: u32,
        backoff: Duration,
    ) -> tokio::task::JoinHandle<()> {
        let settings = saascript_auth::mailer::MailerSettings {
            amqp_url: env.amqp_url().to_string(),
            queue: self.email_queue.clone(),
            smtp_url: smtp_url.to_string(),
            from: "SaaScript <no-reply@saascript.test>".into(),
            max_attempts,
            base_backoff: backoff,
            key: self.task_key.clone(),
        };
        tokio::spawn(async move {
            if let Err(e) = saascript_auth::mailer::run(settings, std::future::pending()).await {
                panic!("the mailer failed: {e}");
            }
        })
    }

    /// Stops the server and drops its database.
    pub async fn finish(self, env: &TestEnv) {
        self.task.abort();
        for task in &self.background {
            task.abort();
        }
        self.state.db.close().await;
        drop_database(env, &self.database).await;
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

impl Drop for AuthServer {
    fn drop(&mut self) {
        self.task.abort();
        for task in &self.background {
            task.abort();
        }
    }
}
