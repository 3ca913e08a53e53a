//! `saascript-operator`: for now, the start-up check that the CRDs are installed.

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    saascript_common::install_crypto_provider();
    let client = match kube::Client::try_default().await {
        Ok(client) => client,
        Err(e) => {
            eprintln!("saascript-operator: cannot reach the Kubernetes API (set KUBECONFIG): {e}");
            return ExitCode::FAILURE;
        }
    };
    match saascript_operator::crd_check::ensure_crds_installed(&client).await {
        Ok(()) => {
            println!("saascript-operator: the SaaScript CRDs are installed");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("saascript-operator: {e}");
            ExitCode::FAILURE
        }
    }
}
