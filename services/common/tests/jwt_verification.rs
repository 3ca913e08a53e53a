//! The JWT verifier and extractors against a real JWKS endpoint (an HTTP server on loopback),
//! with real Ed25519 keys, and every classic token attack.

// A test file: its helpers fail loudly on purpose.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair};
use axum::Router;
use axum::extract::FromRef;
use axum::routing::get;
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use saascript_common::encoding::base64url;
use saascript_common::extract::{Admin, AuthUser, RequireRole, TenantContext};
use saascript_common::jwt::{JwtVerifier, TokenError, VerifierSettings};
use serde_json::json;

const ISSUER: &str = "https://auth.saascript.test";
const AUDIENCE: &str = "saascript";

struct SigningKey {
    kid: String,
    encoding: EncodingKey,
    jwk: Jwk,
    public: Vec<u8>,
}

fn signing_key(kid: &str) -> SigningKey {
    let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap();
    let pair = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap();
    let encoding = EncodingKey::from_ed_der(pkcs8.as_ref());
    let public = pair.public_key().as_ref().to_vec();
    let jwk: Jwk = serde_json::from_value(json!({
        "kty": "OKP", "crv": "Ed25519", "x": base64url(&public), "kid": kid, "alg": "EdDSA", "use": "sig",
    }))
    .unwrap();
    SigningKey {
        kid: kid.into(),
        encoding,
        jwk,
        public,
    }
}

/// A JWKS endpoint whose keys the test can change, counting its fetches.
struct JwksServer {
    url: String,
    keys: Arc<RwLock<Vec<Jwk>>>,
    fetches: Arc<AtomicUsize>,
}

