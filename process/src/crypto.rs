//! The process-wide TLS crypto provider.

/// kube, sqlx and the AWS SDK together enable both of rustls's crypto back-ends, and rustls then
/// refuses to choose one and panics at the first TLS connection. Every process (binaries and
/// tests alike) calls this once at start-up; calling it again is harmless.
pub fn install_crypto_provider() {
    // Err means a provider is already installed, which is what we want.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
}

#[cfg(test)]
mod tests {
    #[test]
    fn installs_a_provider_and_tolerates_a_second_call() {
        super::install_crypto_provider();
        super::install_crypto_provider();
        assert!(rustls::crypto::CryptoProvider::get_default().is_some());
    }
}
