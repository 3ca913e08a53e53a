//! The local node, for tests whose pods must really run: that it is up (or a failure that says
//! how to start it), the address pods reach the host by, and a service that runs as a pod with
//! nothing but the API server to talk to (the tenants service, whose readiness is its Tenant
//! watch listing through the API).

use std::time::Duration;

use k8s_openapi::api::core::v1::{Node, Pod};
use kube::api::{Api, DeleteParams, ListParams, PostParams};
use serde_json::json;

use crate::endpoints::Dependency;
use crate::test_env::TestEnv;
use crate::wait;

/// The service the node tests run, and the image `scripts/images build` makes of it.
pub const SERVICE: &str = "tenants";
pub const IMAGE: &str = "localhost/saascript/tenants:dev";
pub const PORT: i32 = 8083;

/// How long pods may take to start or stop in a test (seen: 2–4 s to Ready, 5–16 s to stop).
pub const POD_LIMIT: Duration = Duration::from_secs(90);

pub struct LocalNode {
    pub client: kube::Client,
    /// Where pods reach the host: the bridge gateway (the dependencies and the API listen there
    /// too, through the node's forwarders).
    pub host_addr: String,
    /// The API server's port, as pods reach it on `host_addr`.
    pub api_port: u16,
}

impl LocalNode {
    /// The node, once a Node object says Ready; fails the test, naming the command that starts
    /// it, when there is none.
    pub async fn require(env: &TestEnv) -> LocalNode {
        let host_addr = env.endpoints.require(Dependency::Node).to_string();
        let client = env.kube().await;
        let nodes = Api::<Node>::all(client.clone())
            .list(&ListParams::default())
            .await
            .unwrap_or_else(|e| panic!("listing nodes: {e}"));
        let ready = nodes.items.iter().any(|node| {
            node.status
                .iter()
                .flat_map(|s| s.conditions.iter().flatten())
                .any(|c| c.type_ == "Ready" && c.status == "True")
        });
        assert!(
            ready,
            "{}",
            Dependency::Node.unreachable(&host_addr, "no Node is Ready")
        );
        let server = env.kube_config().await.cluster_url;
        let api_port = server.port_u16().unwrap_or(6443);
        LocalNode {
            client,
            host_addr,
            api_port,
        }
    }

    /// The environment that points the tenants service at the API through the host address
    /// (pods have no route to the API through the `kubernetes` Service here).
    pub fn service_env(&self) -> serde_json::Value {
        json!([
            { "name": "KUBERNETES_SERVICE_HOST", "value": self.host_addr },
            { "name": "KUBERNETES_SERVICE_PORT", "value": self.api_port.to_string() },
            { "name": "AUTH_URL", "value": format!("http://{}:8081", self.host_addr) },
            { "name": "JWKS_URL", "value": format!("http://{}:8081/.well-known/jwks.json", self.host_addr) },
        ])
    }

    /// Lets the ServiceAccount `account` in `namespace` read Tenants, as the tenants service
    /// must; returns the ClusterRoleBinding's name (ClusterRole and binding share it).
    pub async fn grant_tenant_reads(&self, namespace: &str, account: &str) -> String {
        let name = format!("{namespace}-{account}-tenant-reader");
        let post = |kind: &str, body: serde_json::Value| {
            let client = self.client.clone();
            let kind = kind.to_string();
            async move {
                let resource = match kind.as_str() {
                    "ServiceAccount" => kube::api::ApiResource::erase::<
                        k8s_openapi::api::core::v1::ServiceAccount,
                    >(&()),
                    "ClusterRole" => {
                        kube::api::ApiResource::erase::<k8s_openapi::api::rbac::v1::ClusterRole>(&())
                    }
                    _ => kube::api::ApiResource::erase::<
                        k8s_openapi::api::rbac::v1::ClusterRoleBinding,
                    >(&()),
                };
                let api: Api<kube::api::DynamicObject> = if kind == "ServiceAccount" {
                    Api::namespaced_with(client, namespace, &resource)
                } else {
                    Api::all_with(client, &resource)
                };
                let object: kube::api::DynamicObject =
                    serde_json::from_value(body).expect("a valid manifest");
                match api.create(&PostParams::default(), &object).await {
                    Ok(_) => {}
                    Err(kube::Error::Api(s)) if s.code == 409 => {}
                    Err(e) => panic!("creating the {kind}: {e}"),
                }
            }
        };
        if account != "default" {
            post(
                "ServiceAccount",
                json!({ "apiVersion": "v1", "kind": "ServiceAccount",
                        "metadata": { "name": account, "namespace": namespace } }),
            )
            .await;
        }
        post(
            "ClusterRole",
            json!({ "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                    "metadata": { "name": name },
                    "rules": [{ "apiGroups": ["saascript.io"], "resources": ["tenants"],
                                "verbs": ["get", "list", "watch"] }] }),
        )
        .await;
        post(
            "ClusterRoleBinding",
            json!({ "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
                    "metadata": { "name": name },
                    "roleRef": { "apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": name },
                    "subjects": [{ "kind": "ServiceAccount", "name": account, "namespace": namespace }] }),
        )
        .await;
        name
    }

