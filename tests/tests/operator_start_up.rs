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
