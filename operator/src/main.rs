//! `saascript-operator`: see the crate's README.

use std::process::ExitCode;

use clap::Parser;
use saascript_operator::Config;

#[tokio::main]
async fn main() -> ExitCode {
    saascript_common::install_crypto_provider();
    let config = Config::parse();
    init_logging(&config.log_format);
    match saascript_operator::run(config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "saascript-operator failed");
            eprintln!("saascript-operator: {e}");
            ExitCode::FAILURE
        }
    }
}

/// JSON logs in cluster, pretty ones locally; the level comes from RUST_LOG (default info).
fn init_logging(format: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,kube=warn,sqlx=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    if format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}
