//! No input makes the projects service answer a 5xx: schemathesis generates hostile and
//! malformed input (wrong types, huge and empty strings, NUL bytes, missing and extra fields)
//! for every operation in /projects/openapi.json, sent straight to a real projects service on
//! real PostgreSQL, once anonymously and once with a member's token of a real Tenant.

use saascript_tests::TestEnv;
use saascript_tests::auth_server::AuthServer;
use saascript_tests::projects_server::{ProjectsOptions, ProjectsServer};

/// The sweep of this test's document.
fn sweep(base: &str, token: Option<&str>, what: &str) -> Result<(), String> {
    saascript_tests::schemathesis::Sweep {
        document: format!("{base}/projects/openapi.json"),
        base,
        max_examples: 20,
        exclude_paths: &[],
    }
    .run(token, what)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_input_makes_the_projects_service_answer_5xx() {
    let env = TestEnv::new();
    let auth = AuthServer::start(&env).await;
    let service = ProjectsServer::start(&env, &auth, ProjectsOptions::default()).await;
    let tenant = service.tenant(&env, "pooled", 100_000).await;
    let member = tenant.token(&auth, "user-sweep", &["member"]).await;
    let base = service.base.clone();
    let outcome = tokio::task::spawn_blocking(move || {
        sweep(&base, None, "without a token")?;
        sweep(&base, Some(&member), "with a member's token")
    })
    .await
    .expect("the sweep ran");
    if let Err(report) = outcome {
        panic!("{report}");
    }
    service.finish(&env).await;
}
