//! The SaaScript test kit: real local dependencies, never mocks.
//!
//! `TestEnv` reads the endpoints that `scripts/deps up` prints (from the environment, or from
//! `.saascript/env`), connects to each dependency on demand, and gives every test unique names so
//! that tests run in parallel. A dependency that does not answer fails the test with the command
//! that starts it; nothing is ever skipped.

pub mod access_tokens;
pub mod auth_server;
pub mod backing_systems;
pub mod billing_fixture;
pub mod billing_server;
pub mod black_hole;
pub mod crds;
pub mod databases;
pub mod echo_upstream;
pub mod endpoints;
pub mod gateway_server;
pub mod http;
pub mod kafka_topics;
pub mod maildir;
pub mod node;
pub mod operator;
pub mod private_api_server;
pub mod profiles_server;
pub mod projects_fixture;
pub mod projects_server;
pub mod raw_http;
pub mod schemathesis;
pub mod stripe_fake;
pub mod tcp_proxy;
pub mod tenant_credentials;
pub mod tenant_guard;
pub mod tenants;
pub mod tenants_server;
pub mod test_env;
pub mod token_issuer;
pub mod unique;
pub mod wait;

pub use endpoints::{Dependency, Endpoints};
pub use test_env::TestEnv;
pub use unique::{unique_ident, unique_name};
