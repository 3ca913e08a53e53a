//! `saascript-billing`: see the crate's README.

use std::process::ExitCode;

fn main() -> ExitCode {
    saascript_common::kit::run_main::<saascript_billing::Config, _, _, _, _>(
        "billing",
        saascript_billing::build,
    )
}
