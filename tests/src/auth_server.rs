//! The auth service on a loopback port, on its own fresh database, for tests.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::AtomicI64;
use std::time::Duration;

use saascript_auth::throttle::ThrottleSettings;
use saascript_auth::{AppState, Settings};

use crate::databases::{drop_database, fresh_database};
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
    task: tokio::task::JoinHandle<()>,
    relay: tokio::task::JoinHandle<()>,
}

impl AuthServer {
    /// Creates a database, migrates it, and serves the auth service on a free port.
    pub async fn start(env: &TestEnv) -> AuthServer {
        Self::start_with(env, ThrottleSettings::default()).await
    }

    /// The same, with its own login-throttling settings.
    pub async fn start_with(env: &TestEnv, throttle: ThrottleSettings) -> AuthServer {
        let (database, db) = fresh_database(env, "auth").await;
        saascript_auth::migrate(&db).await.expect("migrations run");
        let clock_offset = Arc::new(AtomicI64::new(0));
        let clock = saascript_common::clock::offset_clock(clock_offset.clone());
        // A queue of its own, so that parallel tests never take each other's emails.
        let email_queue = format!("email.send.{}", unique_ident("test"));
        let mut settings = Settings::new(ISSUER, AUDIENCE, &email_queue, WEB_ORIGIN);
        settings.refresh_token_lifetime = Duration::from_secs(3600);
        let redis_url = env.endpoints.require(crate::Dependency::Redis);
        let redis = redis::Client::open(redis_url).expect("a Redis URL");
        let redis = redis::aio::ConnectionManager::new(redis)
            .await
            .unwrap_or_else(|e| panic!("{}", crate::Dependency::Redis.unreachable(redis_url, e)));
        let state = AppState::new(db, redis, settings, throttle, clock)
            .await
            .expect("the auth state");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free port");
        let address: SocketAddr = listener.local_addr().expect("an address");
        let http = saascript_common::http::HttpConfig {
            listen: address,
            log_format: "pretty".into(),
            body_limit_bytes: 64 * 1024,
            request_timeout_ms: 10_000,
        };
        let app = saascript_auth::app(state.clone(), &http);
        let relay = tokio::spawn(saascript_auth::outbox::run_relay(
            state.db.clone(),
            env.amqp_url().to_string(),
            Duration::from_millis(100),
        ));
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        AuthServer {
            base: format!("http://{address}"),
            database,
            state,
            clock_offset,
            task,
            relay,
            email_queue,
        }
    }

    /// Marks the account's email verified, for tests about something else than verification.
    pub async fn mark_verified(&self, email: &str) {
        sqlx::query("UPDATE users SET email_verified = true WHERE lower(email) = lower($1)")
            .bind(email)
            .execute(&self.state.db)
            .await
            .expect("mark the email verified");
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
        self.relay.abort();
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
        self.relay.abort();
    }
}
