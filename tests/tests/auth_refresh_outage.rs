//! While the Kubernetes API does not answer, refresh cannot check the session's Tenant: it
//! answers 503 and mints nothing, and the refresh token stays usable, so that the client's
//! retry after the outage is not taken for a replay (which would revoke the session).

use kube::api::Api;
use reqwest::StatusCode;
use saascript_crds::Tenant;
use saascript_tests::auth_server::{AuthOptions, AuthServer};
use saascript_tests::crds::install_crds;
use saascript_tests::http::post_json;
use saascript_tests::tcp_proxy::TcpProxy;
use saascript_tests::{TestEnv, unique_name};
use serde_json::json;

const PASSWORD: &str = "correct horse battery staple";

#[tokio::test]
async fn refresh_waits_out_an_api_outage_without_losing_the_session() {
    let env = TestEnv::new();
    install_crds(&env.kube().await).await;
    // Auth reaches the API server through a proxy the test can cut.
    let mut config = env.kube_config().await;
    let api = config.cluster_url.authority().unwrap().as_str().to_string();
    let proxy = TcpProxy::start(tokio::net::lookup_host(&api).await.unwrap().next().unwrap()).await;
    config.cluster_url = format!("https://{}", proxy.address).parse().unwrap();
    let server = AuthServer::start_with_options(
        &env,
        AuthOptions {
            kube: Some(kube::Client::try_from(config).unwrap()),
            ..AuthOptions::default()
        },
    )
    .await;
    let http = reqwest::Client::new();
    let name = unique_name("outage");
    server.create_tenant(&name).await;
    let email = format!("{}@example.com", unique_name("o"));
    let user = server.register_verified(&http, &email, PASSWORD).await;
    server.add_member(&user, &name, "owner").await;
    let (status, tokens) = post_json(
        &http,
        server.url("/auth/login"),
        json!({ "email": email, "password": PASSWORD }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{tokens}");

    proxy.cut();
    let (status, problem) = post_json(
        &http,
        server.url("/auth/refresh"),
        json!({ "refresh_token": tokens["refresh_token"] }),
    )
    .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{problem}");
    assert_eq!(problem["code"], "tenants_unavailable");

    proxy.restore();
    let (status, rotated) = post_json(
        &http,
        server.url("/auth/refresh"),
        json!({ "refresh_token": tokens["refresh_token"] }),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the same token works after the outage: {rotated}"
    );
    assert_ne!(rotated["refresh_token"], tokens["refresh_token"]);

    let _ = Api::<Tenant>::all(env.kube().await)
        .delete(&name, &Default::default())
        .await;
    server.finish(&env).await;
}