    /// Removes what `grant_tenant_reads` made cluster-wide.
    pub async fn revoke(&self, name: &str) {
        let roles: Api<k8s_openapi::api::rbac::v1::ClusterRole> = Api::all(self.client.clone());
        let bindings: Api<k8s_openapi::api::rbac::v1::ClusterRoleBinding> =
            Api::all(self.client.clone());
        let _ = bindings.delete(name, &DeleteParams::default()).await;
        let _ = roles.delete(name, &DeleteParams::default()).await;
    }

    /// The pods of ServiceDeployment `sd` in `namespace`.
    pub async fn pods(&self, namespace: &str, sd: &str) -> Vec<Pod> {
        pods_of(&self.client, namespace, sd).await
    }

    /// Waits until `count` pods of `sd` are Ready (and no other pod of it exists); fails with
    /// what the pods say, and how to build the image when it is missing.
    pub async fn wait_ready_pods(&self, namespace: &str, sd: &str, count: usize) -> Vec<Pod> {
        let what = format!("{count} Ready pods of {sd} in {namespace}, and no others");
        let result = tokio::time::timeout(POD_LIMIT, async {
            loop {
                let pods = self.pods(namespace, sd).await;
                let ready = pods.iter().filter(|p| is_ready(p)).count();
                if ready == count && pods.len() == count {
                    return pods;
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        })
        .await;
        match result {
            Ok(pods) => pods,
            Err(_) => {
                let pods = self.pods(namespace, sd).await;
                // What keeps them: a container waiting (a missing image, a crash loop), or the
                // pod itself (evicted, unschedulable).
                let mut waiting: Vec<String> = pods
                    .iter()
                    .flat_map(|p| {
                        p.status
                            .iter()
                            .flat_map(|s| s.container_statuses.iter().flatten())
                    })
                    .filter_map(|c| c.state.as_ref()?.waiting.as_ref()?.reason.clone())
                    .collect();
                waiting.extend(pods.iter().filter_map(|p| {
                    let status = p.status.as_ref()?;
                    let unscheduled = status
                        .conditions
                        .iter()
                        .flatten()
                        .find(|c| c.type_ == "PodScheduled" && c.status == "False")
                        .and_then(|c| c.message.clone());
                    status.reason.clone().or(unscheduled)
                }));
                let hint = if waiting.iter().any(|r| r == "ErrImageNeverPull") {
                    format!(
                        "\n  the image is not on the node: build it with `scripts/images build {SERVICE}`"
                    )
                } else {
                    String::new()
                };
                panic!(
                    "waited {POD_LIMIT:?} for {what}, in vain: {} pods, waiting on {waiting:?}{hint}",
                    pods.len()
                )
            }
        }
    }

    /// Waits until `sd` has no pod left in `namespace`.
    pub async fn wait_no_pods(&self, namespace: &str, sd: &str) {
        wait_no_pods(&self.client, namespace, sd).await;
    }
}

/// The pods of ServiceDeployment `sd` in `namespace` (none where no node runs them).
pub async fn pods_of(client: &kube::Client, namespace: &str, sd: &str) -> Vec<Pod> {
    Api::<Pod>::namespaced(client.clone(), namespace)
        .list(&ListParams::default().labels(&format!("saascript.io/service-deployment={sd}")))
        .await
        .map(|l| l.items)
        .unwrap_or_default()
}

/// Waits until `sd` has no pod left in `namespace`. Why tests wait for it: a namespace's
/// deletion (a tenant's) waits on the kubelet stopping every pod in it, which on a loaded node
/// takes longer than a test's limit for the tenant to go.
pub async fn wait_no_pods(client: &kube::Client, namespace: &str, sd: &str) {
    wait::until(
        POD_LIMIT,
        &format!("no pod of {sd} in {namespace}"),
        || async {
            pods_of(client, namespace, sd)
                .await
                .is_empty()
                .then_some(())
        },
    )
    .await;
}

/// The pod's Ready condition is True.
pub fn is_ready(pod: &Pod) -> bool {
    pod.status
        .iter()
        .flat_map(|s| s.conditions.iter().flatten())
        .any(|c| c.type_ == "Ready" && c.status == "True")
}
