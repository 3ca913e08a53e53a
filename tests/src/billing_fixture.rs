//! One tenant with everything billing needs around it: the local API server with the CRDs, an
//! operator for this test run (payment grace period of a few seconds), a test auth server whose
//! keys sign the tokens, and a billing server on its own database.

use std::time::Duration;

use kube::Api;
use kube::api::DeleteParams;
use saascript_crds::{Subscription, Tenant};
use serde_json::{Value, json};

use crate::auth_server::AuthServer;
use crate::billing_server::BillingServer;
use crate::crds::install_crds;
use crate::operator::{RunningOperator, new_run_id, test_config};
use crate::stripe_fake::{GOOD_CARD, StripeFake};
use crate::tenant_guard::TenantGuard;
use crate::tenants::{PROVISIONING, tenant_manifest};
use crate::test_env::TestEnv;
use crate::unique::unique_name;
use crate::wait;

/// The grace period of the tests' operator.
pub const GRACE_SECONDS: u64 = 3;

pub struct BillingFixture {
    pub env: TestEnv,
    pub auth: AuthServer,
    pub billing: BillingServer,
    pub operator: RunningOperator,
    pub stripe: StripeFake,
    pub tenant: String,
    /// The test run whose operator reconciles the tenant (its label).
    pub run: String,
    pub tenants: Api<Tenant>,
    pub subscriptions: Api<Subscription>,
    /// An owner's token.
    pub owner: String,
    pub http: reqwest::Client,
    _guard: TenantGuard,
}

impl BillingFixture {
    /// A free tenant, provisioned far enough to have its Subscription.
    pub async fn start() -> BillingFixture {
        Self::start_on(TestEnv::new()).await
    }

    /// As `start`, on these dependencies (a private API server, say).
    pub async fn start_on(env: TestEnv) -> BillingFixture {
        let client = env.kube().await;
        install_crds(&client).await;
        let run = new_run_id();
        let mut config = test_config(&env, &run);
        config.payment_grace_seconds = GRACE_SECONDS;
        let operator = RunningOperator::start(&env, config).await;
        let auth = AuthServer::start(&env).await;
        let billing = BillingServer::start_for_run(&env, &auth, &run).await;
        let stripe = StripeFake::new(&billing.stripe_base);
        let tenants: Api<Tenant> = Api::all(client.clone());
        let tenant = unique_name("bill");
        // A test that fails half-way leaves no Tenant (nor billing's finalizer) behind.
        let guard = TenantGuard::create(
            &env,
            &tenant_manifest(&tenant, &run, "pooled", "free", "Delete"),
        )
        .await;
        let subscriptions: Api<Subscription> =
            Api::namespaced(client, &saascript_crds::names::tenant_namespace(&tenant));
        wait_for_subscription(&subscriptions, &tenant).await;
        // Bound to this Tenant's uid, from the fixture's own API server (a private one, say).
        let owner = crate::access_tokens::sign_access_token(
            &auth,
            &unique_name("owner"),
            Some(&tenant),
            Some(&guard.uid),
            &["owner"],
        )
        .await;
        BillingFixture {
            env,
            auth,
            billing,
            operator,
            stripe,
            tenant,
            run,
            tenants,
            subscriptions,
            owner,
            http: reqwest::Client::new(),
            _guard: guard,
        }
    }

    /// Calls billing with the owner's token.
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        self.call_as(&self.owner, method, path, body).await
    }

    pub async fn call_as(
        &self,
        token: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = self
            .http
            .request(method, self.billing.url(path))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// Subscribes the tenant to `plan` with a card that pays; returns (customer, subscription).
    pub async fn subscribe(&self, plan: &str) -> (String, String) {
        let card = self.stripe.card(GOOD_CARD).await;
        let (status, body) = self
            .call(
                reqwest::Method::PUT,
                "/billing/subscription",
                Some(json!({ "plan": plan, "paymentMethod": card })),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        (
            body["stripeCustomerId"].as_str().unwrap().to_string(),
            body["stripeSubscriptionId"].as_str().unwrap().to_string(),
        )
    }

    pub async fn tenant(&self) -> Tenant {
        self.tenants.get(&self.tenant).await.unwrap()
    }

    pub async fn subscription(&self) -> Subscription {
        self.subscriptions.get(&self.tenant).await.unwrap()
    }

    /// Waits until `check` holds of the Tenant.
    pub async fn wait_tenant(&self, what: &str, check: impl Fn(&Tenant) -> bool) -> Tenant {
        wait::until(Duration::from_secs(30), what, || async {
            let t = self.tenants.get(&self.tenant).await.ok()?;
            check(&t).then_some(t)
        })
        .await
    }

    /// Waits until `check` holds of the Subscription.
    pub async fn wait_subscription(
        &self,
        what: &str,
        check: impl Fn(&Subscription) -> bool,
    ) -> Subscription {
        wait::until(Duration::from_secs(30), what, || async {
            let s = self.subscriptions.get(&self.tenant).await.ok()?;
            check(&s).then_some(s)
        })
        .await
    }

    /// Waits until the operator's metrics show `series` at `value`.
    pub async fn wait_metric(&self, series: &str, value: f64) {
        wait::until(
            Duration::from_secs(30),
            &format!("{series} {value}"),
            || async { (self.operator.metric(series) == Some(value)).then_some(()) },
        )
        .await;
    }

    pub async fn finish(self) {
        let _ = self
            .tenants
            .delete(&self.tenant, &DeleteParams::default())
            .await;
        crate::tenants::wait_gone(&self.tenants, &self.tenant).await;
        self.operator.stop().await;
        self.billing.finish(&self.env).await;
        self.auth.finish(&self.env).await;
    }
}

/// Waits until the operator has made and evaluated the tenant's Subscription.
pub async fn wait_for_subscription(subscriptions: &Api<Subscription>, tenant: &str) {
    wait::until(PROVISIONING, "the tenant's Subscription", || async {
        subscriptions
            .get_opt(tenant)
            .await
            .ok()
            .flatten()
            .and_then(|s| s.status)
            .and_then(|s| s.entitlements)
    })
    .await;
}

/// The plan whose entitlements are in force on the Tenant.
pub fn plan_in_force(tenant: &Tenant) -> Option<String> {
    tenant
        .status
        .as_ref()
        .and_then(|s| s.entitlements.as_ref())
        .map(|e| e.plan.clone())
}

/// Whether billing's finalizer is on the Tenant.
pub fn holds_billing_finalizer(tenant: &Tenant) -> bool {
    tenant
        .metadata
        .finalizers
        .iter()
        .flatten()
        .any(|name| name == saascript_billing::kubernetes::FINALIZER)
}

/// The reason of a Subscription condition.
pub fn reason(subscription: &Subscription, type_: &str) -> Option<String> {
    subscription.status.as_ref().and_then(|s| {
        saascript_crds::find_condition(&s.conditions, type_).map(|c| c.reason.clone())
    })
}
