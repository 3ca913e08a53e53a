//! Verifying access tokens: `Claims`, and a verifier that fetches the issuer's JWKS, caches the
//! keys by `kid`, and fetches again when a token names a `kid` it does not know (key rotation),
//! at most once per interval so that made-up `kid`s cannot hammer the issuer.
//!
//! Only asymmetric algorithms (EdDSA, RS256) are accepted, and a key is used only with the
//! algorithm it was published for: `alg: none`, HS256 signed with a public key, and other
//! algorithm confusions are refused before any signature check.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{AlgorithmParameters, JwkSet, KeyAlgorithm};
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use serde::{Deserialize, Serialize};

/// The algorithms SaaScript signs access tokens with.
pub const ALLOWED_ALGORITHMS: [Algorithm; 2] = [Algorithm::EdDSA, Algorithm::RS256];

/// What an access token says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The user's id.
    pub sub: String,
    /// The tenant the token acts for; None for a platform admin outside any tenant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    /// The uid of that Tenant when the token was issued. Tenant names are reused after a
    /// deletion, so a token is good only for the Tenant whose uid it carries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_uid: Option<String>,
    /// `owner`, `admin`, `member`, or `platform-admin`.
    #[serde(default)]
    pub roles: Vec<String>,
    pub exp: i64,
    pub iat: i64,
    /// The token's unique id.
    pub jti: String,
    pub iss: String,
    pub aud: String,
}

impl Claims {
    pub fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r == role)
    }
}

/// Why a token was refused. Every variant is a 401 to the client.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the token is malformed")]
    Malformed,
    #[error("the token's algorithm is not accepted")]
    AlgorithmNotAllowed,
    #[error("the token names no key id")]
    MissingKeyId,
    #[error("the token's key is unknown")]
    UnknownKey,
    #[error("the token's signature is invalid")]
    BadSignature,
    #[error("the token has expired")]
    Expired,
    #[error("the token was issued for another audience or by another issuer")]
    WrongAudienceOrIssuer,
    #[error("the token lacks a required claim")]
    MissingClaim,
    #[error("the keys could not be fetched: {0}")]
    KeysUnavailable(String),
}

impl TokenError {
    /// A stable code for problem+json.
    pub fn code(&self) -> &'static str {
        match self {
            TokenError::Expired => "token_expired",
            TokenError::KeysUnavailable(_) => "keys_unavailable",
            _ => "token_invalid",
        }
    }
}

/// Where the keys are and what the tokens must say.
#[derive(Clone, Debug)]
pub struct VerifierSettings {
    pub jwks_url: String,
    pub issuer: String,
    pub audience: String,
    /// The least time between two fetches caused by unknown key ids.
    pub refetch_interval: Duration,
    /// Clock skew tolerated on `exp`, `nbf` and `iat`.
    pub leeway: Duration,
}

struct PublishedKey {
    key: DecodingKey,
    algorithm: Algorithm,
}

/// Where a verifier gets the issuer's public keys when it meets a key id it does not know.
pub trait KeySource: Send + Sync {
    fn fetch(&self) -> Pin<Box<dyn Future<Output = Result<JwkSet, String>> + Send + '_>>;
}

/// The issuer's published JWKS, over HTTP: how every service but the issuer learns its keys.
struct PublishedJwks {
    http: reqwest::Client,
    url: String,
}

impl KeySource for PublishedJwks {
    fn fetch(&self) -> Pin<Box<dyn Future<Output = Result<JwkSet, String>> + Send + '_>> {
        Box::pin(async move {
            self.http
                .get(&self.url)
                .send()
                .await
                .and_then(reqwest::Response::error_for_status)
                .map_err(|e| e.to_string())?
                .json()
                .await
                .map_err(|e| e.to_string())
        })
    }
}

pub struct JwtVerifier {
    settings: VerifierSettings,
    source: Arc<dyn KeySource>,
    keys: RwLock<HashMap<String, std::sync::Arc<PublishedKey>>>,
    last_fetch: Mutex<Option<Instant>>,
    /// One fetch caused by unknown key ids at a time: the others wait for it and read its
    /// result, so a burst of tokens (new or made up) costs one fetch, not one each.
    fetching: tokio::sync::Mutex<()>,
}

