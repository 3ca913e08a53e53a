//! Email verification and password reset end to end: the outbox relays the task to RabbitMQ,
//! the mailer sends it over SMTP to the sink, and the test reads the link from the stored mail.
//! And a mail server that refuses: the task is retried with back-off, then dead-lettered.

use std::time::Duration;

use lapin::options::QueueDeclareOptions;
use lapin::types::FieldTable;
use reqwest::StatusCode;
use saascript_common::tasks::dead_queue;
use saascript_tests::auth_server::{AuthServer, WEB_ORIGIN};
use saascript_tests::http::post_json;
use saascript_tests::maildir::{token_from, wait_for_mail};
use saascript_tests::{Dependency, TestEnv, unique_name, wait};
use serde_json::json;

const PASSWORD: &str = "correct horse battery staple";

#[tokio::test]
async fn register_verify_by_email_then_log_in_and_reset_the_password() {
    let env = TestEnv::new();
    let server = AuthServer::start(&env).await;
    let smtp = env.endpoints.require(Dependency::Smtp).to_string();
    let maildir = env.endpoints.require(Dependency::SmtpMaildir).to_string();
    let mailer = server.start_mailer(&env, &smtp, 3, Duration::from_millis(100));
    let http = reqwest::Client::new();
    let email = format!("{}@example.com", unique_name("mail"));

    let (status, _) = post_json(
        &http,
        server.url("/auth/register"),
        json!({ "email": email, "password": PASSWORD }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    // Not verified yet: the right password is not enough.
    let (status, problem) = post_json(
        &http,
        server.url("/auth/login"),
        json!({ "email": email, "password": PASSWORD }),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(problem["code"], "email_not_verified");

    let mail = wait_for_mail(&maildir, &email, "Confirm your email address").await;
    assert!(
        mail.contains("Subject: Confirm your email address"),
        "{mail}"
    );
    assert!(
        mail.contains(&format!("{WEB_ORIGIN}/verify-email?token=")),
        "{mail}"
    );
    let token = token_from(&mail);
    let response = http
        .post(server.url("/auth/verify-email"))
        .json(&json!({ "token": token }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    // Single use.
    let (status, problem) = post_json(
        &http,
        server.url("/auth/verify-email"),
        json!({ "token": token }),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(problem["code"], "email_token_invalid");
    let (status, session) = post_json(
        &http,
        server.url("/auth/login"),
        json!({ "email": email, "password": PASSWORD }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{session}");

    // Password reset: 202 whatever the address, a link by email, and every session ends.
    let (status, _) = post_json(
        &http,
        server.url("/auth/password-reset"),
        json!({ "email": "nobody@example.com" }),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (status, _) = post_json(
        &http,
        server.url("/auth/password-reset"),
        json!({ "email": email }),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let reset = wait_for_mail(&maildir, &email, "Reset your password").await;
    let new_password = "a brand new passphrase";
    let response = http
        .post(server.url("/auth/password-reset/confirm"))
        .json(&json!({ "token": token_from(&reset), "password": new_password }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let (status, _) = post_json(
        &http,
        server.url("/auth/refresh"),
        json!({ "refresh_token": session["refresh_token"] }),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the reset ends the old sessions"
    );
    let (status, _) = post_json(
        &http,
        server.url("/auth/login"),
        json!({ "email": email, "password": PASSWORD }),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = post_json(
        &http,
        server.url("/auth/login"),
        json!({ "email": email, "password": new_password }),
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    mailer.abort();
    server.finish(&env).await;
}

#[tokio::test]
async fn a_refusing_mail_server_means_retries_then_the_dead_letter_queue() {
    let env = TestEnv::new();
    let server = AuthServer::start(&env).await;
    // Nothing listens on port 1: every send fails.
    let mailer = server.start_mailer(&env, "smtp://127.0.0.1:1", 3, Duration::from_millis(50));
    let http = reqwest::Client::new();
    let email = format!("{}@example.com", unique_name("dead"));
    post_json(
        &http,
        server.url("/auth/register"),
        json!({ "email": email, "password": PASSWORD }),
    )
    .await;

    let connection = env.rabbitmq().await;
    let channel = connection.create_channel().await.unwrap();
    let dead = dead_queue(&server.email_queue);
    let count = wait::until(
        Duration::from_secs(30),
        "the task in the dead-letter queue",
        || async {
            let queue = channel
                .queue_declare(
                    dead.as_str().into(),
                    QueueDeclareOptions {
                        passive: true,
                        ..Default::default()
                    },
                    FieldTable::default(),
                )
                .await
                .ok()?;
            (queue.message_count() > 0).then_some(queue.message_count())
        },
    )
    .await;
    assert_eq!(count, 1, "one task, dead-lettered once after its attempts");
    mailer.abort();
    for queue in [
        server.email_queue.clone(),
        format!("{}.retry", server.email_queue),
        dead,
    ] {
        let _ = channel
            .queue_delete(queue.as_str().into(), Default::default())
            .await;
    }
    server.finish(&env).await;
}
