//! Tenants for the projects tests: a Tenant on the API server with the entitlements a test
//! wants written into its status (as the operator would), and access tokens of its users.

use kube::api::{Api, Patch, PatchParams};
use saascript_crds::Tenant;
use serde_json::json;

use crate::access_tokens::sign_access_token;
use crate::auth_server::AuthServer;
use crate::crds::install_crds;
use crate::tenant_guard::TenantGuard;
use crate::tenants::tenant_manifest;
use crate::test_env::TestEnv;
use crate::unique::unique_name;

/// A Tenant of the test's, with `max_projects` in force.
pub struct ProjectsTenant {
    pub guard: TenantGuard,
}

impl ProjectsTenant {
    pub async fn create(env: &TestEnv, isolation: &str, max_projects: i32) -> ProjectsTenant {
        let client = env.kube().await;
        install_crds(&client).await;
        let name = unique_name("prj");
        let manifest = tenant_manifest(&name, "projects-tests", isolation, "pro", "Delete");
        let guard = TenantGuard::create(env, &manifest).await;
        let tenant = ProjectsTenant { guard };
        tenant
            .set_status(json!({ "entitlements": entitlements(isolation, max_projects) }))
            .await;
        tenant
    }

    pub fn name(&self) -> &str {
        &self.guard.name
    }

    pub fn uid(&self) -> &str {
        &self.guard.uid
    }

    pub fn api(&self) -> &Api<Tenant> {
        self.guard.api()
    }

    /// Merges `status` into the Tenant's status, as the operator would write it.
    pub async fn set_status(&self, status: serde_json::Value) {
        self.api()
            .patch_status(
                self.name(),
                &PatchParams::default(),
                &Patch::Merge(json!({ "status": status })),
            )
            .await
            .unwrap_or_else(|e| panic!("the status of tenant {}: {e}", self.name()));
    }

    /// Suspends (or resumes) the tenant, as an admin would.
    pub async fn set_suspended(&self, suspended: bool) {
        self.api()
            .patch(
                self.name(),
                &PatchParams::default(),
                &Patch::Merge(json!({ "spec": { "suspended": suspended } })),
            )
            .await
            .unwrap_or_else(|e| panic!("suspending tenant {}: {e}", self.name()));
    }

    /// A token of user `user` in this tenant with `roles`, as auth mints them.
    pub async fn token(&self, auth: &AuthServer, user: &str, roles: &[&str]) -> String {
        sign_access_token(auth, user, Some(self.name()), Some(self.uid()), roles).await
    }
}

/// The entitlements of a plan, as the operator writes them into the Tenant's status.
pub fn entitlements(isolation: &str, max_projects: i32) -> serde_json::Value {
    json!({
        "plan": "pro",
        "quota": {},
        "maxProjects": max_projects,
        "maxMembers": 50,
        "requestsPerSecond": 100,
        "isolation": isolation,
    })
}
