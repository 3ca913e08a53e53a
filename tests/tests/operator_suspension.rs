//! Suspension bites: while a tenant is suspended (by `spec.suspended`, or for a payment lapsed past
//! the grace period), its own credentials from its own Secret no longer open PostgreSQL, RabbitMQ
//! or Redis, and the sessions it already had are ended. Lifting the suspension makes the same
//! credentials work again. Each system is tried with its own client, as the tenant's workload
//! would, and its state is read with admin clients, never through the operator.

use kube::api::{Api, Patch, PatchParams};
use lapin::options::{BasicPublishOptions, ConfirmSelectOptions};
use lapin::{BasicProperties, Connection, ConnectionProperties};
use saascript_crds::{Subscription, Tenant, find_condition};
use saascript_tests::backing_systems::{BackingSystems, TenantNames};
use saascript_tests::operator::{RunningOperator, new_run_id, test_config};
use saascript_tests::tenant_credentials::TenantCredentials;
use saascript_tests::tenant_guard::TenantGuard;
use saascript_tests::tenants::{
    PROVISIONING, delete_and_wait, set_suspended, tenant_manifest, wait_ready,
};
use saascript_tests::{TestEnv, unique_name, wait};
use serde_json::json;
use sqlx::{Connection as _, PgConnection};

/// The conditions of the systems that give a tenant credentials of its own.
const CREDENTIAL_CONDITIONS: [&str; 3] = ["DatabaseReady", "QueueReady", "CacheReady"];

/// A tenant's workload, with nothing but the tenant's own credentials.
struct Workload {
    tenant: String,
    credentials: TenantCredentials,
}

impl Workload {
    /// Opens a PostgreSQL session as the tenant's role, on its database.
    async fn postgres(&self) -> Result<PgConnection, String> {
        let mut session = PgConnection::connect(self.credentials.get("DATABASE_URL"))
            .await
            .map_err(|e| e.to_string())?;
        let who: String = sqlx::query_scalar("SELECT current_user::text")
            .fetch_one(&mut session)
            .await
            .map_err(|e| e.to_string())?;
        assert_eq!(who, self.credentials.get("PGUSER"));
        Ok(session)
    }

    /// Connects as the tenant's RabbitMQ user and publishes a message, with a confirm, where the
    /// tenant may: on its own vhost (siloed), or with its own routing key on the shared exchange
    /// (pooled).
    async fn rabbitmq(&self) -> Result<Connection, String> {
        let connection = Connection::connect(
            self.credentials.get("AMQP_URL"),
            ConnectionProperties::default(),
        )
        .await
        .map_err(|e| e.to_string())?;
        let exchange = self
            .credentials
            .0
            .get("RABBITMQ_EXCHANGE")
            .map_or("amq.topic", String::as_str);
        let key = format!("tenant.{}.hello", self.tenant);
        let channel = connection
            .create_channel()
            .await
            .map_err(|e| e.to_string())?;
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await
            .map_err(|e| e.to_string())?;
        let confirm = channel
            .basic_publish(
                exchange.into(),
                key.as_str().into(),
                BasicPublishOptions::default(),
                b"hello",
                BasicProperties::default(),
            )
            .await
            .map_err(|e| e.to_string())?
            .await
            .map_err(|e| e.to_string())?;
        assert!(confirm.is_ack(), "the publish was not acknowledged");
        Ok(connection)
    }

    /// Connects to Redis, AUTHs as the tenant's ACL user, and writes one of its own keys.
    async fn redis(&self) -> Result<redis::aio::MultiplexedConnection, String> {
        let client =
            redis::Client::open(self.credentials.get("REDIS_URL")).map_err(|e| e.to_string())?;
        let mut connection = client
            .get_multiplexed_async_connection()
            .await
            .map_err(|e| e.to_string())?;
        let _: () = redis::cmd("SET")
            .arg(format!("t:{}:suspension", self.tenant))
            .arg("v")
            .query_async(&mut connection)
            .await
            .map_err(|e| e.to_string())?;
        Ok(connection)
    }

    /// Each system lets the tenant in.
    async fn assert_every_door_opens(&self) {
        let mut session = self.postgres().await.expect("PostgreSQL as the tenant");
        sqlx::query("SELECT 1")
            .execute(&mut session)
            .await
            .expect("a query as the tenant");
        self.rabbitmq().await.expect("RabbitMQ as the tenant");
        self.redis().await.expect("Redis as the tenant");
    }

