//! The Tenant controller against the local API server and the real backing services: a pooled
//! and a siloed tenant provisioned and checked end to end, credentials that open only their own
//! doors, a steady state without writes, invalid specs, and suspension.

use std::time::Duration;

use k8s_openapi::api::core::v1::{Namespace, ResourceQuota, Secret};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::api::rbac::v1::RoleBinding;
use kube::api::{Api, Patch, PatchParams};
use lapin::options::{BasicPublishOptions, ConfirmSelectOptions};
use lapin::{BasicProperties, Connection, ConnectionProperties};
use saascript_crds::{Tenant, TenantPhase, find_condition};
use saascript_tests::backing_systems::{BackingSystems, POOLED_TABLE, POOLED_TOPIC};
use saascript_tests::operator::{RunningOperator, new_run_id, test_config};
use saascript_tests::tenant_guard::TenantGuard;
use saascript_tests::tenants::{delete_and_wait, tenant_manifest, wait_phase, wait_ready};
use saascript_tests::{TestEnv, unique_name, wait};
use serde_json::json;

/// `url` with the PostgreSQL user and password of `from` replaced by those of `to`.
fn with_credentials(url: &str, from: &Secret, to: &Secret) -> String {
    let credentials = |s: &Secret| format!("{}:{}", value(s, "PGUSER"), value(s, "PGPASSWORD"));
    url.replace(&credentials(from), &credentials(to))
}

fn value(secret: &Secret, key: &str) -> String {
    let bytes = &secret
        .data
        .as_ref()
        .unwrap()
        .get(key)
        .unwrap_or_else(|| panic!("{key} missing"))
        .0;
    String::from_utf8(bytes.clone()).unwrap()
}

