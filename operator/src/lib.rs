//! The SaaScript operator. Its controllers (Tenant, Subscription, ServiceDeployment) arrive with
//! the operator issue; what is here now is the start-up check that every controller relies on.

pub mod crd_check;
pub mod error;

pub use error::{Error, Result};
