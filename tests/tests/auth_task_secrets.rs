//! Email tasks at rest hold no usable secret: the outbox row and the RabbitMQ message carry the
//! task sealed with the task key, so the reset token (and the address) that the real email
//! carries appear in neither; and a published row is deleted after the retention.

use std::time::Duration;

use lapin::options::{BasicGetOptions, BasicNackOptions};
use reqwest::StatusCode;
use saascript_tests::auth_server::{AuthOptions, AuthServer};
use saascript_tests::http::post_json;
use saascript_tests::maildir::{token_from, wait_for_mail};
use saascript_tests::{Dependency, TestEnv, unique_name, wait};
use serde_json::json;

#[tokio::test]
async fn the_outbox_and_the_queue_hold_only_ciphertext_and_published_rows_go() {
    let env = TestEnv::new();
    let server = AuthServer::start_with_options(
        &env,
        AuthOptions {
            // Long enough that both rows are still there when the test reads them, on a loaded
            // machine where hashing the passwords takes seconds.
            task_retention: Duration::from_secs(20),
            ..AuthOptions::default()
        },
    )
    .await;
    let maildir = env.endpoints.require(Dependency::SmtpMaildir).to_string();
    let http = reqwest::Client::new();
    let email = format!("{}@example.com", unique_name("sealed"));
    let (status, _) = post_json(
        &http,
        server.url("/auth/register"),
        json!({ "email": email, "password": "correct horse battery staple" }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = post_json(
        &http,
        server.url("/auth/password-reset"),
        json!({ "email": email }),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);

    // Every row and column of the outbox, as committed with the change.
    let rows: Vec<String> = sqlx::query_scalar("SELECT t::text FROM task_outbox t")
        .fetch_all(&server.state.db)
        .await
        .unwrap();
    assert_eq!(rows.len(), 2, "the verification and the reset emails");

    // The messages as the relay published them, put back for the mailer afterwards. A get
    // from a queue the relay has not declared yet would close the channel, so wait for it.
    let systems = saascript_tests::backing_systems::BackingSystems::connect(&env).await;
    wait::until(
        Duration::from_secs(30),
        "the relay to declare the email queue",
        || async {
            systems
                .rabbitmq_has(&["queues", "/", server.email_queue.as_str()])
                .await
                .then_some(())
        },
    )
    .await;
    let connection = env.rabbitmq().await;
    let channel = connection.create_channel().await.unwrap();
    let mut deliveries = vec![];
    while deliveries.len() < 2 {
        let delivery = wait::until(
            Duration::from_secs(20),
            "the relay to publish the email tasks",
            || async {
                channel
                    .basic_get(
                        server.email_queue.as_str().into(),
                        BasicGetOptions::default(),
                    )
                    .await
                    .ok()
                    .flatten()
            },
        )
        .await;
        deliveries.push(delivery);
    }
    let messages: Vec<Vec<u8>> = deliveries.iter().map(|d| d.delivery.data.clone()).collect();
    for delivery in deliveries {
        delivery
            .delivery
            .nack(BasicNackOptions {
                requeue: true,
                ..Default::default()
            })
            .await
            .unwrap();
    }

    // The real email, through the mailer and the SMTP sink.
    let mailer = server.start_mailer(
        &env,
        env.endpoints.require(Dependency::Smtp),
        3,
        Duration::from_millis(100),
    );
    let mail = wait_for_mail(&maildir, &email, "Reset your password").await;
    let token = token_from(&mail);
    assert_eq!(token.len(), 64, "{mail}");

    let stored = rows.join("\n");
    for secret in [token.as_str(), email.as_str()] {
        assert!(
            !stored.contains(secret),
            "{secret} in task_outbox: {stored}"
        );
        for message in &messages {
            let message = String::from_utf8_lossy(message);
            assert!(
                !message.contains(secret),
                "{secret} in a message: {message}"
            );
        }
    }
    // Not vacuous: one of those messages, opened with the key, is that very email.
    assert!(
        messages.iter().any(|m| server.open_task(m)["text"]
            .as_str()
            .unwrap()
            .contains(&token)),
        "a queued message carries the token, sealed"
    );

    // Published rows go once the retention is over.
    wait::until(
        Duration::from_secs(90),
        "the published tasks to be deleted after the retention",
        || async {
            let left: i64 = sqlx::query_scalar("SELECT count(*) FROM task_outbox")
                .fetch_one(&server.state.db)
                .await
                .unwrap();
            (left == 0).then_some(())
        },
    )
    .await;
    mailer.abort();
    let _ = channel
        .queue_delete(server.email_queue.as_str().into(), Default::default())
        .await;
    server.finish(&env).await;
}
