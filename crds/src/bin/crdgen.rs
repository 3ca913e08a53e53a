//! Writes the CRD manifests to crds/manifests/. Run it after changing a CRD type:
//! `cargo run -p saascript-crds --bin crdgen`.

use std::process::ExitCode;

use saascript_crds::manifests;

fn main() -> ExitCode {
    let dir = manifests::manifests_dir();
    for (file, crd) in manifests::all() {
        let path = dir.join(file);
        let written = manifests::to_yaml(&crd)
            .map_err(|e| e.to_string())
            .and_then(|yaml| std::fs::write(&path, yaml).map_err(|e| e.to_string()));
        match written {
            Ok(()) => println!("wrote {}", path.display()),
            Err(e) => {
                eprintln!("crdgen: cannot write {}: {e}", path.display());
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}
