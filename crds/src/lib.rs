//! SaaScript's custom resources, in `saascript.io/v1alpha1`: Tenant (cluster-scoped),
//! Subscription and ServiceDeployment (namespaced). The schema of each is generated from these
//! types, so what the API server enforces and what the Rust code reads cannot drift apart.

// Each `printcolumn(name = .., type_ = ..)` in a `#[kube(..)]` attribute repeats the same keys by
// design, which this lint mistakes for duplicates.
#![allow(clippy::duplicated_attributes)]

pub mod condition;
pub mod condition_types;
pub mod entitlements;
pub mod manifests;
pub mod names;
pub mod service_deployment;
pub mod subscription;
pub mod tenant;
pub mod tenant_crd;

pub use condition::{Condition, ConditionStatus, find_condition, set_condition};
pub use entitlements::{Entitlements, Quota};
pub use service_deployment::{
    ImagePullPolicy, ServiceDeployment, ServiceDeploymentSpec, ServiceDeploymentStatus, ServiceName,
};
pub use subscription::{StripeState, Subscription, SubscriptionSpec, SubscriptionStatus};
pub use tenant::{
    DeletionPolicy, Isolation, Tenant, TenantPhase, TenantService, TenantSpec, TenantStatus,
};

/// The API group of every SaaScript resource.
pub const GROUP: &str = "saascript.io";