    /// Each system refuses the tenant, saying so.
    async fn assert_every_door_is_shut(&self) {
        let refused = self
            .postgres()
            .await
            .expect_err("PostgreSQL let a suspended tenant in");
        // NOLOGIN is refused even where the server trusts every password.
        assert!(refused.contains("not permitted to log in"), "{refused}");
        let refused = self
            .rabbitmq()
            .await
            .map(drop)
            .expect_err("RabbitMQ let a suspended tenant in");
        assert!(
            refused.to_lowercase().contains("access") && refused.contains("refused"),
            "{refused}"
        );
        let refused = self
            .redis()
            .await
            .map(drop)
            .expect_err("Redis let a suspended tenant in");
        // WRONGPASS, which redis-rs reports as an authentication failure.
        assert!(
            refused.contains("WRONGPASS") || refused.contains("AuthenticationFailed"),
            "{refused}"
        );
    }
}

/// Waits until the Tenant's status describes its current spec and every credential condition
/// has `reason`.
async fn wait_access(tenants: &Api<Tenant>, name: &str, reason: &str) -> Tenant {
    wait::until(
        PROVISIONING,
        &format!("{CREDENTIAL_CONDITIONS:?} of {name} to say {reason}"),
        || async {
            let tenant = tenants.get(name).await.ok()?;
            let status = tenant.status.as_ref()?;
            let current = status.observed_generation == tenant.metadata.generation;
            let all = CREDENTIAL_CONDITIONS.iter().all(|type_| {
                find_condition(&status.conditions, type_)
                    .is_some_and(|c| c.is_true() && c.reason == reason)
            });
            (current && all).then_some(tenant)
        },
    )
    .await
}

/// What the admin clients see of the tenant's credentials: whether each is turned on.
async fn credentials_on(systems: &BackingSystems, names: &TenantNames) -> [(String, bool); 3] {
    let role = systems
        .pg_role(&names.pg_role())
        .await
        .expect("the tenant's role");
    let vhost = if names.siloed {
        names.rabbitmq_vhost()
    } else {
        saascript_tests::backing_systems::POOLED_VHOST.to_string()
    };
    let permissions = systems
        .rabbitmq_has(&["permissions", &vhost, &names.rabbitmq_user()])
        .await;
    let flags = systems
        .redis_user_flags(&names.redis_user())
        .await
        .expect("the tenant's ACL user");
    [
        ("PostgreSQL LOGIN".into(), role.can_login),
        ("RabbitMQ permissions".into(), permissions),
        ("Redis ACL user on".into(), flags.iter().any(|f| f == "on")),
    ]
}

