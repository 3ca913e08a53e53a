//! The tenants service: see the crate's README.

use std::process::ExitCode;

fn main() -> ExitCode {
    saascript_common::kit::run_main::<saascript_tenants::Config, _, _, _, _>(
        "tenants",
        saascript_tenants::build,
    )
}
