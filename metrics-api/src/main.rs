use clap::Parser;
use saascript_metrics_api::Config;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    saascript_process::crypto::install_crypto_provider();
    let config = Config::parse();
    saascript_process::logging::init_logging(&config.log_format);
    match saascript_metrics_api::run(config).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(%error, "saascript-metrics-api stopped");
            std::process::ExitCode::FAILURE
        }
    }
}
