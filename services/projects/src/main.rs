//! `saascript-projects`: see the crate's README.

use std::process::ExitCode;

fn main() -> ExitCode {
    saascript_common::kit::run_main::<saascript_projects::Config, _, _, _, _>(
        "projects",
        saascript_projects::build,
    )
}
