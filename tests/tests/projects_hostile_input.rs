//! No input makes the projects service answer a 5xx: schemathesis generates hostile and
//! malformed input (wrong types, huge and empty strings, NUL bytes, missing and extra fields)
//! for every operation in /projects/openapi.json, sent straight to a real projects service on
//! real PostgreSQL, once anonymously and once with a member's token of a real Tenant.

use std::path::PathBuf;
use std::process::Command;

use saascript_tests::TestEnv;
use saascript_tests::auth_server::AuthServer;
use saascript_tests::projects_server::{ProjectsOptions, ProjectsServer};

fn schemathesis() -> PathBuf {
    let path = std::env::var_os("SAASCRIPT_SCHEMATHESIS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let home = std::env::var_os("HOME").expect("HOME is set");
            PathBuf::from(home).join(".cache/saascript/schemathesis-venv/bin/schemathesis")
        });
    assert!(
        path.exists(),
        "schemathesis is not installed at {}; run: scripts/toolchain",
        path.display()
    );
    path
}

/// Runs schemathesis against the service: Err with its report on any 5xx.
fn sweep(base: &str, token: Option<&str>, what: &str) -> Result<(), String> {
    let settings = saascript_tests::endpoints::workspace_root().join("tests/schemathesis.toml");
    let mut command = Command::new(schemathesis());
    command
        .arg("--config-file")
        .arg(settings)
        .arg("--no-color")
        .arg("run")
        .arg(format!("{base}/projects/openapi.json"))
        .args(["--url", base])
        .args(["--checks", "not_a_server_error"])
        .args(["--max-examples", "20"])
        .args(["--phases", "examples,coverage,fuzzing"])
        .args(["--workers", "2"])
        .args(["--request-timeout", "30"])
        .args(["--suppress-health-check", "all"])
        .arg("--continue-on-failure")
        .env("SCHEMATHESIS_HOOKS", "")
        .env("NO_COLOR", "1");
    if let Some(token) = token {
        command.args(["--header", &format!("Authorization: Bearer {token}")]);
    }
    let output = command.output().expect("schemathesis runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("sweep {what}:\n{stdout}");
    if !output.status.success() {
        return Err(format!(
            "the hostile-input sweep {what} found failures:\n{stdout}\n{stderr}"
        ));
    }
    if !stdout.contains("passed") || stdout.contains("No operations") {
        return Err(format!(
            "the sweep {what} ran no operations:\n{stdout}\n{stderr}"
        ));
    }
    Ok(())
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
