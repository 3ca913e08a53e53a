//! The key that seals auth's task payloads (AES-256-GCM), shared by auth and the mailer. An
//! email task carries a working link (verification, password reset, invitation); sealed, the
//! outbox row and the RabbitMQ message hold only ciphertext, so a leak of the database or of the
//! broker yields no usable token. The seal also binds the payload to its task id, and the
//! mailer sends only what auth sealed.

use std::fmt;
use std::sync::Arc;

use aws_lc_rs::aead::{AES_256_GCM, Aad, NONCE_LEN, Nonce, RandomizedNonceKey};
use saascript_common::Sensitive;
use saascript_common::encoding::hex;
use uuid::Uuid;

/// What a sealed payload is bound to, besides its task.
const CONTEXT: &[u8] = b"saascript.auth.task.v1:";

#[derive(Clone)]
pub struct TaskKey(Arc<RandomizedNonceKey>);

/// Never the key material.
impl fmt::Debug for TaskKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TaskKey(***)")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TaskKeyError {
    #[error("the task key must be 64 hex digits (32 bytes), such as `openssl rand -hex 32` prints")]
    BadKey,
    #[error("the sealed payload is not valid hex, or too short")]
    Malformed,
    #[error("the sealed payload does not open with this key (another key, or tampered with)")]
    NotOpened,
    #[error("sealing failed")]
    Seal,
}

fn aad(task: Uuid) -> Aad<Vec<u8>> {
    Aad::from([CONTEXT, task.as_bytes()].concat())
}

impl TaskKey {
    /// The key from its hex form (configuration).
    pub fn from_hex(key: &Sensitive) -> Result<TaskKey, TaskKeyError> {
        let bytes =
            saascript_common::encoding::unhex(key.expose().trim()).ok_or(TaskKeyError::BadKey)?;
        if bytes.len() != 32 {
            return Err(TaskKeyError::BadKey);
        }
        RandomizedNonceKey::new(&AES_256_GCM, &bytes)
            .map(|key| TaskKey(Arc::new(key)))
            .map_err(|_| TaskKeyError::BadKey)
    }

    /// `plaintext` sealed for `task`: hex of a fresh random nonce, the ciphertext and the tag.
    pub fn seal(&self, task: Uuid, plaintext: &[u8]) -> Result<String, TaskKeyError> {
        let mut sealed = plaintext.to_vec();
        let nonce = self
            .0
            .seal_in_place_append_tag(aad(task), &mut sealed)
            .map_err(|_| TaskKeyError::Seal)?;
        Ok(format!("{}{}", hex(nonce.as_ref()), hex(&sealed)))
    }

    /// The plaintext that `seal` sealed for `task`.
    pub fn open(&self, task: Uuid, sealed: &str) -> Result<Vec<u8>, TaskKeyError> {
        let bytes = saascript_common::encoding::unhex(sealed).ok_or(TaskKeyError::Malformed)?;
        if bytes.len() < NONCE_LEN {
            return Err(TaskKeyError::Malformed);
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| TaskKeyError::Malformed)?;
        let mut in_out = ciphertext.to_vec();
        let plaintext = self
            .0
            .open_in_place(nonce, aad(task), &mut in_out)
            .map_err(|_| TaskKeyError::NotOpened)?;
        Ok(plaintext.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use saascript_common::Sensitive;
    use uuid::Uuid;

    use super::{TaskKey, TaskKeyError};

    fn key(byte: &str) -> TaskKey {
        TaskKey::from_hex(&Sensitive::new(byte.repeat(32))).unwrap()
    }

    #[test]
    fn a_sealed_payload_opens_only_with_its_key_and_task() {
        let (key, task) = (key("ab"), Uuid::new_v4());
        let sealed = key.seal(task, b"reset token 1234").unwrap();
        assert!(!sealed.contains(&saascript_common::encoding::hex(b"1234")));
        assert_eq!(key.open(task, &sealed).unwrap(), b"reset token 1234");
        assert_ne!(
            key.seal(task, b"reset token 1234").unwrap(),
            sealed,
            "fresh nonces"
        );
        assert!(matches!(
            key.open(Uuid::new_v4(), &sealed),
            Err(TaskKeyError::NotOpened)
        ));
        assert!(matches!(
            super::TaskKey::from_hex(&Sensitive::new("cd".repeat(32)))
                .unwrap()
                .open(task, &sealed),
            Err(TaskKeyError::NotOpened)
        ));
        assert!(matches!(key.open(task, "zz"), Err(TaskKeyError::Malformed)));
    }

    #[test]
    fn a_bad_key_is_refused_and_never_printed() {
        assert!(TaskKey::from_hex(&Sensitive::new("ab".repeat(16))).is_err());
        assert!(TaskKey::from_hex(&Sensitive::new("xy".repeat(32))).is_err());
        assert_eq!(format!("{:?}", key("ab")), "TaskKey(***)");
    }
}
