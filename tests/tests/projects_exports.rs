//! Exports: the task travels the outbox and RabbitMQ (read with lapin as the oracle), the worker
//! writes CSV and JSON, the download is the tenant's own, and a day later (by the service's
//! clock) it has expired. A task the worker cannot read ends in the dead-letter queue.

use std::sync::atomic::Ordering;
use std::time::Duration;

use lapin::options::{BasicGetOptions, BasicRejectOptions, ConfirmSelectOptions};
use reqwest::Method;
use saascript_common::tasks;
use saascript_tests::auth_server::AuthServer;
use saascript_tests::projects_server::{ProjectsOptions, ProjectsServer};
use saascript_tests::{TestEnv, wait};
use serde_json::{Value, json};

#[tokio::test]
async fn an_export_goes_through_rabbitmq_to_csv_and_json_and_expires_after_a_day() {
    let env = TestEnv::new();
    let auth = AuthServer::start(&env).await;
    let service = ProjectsServer::start(
        &env,
        &auth,
        ProjectsOptions {
            background: vec![saascript_projects::TASK_RELAY],
            ..ProjectsOptions::default()
        },
    )
    .await;
    let tenant = service.tenant(&env, "pooled", 10).await;
    let other = service.tenant(&env, "pooled", 10).await;
    let token = tenant.token(&auth, "user-1", &["member"]).await;
    let other_token = other.token(&auth, "user-2", &["owner"]).await;
    let (_, alpha) = service
        .post("/projects", &token, json!({ "name": "Alpha, Inc" }))
        .await;
    let (_, _) = service
        .post("/projects", &token, json!({ "name": "Beta" }))
        .await;
    let alpha_id = alpha["id"].as_str().unwrap();
    let (status, _) = service
        .post(
            &format!("/projects/{alpha_id}/tasks"),
            &token,
            json!({ "title": "Say \"hello\"", "dueDate": "2027-01-02" }),
        )
        .await;
    assert_eq!(status, 201);
    let (_, _) = service
        .post("/projects", &other_token, json!({ "name": "Not yours" }))
        .await;

    let (status, export) = service.post("/projects/exports", &token, json!({})).await;
    assert_eq!(status, 202, "{export}");
    assert_eq!(export["state"], "queued");
    let id = export["id"].as_str().unwrap().to_string();

    // The task reached RabbitMQ: read it off the queue, and put it back for the worker.
    let connection = env.rabbitmq().await;
    let channel = connection.create_channel().await.unwrap();
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await
        .unwrap();
    tasks::declare(&channel, &service.export_queue)
        .await
        .unwrap();
    let task: Value = wait::until(
        Duration::from_secs(30),
        "the export task in RabbitMQ",
        || async {
            let message = channel
                .basic_get(
                    service.export_queue.as_str().into(),
                    BasicGetOptions::default(),
                )
                .await
                .unwrap()?;
            let task = serde_json::from_slice(&message.delivery.data).unwrap();
            message
                .delivery
                .reject(BasicRejectOptions { requeue: true })
                .await
                .unwrap();
            Some(task)
        },
    )
    .await;
    assert_eq!(task["exportId"], id.as_str());
    assert_eq!(task["tenant"], tenant.name());
    assert_eq!(task["tenantUid"], tenant.uid());

    let worker = tokio::spawn(saascript_projects::exports::worker::run_forever(
        service.state.clone(),
        saascript_projects::exports::worker::WorkerSettings {
            amqp_url: env.amqp_url().to_string(),
            queue: service.export_queue.clone(),
            max_attempts: 3,
            base_backoff: Duration::from_millis(200),
        },
    ));
    wait::until(Duration::from_secs(30), "the export done", || async {
        let (status, export) = service
            .get(&format!("/projects/exports/{id}"), &token)
            .await;
        assert_eq!(status, 200, "{export}");
        (export["state"] == "done").then_some(())
    })
    .await;

    let (status, content_type, csv) = service
        .send(
            Method::GET,
            &format!("/projects/exports/{id}/download?format=csv"),
            &token,
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert!(content_type.starts_with("text/csv"), "{content_type}");
    let csv = csv.as_str().unwrap().to_string();
    assert!(csv.starts_with("project_id,project_name,task_id"), "{csv}");
    assert!(csv.contains("\"Alpha, Inc\""), "{csv}");
    assert!(csv.contains("\"Say \"\"hello\"\"\""), "{csv}");
    assert!(csv.contains("2027-01-02"), "{csv}");
    assert!(
        !csv.contains("Not yours"),
        "another tenant's project in the export: {csv}"
    );
    let (status, content_type, json) = service
        .send(
            Method::GET,
            &format!("/projects/exports/{id}/download?format=json"),
            &token,
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert!(content_type.starts_with("application/json"));
    let projects = json["projects"].as_array().unwrap();
    assert_eq!(projects.len(), 2, "{json}");
    assert_eq!(projects[0]["name"], "Alpha, Inc");
    assert_eq!(projects[0]["tasks"][0]["title"], "Say \"hello\"");

    // Another tenant's export is not found, like one that never existed.
    let (status, _) = service
        .get(&format!("/projects/exports/{id}"), &other_token)
        .await;
    assert_eq!(status, 404);
    let (status, _) = service
        .get(
            &format!("/projects/exports/{id}/download?format=csv"),
            &other_token,
        )
        .await;
    assert_eq!(status, 404);
    let (status, problem) = service
        .get(
            &format!("/projects/exports/{id}/download?format=xml"),
            &token,
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (400, Some("query_invalid"))
    );

    // A day later it has expired.
    service.clock_offset.store(24 * 3600 + 1, Ordering::SeqCst);
    let (status, problem) = service
        .get(&format!("/projects/exports/{id}"), &token)
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (410, Some("export_expired"))
    );
    let (status, _) = service
        .get(
            &format!("/projects/exports/{id}/download?format=json"),
            &token,
        )
        .await;
    assert_eq!(status, 410);

    // The next export of the tenant drops the expired one's files (the oracle: the table itself,
    // read as its owner); the row stays for the 410.
    let (status, next) = service.post("/projects/exports", &token, json!({})).await;
    assert_eq!(status, 202, "{next}");
    let next = next["id"].as_str().unwrap().to_string();
    wait::until(Duration::from_secs(30), "the next export done", || async {
        let (_, export) = service
            .get(&format!("/projects/exports/{next}"), &token)
            .await;
        (export["state"] == "done").then_some(())
    })
    .await;
    let owner = service.owner_pool(&env).await;
    let files: Vec<(String, bool)> =
        sqlx::query_as("SELECT id::text, csv IS NOT NULL AND json IS NOT NULL FROM exports")
            .fetch_all(&owner)
            .await
            .unwrap();
    assert!(files.contains(&(id.clone(), false)), "{files:?}");
    assert!(files.contains(&(next.clone(), true)), "{files:?}");
    owner.close().await;
    worker.abort();
    service.finish(&env).await;
}

#[tokio::test]
async fn a_task_the_worker_cannot_read_goes_to_the_dead_letter_queue() {
    let env = TestEnv::new();
    let auth = AuthServer::start(&env).await;
    let service = ProjectsServer::start(
        &env,
        &auth,
        ProjectsOptions {
            background: vec![saascript_projects::EXPORT_WORKER],
            ..ProjectsOptions::default()
        },
    )
    .await;
    let connection = env.rabbitmq().await;
    let channel = connection.create_channel().await.unwrap();
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await
        .unwrap();
    tasks::declare(&channel, &service.export_queue)
        .await
        .unwrap();
    tasks::publish(&channel, &service.export_queue, b"{not json", 0, None)
        .await
        .unwrap();
    let dead = tasks::dead_queue(&service.export_queue);
    let data = wait::until(
        Duration::from_secs(30),
        "the task in the dead-letter queue",
        || async {
            let message = channel
                .basic_get(dead.as_str().into(), BasicGetOptions::default())
                .await
                .unwrap()?;
            Some(message.delivery.data.clone())
        },
    )
    .await;
    assert_eq!(data, b"{not json");
    service.finish(&env).await;
}

#[tokio::test]
async fn an_export_that_keeps_failing_is_retried_then_dead_lettered_and_marked_failed() {
    let env = TestEnv::new();
    let auth = AuthServer::start(&env).await;
    let service = ProjectsServer::start(
        &env,
        &auth,
        ProjectsOptions {
            background: vec![
                saascript_projects::TASK_RELAY,
                saascript_projects::EXPORT_WORKER,
            ],
            export_max_attempts: 2,
            ..ProjectsOptions::default()
        },
    )
    .await;
    let tenant = service.tenant(&env, "pooled", 10).await;
    let token = tenant.token(&auth, "user-1", &["owner"]).await;
    // The worker cannot write this export: its table refuses the update (an outage of the
    // export table, as far as the worker can tell).
    let owner = service.owner_pool(&env).await;
    sqlx::query(
        "CREATE FUNCTION refuse_export() RETURNS trigger LANGUAGE plpgsql AS
         $$ BEGIN IF NEW.state = 'done' THEN RAISE EXCEPTION 'exports are down'; END IF; RETURN NEW; END $$",
    )
    .execute(&owner)
    .await
    .unwrap();
    sqlx::query("CREATE TRIGGER refuse_export BEFORE UPDATE ON exports FOR EACH ROW EXECUTE FUNCTION refuse_export()")
        .execute(&owner)
        .await
        .unwrap();
    let (status, export) = service.post("/projects/exports", &token, json!({})).await;
    assert_eq!(status, 202);
    let id = export["id"].as_str().unwrap().to_string();
    wait::until(
        Duration::from_secs(30),
        "the export marked failed",
        || async {
            let (_, export) = service
                .get(&format!("/projects/exports/{id}"), &token)
                .await;
            (export["state"] == "failed").then_some(())
        },
    )
    .await;
    let connection = env.rabbitmq().await;
    let channel = connection.create_channel().await.unwrap();
    let message = channel
        .basic_get(
            tasks::dead_queue(&service.export_queue).as_str().into(),
            BasicGetOptions::default(),
        )
        .await
        .unwrap()
        .expect("the task in the dead-letter queue");
    assert_eq!(tasks::attempts_of(&message.delivery.properties), 2);
    let (status, problem) = service
        .get(
            &format!("/projects/exports/{id}/download?format=csv"),
            &token,
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (409, Some("export_not_ready"))
    );
    owner.close().await;
    service.finish(&env).await;
}
