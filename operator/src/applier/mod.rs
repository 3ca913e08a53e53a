//! What every controller of the operator shares, in the style of stackable's ClusterResources:
//!
//! - `controller.rs`: one `run_controller` that counts, times, logs and backs off every
//!   reconcile the same way, whatever the kind;
//! - `finalizer.rs`: kube's finalizer, with a finalizer removed from an object that is already
//!   gone counted as done;
//! - `owned.rs`: the objects one reconcile builds for its owner, applied with server-side apply
//!   and an ownerReference, and whatever carries the owner's labels but was not built in this
//!   pass deleted;
//! - `apply.rs`: the apply that writes only on drift, so that a steady state sends no write;
//! - `served.rs`: which version of an API group the server serves (HPA, PDB), by discovery.

pub mod apply;
pub mod controller;
pub mod finalizer;
pub mod owned;
pub mod served;

pub use apply::{Applied, apply_if_changed};
pub use controller::run_controller;
pub use finalizer::finalized;
pub use owned::OwnedResources;
