//! `saascript-gateway`: see the crate's README.

use std::process::ExitCode;

fn main() -> ExitCode {
    saascript_common::kit::run_main::<saascript_gateway::Config, _, _, _, _>(
        "gateway",
        saascript_gateway::build,
    )
}
