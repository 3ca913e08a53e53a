//! A Tenant that a test owns: created on the shared API server, and deleted when the guard is
//! dropped, also when the test fails half-way (a panic unwinds through the guard). Tests share
//! one API server, so a Tenant left behind would stay there for every later run. The drop also
//! takes off the Tenant's finalizers: whatever put them there (the test's operator or billing,
//! scoped to its run) ends with the test, and a Tenant whose finalizer nobody runs would stay
//! Terminating for ever; its namespace goes with it. A test that passes deletes its Tenants itself, with its operator still
//! running, so that their backing resources go too; the guard then finds nothing.

use kube::api::{Api, ApiResource, DeleteParams, DynamicObject, Patch, PatchParams, PostParams};
use saascript_crds::Tenant;
use serde_json::json;

use crate::tenants::wait_gone;
use crate::test_env::TestEnv;

pub struct TenantGuard {
    pub name: String,
    /// The live Tenant's `metadata.uid`.
    pub uid: String,
    api: Api<Tenant>,
    config: kube::Config,
}

impl TenantGuard {
    /// Creates `manifest`, failing the test if the API server refuses it.
    pub async fn create(env: &TestEnv, manifest: &Tenant) -> TenantGuard {
        let config = env.kube_config().await;
        let api: Api<Tenant> = Api::all(
            env.checked(kube::Client::try_from(config.clone()).expect("a Kubernetes client"))
                .await,
        );
        let name = manifest.metadata.name.clone().expect("a named Tenant");
        let uid = create(&api, manifest).await;
        TenantGuard {
            name,
            uid,
            api,
            config,
        }
    }

    /// As `create`, sending `manifest` as it is written: fields it leaves out stay out, so that
    /// the API server's schema defaults are what fill them (a typed `Tenant` would send them all).
    pub async fn create_untyped(env: &TestEnv, manifest: &DynamicObject) -> TenantGuard {
        let config = env.kube_config().await;
        let client = env
            .checked(kube::Client::try_from(config.clone()).expect("a Kubernetes client"))
            .await;
        let name = manifest.metadata.name.clone().expect("a named Tenant");
        let untyped: Api<DynamicObject> =
            Api::all_with(client.clone(), &ApiResource::erase::<Tenant>(&()));
        let created = untyped
            .create(&PostParams::default(), manifest)
            .await
            .unwrap_or_else(|e| panic!("creating tenant {name}: {e}"));
        TenantGuard {
            name,
            uid: created
                .metadata
                .uid
                .expect("the API server gives every object a uid"),
            api: Api::all(client),
            config,
        }
    }

    /// Deletes the Tenant, waits until it is gone, and creates `manifest` (of the same name)
    /// again: a new Tenant with a new uid.
    pub async fn recreate(&mut self, manifest: &Tenant) {
        let _ = self.api.delete(&self.name, &DeleteParams::default()).await;
        wait_gone(&self.api, &self.name).await;
        self.uid = create(&self.api, manifest).await;
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn api(&self) -> &Api<Tenant> {
        &self.api
    }
}

async fn create(api: &Api<Tenant>, manifest: &Tenant) -> String {
    let created = api
        .create(&PostParams::default(), manifest)
        .await
        .unwrap_or_else(|e| panic!("creating tenant {:?}: {e}", manifest.metadata.name));
    created
        .metadata
        .uid
        .expect("the API server gives every object a uid")
}

impl Drop for TenantGuard {
    fn drop(&mut self) {
        // Drop cannot await, and the test's runtime may be unwinding: the delete runs on a
        // runtime and a client of its own, and the drop waits for it.
        let (config, name) = (self.config.clone(), self.name.clone());
        let deleted = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            runtime.block_on(async {
                let client = kube::Client::try_from(config).map_err(|e| e.to_string())?;
                let api = Api::<Tenant>::all(client.clone());
                let gone = |e: &kube::Error| matches!(e, kube::Error::Api(s) if s.code == 404);
                // The namespace the test's operator (or the kit) made for it goes too; no
                // operator is left to take it away.
                let namespaces = Api::<k8s_openapi::api::core::v1::Namespace>::all(client);
                let namespace = saascript_crds::names::tenant_namespace(&name);
                match namespaces
                    .delete(&namespace, &DeleteParams::default())
                    .await
                {
                    Ok(_) => {}
                    Err(e) if gone(&e) => {}
                    Err(e) => return Err(e.to_string()),
                }
                match api.delete(&name, &DeleteParams::default()).await {
                    Ok(_) => {}
                    Err(e) if gone(&e) => return Ok(()),
                    Err(e) => return Err(e.to_string()),
                }
                let no_finalizers = json!({ "metadata": { "finalizers": null } });
                match api
                    .patch(
                        &name,
                        &PatchParams::default(),
                        &Patch::Merge(&no_finalizers),
                    )
                    .await
                {
                    Ok(_) => Ok(()),
                    Err(e) if gone(&e) => Ok(()),
                    Err(e) => Err(e.to_string()),
                }
            })
        })
        .join();
        if let Ok(Err(e)) | Err(e) = deleted.map_err(|_| "the delete panicked".to_string()) {
            eprintln!("tenant {} may be left behind: {e}", self.name);
        }
    }
}
