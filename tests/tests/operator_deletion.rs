//! Deleting tenants: both policies leave exactly what they promise, preventDeletion holds a
//! tenant, and an operator restarted at any point finishes the job.

use k8s_openapi::api::core::v1::{Namespace, Secret};
use kube::api::{Api, DeleteParams, Patch, PatchParams};
use saascript_crds::{Tenant, TenantPhase, find_condition};
use saascript_tests::operator::{
    RunningOperator, leftovers, new_run_id, plan_of, remove_all, test_config,
};
use saascript_tests::tenants::{
    PROVISIONING as LIMIT, create_tenant, tenant_manifest, wait_gone, wait_ready,
};
use saascript_tests::{TestEnv, unique_name, wait};
use serde_json::json;

#[tokio::test]
async fn delete_removes_every_backing_resource_and_the_namespace() {
    let env = TestEnv::new();
    let run = new_run_id();
    let operator = RunningOperator::start(&env, test_config(&env, &run)).await;
    let client = env.kube().await;
    let tenants: Api<Tenant> = Api::all(client.clone());
    for isolation in ["siloed", "pooled"] {
        let name = unique_name("del");
        create_tenant(
            &tenants,
            &tenant_manifest(&name, &run, isolation, "pro", "Delete"),
        )
        .await;
        let ready = wait_ready(&tenants, &name).await;
        let plan = plan_of(&operator.context, &ready);
        assert!(
            !leftovers(&operator.context, &plan).await.is_empty(),
            "provisioned first"
        );

        tenants
            .delete(&name, &DeleteParams::default())
            .await
            .unwrap();
        wait_gone(&tenants, &name).await;
        let left = leftovers(&operator.context, &plan).await;
        assert!(
            left.is_empty(),
            "{isolation}: left over after Delete: {left:?}"
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
    create_tenant(
        &tenants,
        &tenant_manifest(&name, &run, "siloed", "pro", "Retain"),
    )
    .await;
    let ready = wait_ready(&tenants, &name).await;
    let plan = plan_of(&operator.context, &ready);
    let secret = Api::<Secret>::namespaced(client.clone(), &format!("tenant-{name}"))
        .get("saascript-tenant-credentials")
        .await
        .unwrap();
    let database_url = String::from_utf8(secret.data.unwrap()["DATABASE_URL"].0.clone()).unwrap();

    tenants
        .delete(&name, &DeleteParams::default())
        .await
        .unwrap();
    wait_gone(&tenants, &name).await;
    let kept = leftovers(&operator.context, &plan).await;
    for expected in [
        format!("database tenant_{}", name.replace('-', "_")),
        format!("vhost tenant-{name}"),
        format!("topic tenant.{name}.events"),
        format!("table saascript-profiles-{name}"),
    ] {
        assert!(
            kept.contains(&expected),
            "Retain must keep {expected}; kept {kept:?}"
        );
    }
    for gone in [
        format!("user tenant-{name}"),
        format!("ACL user tenant-{name}"),
    ] {
        assert!(
            !kept.contains(&gone),
            "Retain removes the credential {gone}; found {kept:?}"
        );
    }
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
    create_tenant(&tenants, &manifest).await;
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

#[tokio::test]
async fn an_operator_killed_mid_way_is_finished_by_the_next_one() {
    let env = TestEnv::new();
    let run = new_run_id();
    let tenants: Api<Tenant> = Api::all(env.kube().await);
    let name = unique_name("crash");

    // Killed while provisioning: as soon as it has put its finalizer on.
    let first = RunningOperator::start(&env, test_config(&env, &run)).await;
    create_tenant(
        &tenants,
        &tenant_manifest(&name, &run, "siloed", "pro", "Delete"),
    )
    .await;
    wait::until(LIMIT, "the finalizer", || async {
        let t = tenants.get(&name).await.ok()?;
        t.metadata
            .finalizers
            .as_ref()
            .is_some_and(|f| !f.is_empty())
            .then_some(())
    })
    .await;
    first.kill();
    let second = RunningOperator::start(&env, test_config(&env, &run)).await;
    let ready = wait_ready(&tenants, &name).await;
    let plan = plan_of(&second.context, &ready);

    // Killed while deleting: the deletion is requested while no operator runs, then a third one
    // finishes it.
    second.kill();
    tenants
        .delete(&name, &DeleteParams::default())
        .await
        .unwrap();
    let third = RunningOperator::start(&env, test_config(&env, &run)).await;
    wait_gone(&tenants, &name).await;
    let left = leftovers(&third.context, &plan).await;
    assert!(left.is_empty(), "left over: {left:?}");
    third.stop().await;
}