#[tokio::test]
async fn a_pooled_and_a_siloed_tenant_get_everything_and_only_their_own() {
    let env = TestEnv::new();
    let run = new_run_id();
    let operator = RunningOperator::start(&env, test_config(&env, &run)).await;
    let client = env.kube().await;
    let tenants: Api<Tenant> = Api::all(client.clone());
    let pooled = unique_name("pool");
    let siloed = unique_name("silo");
    let _pooled_guard = TenantGuard::create(
        &env,
        &tenant_manifest(&pooled, &run, "pooled", "pro", "Delete"),
    )
    .await;
    let _siloed_guard = TenantGuard::create(
        &env,
        &tenant_manifest(&siloed, &run, "siloed", "enterprise", "Delete"),
    )
    .await;
    let pooled_tenant = wait_ready(&tenants, &pooled).await;
    let siloed_tenant = wait_ready(&tenants, &siloed).await;

    // Status: phase, generation, namespace, secret, entitlements. The pooled tenant declares
    // pro, a Stripe plan that no payment has confirmed: the default plan is in force. The
    // siloed one's enterprise is a contract plan, in force at once.
    for (t, plan) in [(&pooled_tenant, "free"), (&siloed_tenant, "enterprise")] {
        let status = t.status.as_ref().unwrap();
        assert_eq!(status.phase, Some(TenantPhase::Ready));
        assert_eq!(status.observed_generation, t.metadata.generation);
        assert_eq!(
            status.credentials_secret.as_deref(),
            Some("saascript-tenant-credentials")
        );
        assert_eq!(status.entitlements.as_ref().unwrap().plan, plan);
        for condition in [
            "NamespaceReady",
            "DatabaseReady",
            "QueueReady",
            "TopicsReady",
            "TableReady",
            "CacheReady",
        ] {
            let c = find_condition(&status.conditions, condition)
                .unwrap_or_else(|| panic!("{condition} missing"));
            assert!(c.is_true(), "{condition}: {c:?}");
        }
    }

    // The namespace and what is in it.
    let namespaces: Api<Namespace> = Api::all(client.clone());
    for name in [&pooled, &siloed] {
        let ns = format!("tenant-{name}");
        let namespace = namespaces.get(&ns).await.unwrap();
        let labels = namespace.metadata.labels.unwrap();
        assert_eq!(labels["app.kubernetes.io/managed-by"], "saascript-operator");
        assert_eq!(labels["saascript.io/tenant"], name.as_str());
        let quota = Api::<ResourceQuota>::namespaced(client.clone(), &ns)
            .get("tenant-quota")
            .await
            .unwrap();
        assert!(quota.spec.unwrap().hard.unwrap().contains_key("pods"));
        let policy = Api::<NetworkPolicy>::namespaced(client.clone(), &ns)
            .get("tenant-isolation")
            .await
            .unwrap();
        assert_eq!(policy.spec.unwrap().policy_types.unwrap(), ["Ingress"]);
        let binding = Api::<RoleBinding>::namespaced(client.clone(), &ns)
            .get("tenant-admin")
            .await
            .unwrap();
        assert_eq!(
            binding.subjects.unwrap()[0].name,
            format!("owner@{name}.example")
        );
    }
    let pooled_secret = Api::<Secret>::namespaced(client.clone(), &format!("tenant-{pooled}"))
        .get("saascript-tenant-credentials")
        .await
        .unwrap();
    let siloed_secret = Api::<Secret>::namespaced(client.clone(), &format!("tenant-{siloed}"))
        .get("saascript-tenant-credentials")
        .await
        .unwrap();

    // PostgreSQL: each tenant's credentials open its own database and not the other's.
    let siloed_url = value(&siloed_secret, "DATABASE_URL");
    let pooled_url = value(&pooled_secret, "DATABASE_URL");
    let own = env.postgres_at(&siloed_url).await;
    sqlx::query("CREATE TABLE notes (body text)")
        .execute(&own)
        .await
        .unwrap();
    let who: String = sqlx::query_scalar("SELECT current_user::text")
        .fetch_one(&own)
        .await
        .unwrap();
    assert_eq!(who, value(&siloed_secret, "PGUSER"));
    let pooled_pool = env.postgres_at(&pooled_url).await;
    let registered: String =
        sqlx::query_scalar("SELECT tenant FROM tenant_registry WHERE role_name = current_user")
            .fetch_one(&pooled_pool)
            .await
            .unwrap();
    assert_eq!(registered, pooled);
    let visible: i64 = sqlx::query_scalar("SELECT count(*) FROM tenant_registry")
        .fetch_one(&pooled_pool)
        .await
        .unwrap();
    assert_eq!(
        visible, 1,
        "a pooled tenant sees its own registry row and no other"
    );
    // Each tenant's credentials against the other tenant's database: refused.
    for (who, url) in [
        (
            "the siloed tenant",
            with_credentials(&pooled_url, &pooled_secret, &siloed_secret),
        ),
        (
            "the pooled tenant",
            with_credentials(&siloed_url, &siloed_secret, &pooled_secret),
        ),
    ] {
        let refused = sqlx::PgPool::connect(&url)
            .await
            .expect_err(who)
            .to_string();
        assert!(
            refused.contains("permission denied for database"),
            "{who}: {refused}"
        );
    }

    // RabbitMQ: the siloed user publishes in its vhost and is refused in another.
    let connection = Connection::connect(
        &value(&siloed_secret, "AMQP_URL"),
        ConnectionProperties::default(),
    )
    .await
    .unwrap();
    let channel = connection.create_channel().await.unwrap();
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await
        .unwrap();
    let confirm = channel
        .basic_publish(
            "amq.topic".into(),
            "tenant.x.hello".into(),
            BasicPublishOptions::default(),
            b"hi",
            BasicProperties::default(),
        )
        .await
        .unwrap()
        .await
        .unwrap();
    assert!(confirm.is_ack());
    // Only the vhost at the end of the URL changes: the user name looks the same.
    let siloed_amqp = value(&siloed_secret, "AMQP_URL");
    let (server, _) = siloed_amqp.rsplit_once('/').unwrap();
    let other_vhost = format!("{server}/saascript");
    // Refused for want of permission, not for a login that failed or a vhost that is missing.
    let refused = Connection::connect(&other_vhost, ConnectionProperties::default())
        .await
        .map(drop)
        .expect_err("the siloed user must not open the shared vhost")
        .to_string();
    assert!(
        refused.contains("access to vhost") && refused.contains("refused"),
        "{refused}"
    );
    // The pooled user may publish its own routing keys only.
    let pooled_mq = Connection::connect(
        &value(&pooled_secret, "AMQP_URL"),
        ConnectionProperties::default(),
    )
    .await
    .unwrap();
    let channel = pooled_mq.create_channel().await.unwrap();
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await
        .unwrap();
    let exchange = value(&pooled_secret, "RABBITMQ_EXCHANGE");
    let own_key = format!("tenant.{pooled}.email");
    let confirm = channel
        .basic_publish(
            exchange.as_str().into(),
            own_key.as_str().into(),
            BasicPublishOptions::default(),
            b"hi",
            BasicProperties::default(),
        )
        .await
        .unwrap()
        .await
        .unwrap();
    assert!(confirm.is_ack());
    let foreign_key = format!("tenant.{siloed}.email");
    let foreign = async {
        channel
            .basic_publish(
                exchange.as_str().into(),
                foreign_key.as_str().into(),
                BasicPublishOptions::default(),
                b"hi",
                BasicProperties::default(),
            )
            .await?
            .await
    }
    .await;
    // Refused for the routing key, not for want of the exchange.
    let refused = foreign
        .map(drop)
        .expect_err("publishing with another tenant's routing key must be refused")
        .to_string();
    assert!(
        refused.contains("ACCESS_REFUSED") && refused.contains(&foreign_key),
        "{refused}"
    );

    // Kafka and DynamoDB, as their own clients see them: the siloed tenant's own topic and
    // table, and the shared ones the pooled tenant uses.
    let systems = BackingSystems::connect(&env).await;
    let topics = systems.kafka_topics().await;
    for topic in [format!("tenant.{siloed}.events"), POOLED_TOPIC.to_string()] {
        assert!(topics.contains(&topic), "topic {topic} missing");
    }
    assert!(
        !topics.contains(&format!("tenant.{pooled}.events")),
        "a pooled tenant has no topic of its own"
    );
    for table in [
        format!("saascript-profiles-{siloed}"),
        POOLED_TABLE.to_string(),
    ] {
        assert!(systems.table_exists(&table).await, "table {table} missing");
    }
    assert!(
        !systems
            .table_exists(&format!("saascript-profiles-{pooled}"))
            .await,
        "a pooled tenant has no table of its own"
    );
    assert_eq!(
        value(&siloed_secret, "DYNAMODB_TABLE"),
        format!("saascript-profiles-{siloed}")
    );
    assert_eq!(value(&pooled_secret, "DYNAMODB_TABLE"), POOLED_TABLE);
    assert_eq!(value(&pooled_secret, "KAFKA_TOPICS"), POOLED_TOPIC);

    // Redis: the user touches its own keys and nothing else.
    let redis_client = redis::Client::open(value(&pooled_secret, "REDIS_URL")).unwrap();
    let mut redis = redis_client
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let _: () = redis::cmd("SET")
        .arg(format!("t:{pooled}:k"))
        .arg("v")
        .query_async(&mut redis)
        .await
        .unwrap();
    let refused: Result<(), _> = redis::cmd("SET")
        .arg(format!("t:{siloed}:k"))
        .arg("v")
        .query_async(&mut redis)
        .await;
    let refused = refused.expect_err("another tenant's key is refused");
    assert!(
        refused.to_string().to_uppercase().contains("NOPERM"),
        "{refused}"
    );

    drop(own);
    drop(pooled_pool);
    delete_and_wait(&tenants, &pooled).await;
    delete_and_wait(&tenants, &siloed).await;
    operator.stop().await;
}

