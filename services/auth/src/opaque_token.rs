//! Opaque tokens (refresh tokens, email links, invitations): 256 random bits in hex, of which
//! only the SHA-256 is stored, so that a database leak yields no usable token.

use aws_lc_rs::digest::{SHA256, digest};
use saascript_common::encoding::hex;

/// A fresh token.
pub fn generate() -> String {
    hex(&rand::random::<[u8; 32]>())
}

/// What the database stores for `token`.
pub fn hash(token: &str) -> Vec<u8> {
    digest(&SHA256, token.as_bytes()).as_ref().to_vec()
}

#[cfg(test)]
mod tests {
    #[test]
    fn tokens_are_random_and_hashes_stable() {
        let (a, b) = (super::generate(), super::generate());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_eq!(super::hash(&a), super::hash(&a));
        assert_ne!(super::hash(&a), super::hash(&b));
        assert_eq!(super::hash(&a).len(), 32);
    }
}
