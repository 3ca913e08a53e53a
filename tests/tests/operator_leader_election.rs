//! Two replicas of the operator: only the lease holder reconciles, and when it dies the other
//! takes over once the lease expires.

use kube::api::{Api, DeleteParams};
use saascript_crds::Tenant;
use saascript_tests::operator::{RunningOperator, new_run_id, test_config};
use saascript_tests::tenant_guard::TenantGuard;
use saascript_tests::tenants::{tenant_manifest, wait_gone, wait_ready};
use saascript_tests::{TestEnv, unique_name};

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
    let _first_guard = TenantGuard::create(
        &env,
        &tenant_manifest(&first, &run, "pooled", "free", "Delete"),
    )
    .await;
    wait_ready(&tenants, &first).await;
    let (a_reconciled, b_reconciled) = (a.reconciles(), b.reconciles());
    assert!(
        (a_reconciled > 0) != (b_reconciled > 0),
        "exactly one replica reconciles while the other waits for the lease: \
         a {a_reconciled}, b {b_reconciled}"
    );
    let (leader, follower) = if a_reconciled > 0 { (a, b) } else { (b, a) };

    // The leader dies without releasing the lease; the follower waits for it to expire.
    leader.kill();
    let second = unique_name("lead");
    let _second_guard = TenantGuard::create(
        &env,
        &tenant_manifest(&second, &run, "pooled", "free", "Delete"),
    )
    .await;
    wait_ready(&tenants, &second).await;
    assert!(follower.reconciles() > 0, "the follower took over");

    for name in [&first, &second] {
        tenants
            .delete(name, &DeleteParams::default())
            .await
            .unwrap();
    }
    for name in [&first, &second] {
        wait_gone(&tenants, name).await;
    }
    follower.stop().await;
}
