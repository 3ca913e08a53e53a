//! `saascript-operator`: see the crate's README.

use std::process::ExitCode;

use clap::Parser;
use saascript_operator::Config;

#[tokio::main]
async fn main() -> ExitCode {
    saascript_process::install_crypto_provider();
    let config = Config::parse();
    saascript_process::init_logging(&config.log_format);
    match saascript_operator::run(config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "saascript-operator failed");
            eprintln!("saascript-operator: {e}");
            ExitCode::FAILURE
        }
    }
}
