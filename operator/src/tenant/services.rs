//! A siloed tenant's own services. Each ServiceDeployment labelled as a template in the system
//! namespace is stamped into the tenant's namespace, with the tenant's credentials Secret as its
//! environment; a stamped copy whose template is gone is deleted. The ServiceDeployment
//! controller runs the copies (and parks them while the tenant is suspended); their addresses go
//! into the Tenant's status, where the gateway reads them.

use std::collections::BTreeMap;

use kube::ResourceExt;
use kube::api::{Api, ListParams, ObjectMeta};
use saascript_crds::condition_types::TEMPLATE_LABEL;
use saascript_crds::{Isolation, ServiceDeployment, TenantService};

use crate::Result;
use crate::applier::OwnedResources;
use crate::context::Context;
use crate::credentials::SECRET_NAME;
use crate::labels::tenant_labels;
use crate::provision::TenantPlan;

/// On a stamped copy: the template it was stamped from.
pub const STAMPED_FROM_LABEL: &str = "saascript.io/stamped-from";

/// The copy of `template` in the tenant's namespace. Pure.
pub fn stamp(template: &ServiceDeployment, plan: &TenantPlan) -> ServiceDeployment {
    // The Tenant's own labels (a test run's, an admin's) travel with its services, so that a
    // selector on them finds them; the template's own labels do not.
    let mut labels: BTreeMap<String, String> = plan.labels.clone();
    labels.extend(tenant_labels(&plan.tenant));
    labels.insert(STAMPED_FROM_LABEL.into(), template.name_any());
    let mut spec = template.spec.clone();
    spec.credentials_secret = Some(SECRET_NAME.into());
    // The pooled count scales the shared services only.
    spec.tenants_per_replica = None;
    ServiceDeployment {
        metadata: ObjectMeta {
            name: Some(template.name_any()),
            namespace: Some(plan.namespace()),
            labels: Some(labels),
            ..Default::default()
        },
        spec,
        status: None,
    }
}

/// Stamps every template into a siloed tenant's namespace, deletes copies of templates that are
/// gone, and returns where each copy answers. A pooled tenant has none, and costs no request.
pub async fn stamp_services(plan: &TenantPlan, ctx: &Context) -> Result<Vec<TenantService>> {
    if plan.isolation != Isolation::Siloed {
        return Ok(vec![]);
    }
    let templates =
        Api::<ServiceDeployment>::namespaced(ctx.client.clone(), &ctx.config.system_namespace)
            .list(&ListParams::default().labels(&format!("{TEMPLATE_LABEL}=true")))
            .await?;
    let copies = Api::<ServiceDeployment>::namespaced(ctx.client.clone(), &plan.namespace());
    let mut owned = OwnedResources::labelled(tenant_labels(&plan.tenant));
    let mut services = vec![];
    for template in &templates.items {
        let copy = owned.apply(&copies, stamp(template, plan)).await?.object;
        services.push(TenantService {
            service: copy.spec.service,
            service_name: copy.name_any(),
            url: copy.status.and_then(|s| s.url),
        });
    }
    owned.delete_orphans(&copies).await?;
    services.sort_by(|a, b| a.service_name.cmp(&b.service_name));
    Ok(services)
}

#[cfg(test)]
mod tests {
    use super::*;
    use saascript_crds::service_deployment::Replicas;
    use saascript_crds::{ServiceDeploymentSpec, ServiceName};

    #[test]
    fn a_copy_runs_with_the_tenants_secret_in_its_namespace() {
        let mut template = ServiceDeployment::new(
            "projects",
            ServiceDeploymentSpec {
                service: ServiceName::Projects,
                image: "img".into(),
                port: 8085,
                replicas: Replicas { min: 1, max: 3 },
                autoscaling: None,
                resources: None,
                env: vec![],
                credentials_secret: None,
                tenants_per_replica: Some(50),
                image_pull_policy: None,
                service_account_name: None,
            },
        );
        template.metadata.namespace = Some("saascript-system".into());
        template.metadata.labels = Some(BTreeMap::from([(TEMPLATE_LABEL.into(), "true".into())]));
        let mut plan = crate::provision::plan::tests::plan("acme", Isolation::Siloed);
        plan.labels = BTreeMap::from([("team".into(), "blue".into())]);
        let copy = stamp(&template, &plan);
        assert_eq!(copy.namespace().as_deref(), Some("tenant-acme"));
        assert_eq!(copy.spec.credentials_secret.as_deref(), Some(SECRET_NAME));
        assert_eq!(copy.spec.tenants_per_replica, None);
        let labels = copy.labels();
        assert_eq!(
            labels.get("saascript.io/tenant").map(String::as_str),
            Some("acme")
        );
        assert_eq!(labels.get("team").map(String::as_str), Some("blue"));
        assert_eq!(
            labels.get(STAMPED_FROM_LABEL).map(String::as_str),
            Some("projects")
        );
        assert!(
            !labels.contains_key(TEMPLATE_LABEL),
            "a copy is no template"
        );
    }
}
