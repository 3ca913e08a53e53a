//! The projects service's API against real PostgreSQL, Kafka and the API server: projects,
//! tasks and comments with pagination and filters, the checks on input, roles, the plan's
//! maxProjects, a suspended tenant, and one tenant never seeing another's data.

use std::collections::HashSet;
use std::time::Duration;

use rdkafka::Message;
use rdkafka::producer::{FutureProducer, FutureRecord};
use saascript_tests::auth_server::AuthServer;
use saascript_tests::kafka_topics::{from_the_start, new_topic};
use saascript_tests::projects_fixture::ProjectsTenant;
use saascript_tests::projects_server::{ProjectsOptions, ProjectsServer};
use saascript_tests::{TestEnv, wait};
use serde_json::{Value, json};

const MISSING: &str = "0190d6a0-0000-7000-8000-000000000000";

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap_or_else(|| panic!("not a page: {page}"))
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect()
}

/// A service, a tenant (maxProjects 100) and two of its users: a member and an admin.
struct Setup {
    env: TestEnv,
    service: ProjectsServer,
    tenant: ProjectsTenant,
    alice: String,
    admin: String,
    _auth: AuthServer,
}

impl Setup {
    async fn start() -> Setup {
        saascript_common::http::config::init_logging("pretty");
        let env = TestEnv::new();
        let auth = AuthServer::start(&env).await;
        let service = ProjectsServer::start(&env, &auth, ProjectsOptions::default()).await;
        let tenant = service.tenant(&env, "pooled", 100).await;
        let alice = tenant.token(&auth, "user-alice", &["member"]).await;
        let admin = tenant.token(&auth, "user-admin", &["admin"]).await;
        Setup {
            env,
            service,
            tenant,
            alice,
            admin,
            _auth: auth,
        }
    }

    /// Creates projects named `names` as alice; returns their ids.
    async fn projects(&self, names: &[&str]) -> Vec<String> {
        let mut ids = vec![];
        for name in names {
            let (status, project) = self
                .service
                .post("/projects", &self.alice, json!({ "name": name }))
                .await;
            assert_eq!(status, 201, "{project}");
            ids.push(project["id"].as_str().unwrap().to_string());
        }
        ids
    }

    /// Creates a task titled `title` in `project` as alice; returns its id.
    async fn task(&self, project: &str, title: &str) -> String {
        let (status, task) = self
            .service
            .post(
                &format!("/projects/{project}/tasks"),
                &self.alice,
                json!({ "title": title }),
            )
            .await;
        assert_eq!(status, 201, "{task}");
        task["id"].as_str().unwrap().to_string()
    }

    async fn finish(self) {
        self.service.finish(&self.env).await;
    }
}

