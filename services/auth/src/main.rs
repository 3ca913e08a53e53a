//! `saascript-auth`: see the crate's README.

use std::process::ExitCode;

fn main() -> ExitCode {
    saascript_common::kit::run_main::<saascript_auth::Config, _, _, _, _>(
        "auth",
        saascript_auth::build,
    )
}