#[tokio::test]
async fn a_steady_state_reconcile_sends_no_write_request() {
    let env = TestEnv::new();
    let run = new_run_id();
    let operator = RunningOperator::start(&env, test_config(&env, &run)).await;
    let tenants: Api<Tenant> = Api::all(env.kube().await);
    let name = unique_name("calm");
    let _guard = TenantGuard::create(
        &env,
        &tenant_manifest(&name, &run, "pooled", "free", "Delete"),
    )
    .await;
    wait_ready(&tenants, &name).await;
    // The reconciles that the last status write triggered have run their course.
    let before = operator.wait_quiet().await;

    // A change that the operator does not own triggers a reconcile with nothing to do.
    tenants
        .patch(
            &name,
            &PatchParams::default(),
            &Patch::Merge(json!({ "metadata": { "annotations": { "touched": "yes" } } })),
        )
        .await
        .unwrap();
    // Every reconcile that started has also finished (and none followed) before the count is
    // read, so a write at the end of the reconcile, or one it caused, is counted.
    let after = operator
        .wait_quiet_after(
            |now| now.tenant_reconciles_started > before.tenant_reconciles_started,
            "a reconcile after the annotation",
        )
        .await;
    assert_eq!(
        after.writes, before.writes,
        "a reconcile with nothing to change must send no write request: {before:?} -> {after:?}"
    );
    delete_and_wait(&tenants, &name).await;
    operator.stop().await;
}

