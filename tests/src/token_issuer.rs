//! An access-token issuer of the test's own: an Ed25519 key, its JWKS served on a loopback port,
//! and tokens signed with it as auth signs them (EdDSA, `kid` header). For services that only
//! verify tokens, so that their tests need neither auth nor its database.

use std::net::SocketAddr;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair};
use axum::Router;
use axum::routing::get;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use saascript_common::encoding::base64url;
use serde_json::json;

use crate::unique::unique_name;

pub struct TokenIssuer {
    /// Where the JWKS is served (the services' `JWKS_URL`).
    pub jwks_url: String,
    kid: String,
    key: EncodingKey,
    task: tokio::task::JoinHandle<()>,
}

impl TokenIssuer {
    pub async fn start() -> TokenIssuer {
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap();
        let pair = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap();
        let kid = unique_name("kid");
        let jwks = json!({ "keys": [{
            "kty": "OKP", "crv": "Ed25519", "x": base64url(pair.public_key().as_ref()),
            "kid": kid, "alg": "EdDSA", "use": "sig",
        }]});
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address: SocketAddr = listener.local_addr().unwrap();
        let app = Router::new().route(
            "/.well-known/jwks.json",
            get(move || {
                let jwks = jwks.clone();
                async move { axum::Json(jwks) }
            }),
        );
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        TokenIssuer {
            jwks_url: format!("http://{address}/.well-known/jwks.json"),
            kid,
            key: EncodingKey::from_ed_der(pkcs8.as_ref()),
            task,
        }
    }

    /// A token of user `sub` acting for `tenant` (None: no tenant) with the Tenant uid
    /// `tenant_uid`, valid for 15 minutes, with auth's issuer and audience.
    pub fn sign(
        &self,
        sub: &str,
        tenant: Option<&str>,
        tenant_uid: Option<&str>,
        roles: &[&str],
    ) -> String {
        let claims = crate::access_tokens::claims(sub, tenant, tenant_uid, roles);
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, &claims, &self.key).unwrap()
    }
}

impl Drop for TokenIssuer {
    fn drop(&mut self) {
        self.task.abort();
    }
}
