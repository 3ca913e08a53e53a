//! Password hashing with argon2id at OWASP's parameters (19 MiB, 2 iterations, 1 lane).
//! Hashing runs on the blocking pool: it is deliberately slow.

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::error::{AuthError, Result};

pub const MIN_LENGTH: usize = 12;
pub const MAX_LENGTH: usize = 1024;

fn argon2() -> Result<Argon2<'static>> {
    let params =
        Params::new(19 * 1024, 2, 1, None).map_err(|e| AuthError::Internal(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Checks the policy: 12 to 1024 characters.
pub fn check_policy(password: &str) -> Result<()> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Err(AuthError::Invalid(format!(
            "the password must be at least {MIN_LENGTH} characters"
        )));
    }
    if password.len() > MAX_LENGTH {
        return Err(AuthError::Invalid(format!(
            "the password must be at most {MAX_LENGTH} bytes"
        )));
    }
    Ok(())
}

/// The PHC string of `password`, with a fresh random salt.
pub async fn hash(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || {
        argon2()?
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| AuthError::Internal(e.to_string()))
    })
    .await
    .map_err(|e| AuthError::Internal(e.to_string()))?
}

/// Whether `password` matches `hash`. With no hash (an unknown account) a dummy hash is checked,
/// so that an unknown account costs as much time as a known one.
pub async fn verify(password: String, hash: Option<String>) -> Result<bool> {
    tokio::task::spawn_blocking(move || {
        let hash = hash.unwrap_or_else(|| DUMMY_HASH.to_string());
        let parsed = PasswordHash::new(&hash).map_err(|e| AuthError::Internal(e.to_string()))?;
        Ok(argon2()?
            .verify_password(password.as_bytes(), &parsed)
            .is_ok())
    })
    .await
    .map_err(|e| AuthError::Internal(e.to_string()))?
}

/// The argon2id hash of a random password nobody knows, with the same parameters.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FhU2NyaXB0RHVtbXlTYWx0$0EJx1tl6rQwbtrTcBLfPaXtZnU6JoXuRPjjH/9XQFr0";

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_wrong_passwords_fail() {
        let hash = hash("correct horse battery".into()).await.unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(
            verify("correct horse battery".into(), Some(hash.clone()))
                .await
                .unwrap()
        );
        assert!(
            !verify("wrong horse battery!".into(), Some(hash))
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn an_unknown_account_is_checked_against_a_real_hash() {
        // The dummy hash parses and runs the full argon2id computation; it matches nothing.
        assert!(!verify("anything at all!".into(), None).await.unwrap());
    }

    #[test]
    fn short_passwords_are_refused() {
        assert!(check_policy("short").is_err());
        assert!(check_policy("twelve chars").is_ok());
        assert!(check_policy(&"x".repeat(2000)).is_err());
    }
}
