//! The billing service on a loopback port, on its own fresh database, for tests: with the local
//! Stripe fake, the local API server, and access tokens from a test auth server.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::AtomicI64;

use saascript_billing::AppState;
use serde_json::{Value, json};

use crate::auth_server::{AUDIENCE, AuthServer, ISSUER};
use crate::databases::{drop_database, fresh_database_url};
use crate::operator::TEST_RUN_LABEL;
use crate::test_env::{STRIPE_TEST_KEY, TestEnv};
use crate::unique::unique_name;

/// The endpoint secret the tests sign Stripe events with, and the one before it (rotation).
pub const WEBHOOK_SECRET: &str = "whsec_saascript_test_current";
pub const PREVIOUS_WEBHOOK_SECRET: &str = "whsec_saascript_test_previous";

pub struct BillingServer {
    pub base: String,
    database: String,
    pub state: AppState,
    /// Seconds added to the real clock.
    pub clock_offset: Arc<AtomicI64>,
    pub stripe_base: String,
    http: reqwest::Client,
    task: tokio::task::JoinHandle<()>,
    /// Billing's tenant-deletion controller, while it runs (`watch_tenants`).
    tenant_watch: Option<tokio::task::JoinHandle<()>>,
}

impl BillingServer {
    /// Creates a database, migrates it, and serves billing on a free port; tokens are verified
    /// with `auth`'s keys.
    pub async fn start(env: &TestEnv, auth: &AuthServer) -> BillingServer {
        Self::start_with_selector(env, auth, None).await
    }

    /// As `start`, serving only the Tenants of test run `run` (billing's tenant selector), with
    /// its tenant-deletion controller running for them, so that it never touches another
    /// test's tenants.
    pub async fn start_for_run(env: &TestEnv, auth: &AuthServer, run: &str) -> BillingServer {
        let mut billing =
            Self::start_with_selector(env, auth, Some(format!("{TEST_RUN_LABEL}={run}"))).await;
        billing.watch_tenants();
        billing
    }

    async fn start_with_selector(
        env: &TestEnv,
        auth: &AuthServer,
        tenant_selector: Option<String>,
    ) -> BillingServer {
        let (database, database_url) = fresh_database_url(env, "billing").await;
        let stripe_base = env.stripe_api_base().await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free port");
        let address: SocketAddr = listener.local_addr().expect("an address");
        let mut http = http_config();
        http.listen = address;
        let config = saascript_billing::Config {
            http,
            database: saascript_common::kit::DatabaseArgs {
                database_url: database_url.into(),
                database_max_connections: None,
            },
            jwt: saascript_common::kit::JwtArgs {
                jwks_url: auth.url("/.well-known/jwks.json"),
                issuer: ISSUER.into(),
                audience: AUDIENCE.into(),
            },
            events: saascript_common::kit::EventArgs {
                kafka_brokers: env.kafka_brokers().to_string(),
                events_topic: "unused".into(),
            },
            catalog: crate::endpoints::workspace_root().join("config/plans.yaml"),
            stripe_api_base: stripe_base.clone(),
            stripe_secret_key: STRIPE_TEST_KEY.to_string().into(),
            stripe_webhook_secrets: vec![
                WEBHOOK_SECRET.to_string().into(),
                PREVIOUS_WEBHOOK_SECRET.to_string().into(),
            ],
            webhook_tolerance_seconds: 300,
            stripe_trials: false,
            return_url: "http://web.saascript.test/settings/billing".into(),
            tenant_selector,
        };
        let clock_offset = Arc::new(AtomicI64::new(0));
        let clock = saascript_common::clock::offset_clock(clock_offset.clone());
        // The same assembly as billing's `main`; only the clock and the API server are the
        // test's, and the background work is started by the test that needs it.
        let platform = saascript_common::kit::Platform {
            kube: env.kube().await,
            clock,
        };
        let saascript_common::kit::Service { state, app, .. } =
            saascript_billing::build(config, platform)
                .await
                .expect("billing builds");
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        ensure_prices(&stripe_base, &state.catalog).await;
        BillingServer {
            base: format!("http://{address}"),
            database,
            state,
            clock_offset,
            stripe_base,
            http: reqwest::Client::new(),
            task,
            tenant_watch: None,
        }
    }

    /// (Re)starts billing's tenant-deletion controller, as `run` does in production.
    pub fn watch_tenants(&mut self) {
        if let Some(old) = self.tenant_watch.take() {
            old.abort();
        }
        self.tenant_watch = Some(tokio::spawn(saascript_billing::tenant_deletion::run(
            self.state.clone(),
            std::future::pending(),
        )));
    }

