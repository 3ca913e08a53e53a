//! Two replicas of the operator: only the lease holder reconciles, and when it dies the other
//! takes over once the lease expires.

use std::time::Duration;

use kube::api::{Api, DeleteParams, PostParams};
use saascript_crds::{Tenant, find_condition};
use saascript_tests::operator::{RunningOperator, TEST_RUN_LABEL, new_run_id, test_config};
use saascript_tests::{TestEnv, unique_name, wait};
use serde_json::json;

const LIMIT: Duration = Duration::from_secs(60);

fn tenant(name: &str, run: &str) -> Tenant {
    serde_json::from_value(json!({
        "apiVersion": "saascript.io/v1alpha1", "kind": "Tenant",
        "metadata": { "name": name, "labels": { TEST_RUN_LABEL: run } },
        "spec": { "displayName": name, "owners": ["ops@example.com"], "deletionPolicy": "Delete" },
    }))
    .unwrap()
}

async fn wait_ready(api: &Api<Tenant>, name: &str) {
    wait::until(LIMIT, &format!("tenant {name} to be Ready"), || async {
        let t = api.get(name).await.ok()?;
        find_condition(&t.status?.conditions, "Ready")?
            .is_true()
            .then_some(())
    })
    .await;
}

#[tokio::test]
async fn only_the_leader_reconciles_and_the_other_takes_over() {
    let env = TestEnv::new();
    let run = new_run_id();
    let lease = unique_name("lease");
    let config = |identity: &str| {
        let mut config = test_config(&env, &run);
        config.leader_election = true;
        config.lease_name = lease.clone();
        config.lease_namespace = "default".into();
        config.identity = Some(identity.into());
        config.lease_seconds = 3;
        config.lease_renew_seconds = 1;
        config
    };
    let a = RunningOperator::start_elected(&env, config("replica-a")).await;
    let b = RunningOperator::start_elected(&env, config("replica-b")).await;
    let tenants: Api<Tenant> = Api::all(env.kube().await);
    let first = unique_name("lead");
    tenants
        .create(&PostParams::default(), &tenant(&first, &run))
        .await
        .unwrap();
    wait_ready(&tenants, &first).await;
    let (leader, follower) = if a.reconciles() > 0 { (a, b) } else { (b, a) };
    assert!(leader.reconciles() > 0);
    assert_eq!(
        follower.reconciles(),
        0,
        "the follower must not reconcile while the leader holds the lease"
    );

    // The leader dies without releasing the lease; the follower waits for it to expire.
    leader.kill();
    let second = unique_name("lead");
    tenants
        .create(&PostParams::default(), &tenant(&second, &run))
        .await
        .unwrap();
    wait_ready(&tenants, &second).await;
    assert!(follower.reconciles() > 0, "the follower took over");

    for name in [&first, &second] {
        tenants
            .delete(name, &DeleteParams::default())
            .await
            .unwrap();
    }
    for name in [&first, &second] {
        wait::until(LIMIT, "the tenant to be gone", || async {
            matches!(tenants.get_opt(name).await, Ok(None)).then_some(())
        })
        .await;
    }
    follower.stop().await;
}
