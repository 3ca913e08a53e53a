//! No input makes the profiles service answer a 5xx. schemathesis generates hostile and malformed
//! input for every operation in the service's own OpenAPI document (wrong types, huge and empty
//! strings, NUL bytes, missing and extra fields, odd `If-Match` headers) and sends it to a real
//! profiles server, once anonymously and once with a member's token of a real pooled Tenant.
//! Any 5xx fails the test, with schemathesis's report of the request that caused it.

use saascript_tests::TestEnv;
use saascript_tests::profiles_server::{ProfilesServer, member_token, new_user_id, pooled_tenant};
use saascript_tests::token_issuer::TokenIssuer;

/// The sweep of this test's document.
fn sweep(base: &str, token: Option<&str>, what: &str) -> Result<(), String> {
    saascript_tests::schemathesis::Sweep {
        document: format!("{base}/profiles/openapi.json"),
        base,
        max_examples: 25,
        exclude_paths: &[],
    }
    .run(token, what)
}

#[tokio::test]
async fn no_input_makes_profiles_answer_5xx() {
    let env = TestEnv::new();
    let issuer = TokenIssuer::start().await;
    let server = ProfilesServer::start(&env, &issuer).await;
    let tenant = pooled_tenant(&env).await;
    server.wait_known(&tenant.name, &tenant.uid).await;
    let token = member_token(&issuer, &tenant, &new_user_id());

    let base = server.base.clone();
    let outcome = tokio::task::spawn_blocking(move || {
        sweep(&base, None, "without a token")?;
        sweep(&base, Some(&token), "with a member's token")
    })
    .await
    .expect("the sweep ran");
    if let Err(report) = outcome {
        panic!("{report}");
    }

    server.finish(&env).await;
}