impl JwtVerifier {
    /// A verifier that fetches the keys from `settings.jwks_url`.
    pub fn new(settings: VerifierSettings) -> JwtVerifier {
        let source = PublishedJwks {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(5))
                .build()
                .unwrap_or_default(),
            url: settings.jwks_url.clone(),
        };
        JwtVerifier::with_source(settings, Arc::new(source))
    }

    /// A verifier that takes the keys from `source`: the issuer reads its own key store, so that
    /// a key it rotated in verifies at once, with no request to itself.
    pub fn with_source(settings: VerifierSettings, source: Arc<dyn KeySource>) -> JwtVerifier {
        JwtVerifier {
            settings,
            source,
            keys: RwLock::new(HashMap::new()),
            last_fetch: Mutex::new(None),
            fetching: tokio::sync::Mutex::new(()),
        }
    }

    /// Verifies `token` and returns its claims.
    pub async fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        let header = decode_header(token).map_err(|_| TokenError::Malformed)?;
        if !ALLOWED_ALGORITHMS.contains(&header.alg) {
            return Err(TokenError::AlgorithmNotAllowed);
        }
        let kid = header.kid.ok_or(TokenError::MissingKeyId)?;
        let key = match self.cached(&kid) {
            Some(key) => key,
            None => {
                self.refetch_if_due(&kid).await?;
                self.cached(&kid).ok_or(TokenError::UnknownKey)?
            }
        };
        // A key verifies only the algorithm it was published for.
        if key.algorithm != header.alg {
            return Err(TokenError::AlgorithmNotAllowed);
        }
        let mut validation = Validation::new(key.algorithm);
        validation.set_issuer(&[&self.settings.issuer]);
        validation.set_audience(&[&self.settings.audience]);
        validation.leeway = self.settings.leeway.as_secs();
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        decode::<Claims>(token, &key.key, &validation)
            .map(|data| data.claims)
            .map_err(|e| {
                use jsonwebtoken::errors::ErrorKind;
                match e.kind() {
                    ErrorKind::ExpiredSignature | ErrorKind::ImmatureSignature => {
                        TokenError::Expired
                    }
                    ErrorKind::InvalidIssuer | ErrorKind::InvalidAudience => {
                        TokenError::WrongAudienceOrIssuer
                    }
                    ErrorKind::MissingRequiredClaim(_) => TokenError::MissingClaim,
                    ErrorKind::InvalidAlgorithm => TokenError::AlgorithmNotAllowed,
                    ErrorKind::InvalidSignature => TokenError::BadSignature,
                    _ => TokenError::Malformed,
                }
            })
    }

    /// Fetches the key set now (at start-up, for instance).
    pub async fn refresh(&self) -> Result<usize, TokenError> {
        let fetched = self.source.fetch().await;
        // Counted once it is over, failed or not: an unreachable issuer is not asked again for
        // every made-up key id either.
        if let Ok(mut last) = self.last_fetch.lock() {
            *last = Some(Instant::now());
        }
        Ok(self.install_keys(&fetched.map_err(TokenError::KeysUnavailable)?))
    }

    /// Replaces the cached keys with the usable ones in `set` (the issuer itself installs its
    /// own keys this way, without a request). Returns how many were usable.
    pub fn install_keys(&self, set: &JwkSet) -> usize {
        let mut keys = HashMap::new();
        for jwk in &set.keys {
            let Some(kid) = jwk.common.key_id.clone() else {
                continue;
            };
            let algorithm = match (&jwk.algorithm, jwk.common.key_algorithm) {
                (AlgorithmParameters::OctetKeyPair(_), None | Some(KeyAlgorithm::EdDSA)) => {
                    Algorithm::EdDSA
                }
                (AlgorithmParameters::RSA(_), None | Some(KeyAlgorithm::RS256)) => Algorithm::RS256,
                // Symmetric keys, and anything else, never verify access tokens.
                _ => continue,
            };
            if let Ok(key) = DecodingKey::from_jwk(jwk) {
                keys.insert(kid, std::sync::Arc::new(PublishedKey { key, algorithm }));
            }
        }
        let count = keys.len();
        if let Ok(mut cache) = self.keys.write() {
            *cache = keys;
        }
        count
    }

    fn cached(&self, kid: &str) -> Option<std::sync::Arc<PublishedKey>> {
        self.keys
            .read()
            .ok()
            .and_then(|keys| keys.get(kid).cloned())
    }

    async fn refetch_if_due(&self, kid: &str) -> Result<(), TokenError> {
        let _one_at_a_time = self.fetching.lock().await;
        // The fetch this request waited for may have brought the key.
        if self.cached(kid).is_some() {
            return Ok(());
        }
        let due = self
            .last_fetch
            .lock()
            .map(|last| last.is_none_or(|t| t.elapsed() >= self.settings.refetch_interval))
            .unwrap_or(true);
        if due {
            self.refresh().await?;
        }
        Ok(())
    }
}