#[tokio::test]
async fn projects_are_paged_by_cursor_filtered_by_name_and_changed() {
    let setup = Setup::start().await;
    let (service, alice) = (&setup.service, &setup.alice);
    // Five projects, read back three pages of two.
    let mut created = vec![];
    for n in 0..5 {
        let (status, project) = service
            .post(
                "/projects",
                alice,
                json!({ "name": format!("Project {n}"), "description": "d" }),
            )
            .await;
        assert_eq!(status, 201, "{project}");
        assert_eq!(project["createdBy"], "user-alice");
        created.push(project["id"].as_str().unwrap().to_string());
    }
    let mut seen = vec![];
    let mut path = "/projects?limit=2".to_string();
    loop {
        let (status, page) = service.get(&path, alice).await;
        assert_eq!(status, 200, "{page}");
        assert!(page["items"].as_array().unwrap().len() <= 2);
        seen.extend(ids(&page));
        match page["nextCursor"].as_str() {
            Some(cursor) => path = format!("/projects?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen, created, "every project once, oldest first");
    let (_, filtered) = service.get("/projects?q=PROJECT%203", alice).await;
    assert_eq!(ids(&filtered), vec![created[3].clone()]);

    // Read, change, and what does not exist.
    let project = &created[0];
    let (status, read) = service.get(&format!("/projects/{project}"), alice).await;
    assert_eq!((status, read["name"].as_str()), (200, Some("Project 0")));
    let (status, changed) = service
        .patch(
            &format!("/projects/{project}"),
            alice,
            json!({ "name": "Renamed" }),
        )
        .await;
    assert_eq!(
        (status, changed["name"].as_str()),
        (200, Some("Renamed")),
        "{changed}"
    );
    assert_eq!(changed["description"], "d");
    let (status, missing) = service.get(&format!("/projects/{MISSING}"), alice).await;
    assert_eq!((status, missing["code"].as_str()), (404, Some("not_found")));
    let (status, bad) = service.get("/projects/not-a-uuid", alice).await;
    assert_eq!((status, bad["code"].as_str()), (400, Some("path_invalid")));

    setup.finish().await;
}

#[tokio::test]
async fn tasks_are_filtered_by_status_assignee_and_due_date_and_assignees_are_members() {
    let setup = Setup::start().await;
    let (service, alice, admin) = (&setup.service, &setup.alice, &setup.admin);
    let created = setup.projects(&["Work", "Other"]).await;
    let project = &created[0];
    // Tasks, filtered by status, assignee and due date.
    let tasks_path = format!("/projects/{project}/tasks");
    let specs = [
        ("Write", "todo", Some("user-alice"), Some("2026-12-01")),
        ("Review", "in_progress", None, Some("2026-12-20")),
        ("Ship", "done", Some("user-alice"), None),
    ];
    let mut task_ids = vec![];
    for (title, status_, assignee, due) in specs {
        let (status, task) = service
            .post(
                &tasks_path,
                alice,
                json!({ "title": title, "status": status_, "assigneeId": assignee, "dueDate": due }),
            )
            .await;
        assert_eq!(status, 201, "{task}");
        assert_eq!(task["status"], status_);
        assert_eq!(task["dueDate"], json!(due));
        task_ids.push(task["id"].as_str().unwrap().to_string());
    }
    let (_, done) = service
        .get(&format!("{tasks_path}?status=done"), alice)
        .await;
    assert_eq!(ids(&done), vec![task_ids[2].clone()]);
    let (_, mine) = service
        .get(&format!("{tasks_path}?assigneeId=user-alice"), alice)
        .await;
    assert_eq!(ids(&mine), vec![task_ids[0].clone(), task_ids[2].clone()]);
    let (_, due) = service
        .get(&format!("{tasks_path}?dueBefore=2026-12-10"), alice)
        .await;
    assert_eq!(ids(&due), vec![task_ids[0].clone()]);
    let (_, first) = service.get(&format!("{tasks_path}?limit=1"), alice).await;
    assert_eq!(ids(&first), vec![task_ids[0].clone()]);
    assert_eq!(first["nextCursor"].as_str(), Some(task_ids[0].as_str()));

    // An assignee who is not a member of the tenant.
    let (status, refused) = service
        .post(
            &tasks_path,
            alice,
            json!({ "title": "x", "assigneeId": "user-stranger" }),
        )
        .await;
    assert_eq!(status, 422, "{refused}");
    assert_eq!(refused["field"], "assigneeId");
    // A member the service has seen (the admin, by its own request) can be assigned.
    let (status, _) = service.get("/projects", admin).await;
    assert_eq!(status, 200);
    let (status, _) = service
        .post(
            &format!("/projects/{}/tasks", created[1]),
            admin,
            json!({ "title": "by admin" }),
        )
        .await;
    assert_eq!(status, 201);
    let task = &task_ids[0];
    let (status, changed) = service
        .patch(
            &format!("{tasks_path}/{task}"),
            alice,
            json!({ "status": "done", "assigneeId": "user-admin", "dueDate": null }),
        )
        .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(
        (
            changed["status"].as_str(),
            changed["assigneeId"].as_str(),
            &changed["dueDate"]
        ),
        (Some("done"), Some("user-admin"), &Value::Null)
    );
    let (status, refused) = service
        .patch(
            &format!("{tasks_path}/{task}"),
            alice,
            json!({ "assigneeId": "user-stranger" }),
        )
        .await;
    assert_eq!(
        (status, refused["field"].as_str()),
        (422, Some("assigneeId"))
    );

    setup.finish().await;
}

#[tokio::test]
async fn comments_are_paged_by_cursor() {
    let setup = Setup::start().await;
    let (service, alice) = (&setup.service, &setup.alice);
    let project = &setup.projects(&["Talk"]).await[0];
    let task = setup.task(project, "Discuss").await;
    let tasks_path = format!("/projects/{project}/tasks");
    // Comments.
    let comments_path = format!("{tasks_path}/{task}/comments");
    for body in ["first", "second", "third"] {
        let (status, comment) = service
            .post(&comments_path, alice, json!({ "body": body }))
            .await;
        assert_eq!(status, 201, "{comment}");
    }
    let (_, page) = service
        .get(&format!("{comments_path}?limit=2"), alice)
        .await;
    assert_eq!(page["items"][1]["body"], "second");
    let cursor = page["nextCursor"].as_str().unwrap();
    let (_, rest) = service
        .get(&format!("{comments_path}?cursor={cursor}"), alice)
        .await;
    assert_eq!(rest["items"][0]["body"], "third");
    assert!(rest["nextCursor"].is_null());

    setup.finish().await;
}

#[tokio::test]
async fn bad_input_is_refused_with_a_problem() {
    let setup = Setup::start().await;
    let (service, alice) = (&setup.service, &setup.alice);
    let project = &setup.projects(&["Inputs"]).await[0];
    let tasks_path = format!("/projects/{project}/tasks");
    // Input the service refuses, each as a problem and never a 5xx.
    for (body, code, field) in [
        (json!({ "name": "" }), "invalid_input", "name"),
        (json!({ "name": "a\u{0}b" }), "invalid_input", "name"),
        (json!({ "name": 5 }), "json_invalid", "name"),
        (
            json!({ "name": "x", "owner": "me" }),
            "json_invalid",
            "owner",
        ),
    ] {
        let (status, problem) = service.post("/projects", alice, body.clone()).await;
        assert_eq!(status, 422, "{body}: {problem}");
        assert_eq!(problem["code"], code, "{body}: {problem}");
        assert_eq!(problem["field"], field, "{body}: {problem}");
    }
    let (status, problem) = service
        .post(
            &tasks_path,
            alice,
            json!({ "title": "t", "dueDate": "2026-02-30" }),
        )
        .await;
    assert_eq!((status, problem["field"].as_str()), (422, Some("dueDate")));
    let (status, problem) = service
        .post(
            &tasks_path,
            alice,
            json!({ "title": "t", "status": "blocked" }),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (422, Some("json_invalid"))
    );
    for query in [
        "limit=0",
        "limit=1000",
        "limit=abc",
        "cursor=nope",
        "status=blocked",
        "dueBefore=soon",
    ] {
        let (status, problem) = service.get(&format!("{tasks_path}?{query}"), alice).await;
        assert!(
            status == 400 || status == 422,
            "{query}: {status} {problem}"
        );
        assert!(problem["code"].is_string(), "{query}: {problem}");
    }
    let (status, _) = service.get("/projects", "not-a-token").await;
    assert_eq!(status, 401);

    setup.finish().await;
}

#[tokio::test]
async fn deleting_a_project_takes_an_owner_or_admin_and_every_change_is_an_event() {
    let setup = Setup::start().await;
    let (service, alice, admin) = (&setup.service, &setup.alice, &setup.admin);
    let project = &setup.projects(&["Doomed"]).await[0];
    let tasks_path = format!("/projects/{project}/tasks");
    let task_ids = [
        setup.task(project, "first").await,
        setup.task(project, "second").await,
    ];
    let task = &task_ids[0];
    let (status, _) = service
        .patch(
            &format!("/projects/{project}"),
            alice,
            json!({ "name": "Renamed" }),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = service
        .patch(
            &format!("{tasks_path}/{task}"),
            alice,
            json!({ "status": "done" }),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = service
        .post(
            &format!("{tasks_path}/{task}/comments"),
            alice,
            json!({ "body": "bye" }),
        )
        .await;
    assert_eq!(status, 201);
    // Deleting a project takes an owner or admin, and takes its tasks and comments along.
    let (status, refused) = service.delete(&format!("/projects/{project}"), alice).await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (403, Some("role_required"))
    );
    let (status, _) = service
        .delete(&format!("{tasks_path}/{}", task_ids[1]), alice)
        .await;
    assert_eq!(status, 204, "any member deletes a task");
    let (status, _) = service.delete(&format!("/projects/{project}"), admin).await;
    assert_eq!(status, 204);
    let (status, _) = service.get(&format!("{tasks_path}/{task}"), alice).await;
    assert_eq!(status, 404);
    let (status, _) = service.delete(&format!("/projects/{project}"), admin).await;
    assert_eq!(status, 404);

    // Every change was recorded as a projects.* event of this tenant.
    let owner = service.owner_pool(&setup.env).await;
    let types: HashSet<String> =
        sqlx::query_scalar("SELECT event->>'type' FROM event_outbox WHERE event->>'tenant' = $1")
            .bind(setup.tenant.name())
            .fetch_all(&owner)
            .await
            .unwrap()
            .into_iter()
            .collect();
    for expected in [
        "projects.project.created",
        "projects.project.updated",
        "projects.project.deleted",
        "projects.task.created",
        "projects.task.updated",
        "projects.task.deleted",
        "projects.comment.created",
    ] {
        assert!(
            types.contains(expected),
            "{expected} missing from {types:?}"
        );
    }
    owner.close().await;
    setup.finish().await;
}

#[tokio::test]
async fn another_tenants_ids_answer_404_like_missing_ones() {
    let env = TestEnv::new();
    let auth = AuthServer::start(&env).await;
    let service = ProjectsServer::start(&env, &auth, ProjectsOptions::default()).await;
    let a = service.tenant(&env, "pooled", 10).await;
    let b = service.tenant(&env, "pooled", 10).await;
    let token_a = a.token(&auth, "user-a", &["owner"]).await;
    let token_b = b.token(&auth, "user-b", &["owner"]).await;
    let (_, project) = service
        .post("/projects", &token_a, json!({ "name": "A's" }))
        .await;
    let id = project["id"].as_str().unwrap();
    let (_, task) = service
        .post(
            &format!("/projects/{id}/tasks"),
            &token_a,
            json!({ "title": "A's task" }),
        )
        .await;
    let task = task["id"].as_str().unwrap();

    let (_, listed) = service.get("/projects", &token_b).await;
    assert_eq!(listed["items"], json!([]), "B lists none of A's projects");
    for path in [
        format!("/projects/{id}"),
        format!("/projects/{id}/tasks"),
        format!("/projects/{id}/tasks/{task}"),
        format!("/projects/{id}/tasks/{task}/comments"),
    ] {
        let (status, problem) = service.get(&path, &token_b).await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (404, Some("not_found")),
            "{path}"
        );
    }
    let (status, _) = service
        .patch(
            &format!("/projects/{id}"),
            &token_b,
            json!({ "name": "mine" }),
        )
        .await;
    assert_eq!(status, 404);
    let (status, _) = service.delete(&format!("/projects/{id}"), &token_b).await;
    assert_eq!(status, 404);
    let (status, _) = service
        .post(
            &format!("/projects/{id}/tasks"),
            &token_b,
            json!({ "title": "into A" }),
        )
        .await;
    assert_eq!(status, 404);
    // A token of B's name with A's uid (or any uid but B's) is refused.
    let forged = saascript_tests::access_tokens::sign_access_token(
        &auth,
        "user-b",
        Some(b.name()),
        Some(a.uid()),
        &["owner"],
    )
    .await;
    let (status, problem) = service.get("/projects", &forged).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (401, Some("tenant_changed"))
    );
    let (status, read) = service.get(&format!("/projects/{id}"), &token_a).await;
    assert_eq!((status, read["name"].as_str()), (200, Some("A's")));
    service.finish(&env).await;
}

#[tokio::test]
async fn max_projects_from_the_tenants_entitlements_is_enforced() {
    let env = TestEnv::new();
    let auth = AuthServer::start(&env).await;
    let service = ProjectsServer::start(&env, &auth, ProjectsOptions::default()).await;
    let tenant = service.tenant(&env, "pooled", 2).await;
    let token = tenant.token(&auth, "user-1", &["owner"]).await;
    for n in 0..2 {
        let (status, body) = service
            .post("/projects", &token, json!({ "name": format!("p{n}") }))
            .await;
        assert_eq!(status, 201, "{body}");
    }
    let (status, problem) = service
        .post("/projects", &token, json!({ "name": "one too many" }))
        .await;
    assert_eq!(status, 403, "{problem}");
    assert_eq!(problem["code"], "entitlement_exceeded");
    // A bigger plan takes effect as soon as the Tenant's status says so.
    tenant
        .set_status(
            json!({ "entitlements": saascript_tests::projects_fixture::entitlements("pooled", 3) }),
        )
        .await;
    wait::until(Duration::from_secs(20), "the new maxProjects", || async {
        let (status, _) = service
            .post("/projects", &token, json!({ "name": "third" }))
            .await;
        (status == 201).then_some(())
    })
    .await;
    let (_, listed) = service.get("/projects", &token).await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 3);
    // With no entitlements in force (before the operator writes them), the limit is unknown:
    // 409 tenant_provisioning, as auth answers for maxMembers.
    tenant.set_status(json!({ "entitlements": null })).await;
    wait::until(
        Duration::from_secs(20),
        "tenant_provisioning without entitlements",
        || async {
            let (status, problem) = service
                .post("/projects", &token, json!({ "name": "unknown limit" }))
                .await;
            (status == 409 && problem["code"] == "tenant_provisioning").then_some(())
        },
    )
    .await;
    service.finish(&env).await;
}

#[tokio::test]
async fn a_suspended_tenant_reads_but_cannot_write() {
    let env = TestEnv::new();
    let auth = AuthServer::start(&env).await;
    let service = ProjectsServer::start(&env, &auth, ProjectsOptions::default()).await;
    let tenant = service.tenant(&env, "pooled", 10).await;
    let token = tenant.token(&auth, "user-1", &["owner"]).await;
    let (_, project) = service
        .post("/projects", &token, json!({ "name": "before" }))
        .await;
    let id = project["id"].as_str().unwrap().to_string();
    tenant.set_suspended(true).await;
    // Waiting on the service's view of the Tenant, not on a write that might still pass.
    wait::until(
        Duration::from_secs(20),
        "the service to see the suspension",
        || async {
            let tenant = service.state.tenants.get(tenant.name())?;
            saascript_common::tenants::is_suspended(&tenant).then_some(())
        },
    )
    .await;
    let (status, problem) = service
        .post("/projects", &token, json!({ "name": "during" }))
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (403, Some("tenant_suspended"))
    );
    let (status, problem) = service
        .post(
            &format!("/projects/{id}/tasks"),
            &token,
            json!({ "title": "t" }),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (403, Some("tenant_suspended"))
    );
    let (status, _) = service.delete(&format!("/projects/{id}"), &token).await;
    assert_eq!(status, 403);
    let (status, listed) = service.get("/projects", &token).await;
    assert_eq!(status, 200);
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);

    // Suspended by the operator for a payment lapse (the Suspended condition), with the spec
    // itself no longer suspended: still no writes.
    tenant.set_suspended(false).await;
    tenant
        .set_status(json!({ "conditions": [{
            "type": "Suspended", "status": "True", "reason": "PaymentLapsed",
            "message": "payment lapsed", "lastTransitionTime": "2026-12-01T00:00:00Z",
        }] }))
        .await;
    wait::until(
        Duration::from_secs(20),
        "the service to see the Suspended condition without spec.suspended",
        || async {
            let live = service.state.tenants.get(tenant.name())?;
            (!live.spec.suspended && saascript_common::tenants::is_suspended(&live)).then_some(())
        },
    )
    .await;
    let (status, problem) = service
        .post("/projects", &token, json!({ "name": "lapsed" }))
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (403, Some("tenant_suspended"))
    );
    service.finish(&env).await;
}