async fn suspension_bites(isolation: &str, plan: &str) {
    let env = TestEnv::new();
    let run = new_run_id();
    let operator = RunningOperator::start(&env, test_config(&env, &run)).await;
    let client = env.kube().await;
    let tenants: Api<Tenant> = Api::all(client.clone());
    let systems = BackingSystems::connect(&env).await;
    let guard = TenantGuard::create(
        &env,
        &tenant_manifest(&unique_name("bite"), &run, isolation, plan, "Delete"),
    )
    .await;
    let name = guard.name().to_string();
    let names = TenantNames::new(&name, isolation);
    wait_ready(&tenants, &name).await;
    let credentials = TenantCredentials::read(&client, &name).await;
    let workload = Workload {
        tenant: name.clone(),
        credentials: credentials.clone(),
    };
    workload.assert_every_door_opens().await;
    assert!(
        credentials_on(&systems, &names)
            .await
            .iter()
            .all(|(_, on)| *on),
        "{:?}",
        credentials_on(&systems, &names).await
    );
    // Sessions opened before the suspension.
    let mut open_session = workload.postgres().await.unwrap();
    let mut open_cache = workload.redis().await.unwrap();
    let open_queue = workload.rabbitmq().await.unwrap();

    set_suspended(&tenants, &name, true).await;
    wait_access(&tenants, &name, "AccessSuspended").await;
    workload.assert_every_door_is_shut().await;
    for (what, on) in credentials_on(&systems, &names).await {
        assert!(!on, "{what} is still on while the tenant is suspended");
    }
    let ended = sqlx::query("SELECT 1").execute(&mut open_session).await;
    assert!(
        ended.is_err(),
        "a PostgreSQL session opened before the suspension still works"
    );
    let ended: Result<String, _> = redis::cmd("GET")
        .arg(format!("t:{name}:suspension"))
        .query_async(&mut open_cache)
        .await;
    assert!(
        ended.is_err(),
        "a Redis connection opened before the suspension still works"
    );
    wait::until(
        PROVISIONING,
        "the AMQP connection opened before the suspension to be closed",
        || async { (!open_queue.status().connected()).then_some(()) },
    )
    .await;

    // Suspended is a steady state like any other: a reconcile with nothing to change writes
    // nothing, although it turns the credentials off again.
    let before = operator.wait_quiet().await;
    tenants
        .patch(
            &name,
            &PatchParams::default(),
            &Patch::Merge(json!({ "metadata": { "annotations": { "poke": "1" } } })),
        )
        .await
        .unwrap();
    let after = operator
        .wait_quiet_after(
            |now| now.tenant_reconciles_started > before.tenant_reconciles_started,
            "a reconcile of the suspended tenant",
        )
        .await;
    assert_eq!(
        after.writes, before.writes,
        "a suspended tenant's steady state wrote to the API server: {before:?} -> {after:?}"
    );

    set_suspended(&tenants, &name, false).await;
    wait_access(&tenants, &name, "Provisioned").await;
    assert_eq!(
        TenantCredentials::read(&client, &name).await,
        credentials,
        "the credentials are the same ones"
    );
    workload.assert_every_door_opens().await;
    for (what, on) in credentials_on(&systems, &names).await {
        assert!(on, "{what} is still off after the suspension was lifted");
    }

    delete_and_wait(&tenants, &name).await;
    operator.stop().await;
}

#[tokio::test]
async fn a_suspended_pooled_tenant_loses_its_credentials_until_the_suspension_is_lifted() {
    suspension_bites("pooled", "free").await;
}

#[tokio::test]
async fn a_suspended_siloed_tenant_loses_its_credentials_until_the_suspension_is_lifted() {
    suspension_bites("siloed", "enterprise").await;
}

#[tokio::test]
async fn a_payment_lapsed_past_the_grace_period_shuts_the_doors_until_it_is_paid() {
    let env = TestEnv::new();
    let run = new_run_id();
    let mut config = test_config(&env, &run);
    // No grace: a lapse suspends at once.
    config.payment_grace_seconds = 0;
    let operator = RunningOperator::start(&env, config).await;
    let client = env.kube().await;
    let tenants: Api<Tenant> = Api::all(client.clone());
    let guard = TenantGuard::create(
        &env,
        &tenant_manifest(&unique_name("lapse"), &run, "pooled", "pro", "Delete"),
    )
    .await;
    let name = guard.name().to_string();
    wait_ready(&tenants, &name).await;
    let workload = Workload {
        tenant: name.clone(),
        credentials: TenantCredentials::read(&client, &name).await,
    };
    workload.assert_every_door_opens().await;

    // What billing would mirror from Stripe: the pro subscription went unpaid.
    let subscriptions: Api<Subscription> =
        Api::namespaced(client.clone(), &format!("tenant-{name}"));
    let mirror = |state: &str| {
        let (subscriptions, name) = (&subscriptions, &name);
        let patch = json!({ "status": { "state": state, "confirmedPlan": "pro" } });
        async move {
            subscriptions
                .patch_status(name, &PatchParams::default(), &Patch::Merge(&patch))
                .await
                .unwrap();
        }
    };
    mirror("unpaid").await;
    let suspended = wait_access(&tenants, &name, "AccessSuspended").await;
    let reason = find_condition(&suspended.status.unwrap().conditions, "Suspended")
        .map(|c| c.reason.clone());
    assert_eq!(reason.as_deref(), Some("PaymentLapsed"));
    workload.assert_every_door_is_shut().await;

    mirror("active").await;
    wait_access(&tenants, &name, "Provisioned").await;
    workload.assert_every_door_opens().await;

    delete_and_wait(&tenants, &name).await;
    operator.stop().await;
}
