//! A backing service that goes away and comes back: the tenant's condition turns False with a
//! reason an admin can act on, then recovers by itself. The outage is a TCP proxy in front of
//! the real Redis that the test cuts, so that other tests keep their Redis.

use std::net::SocketAddr;
use std::time::Duration;

use kube::api::{Api, Patch, PatchParams};
use saascript_crds::{Tenant, TenantPhase, find_condition};
use saascript_tests::operator::{RunningOperator, new_run_id, test_config};
use saascript_tests::tcp_proxy::TcpProxy;
use saascript_tests::tenant_guard::TenantGuard;
use saascript_tests::tenants::{delete_and_wait, tenant_manifest};
use saascript_tests::{Dependency, TestEnv, unique_name, wait};
use serde_json::json;

const LIMIT: Duration = Duration::from_secs(60);

fn redis_address(env: &TestEnv) -> SocketAddr {
    let url = env.endpoints.require(Dependency::Redis);
    let host_port = url
        .trim_start_matches("redis://")
        .split('/')
        .next()
        .unwrap();
    let host_port = host_port.rsplit('@').next().unwrap();
    let host_port = if host_port.starts_with("localhost") {
        host_port.replacen("localhost", "127.0.0.1", 1)
    } else {
        host_port.to_string()
    };
    host_port
        .parse()
        .unwrap_or_else(|e| panic!("REDIS_URL {url}: {e}"))
}

async fn cache_condition(
    api: &Api<Tenant>,
    name: &str,
) -> Option<(bool, String, Option<TenantPhase>)> {
    let t = api.get(name).await.ok()?;
    let status = t.status?;
    let c = find_condition(&status.conditions, "CacheReady")?;
    Some((c.is_true(), c.reason.clone(), status.phase))
}

#[tokio::test]
async fn a_redis_outage_shows_in_the_condition_and_heals() {
    let env = TestEnv::new();
    let proxy = TcpProxy::start(redis_address(&env)).await;
    let run = new_run_id();
    let mut config = test_config(&env, &run);
    config.redis_url = format!("redis://{}", proxy.address).into();
    let operator = RunningOperator::start(&env, config).await;
    let tenants: Api<Tenant> = Api::all(env.kube().await);
    let name = unique_name("flaky");
    let manifest = tenant_manifest(&name, &run, "pooled", "free", "Delete");
    let _guard = TenantGuard::create(&env, &manifest).await;
    wait::until(LIMIT, "CacheReady=True", || async {
        cache_condition(&tenants, &name)
            .await
            .filter(|c| c.0)
            .map(|_| ())
    })
    .await;

    proxy.cut();
    // Any change makes the operator look again; in production the periodic resync does it.
    tenants
        .patch(
            &name,
            &PatchParams::default(),
            &Patch::Merge(json!({ "metadata": { "annotations": { "poke": "1" } } })),
        )
        .await
        .unwrap();
    let (_, reason, phase) = wait::until(LIMIT, "CacheReady=False", || async {
        cache_condition(&tenants, &name).await.filter(|c| !c.0)
    })
    .await;
    assert_eq!(reason, "RedisUnreachable");
    assert_eq!(phase, Some(TenantPhase::Provisioning));
    let ready = find_condition(
        &tenants.get(&name).await.unwrap().status.unwrap().conditions,
        "Ready",
    )
    .unwrap()
    .clone();
    assert!(!ready.is_true());
    assert!(
        ready.message.contains("CacheReady (RedisUnreachable)"),
        "{}",
        ready.message
    );

    proxy.restore();
    // No poke: the failed reconcile is retried with back-off until Redis answers again.
    let (_, reason, phase) = wait::until(LIMIT, "CacheReady=True again", || async {
        cache_condition(&tenants, &name).await.filter(|c| c.0)
    })
    .await;
    assert_eq!(reason, "Provisioned");
    assert_eq!(phase, Some(TenantPhase::Ready));

    delete_and_wait(&tenants, &name).await;
    operator.stop().await;
}