#[tokio::test]
async fn a_plan_that_is_not_in_the_catalog_fails_with_a_reason() {
    let env = TestEnv::new();
    let run = new_run_id();
    let operator = RunningOperator::start(&env, test_config(&env, &run)).await;
    let tenants: Api<Tenant> = Api::all(env.kube().await);
    let name = unique_name("gold");
    let _guard = TenantGuard::create(
        &env,
        &tenant_manifest(&name, &run, "pooled", "gold", "Delete"),
    )
    .await;
    let failed = wait_phase(&tenants, &name, TenantPhase::Failed).await;
    let ready = find_condition(&failed.status.as_ref().unwrap().conditions, "Ready").unwrap();
    assert_eq!(ready.reason, "UnknownPlan");
    assert!(
        ready.message.contains("enterprise, free, pro"),
        "{}",
        ready.message
    );
    let namespaces: Api<Namespace> = Api::all(env.kube().await);
    assert!(
        namespaces
            .get_opt(&format!("tenant-{name}"))
            .await
            .unwrap()
            .is_none(),
        "nothing is provisioned"
    );
    delete_and_wait(&tenants, &name).await;
    operator.stop().await;
}

#[tokio::test]
async fn suspension_sets_the_phase_and_a_condition() {
    let env = TestEnv::new();
    let run = new_run_id();
    let operator = RunningOperator::start(&env, test_config(&env, &run)).await;
    let tenants: Api<Tenant> = Api::all(env.kube().await);
    let name = unique_name("susp");
    let _guard = TenantGuard::create(
        &env,
        &tenant_manifest(&name, &run, "pooled", "free", "Delete"),
    )
    .await;
    wait_ready(&tenants, &name).await;
    tenants
        .patch(
            &name,
            &PatchParams::default(),
            &Patch::Merge(json!({ "spec": { "suspended": true } })),
        )
        .await
        .unwrap();
    let suspended = wait_phase(&tenants, &name, TenantPhase::Suspended).await;
    let condition =
        find_condition(&suspended.status.as_ref().unwrap().conditions, "Suspended").unwrap();
    assert!(condition.is_true());
    assert_eq!(condition.reason, "SuspendedBySpec");
    // Events record what happened, each once the status that it describes is written.
    let events: Api<k8s_openapi::api::events::v1::Event> = Api::all(env.kube().await);
    wait::until(
        Duration::from_secs(30),
        "an Event that records the suspension",
        || async {
            let list = events.list(&Default::default()).await.ok()?;
            list.items
                .iter()
                .any(|e| {
                    e.regarding.as_ref().and_then(|r| r.name.as_deref()) == Some(name.as_str())
                        && e.reason.as_deref() == Some("SuspendedBySpec")
                })
                .then_some(())
        },
    )
    .await;
    delete_and_wait(&tenants, &name).await;
    operator.stop().await;
}

#[tokio::test]
async fn the_subscription_follows_the_tenants_declared_plan() {
    let env = TestEnv::new();
    let run = new_run_id();
    let operator = RunningOperator::start(&env, test_config(&env, &run)).await;
    let client = env.kube().await;
    let tenants: Api<Tenant> = Api::all(client.clone());
    let name = unique_name("plan");
    let _guard = TenantGuard::create(
        &env,
        &tenant_manifest(&name, &run, "pooled", "free", "Delete"),
    )
    .await;
    wait_ready(&tenants, &name).await;
    let subscriptions: Api<saascript_crds::Subscription> =
        Api::namespaced(client.clone(), &format!("tenant-{name}"));
    let subscription = subscriptions.get(&name).await.unwrap();
    assert_eq!(
        (
            subscription.spec.tenant.as_str(),
            subscription.spec.plan.as_str()
        ),
        (name.as_str(), "free")
    );

    // A paid plan: the Subscription follows at once, the entitlements wait for Stripe.
    let follow = |plan: &'static str, entitled: &'static str| {
        let (tenants, subscriptions, name) = (&tenants, &subscriptions, &name);
        async move {
            tenants
                .patch(
                    name,
                    &PatchParams::default(),
                    &Patch::Merge(json!({ "spec": { "plan": plan } })),
                )
                .await
                .unwrap();
            wait::until(
                Duration::from_secs(60),
                &format!("the Subscription to follow {plan} with {entitled} in force"),
                || async {
                    let subscription = subscriptions.get(name).await.ok()?;
                    let tenant = tenants.get(name).await.ok()?;
                    let in_force = tenant.status?.entitlements?.plan;
                    (subscription.spec.plan == plan && in_force == entitled).then_some(subscription)
                },
            )
            .await
        }
    };
    let subscription = follow("pro", "free").await;
    let synced = find_condition(&subscription.status.unwrap().conditions, "Synced")
        .unwrap()
        .clone();
    assert_eq!(synced.reason, "AwaitingStripe");
    // A contract plan takes effect at once.
    follow("enterprise", "enterprise").await;
    delete_and_wait(&tenants, &name).await;
    operator.stop().await;
}
