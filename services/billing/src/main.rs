//! `saascript-billing`: see the crate's README.

use std::process::ExitCode;

use clap::Parser;
use saascript_billing::Config;

#[tokio::main]
async fn main() -> ExitCode {
    saascript_common::install_crypto_provider();
    let config = Config::parse();
    saascript_common::http::config::init_logging(&config.http.log_format);
    match saascript_billing::run(config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "saascript-billing failed");
            eprintln!("saascript-billing: {e}");
            ExitCode::FAILURE
        }
    }
}
