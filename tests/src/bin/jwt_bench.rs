//! JWT verifications per second through `JwtVerifier` (EdDSA, keys cached), on one core and on
//! all of them. Prints one JSON line. Run: `cargo run --release -p saascript-tests --bin jwt_bench`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair};
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use saascript_common::jwt::{JwtVerifier, VerifierSettings};
use serde_json::json;

fn main() {
    saascript_common::install_crypto_provider();
    let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).expect("a key");
    let pair = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).expect("the key parses");
    let x = saascript_common::encoding::base64url(pair.public_key().as_ref());
    let jwk: Jwk = serde_json::from_value(
        json!({ "kty": "OKP", "crv": "Ed25519", "x": x, "kid": "k1", "alg": "EdDSA" }),
    )
    .expect("a JWK");
    let verifier = Arc::new(JwtVerifier::new(VerifierSettings {
        jwks_url: "http://127.0.0.1:1/unused".into(),
        issuer: "bench".into(),
        audience: "saascript".into(),
        refetch_interval: Duration::from_secs(3600),
        leeway: Duration::from_secs(30),
    }));
    verifier.install_keys(&JwkSet { keys: vec![jwk] });
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("time")
        .as_secs() as i64;
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some("k1".into());
    let claims = json!({ "sub": "u", "tenant": "acme", "roles": ["owner"], "iat": now, "exp": now + 3600, "jti": "j", "iss": "bench", "aud": "saascript" });
    let token =
        encode(&header, &claims, &EncodingKey::from_ed_der(pkcs8.as_ref())).expect("a token");

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let per_thread = |verifier: Arc<JwtVerifier>, token: String, seconds: f64| async move {
        let started = Instant::now();
        let mut count = 0u64;
        while started.elapsed().as_secs_f64() < seconds {
            for _ in 0..100 {
                verifier.verify(&token).await.expect("a valid token");
            }
            count += 100;
        }
        count as f64 / started.elapsed().as_secs_f64()
    };
    let one_core = runtime.block_on(per_thread(verifier.clone(), token.clone(), 3.0));
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let all_cores: f64 = runtime.block_on(async {
        let tasks: Vec<_> = (0..cores)
            .map(|_| tokio::spawn(per_thread(verifier.clone(), token.clone(), 3.0)))
            .collect();
        let mut total = 0.0;
        for task in tasks {
            total += task.await.expect("a bench task");
        }
        total
    });
    println!(
        "{}",
        json!({
            "bench": "jwt_verify",
            "algorithm": "EdDSA",
            "build": if cfg!(debug_assertions) { "debug" } else { "release" },
            "verifications_per_second_one_core": one_core.round(),
            "cores": cores,
            "verifications_per_second_all_cores": all_cores.round(),
        })
    );
}
