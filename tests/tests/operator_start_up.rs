//! The operator's start-up check against the local API server.

use saascript_tests::TestEnv;
use saascript_tests::crds::install_crds;

#[tokio::test]
async fn the_start_up_check_passes_once_the_crds_are_installed() {
    let env = TestEnv::new();
    let client = env.kube().await;
    install_crds(&client).await;
    saascript_operator::crd_check::ensure_crds_installed(&client)
        .await
        .expect("all three CRDs are installed");
}

#[test]
fn a_missing_crd_says_how_to_install_it() {
    let message = saascript_operator::Error::CrdMissing("tenants.saascript.io".into()).to_string();
    assert!(
        message.contains("kubectl apply --server-side -f crds/manifests/"),
        "{message}"
    );
}

#[tokio::test]
async fn a_bad_catalog_stops_start_up_with_what_is_wrong() {
    let env = TestEnv::new();
    let client = env.kube().await;
    let dir = std::env::temp_dir().join(saascript_tests::unique_name("catalog"));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("plans.yaml");
    let shipped = std::fs::read_to_string(
        saascript_tests::endpoints::workspace_root().join("config/plans.yaml"),
    )
    .unwrap();
    std::fs::write(&path, shipped.replace("memory: 16Gi", "memory: lots")).unwrap();
    let mut config = saascript_tests::operator::test_config(&env, "unused");
    config.catalog = path;
    let metrics = std::sync::Arc::new(saascript_operator::metrics::Metrics::new());
    let error = match saascript_operator::Context::new(client, config, metrics) {
        Ok(_) => panic!("an invalid catalog was accepted"),
        Err(e) => e.to_string(),
    };
    assert!(
        error.contains("plans.pro.quota.memory is \"lots\", which is not a Kubernetes quantity"),
        "{error}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}