#[tokio::test]
async fn members_come_from_auths_kafka_events_and_changes_go_out_as_cloudevents() {
    let env = TestEnv::new();
    let topic = new_topic(&env, "projects-events").await;
    let auth = AuthServer::start(&env).await;
    let service = ProjectsServer::start(
        &env,
        &auth,
        ProjectsOptions {
            events_topic: topic.clone(),
            background: vec![
                saascript_projects::EVENT_RELAY,
                saascript_projects::MEMBERSHIP_CONSUMER,
            ],
            ..ProjectsOptions::default()
        },
    )
    .await;
    let tenant = service.tenant(&env, "pooled", 10).await;
    let token = tenant.token(&auth, "user-owner", &["owner"]).await;
    let (_, project) = service
        .post("/projects", &token, json!({ "name": "Team" }))
        .await;
    let id = project["id"].as_str().unwrap().to_string();
    let tasks = format!("/projects/{id}/tasks");
    let (status, _) = service
        .post(
            &tasks,
            &token,
            json!({ "title": "t", "assigneeId": "user-bob" }),
        )
        .await;
    assert_eq!(status, 422, "bob is no member yet");

    // Auth announces bob's membership, twice (at-least-once delivery).
    let event = json!({
        "specversion": "1.0", "id": "evt-membership-bob", "source": "saascript/auth",
        "type": "auth.membership.created", "subject": "user-bob",
        "time": "2026-12-01T00:00:00Z", "datacontenttype": "application/json",
        "tenant": tenant.name(),
        "data": { "user": "user-bob", "tenant": tenant.name(), "tenant_uid": tenant.uid(), "role": "member" },
    })
    .to_string();
    let producer: FutureProducer = env.kafka_config().create().unwrap();
    for _ in 0..2 {
        producer
            .send(
                FutureRecord::to(&topic).key(tenant.name()).payload(&event),
                Duration::from_secs(10),
            )
            .await
            .unwrap();
    }
    wait::until(
        Duration::from_secs(60),
        "bob assignable after auth's event",
        || async {
            let (status, _) = service
                .post(
                    &tasks,
                    &token,
                    json!({ "title": "for bob", "assigneeId": "user-bob" }),
                )
                .await;
            (status == 201).then_some(())
        },
    )
    .await;
    let owner = service.owner_pool(&env).await;
    let consumed: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM consumed_events WHERE event_id = 'evt-membership-bob'",
    )
    .fetch_one(&owner)
    .await
    .unwrap();
    assert_eq!(consumed, 1, "the event is applied once");
    owner.close().await;

    // The relay published the service's own events to the same topic, keyed by tenant.
    let consumer = from_the_start(&env, &topic);
    let seen = wait::until(
        Duration::from_secs(60),
        "projects.task.created on Kafka",
        || async {
            let message = tokio::time::timeout(Duration::from_secs(2), consumer.recv()).await;
            let Ok(Ok(message)) = message else {
                return None;
            };
            let event: Value = serde_json::from_slice(message.payload()?).ok()?;
            (event["type"] == "projects.task.created" && event["data"]["assigneeId"] == "user-bob")
                .then(|| (message.key().map(|k| k.to_vec()), event))
        },
    )
    .await;
    assert_eq!(seen.0.as_deref(), Some(tenant.name().as_bytes()));
    assert_eq!(seen.1["tenant"], tenant.name());
    assert_eq!(seen.1["source"], "saascript/projects");
    service.finish(&env).await;
}

