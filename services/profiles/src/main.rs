//! `saascript-profiles`: see the crate's README.

use std::process::ExitCode;

fn main() -> ExitCode {
    saascript_common::kit::run_main::<saascript_profiles::Config, _, _, _, _>(
        "profiles",
        saascript_profiles::build,
    )
}
