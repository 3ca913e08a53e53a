//! No input makes the profiles service answer a 5xx. schemathesis generates hostile and malformed
//! input for every operation in the service's own OpenAPI document (wrong types, huge and empty
//! strings, NUL bytes, missing and extra fields, odd `If-Match` headers) and sends it to a real
//! profiles server, once anonymously and once with a member's token of a real pooled Tenant.
//! Any 5xx fails the test, with schemathesis's report of the request that caused it.

use std::path::PathBuf;
use std::process::Command;

use saascript_tests::TestEnv;
use saascript_tests::profiles_server::{ProfilesServer, member_token, new_user_id, pooled_tenant};
use saascript_tests::token_issuer::TokenIssuer;

/// Examples per operation and phase: enough to reach every kind of bad input, bounded so that
/// the sweep takes well under a minute.
const MAX_EXAMPLES: &str = "25";

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

fn sweep(base: &str, token: Option<&str>, what: &str) -> Result<(), String> {
    let settings = saascript_tests::endpoints::workspace_root().join("tests/schemathesis.toml");
    let mut command = Command::new(schemathesis());
    command
        .arg("--config-file")
        .arg(settings)
        .arg("--no-color")
        .arg("run")
        .arg(format!("{base}/profiles/openapi.json"))
        .args(["--url", base])
        .args(["--checks", "not_a_server_error"])
        .args(["--max-examples", MAX_EXAMPLES])
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
