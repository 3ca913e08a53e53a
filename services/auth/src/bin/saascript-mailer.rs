//! `saascript-mailer`: the worker that sends `email.send` tasks over SMTP, with retries and a
//! dead-letter queue. It restarts its consumer after a broker failure.

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use saascript_common::Sensitive;

#[derive(Debug, Parser)]
#[command(
    name = "saascript-mailer",
    about = "Sends SaaScript's email tasks over SMTP"
)]
struct Config {
    #[arg(
        long,
        env = "AMQP_URL",
        default_value = "amqp://guest:guest@127.0.0.1:5672/%2f",
        hide_env_values = true
    )]
    amqp_url: Sensitive,
    #[arg(long, env = "EMAIL_QUEUE", default_value = "email.send")]
    queue: String,
    #[arg(
        long,
        env = "SMTP_URL",
        default_value = "smtp://127.0.0.1:2525",
        hide_env_values = true
    )]
    smtp_url: Sensitive,
    #[arg(
        long,
        env = "MAIL_FROM",
        default_value = "SaaScript <no-reply@saascript.local>"
    )]
    from: String,
    #[arg(long, env = "MAILER_MAX_ATTEMPTS", default_value_t = 5)]
    max_attempts: u32,
    #[arg(long, env = "MAILER_BACKOFF_MS", default_value_t = 1000)]
    backoff_ms: u64,
    #[arg(long, env = "LOG_FORMAT", default_value = "pretty")]
    log_format: String,
    /// The key auth seals email tasks with (64 hex digits); the same as auth's.
    #[arg(long, env = "EMAIL_TASK_KEY", hide_env_values = true)]
    email_task_key: Sensitive,
}

#[tokio::main]
async fn main() -> ExitCode {
    saascript_common::install_crypto_provider();
    let config = Config::parse();
    saascript_common::http::config::init_logging(&config.log_format);
    let key = match saascript_auth::task_key::TaskKey::from_hex(&config.email_task_key) {
        Ok(key) => key,
        Err(e) => {
            eprintln!("saascript-mailer: --email-task-key: {e}");
            return ExitCode::FAILURE;
        }
    };
    let settings = saascript_auth::mailer::MailerSettings {
        amqp_url: config.amqp_url.expose().to_string(),
        queue: config.queue.clone(),
        smtp_url: config.smtp_url.expose().to_string(),
        from: config.from.clone(),
        max_attempts: config.max_attempts.max(1),
        base_backoff: Duration::from_millis(config.backoff_ms),
        key,
    };
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        saascript_common::shutdown::signal().await;
        let _ = stop_tx.send(true);
    });
    loop {
        let mut stop = stop_rx.clone();
        let result = saascript_auth::mailer::run(settings.clone(), async move {
            let _ = stop.wait_for(|s| *s).await;
        })
        .await;
        if *stop_rx.borrow() {
            return ExitCode::SUCCESS;
        }
        match result {
            Err(saascript_auth::mailer::MailerError::Smtp(e)) => {
                eprintln!("saascript-mailer: {e}");
                return ExitCode::FAILURE;
            }
            Err(e) => tracing::warn!(error = %e, "mailer stopped; restarting in 2 s"),
            Ok(()) => tracing::warn!("the consumer ended; restarting in 2 s"),
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
}
