//! A private Kubernetes API server (its own etcd and controller manager), started through
//! `scripts/deps` on free ports, for the few tests that do something cluster-wide, such as
//! deleting a CRD, which would disturb every other test on the shared API server.

use std::path::PathBuf;
use std::process::Command;

use crate::endpoints::workspace_root;
use crate::unique::unique_name;

pub struct PrivateApiServer {
    state: PathBuf,
    port: u16,
}

impl PrivateApiServer {
    pub fn start() -> PrivateApiServer {
        let state = std::env::temp_dir().join(unique_name("saascript-kube"));
        let port = free_port_pair();
        let server = PrivateApiServer { state, port };
        let output = server.deps(&["up", "kubernetes"]);
        assert!(
            output.status.success(),
            "a private API server did not start:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        server
    }

    pub fn kubeconfig(&self) -> String {
        self.state.join("kubeconfig").display().to_string()
    }

    fn deps(&self, args: &[&str]) -> std::process::Output {
        Command::new(workspace_root().join("scripts/deps"))
            .args(args)
            .env("SAASCRIPT_STATE", &self.state)
            .env("SAASCRIPT_KUBE_POINTER", self.state.join("pointer"))
            .env("SAASCRIPT_KUBE_PORT", self.port.to_string())
            .env("SAASCRIPT_ETCD_PORT", (self.port + 1).to_string())
            .output()
            .expect("scripts/deps runs")
    }
}

impl Drop for PrivateApiServer {
    fn drop(&mut self) {
        let _ = self.deps(&["down", "kubernetes"]);
        let _ = std::fs::remove_dir_all(&self.state);
    }
}

/// A port p such that p, p+1 and p+2 are free (API server, etcd client, etcd peer).
fn free_port_pair() -> u16 {
    for _ in 0..50 {
        let port = 20000 + (rand::random::<u16>() % 20000);
        let free = (0..3).all(|i| std::net::TcpListener::bind(("127.0.0.1", port + i)).is_ok());
        if free {
            return port;
        }
    }
    panic!("no three free consecutive ports on loopback")
}