    /// Stops the tenant-deletion controller, as if billing were down, and waits until it has
    /// stopped (a reconcile in flight is dropped).
    pub async fn stop_watching_tenants(&mut self) {
        if let Some(task) = self.tenant_watch.take() {
            task.abort();
            let _ = task.await;
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Sends a Stripe event about `object_id` as Stripe would (the payload names the object;
    /// billing fetches it), signed with `secret` at `signed_at`. Returns the status and body.
    pub async fn deliver(
        &self,
        event_id: &str,
        type_: &str,
        object_id: &str,
        secret: &str,
        signed_at: i64,
    ) -> (reqwest::StatusCode, Value) {
        let body = serde_json::to_vec(&json!({
            "id": event_id,
            "object": "event",
            "type": type_,
            "created": signed_at,
            "api_version": "2024-06-20",
            "data": { "object": { "id": object_id } },
        }))
        .unwrap();
        let signature = saascript_billing::stripe::signature::sign(&body, secret, signed_at);
        let response = self
            .http
            .post(self.url("/billing/webhooks/stripe"))
            .header("content-type", "application/json")
            .header("stripe-signature", signature)
            .body(body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// A delivery of event `event_id`, signed now with the current secret (Stripe sends a
    /// redelivery of an event with its id unchanged).
    pub async fn deliver_event(
        &self,
        event_id: &str,
        type_: &str,
        object_id: &str,
    ) -> (reqwest::StatusCode, Value) {
        self.deliver(event_id, type_, object_id, WEBHOOK_SECRET, now())
            .await
    }

    /// A signed, fresh delivery of a new event with the current secret.
    pub async fn deliver_new(&self, type_: &str, object_id: &str) -> (reqwest::StatusCode, Value) {
        self.deliver_event(&format!("evt_{}", unique_name("t")), type_, object_id)
            .await
    }

    /// Delivers a new event (as `deliver_new`), which billing must accept and process; returns
    /// what it did ("applied: ...", "ignored: ...", "recorded: ...").
    pub async fn accept(&self, type_: &str, object_id: &str) -> String {
        let (status, body) = self.deliver_new(type_, object_id).await;
        assert_eq!(status, 200, "{type_} about {object_id}: {body}");
        body["outcome"]
            .as_str()
            .unwrap_or_else(|| panic!("{type_} about {object_id} was not processed: {body}"))
            .to_string()
    }

    /// The billing.* events in the outbox, oldest first: (type, subject).
    pub async fn outbox(&self) -> Vec<(String, String)> {
        sqlx::query_as(
            "SELECT event->>'type', event->>'subject' FROM event_outbox ORDER BY created_at",
        )
        .fetch_all(&self.state.db)
        .await
        .unwrap()
    }

    pub async fn finish(mut self, env: &TestEnv) {
        self.stop_watching_tenants().await;
        self.task.abort();
        self.state.db.close().await;
        drop_database(env, &self.database).await;
    }
}

impl Drop for BillingServer {
    fn drop(&mut self) {
        self.task.abort();
        if let Some(task) = self.tenant_watch.take() {
            task.abort();
        }
    }
}

fn http_config() -> saascript_common::http::HttpConfig {
    saascript_common::http::HttpConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        log_format: "pretty".into(),
        body_limit_bytes: 64 * 1024,
        request_timeout_ms: 30_000,
        shutdown_delay_seconds: 0,
    }
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// An access token of `tenant` with `roles`, signed by the test auth server's key. It carries
/// the uid of the Tenant of that name, as auth's tokens do, when one exists.
pub async fn token_for(auth: &AuthServer, tenant: &str, roles: &[&str]) -> String {
    let tenants: kube::Api<saascript_crds::Tenant> = kube::Api::all(TestEnv::new().kube().await);
    let tenant_uid = tenants
        .get_opt(tenant)
        .await
        .ok()
        .flatten()
        .and_then(|t| t.metadata.uid);
    crate::access_tokens::sign_access_token(
        auth,
        &uuid_like(),
        Some(tenant),
        tenant_uid.as_deref(),
        roles,
    )
    .await
}

fn uuid_like() -> String {
    let n: u128 = rand::random();
    let h = format!("{n:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// Creates the catalog's Stripe prices in the fake (as plans, which it speaks), once.
async fn ensure_prices(stripe_base: &str, catalog: &saascript_catalog::Catalog) {
    for name in catalog.plan_names() {
        if let Some(saascript_catalog::Billing::Stripe { price_id, .. }) =
            catalog.plan(name).map(|p| p.billing())
        {
            let fake = crate::stripe_fake::StripeFake::new(stripe_base);
            // A yearly price costs ten months.
            let amount = if price_id.ends_with("yearly") {
                29_000
            } else {
                2_900
            };
            fake.ensure_price(&price_id, amount).await;
        }
    }
}
