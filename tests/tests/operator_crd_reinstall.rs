//! Deleting and reinstalling the CRDs never deletes a tenant's data (the lesson of Capsule
//! #1181): the API server deletes every Tenant with the CRD, and the operator must let them go
//! without running their cleanup. On a private API server, since it deletes a CRD.

use k8s_openapi::api::core::v1::Namespace;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{Api, DeleteParams};
use saascript_crds::Tenant;
use saascript_tests::backing_systems::{BackingSystems, TenantNames};
use saascript_tests::crds::install_crds;
use saascript_tests::operator::{RunningOperator, new_run_id, plan_of, remove_all, test_config};
use saascript_tests::private_api_server::PrivateApiServer;
use saascript_tests::tenants::{PROVISIONING, create_tenant, tenant_manifest, wait_ready};
use saascript_tests::{Dependency, Endpoints, TestEnv, unique_name, wait};

#[tokio::test]
async fn deleting_the_crd_leaves_every_tenant_resource_in_place() {
    let server = PrivateApiServer::start();
    let env = TestEnv::with_endpoints(
        Endpoints::load().with(Dependency::Kubernetes, &server.kubeconfig()),
    );
    let run = new_run_id();
    let operator = RunningOperator::start(&env, test_config(&env, &run)).await;
    let client = env.kube().await;
    let tenants: Api<Tenant> = Api::all(client.clone());
    let name = unique_name("crd");
    create_tenant(
        &tenants,
        &tenant_manifest(&name, &run, "siloed", "pro", "Delete"),
    )
    .await;
    let ready = wait_ready(&tenants, &name).await;
    let ctx = operator.context.clone();
    let plan = plan_of(&ctx, &ready);

    let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
    crds.delete("tenants.saascript.io", &DeleteParams::default())
        .await
        .unwrap();
    wait::until(PROVISIONING, "the Tenant CRD to be gone", || async {
        matches!(crds.get_opt("tenants.saascript.io").await, Ok(None)).then_some(())
    })
    .await;

    // The Tenant went with its CRD, but everything it had is still there, as each system's own
    // client sees it.
    let names = TenantNames::new(&name, "siloed");
    let systems = BackingSystems::connect(&env).await;
    let everything = [
        format!("role tenant_{}", name.replace('-', "_")),
        format!("database tenant_{}", name.replace('-', "_")),
        format!("user tenant-{name}"),
        format!("vhost tenant-{name}"),
        format!("topic tenant.{name}.events"),
        format!("table saascript-profiles-{name}"),
        format!("ACL user tenant-{name}"),
    ];
    let assert_all_there = |when: &'static str| {
        let (systems, names, everything) = (&systems, &names, &everything);
        async move {
            let present = systems.present(names).await;
            for expected in everything {
                assert!(
                    present.contains(expected),
                    "{when}: {expected} was removed; left: {present:?}"
                );
            }
        }
    };
    let namespaces: Api<Namespace> = Api::all(client.clone());
    // The operator has done whatever the CRD's deletion made it do.
    operator.wait_quiet().await;
    assert_all_there("after the CRD was deleted").await;
    assert!(
        namespaces
            .get_opt(&format!("tenant-{name}"))
            .await
            .unwrap()
            .is_some()
    );

    // Reinstalling the CRDs brings no deletion either, whatever the operator does on seeing
    // them again.
    install_crds(&client).await;
    operator.wait_quiet().await;
    assert_all_there("after the CRDs were reinstalled").await;
    assert!(
        namespaces
            .get_opt(&format!("tenant-{name}"))
            .await
            .unwrap()
            .is_some()
    );
    operator.kill();

    remove_all(&ctx, &plan).await;
    drop(server);
}
