//! Deleting tenants: both policies leave exactly what they promise, preventDeletion holds a
//! tenant, and an operator killed in the middle of provisioning or of a deletion, with some
//! resources done and others not, is finished by the next one. What exists is read with each
//! backing system's own client, never through the operator.

use k8s_openapi::api::core::v1::{Namespace, Secret};
use kube::api::{Api, DeleteParams, Patch, PatchParams};
use saascript_crds::{Tenant, TenantPhase, find_condition};
use saascript_operator::Config;
use saascript_tests::backing_systems::{BackingSystems, PgRole, TenantNames};
use saascript_tests::black_hole::BlackHole;
use saascript_tests::operator::{RunningOperator, new_run_id, plan_of, remove_all, test_config};
use saascript_tests::tenant_guard::TenantGuard;
use saascript_tests::tenants::{
    PROVISIONING as LIMIT, delete_and_wait, tenant_manifest, wait_gone, wait_ready,
};
use saascript_tests::{TestEnv, unique_name, wait};
use serde_json::json;

/// Every resource a tenant owns, sorted, as `BackingSystems::present` names them.
fn everything(names: &TenantNames) -> Vec<String> {
    let mut all = vec![
        format!("role {}", names.pg_role()),
        format!("user {}", names.rabbitmq_user()),
        format!("ACL user {}", names.redis_user()),
    ];
    if names.siloed {
        all.extend([
            format!("database {}", names.pg_database()),
            format!("vhost {}", names.rabbitmq_vhost()),
            format!("topic {}", names.topic()),
            format!("table {}", names.table()),
        ]);
    } else {
        all.extend([
            format!("registry row {}", names.tenant),
            format!("queue {}", names.pooled_queue()),
        ]);
    }
    all.sort();
    all
}

#[tokio::test]
async fn delete_removes_every_backing_resource_and_the_namespace() {
    let env = TestEnv::new();
    let run = new_run_id();
    let operator = RunningOperator::start(&env, test_config(&env, &run)).await;
    let client = env.kube().await;
    let tenants: Api<Tenant> = Api::all(client.clone());
    let systems = BackingSystems::connect(&env).await;
    for isolation in ["siloed", "pooled"] {
        let name = unique_name("del");
        let _guard = TenantGuard::create(
            &env,
            &tenant_manifest(&name, &run, isolation, "pro", "Delete"),
        )
        .await;
        wait_ready(&tenants, &name).await;
        let names = TenantNames::new(&name, isolation);
        let mut provisioned = systems.present(&names).await;
        provisioned.sort();
        assert_eq!(
            provisioned,
            everything(&names),
            "{isolation}: provisioned first"
        );
        // A pooled tenant's data in the shared table, and a neighbour's whose name starts with
        // this one's.
        let neighbour = format!("TENANT#{name}-next#user#1");
        if !names.siloed {
            systems
                .put_pooled_item(&format!("TENANT#{name}"), "profile")
                .await;
            systems
                .put_pooled_item(&format!("TENANT#{name}#user#1"), "profile")
                .await;
            systems.put_pooled_item(&neighbour, "profile").await;
            assert_eq!(systems.pooled_items(&name).await, 2);
        }

        tenants
            .delete(&name, &DeleteParams::default())
            .await
            .unwrap();
        wait_gone(&tenants, &name).await;
        let left = systems.present(&names).await;
        assert!(
            left.is_empty(),
            "{isolation}: left over after Delete: {left:?}"
        );
        if !names.siloed {
            assert_eq!(
                systems.pooled_items(&format!("{name}-next")).await,
                1,
                "a neighbour's items stay"
            );
            systems.delete_pooled_item(&neighbour, "profile").await;
        }
        assert_eq!(
            systems.shared_resources_present().await.len(),
            4,
            "{isolation}: the resources pooled tenants share stay: {:?}",
            systems.shared_resources_present().await
        );
        let namespaces: Api<Namespace> = Api::all(client.clone());
        assert!(
            namespaces
                .get_opt(&format!("tenant-{name}"))
                .await
                .unwrap()
                .is_none(),
            "the namespace is gone"
        );
    }
    operator.stop().await;
}

