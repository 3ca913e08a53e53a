//! The product through the gateway, as tenants use it: two tenants, each with an owner and a
//! member, working in projects and profiles. No route lets one tenant read or change the other's
//! data, and a foreign id answers exactly as a missing one does (404, the same code), so that ids
//! reveal nothing. Every request goes through the real gateway with tokens from the real auth.

use aws_sdk_dynamodb::types::AttributeValue;
use reqwest::{Method, StatusCode};
use saascript_tests::auth_server::AuthServer;
use saascript_tests::gateway_server::GatewayServer;
use saascript_tests::profiles_server::ProfilesServer;
use saascript_tests::projects_fixture::ProjectsTenant;
use saascript_tests::projects_server::{ProjectsOptions, ProjectsServer};
use saascript_tests::{TestEnv, unique_name};
use serde_json::{Value, json};

const PASSWORD: &str = "correct horse battery staple";

/// One person of a tenant, signed in through the gateway.
struct Person {
    id: String,
    token: String,
}

/// A tenant with its owner, its member and what they made.
struct Org {
    tenant: ProjectsTenant,
    owner: Person,
    member: Person,
    project: String,
    task: String,
    export: String,
}

struct Client {
    http: reqwest::Client,
    gateway: String,
}

impl Client {
    async fn send(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<Value>,
        if_match: Option<&str>,
    ) -> (StatusCode, Value) {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.gateway))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        if let Some(etag) = if_match {
            request = request.header("if-match", etag);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        self.send(Method::GET, path, token, None, None).await
    }

    async fn post(&self, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
        self.send(Method::POST, path, token, Some(body), None).await
    }

    /// Registers a verified user with a membership of `tenant`, and logs in through the gateway.
    async fn person(&self, auth: &AuthServer, tenant: &str, role: &str) -> Person {
        let email = format!("{}@example.com", unique_name("iso"));
        let id = auth.register_verified(&self.http, &email, PASSWORD).await;
        auth.add_member(&id, tenant, role).await;
        let response = self
            .http
            .post(format!("{}/api/auth/login", self.gateway))
            .json(&json!({ "email": email, "password": PASSWORD, "tenant": tenant }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let tokens: Value = response.json().await.unwrap();
        Person {
            id,
            token: tokens["access_token"].as_str().unwrap().to_string(),
        }
    }
}

async fn org(
    client: &Client,
    env: &TestEnv,
    auth: &AuthServer,
    services: (&ProjectsServer, &ProfilesServer, &GatewayServer),
) -> Org {
    let (projects, profiles, gateway) = services;
    let tenant = projects.tenant(env, "pooled", 10).await;
    profiles.wait_known(tenant.name(), tenant.uid()).await;
    gateway
        .wait_for_tenant(tenant.name(), "the gateway to see the tenant", |t| {
            t.uid.as_deref() == Some(tenant.uid())
        })
        .await;
    let owner = client.person(auth, tenant.name(), "owner").await;
    let member = client.person(auth, tenant.name(), "member").await;

    // The member writes first, which makes them known (and assignable) in projects.
    let (status, body) = client
        .post(
            "/api/projects",
            &member.token,
            json!({ "name": "member's notes" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, project) = client
        .post(
            "/api/projects",
            &owner.token,
            json!({ "name": format!("{} roadmap", tenant.name()), "description": "secret" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{project}");
    let project = project["id"].as_str().unwrap().to_string();
    let (status, task) = client
        .post(
            &format!("/api/projects/{project}/tasks"),
            &owner.token,
            json!({ "title": "ship it", "assigneeId": member.id }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{task}");
    let task = task["id"].as_str().unwrap().to_string();
    let (status, comment) = client
        .post(
            &format!("/api/projects/{project}/tasks/{task}/comments"),
            &member.token,
            json!({ "body": "on it" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{comment}");
    let (status, export) = client
        .post("/api/projects/exports", &owner.token, json!({}))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{export}");
    let export = export["id"].as_str().unwrap().to_string();

    // The member's profile, written against the version read.
    let response = client
        .http
        .get(format!("{}/api/profiles/me", client.gateway))
        .bearer_auth(&member.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let etag = response.headers()["etag"].to_str().unwrap().to_string();
    let (status, profile) = client
        .send(
            Method::PUT,
            "/api/profiles/me",
            &member.token,
            Some(json!({
                "displayName": format!("member of {}", tenant.name()),
                "locale": "en-GB",
                "timeZone": "Europe/Berlin",
            })),
            Some(&etag),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{profile}");

    Org {
        tenant,
        owner,
        member,
        project,
        task,
        export,
    }
}

/// What the same request answers for an id that exists nowhere: the foreign id must get exactly
/// this (status and problem code).
async fn as_missing(
    client: &Client,
    method: Method,
    path_of: impl Fn(&str) -> String,
    token: &str,
    body: Option<Value>,
) -> (StatusCode, Option<String>) {
    let missing = uuid_like();
    let (status, problem) = client
        .send(method, &path_of(&missing), token, body, Some("\"1\""))
        .await;
    (status, problem["code"].as_str().map(str::to_string))
}

fn uuid_like() -> String {
    let n: u128 = rand::random();
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        (n >> 96) as u32,
        (n >> 80) as u16,
        (n >> 64) as u16 & 0xfff,
        (n >> 48) as u16 & 0xfff,
        n as u64 & 0xffff_ffff_ffff
    )
}

#[tokio::test]
async fn no_route_lets_one_tenant_reach_the_others_data() {
    let env = TestEnv::new();
    let auth = AuthServer::start(&env).await;
    let projects = ProjectsServer::start(
        &env,
        &auth,
        ProjectsOptions {
            background: vec![
                saascript_projects::EXPORT_WORKER,
                saascript_projects::TASK_RELAY,
            ],
            ..ProjectsOptions::default()
        },
    )
    .await;
    let profiles = ProfilesServer::start_with_jwks(&env, &auth.url("/.well-known/jwks.json")).await;
    let upstreams = [
        format!("projects={}", projects.base),
        format!("profiles={}", profiles.base),
    ];
    let gateway = GatewayServer::start(
        &env,
        &auth.base,
        &["--upstream", &upstreams[0], "--upstream", &upstreams[1]],
    )
    .await;
    let client = Client {
        http: reqwest::Client::new(),
        gateway: gateway.base.clone(),
    };
    let services = (&projects, &profiles, &gateway);
    let a = org(&client, &env, &auth, services).await;
    let b = org(&client, &env, &auth, services).await;

    // Lists show each tenant its own, and nothing of the other.
    for (own, other) in [(&a, &b), (&b, &a)] {
        for person in [&own.owner, &own.member] {
            let (status, list) = client.get("/api/projects", &person.token).await;
            assert_eq!(status, StatusCode::OK, "{list}");
            let ids: Vec<&str> = list["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["id"].as_str().unwrap())
                .collect();
            assert!(ids.contains(&own.project.as_str()), "{list}");
            assert!(!ids.contains(&other.project.as_str()), "{list}");
            assert!(
                !list.to_string().contains(other.tenant.name()),
                "nothing of the other tenant in {list}"
            );
        }
    }

    // Every route that takes an id, with the other tenant's id: the answer is the missing one's.
    type Route = (Method, Box<dyn Fn(&Org, &str) -> String>, Option<Value>);
    let routes: Vec<Route> = vec![
        (
            Method::GET,
            Box::new(|_, id| format!("/api/projects/{id}")),
            None,
        ),
        (
            Method::PATCH,
            Box::new(|_, id| format!("/api/projects/{id}")),
            Some(json!({ "name": "taken over" })),
        ),
        (
            Method::DELETE,
            Box::new(|_, id| format!("/api/projects/{id}")),
            None,
        ),
        (
            Method::GET,
            Box::new(|_, id| format!("/api/projects/{id}/tasks")),
            None,
        ),
        (
            Method::POST,
            Box::new(|_, id| format!("/api/projects/{id}/tasks")),
            Some(json!({ "title": "planted" })),
        ),
        (
            Method::GET,
            Box::new(|o, id| format!("/api/projects/{}/tasks/{id}", o.project)),
            None,
        ),
        (
            Method::PATCH,
            Box::new(|o, id| format!("/api/projects/{}/tasks/{id}", o.project)),
            Some(json!({ "status": "done" })),
        ),
        (
            Method::DELETE,
            Box::new(|o, id| format!("/api/projects/{}/tasks/{id}", o.project)),
            None,
        ),
        (
            Method::GET,
            Box::new(|o, id| format!("/api/projects/{}/tasks/{id}/comments", o.project)),
            None,
        ),
        (
            Method::POST,
            Box::new(|o, id| format!("/api/projects/{}/tasks/{id}/comments", o.project)),
            Some(json!({ "body": "planted" })),
        ),
        (
            Method::GET,
            Box::new(|_, id| format!("/api/projects/exports/{id}")),
            None,
        ),
        (
            Method::GET,
            Box::new(|_, id| format!("/api/projects/exports/{id}/download?format=csv")),
            None,
        ),
        (
            Method::GET,
            Box::new(|_, id| format!("/api/profiles/{id}")),
            None,
        ),
    ];
    for (own, other) in [(&a, &b), (&b, &a)] {
        // The other tenant's ids, in the same positions as the route takes them.
        let foreign_ids = [
            other.project.as_str(),
            other.project.as_str(),
            other.project.as_str(),
            other.project.as_str(),
            other.project.as_str(),
            other.task.as_str(),
            other.task.as_str(),
            other.task.as_str(),
            other.task.as_str(),
            other.task.as_str(),
            other.export.as_str(),
            other.export.as_str(),
            other.member.id.as_str(),
        ];
        for ((method, path_of, body), foreign) in routes.iter().zip(foreign_ids) {
            // Task routes take the caller's own project with the other tenant's task, and the
            // other tenant's project with the caller's own task is covered by the project routes.
            let context = if path_of(own, "x").contains(&own.project) {
                own
            } else {
                other
            };
            let expected = as_missing(
                &client,
                method.clone(),
                |id| path_of(context, id),
                &own.owner.token,
                body.clone(),
            )
            .await;
            let (status, problem) = client
                .send(
                    method.clone(),
                    &path_of(context, foreign),
                    &own.owner.token,
                    body.clone(),
                    Some("\"1\""),
                )
                .await;
            let path = path_of(context, foreign);
            assert_eq!(
                (status, problem["code"].as_str().map(str::to_string)),
                expected,
                "{method} {path} of the other tenant: {problem}"
            );
            assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {problem}");
        }
    }

    // The other tenant's data is as it was: read by its own people, through the same gateway.
    for org in [&a, &b] {
        let (status, project) = client
            .get(&format!("/api/projects/{}", org.project), &org.member.token)
            .await;
        assert_eq!(status, StatusCode::OK, "{project}");
        assert_eq!(project["description"], "secret");
        assert!(!project["name"].as_str().unwrap().contains("taken over"));
        let (status, tasks) = client
            .get(
                &format!("/api/projects/{}/tasks", org.project),
                &org.owner.token,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{tasks}");
        let tasks = tasks["items"].as_array().unwrap();
        assert_eq!(tasks.len(), 1, "no task was planted: {tasks:?}");
        assert_eq!(tasks[0]["status"], "todo");
        let (status, profile) = client
            .get(
                &format!("/api/profiles/{}", org.member.id),
                &org.owner.token,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{profile}");
        assert_eq!(
            profile["displayName"],
            format!("member of {}", org.tenant.name())
        );
    }

    // The same, read past the services: PostgreSQL as its superuser (no row-level security) and
    // DynamoDB with a client of the test's own.
    let database = projects.owner_pool(&env).await;
    let dynamodb = env.dynamodb().await;
    for org in [&a, &b] {
        let rows: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT p.tenant_id, p.name, t.status FROM projects p JOIN tasks t ON t.project_id = p.id
             WHERE p.id = $1::uuid",
        )
        .bind(&org.project)
        .fetch_all(&database)
        .await
        .unwrap();
        assert_eq!(
            rows,
            [(
                org.tenant.uid().to_string(),
                format!("{} roadmap", org.tenant.name()),
                "todo".to_string()
            )],
            "one task, unchanged, in the project's own tenant"
        );
        let profile = dynamodb
            .get_item()
            .table_name(&profiles.shared_table)
            .key(
                "pk",
                AttributeValue::S(format!("TENANT#{}", org.tenant.name())),
            )
            .key("sk", AttributeValue::S(format!("USER#{}", org.member.id)))
            .consistent_read(true)
            .send()
            .await
            .unwrap()
            .item
            .expect("the member's profile is stored in the tenant's partition");
        assert_eq!(
            profile.get("display_name").and_then(|v| v.as_s().ok()),
            Some(&format!("member of {}", org.tenant.name()))
        );
    }
    database.close().await;

    projects.finish(&env).await;
    profiles.finish(&env).await;
}