async fn jwks_server(keys: Vec<Jwk>) -> JwksServer {
    let keys = Arc::new(RwLock::new(keys));
    let fetches = Arc::new(AtomicUsize::new(0));
    let (k, f) = (keys.clone(), fetches.clone());
    let app = Router::new().route(
        "/.well-known/jwks.json",
        get(move || {
            let (k, f) = (k.clone(), f.clone());
            async move {
                f.fetch_add(1, Ordering::SeqCst);
                axum::Json(JwkSet {
                    keys: k.read().unwrap().clone(),
                })
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    JwksServer {
        url: format!("http://{address}/.well-known/jwks.json"),
        keys,
        fetches,
    }
}

fn verifier(server: &JwksServer) -> JwtVerifier {
    JwtVerifier::new(VerifierSettings {
        jwks_url: server.url.clone(),
        issuer: ISSUER.into(),
        audience: AUDIENCE.into(),
        refetch_interval: Duration::from_millis(300),
        leeway: Duration::from_secs(5),
    })
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn claims(roles: &[&str]) -> serde_json::Value {
    json!({
        "sub": "user-1", "tenant": "acme", "roles": roles,
        "iat": now(), "exp": now() + 900, "jti": "j-1", "iss": ISSUER, "aud": AUDIENCE,
    })
}

fn sign(key: &SigningKey, claims: &serde_json::Value) -> String {
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some(key.kid.clone());
    encode(&header, claims, &key.encoding).unwrap()
}

#[tokio::test]
async fn a_good_token_is_accepted_with_its_claims() {
    let key = signing_key("k1");
    let server = jwks_server(vec![key.jwk.clone()]).await;
    let verified = verifier(&server)
        .verify(&sign(&key, &claims(&["owner"])))
        .await
        .unwrap();
    assert_eq!(verified.sub, "user-1");
    assert_eq!(verified.tenant.as_deref(), Some("acme"));
    assert!(verified.has_role("owner"));
}

#[tokio::test]
async fn every_classic_attack_is_refused() {
    let key = signing_key("k1");
    let server = jwks_server(vec![key.jwk.clone()]).await;
    let verifier = verifier(&server);
    let good = sign(&key, &claims(&["owner"]));

    // alg "none", unsigned.
    let header = base64url(
        json!({ "alg": "none", "typ": "JWT", "kid": "k1" })
            .to_string()
            .as_bytes(),
    );
    let payload = base64url(claims(&["owner"]).to_string().as_bytes());
    let none = format!("{header}.{payload}.");
    assert!(matches!(
        verifier.verify(&none).await,
        Err(TokenError::Malformed | TokenError::AlgorithmNotAllowed)
    ));

    // HS256 signed with the public key as the HMAC secret.
    let mut hs = Header::new(Algorithm::HS256);
    hs.kid = Some("k1".into());
    let confused = encode(
        &hs,
        &claims(&["owner"]),
        &EncodingKey::from_secret(&key.public),
    )
    .unwrap();
    assert_eq!(
        verifier.verify(&confused).await,
        Err(TokenError::AlgorithmNotAllowed)
    );

    // Expired (beyond the leeway).
    let mut expired = claims(&["owner"]);
    expired["exp"] = json!(now() - 60);
    expired["iat"] = json!(now() - 960);
    assert_eq!(
        verifier.verify(&sign(&key, &expired)).await,
        Err(TokenError::Expired)
    );

    // Wrong audience, wrong issuer.
    let mut wrong_aud = claims(&["owner"]);
    wrong_aud["aud"] = json!("another-service");
    assert_eq!(
        verifier.verify(&sign(&key, &wrong_aud)).await,
        Err(TokenError::WrongAudienceOrIssuer)
    );
    let mut wrong_iss = claims(&["owner"]);
    wrong_iss["iss"] = json!("https://evil.example");
    assert_eq!(
        verifier.verify(&sign(&key, &wrong_iss)).await,
        Err(TokenError::WrongAudienceOrIssuer)
    );

    // Unknown kid: signed by a key the issuer never published.
    let stranger = signing_key("k-unknown");
    assert_eq!(
        verifier.verify(&sign(&stranger, &claims(&["owner"]))).await,
        Err(TokenError::UnknownKey)
    );

    // Tampered payload: roles raised after signing.
    let parts: Vec<&str> = good.split('.').collect();
    let mut raised = claims(&["owner"]);
    raised["roles"] = json!(["platform-admin"]);
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        base64url(raised.to_string().as_bytes()),
        parts[2]
    );
    assert_eq!(
        verifier.verify(&tampered).await,
        Err(TokenError::BadSignature)
    );

    // The good token still passes after all that.
    assert!(verifier.verify(&good).await.is_ok());
}

#[tokio::test]
async fn a_rotated_key_is_fetched_once_and_made_up_kids_do_not_hammer_the_issuer() {
    let old = signing_key("old");
    let server = jwks_server(vec![old.jwk.clone()]).await;
    let verifier = verifier(&server);
    verifier.verify(&sign(&old, &claims(&[]))).await.unwrap();
    assert_eq!(server.fetches.load(Ordering::SeqCst), 1);

    // The issuer rotates: the new key is published next to the old one.
    let new = signing_key("new");
    server.keys.write().unwrap().push(new.jwk.clone());
    tokio::time::sleep(Duration::from_millis(350)).await; // past the refetch interval
    verifier.verify(&sign(&new, &claims(&[]))).await.unwrap();
    assert_eq!(
        server.fetches.load(Ordering::SeqCst),
        2,
        "an unknown kid triggers one fetch"
    );
    verifier.verify(&sign(&old, &claims(&[]))).await.unwrap();

    // A burst of made-up kids within the interval costs at most one more fetch.
    for i in 0..20 {
        let stranger = signing_key(&format!("made-up-{i}"));
        assert_eq!(
            verifier.verify(&sign(&stranger, &claims(&[]))).await,
            Err(TokenError::UnknownKey)
        );
    }
    assert!(
        server.fetches.load(Ordering::SeqCst) <= 3,
        "fetches: {}",
        server.fetches.load(Ordering::SeqCst)
    );
}

#[tokio::test]
async fn requests_that_meet_a_new_key_at_once_are_all_accepted_with_one_fetch() {
    // A fetch in flight must not make the other requests that need it look like made-up kids.
    let key = signing_key("fresh");
    let server = jwks_server(vec![key.jwk.clone()]).await;
    let verifier = Arc::new(verifier(&server));
    let token = sign(&key, &claims(&[]));
    let checks: Vec<_> = (0..8)
        .map(|_| {
            let (verifier, token) = (verifier.clone(), token.clone());
            tokio::spawn(async move { verifier.verify(&token).await })
        })
        .collect();
    for check in checks {
        assert!(check.await.unwrap().is_ok());
    }
    assert_eq!(
        server.fetches.load(Ordering::SeqCst),
        1,
        "eight requests at once cost one fetch"
    );

    // Made-up key ids at once: they wait for one another, and cost one more fetch at most.
    let strangers: Vec<_> = (0..20)
        .map(|i| {
            let verifier = verifier.clone();
            let token = sign(&signing_key(&format!("made-up-{i}")), &claims(&[]));
            tokio::spawn(async move { verifier.verify(&token).await })
        })
        .collect();
    for stranger in strangers {
        assert_eq!(stranger.await.unwrap(), Err(TokenError::UnknownKey));
    }
    assert!(server.fetches.load(Ordering::SeqCst) <= 2);
}

#[derive(Clone)]
struct AppState {
    verifier: Arc<JwtVerifier>,
}

impl FromRef<AppState> for Arc<JwtVerifier> {
    fn from_ref(state: &AppState) -> Self {
        state.verifier.clone()
    }
}

async fn call(app: &Router, token: Option<&str>, path: &str) -> (u16, serde_json::Value) {
    use tower::ServiceExt;
    let mut request = axum::http::Request::get(path);
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let response = app
        .clone()
        .oneshot(request.body(axum::body::Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status().as_u16();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 16)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null),
    )
}

#[tokio::test]
async fn the_extractors_answer_401_and_403_with_problems() {
    let key = signing_key("k1");
    let server = jwks_server(vec![key.jwk.clone()]).await;
    let state = AppState {
        verifier: Arc::new(verifier(&server)),
    };
    let app = Router::new()
        .route(
            "/me",
            get(|AuthUser(c): AuthUser| async move { axum::Json(json!({ "sub": c.sub })) }),
        )
        .route(
            "/tenant",
            get(|t: TenantContext| async move { axum::Json(json!({ "tenant": t.tenant })) }),
        )
        .route(
            "/admin",
            get(|_: RequireRole<Admin>| async { axum::Json(json!({ "ok": true })) }),
        )
        .with_state(state);

    let (status, body) = call(&app, None, "/me").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("token_missing"))
    );
    let member = sign(&key, &claims(&["member"]));
    assert_eq!(call(&app, Some(&member), "/me").await.1["sub"], "user-1");
    assert_eq!(
        call(&app, Some(&member), "/tenant").await.1["tenant"],
        "acme"
    );
    let (status, body) = call(&app, Some(&member), "/admin").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("role_required"))
    );
    let admin = sign(&key, &claims(&["admin"]));
    assert_eq!(call(&app, Some(&admin), "/admin").await.0, 200);
    let mut platform = claims(&["platform-admin"]);
    platform.as_object_mut().unwrap().remove("tenant");
    let (status, body) = call(&app, Some(&sign(&key, &platform)), "/tenant").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("tenant_required"))
    );
    let (status, body) = call(&app, Some("not.a.token"), "/me").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("token_invalid"))
    );
}
