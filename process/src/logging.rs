//! Logging for every process: JSON lines in cluster, pretty locally; the level comes from
//! RUST_LOG, else `info` with the chattiest libraries at `warn`.

/// Sets up logging in `format` (`json` or `pretty`). A second call (tests start several
/// services in one process) keeps the first subscriber.
pub fn init_logging(format: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,kube=warn,sqlx=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let _ = if format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}
