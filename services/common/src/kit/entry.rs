//! `main` for every service: install the TLS provider, parse the flags, start logging, build
//! the service, start its background work and serve until SIGTERM or Ctrl-C.

use std::fmt::Display;
use std::future::Future;
use std::process::ExitCode;

use super::{Platform, Service};
use crate::http::HttpConfig;

/// A service's configuration: its flags, with the shared HTTP group among them.
pub trait ServiceConfig: clap::Parser {
    fn http(&self) -> &HttpConfig;
}

/// Runs the service called `name` (for logs and errors): `build` gets the parsed flags and the
/// platform (the default Kubernetes configuration and the system clock).
pub fn run_main<C, S, E, F, Fut>(name: &str, build: F) -> ExitCode
where
    C: ServiceConfig,
    F: FnOnce(C, Platform) -> Fut,
    Fut: Future<Output = Result<Service<S>, E>>,
    E: Display,
{
    crate::install_crypto_provider();
    let config = C::parse();
    crate::http::config::init_logging(&config.http().log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return failed(name, e),
    };
    runtime.block_on(async move {
        let http = config.http().clone();
        let platform = match Platform::from_environment().await {
            Ok(platform) => platform,
            Err(e) => return failed(name, e),
        };
        let service = match build(config, platform).await {
            Ok(service) => service,
            Err(e) => return failed(name, e),
        };
        service.background.spawn_all();
        match crate::http::serve(service.app, &http).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => failed(name, format!("serving: {e}")),
        }
    })
}

fn failed(name: &str, error: impl Display) -> ExitCode {
    tracing::error!(error = %error, "saascript-{name} failed");
    eprintln!("saascript-{name}: {error}");
    ExitCode::FAILURE
}
