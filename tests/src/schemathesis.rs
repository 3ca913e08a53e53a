//! The hostile-input sweep, one runner for every test that uses it: schemathesis (installed by
//! `scripts/toolchain`) generates hostile and malformed input for every operation of an OpenAPI
//! document (wrong types, huge and empty strings, NUL bytes, missing and extra fields, odd
//! headers), sends it to a real server, and fails on any 5xx with its report of the request.

use std::path::PathBuf;
use std::process::Command;

/// One sweep: the document, where to send the requests, and how hard to try.
pub struct Sweep<'a> {
    /// The OpenAPI document's URL.
    pub document: String,
    /// The base URL the document's paths are sent to.
    pub base: &'a str,
    /// Examples per operation and phase: enough to reach every kind of bad input, bounded so
    /// that a sweep takes about a minute.
    pub max_examples: u32,
    /// Paths that answer the same whatever the input (each with its reason at the caller).
    pub exclude_paths: &'a [&'a str],
}

/// schemathesis, from the virtualenv that `scripts/toolchain` installs.
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

impl Sweep<'_> {
    /// Runs the sweep with `token` (None: anonymous); Err with the report on any 5xx, or when
    /// the sweep reached no operation (a sweep that reached nothing proves nothing).
    pub fn run(&self, token: Option<&str>, what: &str) -> Result<(), String> {
        let settings = crate::endpoints::workspace_root().join("tests/schemathesis.toml");
        let mut command = Command::new(schemathesis());
        command
            .arg("--config-file")
            .arg(settings)
            .arg("--no-color")
            .arg("run")
            .arg(&self.document)
            .args(["--url", self.base])
            .args(["--checks", "not_a_server_error"])
            .args(["--max-examples", &self.max_examples.to_string()])
            .args(["--phases", "examples,coverage,fuzzing"])
            .args(["--workers", "2"])
            .args(["--request-timeout", "30"])
            .args(["--suppress-health-check", "all"])
            .arg("--continue-on-failure")
            .env("SCHEMATHESIS_HOOKS", "")
            .env("NO_COLOR", "1");
        for path in self.exclude_paths {
            command.args(["--exclude-path", path]);
        }
        if let Some(token) = token {
            command.args(["--header", &format!("Authorization: Bearer {token}")]);
        }
        let output = command.output().expect("schemathesis runs");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        // Shown with --no-capture, and by nextest when the test fails.
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
}