#[tokio::test]
async fn retain_keeps_the_data_and_removes_the_credentials() {
    let env = TestEnv::new();
    let run = new_run_id();
    let operator = RunningOperator::start(&env, test_config(&env, &run)).await;
    let client = env.kube().await;
    let tenants: Api<Tenant> = Api::all(client.clone());
    let name = unique_name("keep");
    let _guard = TenantGuard::create(
        &env,
        &tenant_manifest(&name, &run, "siloed", "pro", "Retain"),
    )
    .await;
    let ready = wait_ready(&tenants, &name).await;
    let plan = plan_of(&operator.context, &ready);
    let names = TenantNames::new(&name, "siloed");
    let systems = BackingSystems::connect(&env).await;
    let secret = Api::<Secret>::namespaced(client.clone(), &format!("tenant-{name}"))
        .get("saascript-tenant-credentials")
        .await
        .unwrap();
    let database_url = String::from_utf8(secret.data.unwrap()["DATABASE_URL"].0.clone()).unwrap();
    let mut open_session = <sqlx::PgConnection as sqlx::Connection>::connect(&database_url)
        .await
        .unwrap();

    tenants
        .delete(&name, &DeleteParams::default())
        .await
        .unwrap();
    wait_gone(&tenants, &name).await;
    assert!(
        sqlx::query("SELECT 1")
            .execute(&mut open_session)
            .await
            .is_err(),
        "a session opened before the deletion still works"
    );
    let mut kept = systems.present(&names).await;
    kept.sort();
    let mut data = vec![
        format!("database tenant_{}", name.replace('-', "_")),
        format!("role tenant_{}", name.replace('-', "_")),
        format!("table saascript-profiles-{name}"),
        format!("topic tenant.{name}.events"),
        format!("vhost tenant-{name}"),
    ];
    data.sort();
    assert_eq!(
        kept, data,
        "Retain keeps the data (the role owns the database) and removes the RabbitMQ and Redis users"
    );
    assert_eq!(
        systems.pg_role(&names.pg_role()).await,
        Some(PgRole { can_login: false }),
        "the retained role may no longer log in"
    );
    let login = sqlx::PgPool::connect(&database_url).await;
    let refused = login
        .expect_err("the retained role may no longer log in")
        .to_string();
    // With `trust` authentication the server says NOLOGIN; with passwords, that it has none.
    assert!(
        refused.contains("not permitted to log in")
            || refused.contains("password authentication failed"),
        "{refused}"
    );
    let namespaces: Api<Namespace> = Api::all(client.clone());
    assert!(
        namespaces
            .get_opt(&format!("tenant-{name}"))
            .await
            .unwrap()
            .is_none(),
        "the namespace and Secret are gone"
    );
    let events: Api<k8s_openapi::api::events::v1::Event> = Api::all(client.clone());
    let retained = events
        .list(&Default::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .find(|e| {
            e.regarding.as_ref().and_then(|r| r.name.as_deref()) == Some(name.as_str())
                && e.reason.as_deref() == Some("Retained")
        });
    let note = retained
        .expect("an Event records what was kept")
        .note
        .unwrap_or_default();
    assert!(
        note.contains(&format!("database tenant_{}", name.replace('-', "_"))),
        "{note}"
    );

    // Clean up what Retain kept, so that test runs do not pile up data.
    remove_all(&operator.context, &plan).await;
    operator.stop().await;
}

#[tokio::test]
async fn prevent_deletion_holds_the_tenant_until_it_is_lifted() {
    let env = TestEnv::new();
    let run = new_run_id();
    let operator = RunningOperator::start(&env, test_config(&env, &run)).await;
    let tenants: Api<Tenant> = Api::all(env.kube().await);
    let name = unique_name("held");
    let mut manifest = tenant_manifest(&name, &run, "pooled", "pro", "Delete");
    manifest.spec.prevent_deletion = true;
    let _guard = TenantGuard::create(&env, &manifest).await;
    wait_ready(&tenants, &name).await;

    tenants
        .delete(&name, &DeleteParams::default())
        .await
        .unwrap();
    let held = wait::until(LIMIT, "the DeletionBlocked condition", || async {
        let t = tenants.get(&name).await.ok()?;
        let c = find_condition(&t.status.as_ref()?.conditions, "DeletionBlocked")?.clone();
        c.is_true().then_some((t, c))
    })
    .await;
    assert_eq!(held.1.reason, "PreventDeletion");
    assert!(held.0.metadata.deletion_timestamp.is_some());
    assert_ne!(held.0.status.unwrap().phase, Some(TenantPhase::Terminating));
    assert!(
        Api::<Namespace>::all(env.kube().await)
            .get_opt(&format!("tenant-{name}"))
            .await
            .unwrap()
            .is_some(),
        "nothing is removed while deletion is blocked"
    );

    tenants
        .patch(
            &name,
            &PatchParams::default(),
            &Patch::Merge(json!({ "spec": { "preventDeletion": false } })),
        )
        .await
        .unwrap();
    wait_gone(&tenants, &name).await;
    operator.stop().await;
}

/// A configuration whose RabbitMQ management API hangs: every call to it waits until it times
/// out, while the other systems answer.
fn with_rabbitmq_hanging(mut config: Config, hole: &BlackHole) -> Config {
    config.rabbitmq_management_url = format!("http://guest:guest@{}", hole.address).into();
    config
}

#[tokio::test]
async fn an_operator_killed_mid_provisioning_is_finished_by_the_next_one() {
    let env = TestEnv::new();
    let run = new_run_id();
    let tenants: Api<Tenant> = Api::all(env.kube().await);
    let systems = BackingSystems::connect(&env).await;
    let hole = BlackHole::start().await;
    let name = unique_name("crash");
    let names = TenantNames::new(&name, "siloed");

    // Killed while provisioning: everything but RabbitMQ is there, and a call to RabbitMQ is
    // in flight.
    let first =
        RunningOperator::start(&env, with_rabbitmq_hanging(test_config(&env, &run), &hole)).await;
    let _guard = TenantGuard::create(
        &env,
        &tenant_manifest(&name, &run, "siloed", "pro", "Delete"),
    )
    .await;
    let partial = [
        format!("role {}", names.pg_role()),
        format!("database {}", names.pg_database()),
        format!("topic {}", names.topic()),
        format!("table {}", names.table()),
        format!("ACL user {}", names.redis_user()),
    ];
    let mut present = wait::until(
        LIMIT,
        "all but RabbitMQ, with RabbitMQ in flight",
        || async {
            let present = systems.present(&names).await;
            let all = partial.iter().all(|p| present.contains(p));
            (all && hole.open_connections() > 0).then_some(present)
        },
    )
    .await;
    first.kill();
    present.sort();
    let mut expected = partial.to_vec();
    expected.sort();
    assert_eq!(present, expected, "no vhost and no RabbitMQ user yet");
    let tenant = tenants.get(&name).await.unwrap();
    let ready = tenant
        .status
        .as_ref()
        .and_then(|s| find_condition(&s.conditions, "Ready"))
        .is_some_and(|c| c.is_true());
    assert!(!ready, "the tenant is Ready with half its resources");

    let second = RunningOperator::start(&env, test_config(&env, &run)).await;
    wait_ready(&tenants, &name).await;
    let mut provisioned = systems.present(&names).await;
    provisioned.sort();
    assert_eq!(
        provisioned,
        everything(&names),
        "the next operator finished"
    );
    delete_and_wait(&tenants, &name).await;
    second.stop().await;
}

#[tokio::test]
async fn an_operator_killed_mid_deletion_is_finished_by_the_next_one() {
    let env = TestEnv::new();
    let run = new_run_id();
    let client = env.kube().await;
    let tenants: Api<Tenant> = Api::all(client.clone());
    let systems = BackingSystems::connect(&env).await;
    let hole = BlackHole::start().await;
    let name = unique_name("crash");
    let names = TenantNames::new(&name, "siloed");
    let first = RunningOperator::start(&env, test_config(&env, &run)).await;
    let _guard = TenantGuard::create(
        &env,
        &tenant_manifest(&name, &run, "siloed", "pro", "Delete"),
    )
    .await;
    wait_ready(&tenants, &name).await;
    first.stop().await;

    // Killed while deleting: everything but RabbitMQ is removed, and a call to RabbitMQ is in
    // flight.
    let second =
        RunningOperator::start(&env, with_rabbitmq_hanging(test_config(&env, &run), &hole)).await;
    tenants
        .delete(&name, &DeleteParams::default())
        .await
        .unwrap();
    let rabbitmq_only = [
        format!("user {}", names.rabbitmq_user()),
        format!("vhost {}", names.rabbitmq_vhost()),
    ];
    let mut left = wait::until(
        LIMIT,
        "all but RabbitMQ removed, with RabbitMQ in flight",
        || async {
            let left = systems.present(&names).await;
            let only = left.iter().all(|l| rabbitmq_only.contains(l));
            (only && hole.open_connections() > 0).then_some(left)
        },
    )
    .await;
    second.kill();
    left.sort();
    assert_eq!(
        left, rabbitmq_only,
        "the RabbitMQ vhost and user are not removed yet"
    );
    let held = tenants.get(&name).await.unwrap();
    assert!(
        held.metadata.deletion_timestamp.is_some(),
        "the finalizer holds the Tenant until everything is removed"
    );
    assert!(
        Api::<Namespace>::all(client.clone())
            .get_opt(&format!("tenant-{name}"))
            .await
            .unwrap()
            .is_some(),
        "the namespace (and its Secret) goes last"
    );

    let third = RunningOperator::start(&env, test_config(&env, &run)).await;
    wait_gone(&tenants, &name).await;
    let left = systems.present(&names).await;
    assert!(left.is_empty(), "left over: {left:?}");
    third.stop().await;
}
