//! The mailer worker: consumes `email.send` tasks and sends them over SMTP. A failed send waits
//! in the retry queue for a back-off that doubles with each attempt; after the last attempt the
//! task goes to the dead-letter queue. A malformed task, or one that does not open with the task
//! key, goes there at once.

use std::time::Duration;

use futures::StreamExt;
use lapin::options::{BasicAckOptions, BasicConsumeOptions, BasicQosOptions, ConfirmSelectOptions};
use lapin::types::FieldTable;
use lapin::{Connection, ConnectionProperties};
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use saascript_common::tasks;
use serde::Deserialize;

use crate::sealed_tasks::SealedTask;
use crate::task_key::TaskKey;

#[derive(Clone, Debug)]
pub struct MailerSettings {
    pub amqp_url: String,
    pub queue: String,
    /// `smtp://host:port` (plain, for a local sink) or `smtps://host:port` (TLS).
    pub smtp_url: String,
    pub from: String,
    pub max_attempts: u32,
    pub base_backoff: Duration,
    /// Opens the tasks that auth sealed.
    pub key: TaskKey,
}

#[derive(Deserialize)]
struct EmailTask {
    to: String,
    subject: String,
    text: String,
}

#[derive(Debug, thiserror::Error)]
pub enum MailerError {
    #[error("RabbitMQ: {0}")]
    Broker(#[from] lapin::Error),
    #[error(transparent)]
    Task(#[from] tasks::TaskError),
    #[error("SMTP settings: {0}")]
    Smtp(String),
}

fn transport(url: &str) -> Result<AsyncSmtpTransport<Tokio1Executor>, MailerError> {
    let (tls, rest) = if let Some(rest) = url.strip_prefix("smtps://") {
        (true, rest)
    } else if let Some(rest) = url.strip_prefix("smtp://") {
        (false, rest)
    } else {
        return Err(MailerError::Smtp(format!(
            "{url}: expected smtp:// or smtps://"
        )));
    };
    let (host, port) = rest
        .trim_end_matches('/')
        .rsplit_once(':')
        .unwrap_or((rest, if tls { "465" } else { "25" }));
    let port: u16 = port
        .parse()
        .map_err(|_| MailerError::Smtp(format!("bad port in {url}")))?;
    let builder = if tls {
        AsyncSmtpTransport::<Tokio1Executor>::relay(host)
            .map_err(|e| MailerError::Smtp(e.to_string()))?
    } else {
        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
    };
    Ok(builder
        .port(port)
        .timeout(Some(Duration::from_secs(10)))
        .build())
}

/// The email of a sealed task; Err says why there is none (for good: a retry would not help).
fn open(key: &TaskKey, data: &[u8]) -> Result<EmailTask, String> {
    let task: SealedTask =
        serde_json::from_slice(data).map_err(|e| format!("malformed task: {e}"))?;
    let plaintext = key
        .open(task.id, &task.sealed)
        .map_err(|e| format!("task {}: {e}", task.id))?;
    serde_json::from_slice(&plaintext)
        .map_err(|e| format!("task {}: malformed email: {e}", task.id))
}

/// Sends one task's email; Err says why (a retry will follow, or the dead-letter queue).
async fn send(
    smtp: &AsyncSmtpTransport<Tokio1Executor>,
    from: &Mailbox,
    task: &EmailTask,
) -> Result<(), String> {
    let to: Mailbox = task.to.parse().map_err(|e| format!("bad recipient: {e}"))?;
    let message = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(&task.subject)
        .body(task.text.clone())
        .map_err(|e| e.to_string())?;
    smtp.send(message)
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// Runs until the connection fails (the caller restarts it) or `stop` resolves.
pub async fn run(
    settings: MailerSettings,
    stop: impl std::future::Future<Output = ()>,
) -> Result<(), MailerError> {
    let smtp = transport(&settings.smtp_url)?;
    let from: Mailbox = settings
        .from
        .parse()
        .map_err(|e| MailerError::Smtp(format!("bad sender: {e}")))?;
    let connection =
        Connection::connect(&settings.amqp_url, ConnectionProperties::default()).await?;
    let channel = connection.create_channel().await?;
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await?;
    tasks::declare(&channel, &settings.queue).await?;
    channel.basic_qos(10, BasicQosOptions::default()).await?;
    let mut consumer = channel
        .basic_consume(
            settings.queue.as_str().into(),
            "saascript-mailer".into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await?;
    tracing::info!(queue = %settings.queue, "mailer consuming");
    tokio::pin!(stop);
    loop {
        let delivery = tokio::select! {
            () = &mut stop => break,
            next = consumer.next() => match next {
                Some(Ok(delivery)) => delivery,
                Some(Err(e)) => return Err(e.into()),
                None => break,
            },
        };
        let attempts = tasks::attempts_of(&delivery.properties);
        let outcome = match open(&settings.key, &delivery.data) {
            Ok(task) => send(&smtp, &from, &task).await.map_err(|e| (e, true)),
            Err(e) => Err((e, false)),
        };
        if let Err((reason, retryable)) = outcome {
            let attempt = attempts + 1;
            if retryable && attempt < settings.max_attempts {
                let backoff = settings
                    .base_backoff
                    .saturating_mul(1 << (attempt - 1).min(16));
                tracing::warn!(%reason, attempt, backoff_ms = backoff.as_millis() as u64, "email failed; will retry");
                let retry = tasks::retry_queue(&settings.queue);
                tasks::publish(
                    &channel,
                    &retry,
                    &delivery.data,
                    attempt,
                    Some(backoff.as_millis() as u64),
                )
                .await?;
            } else {
                tracing::error!(%reason, attempt, "email failed for good; dead-lettered");
                tasks::publish(
                    &channel,
                    &tasks::dead_queue(&settings.queue),
                    &delivery.data,
                    attempt,
                    None,
                )
                .await?;
            }
        }
        // Acked only once the task is sent, or safely in the retry or dead-letter queue.
        delivery.ack(BasicAckOptions::default()).await?;
    }
    Ok(())
}
