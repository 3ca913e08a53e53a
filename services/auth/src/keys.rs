//! The Ed25519 keys that sign access tokens, kept in PostgreSQL so that every replica signs with
//! the same key and publishes the same JWKS. Rotation adds a new key and retires the old one; a
//! retired key stays in the JWKS until the tokens it signed have expired.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::Duration;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair};
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use sqlx::PgPool;

use crate::error::{AuthError, Result};
use saascript_common::encoding::base64url;

pub struct SigningKeys {
    db: PgPool,
    /// Access tokens' lifetime: how long a retired key must still be published.
    token_lifetime: Duration,
    parsed: RwLock<HashMap<String, EncodingKey>>,
}

impl SigningKeys {
    pub fn new(db: PgPool, token_lifetime: Duration) -> SigningKeys {
        SigningKeys {
            db,
            token_lifetime,
            parsed: RwLock::new(HashMap::new()),
        }
    }

    /// Makes sure an active key exists (the first start creates one).
    pub async fn ensure_active(&self) -> Result<String> {
        if let Some((kid, _)) = self.active().await? {
            return Ok(kid);
        }
        self.rotate().await
    }

    /// Adds a new key and retires the active one(s). Returns the new kid.
    pub async fn rotate(&self) -> Result<String> {
        let (kid, pkcs8, public_x) = generate()?;
        let mut tx = self.db.begin().await?;
        sqlx::query("UPDATE signing_keys SET retired_at = now() WHERE retired_at IS NULL")
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO signing_keys (kid, private_der, public_x) VALUES ($1, $2, $3)")
            .bind(&kid)
            .bind(&pkcs8)
            .bind(&public_x)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        tracing::info!(%kid, "signing key rotated");
        Ok(kid)
    }

    /// Signs `claims` with the active key, naming it in the `kid` header.
    pub async fn sign(&self, claims: &saascript_common::jwt::Claims) -> Result<String> {
        let (kid, der) = self
            .active()
            .await?
            .ok_or_else(|| AuthError::Internal("no active signing key".into()))?;
        let cached = self.parsed.read().ok().and_then(|p| p.get(&kid).cloned());
        let key = match cached {
            Some(key) => key,
            None => {
                let key = EncodingKey::from_ed_der(&der);
                if let Ok(mut parsed) = self.parsed.write() {
                    parsed.insert(kid.clone(), key.clone());
                }
                key
            }
        };
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(kid);
        jsonwebtoken::encode(&header, claims, &key).map_err(|e| AuthError::Internal(e.to_string()))
    }

    /// The public keys that verify tokens still alive: the active one and those retired less
    /// than a token lifetime ago.
    pub async fn jwks(&self) -> Result<JwkSet> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT kid, public_x FROM signing_keys
             WHERE retired_at IS NULL OR retired_at > now() - make_interval(secs => $1)
             ORDER BY created_at DESC",
        )
        .bind(self.token_lifetime.as_secs_f64())
        .fetch_all(&self.db)
        .await?;
        let keys = rows
            .into_iter()
            .map(|(kid, x)| {
                serde_json::from_value::<Jwk>(serde_json::json!({
                    "kty": "OKP", "crv": "Ed25519", "x": x, "kid": kid, "alg": "EdDSA", "use": "sig",
                }))
                .map_err(|e| AuthError::Internal(e.to_string()))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(JwkSet { keys })
    }

    async fn active(&self) -> Result<Option<(String, Vec<u8>)>> {
        Ok(sqlx::query_as(
            "SELECT kid, private_der FROM signing_keys WHERE retired_at IS NULL
             ORDER BY created_at DESC LIMIT 1",
        )
        .fetch_optional(&self.db)
        .await?)
    }
}

/// A new Ed25519 key: (kid, PKCS#8 DER, public key in base64url).
fn generate() -> Result<(String, Vec<u8>, String)> {
    let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new())
        .map_err(|e| AuthError::Internal(format!("key generation: {e}")))?;
    let pair = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref())
        .map_err(|e| AuthError::Internal(format!("key parsing: {e}")))?;
    let kid = format!("{:016x}", rand::random::<u64>());
    Ok((
        kid,
        pkcs8.as_ref().to_vec(),
        base64url(pair.public_key().as_ref()),
    ))
}

/// Auth's own verifier reads the keys from this store, not over HTTP from itself: a key rotated
/// in (here or by another replica) verifies as soon as a token names it.
pub struct OwnKeys(pub std::sync::Arc<SigningKeys>);

impl saascript_common::jwt::KeySource for OwnKeys {
    fn fetch(
        &self,
    ) -> std::pin::Pin<
        Box<dyn std::future::Future<Output = std::result::Result<JwkSet, String>> + Send + '_>,
    > {
        Box::pin(async move { self.0.jwks().await.map_err(|e| e.to_string()) })
    }
}