#[tokio::test]
async fn the_openapi_document_lists_the_routes() {
    let env = TestEnv::new();
    let auth = AuthServer::start(&env).await;
    let service = ProjectsServer::start(&env, &auth, ProjectsOptions::default()).await;
    let document: Value = reqwest::get(service.url("/projects/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for path in [
        "/projects",
        "/projects/{projectId}/tasks",
        "/projects/exports/{exportId}/download",
    ] {
        assert!(document["paths"][path].is_object(), "{path} missing");
    }
    service.finish(&env).await;
}

#[tokio::test]
async fn the_gateway_routes_api_projects_to_the_service() {
    let env = TestEnv::new();
    let auth = AuthServer::start(&env).await;
    let service = ProjectsServer::start(&env, &auth, ProjectsOptions::default()).await;
    let upstream = format!("projects={}", service.base);
    let gateway = saascript_tests::gateway_server::GatewayServer::start(
        &env,
        &auth.base,
        &["--upstream", &upstream],
    )
    .await;
    let tenant = service.tenant(&env, "pooled", 10).await;
    gateway
        .wait_for_tenant(tenant.name(), "the gateway to see the tenant", |info| {
            info.requests_per_second.is_some()
        })
        .await;
    let token = tenant.token(&auth, "user-1", &["member"]).await;
    let http = reqwest::Client::new();
    let response = http
        .post(gateway.url("/api/projects"))
        .bearer_auth(&token)
        .json(&json!({ "name": "Through the gateway" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let project: Value = response.json().await.unwrap();
    let id = project["id"].as_str().unwrap();
    let read: Value = http
        .get(gateway.url(&format!("/api/projects/{id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(read["name"], "Through the gateway");
    let merged: Value = http
        .get(gateway.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let paths = merged["paths"].as_object().unwrap();
    assert!(
        paths.keys().any(|p| p.starts_with("/api/projects")),
        "the merged document lists the projects routes: {:?}",
        paths.keys().collect::<Vec<_>>()
    );
    service.finish(&env).await;
}
