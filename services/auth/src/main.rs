//! `saascript-auth`: see the crate's README.

use std::process::ExitCode;

use clap::Parser;
use saascript_auth::Config;

#[tokio::main]
async fn main() -> ExitCode {
    saascript_common::install_crypto_provider();
    let config = Config::parse();
    saascript_common::http::config::init_logging(&config.http.log_format);
    match saascript_auth::run(config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "saascript-auth failed");
            eprintln!("saascript-auth: {e}");
            ExitCode::FAILURE
        }
    }
}
