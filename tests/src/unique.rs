//! Unique names, so that tests running in parallel (and runs that left things behind) never
//! collide on a namespace, tenant, database, vhost, topic or table.

use std::sync::atomic::{AtomicU32, Ordering};

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn suffix() -> String {
    // Random per process, plus a counter within it: unique across processes and within one.
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{:08x}{:x}", rand::random::<u32>(), n)
}

/// A DNS-1123 label such as `t-3fa94c1b0`: a namespace, a tenant, a vhost, a topic or a table.
/// `prefix` must start with a letter; the result stays within 40 characters (a tenant name).
pub fn unique_name(prefix: &str) -> String {
    let name = format!("{prefix}-{}", suffix());
    assert!(
        name.len() <= 40,
        "unique_name({prefix:?}) is too long for a tenant name: {name}"
    );
    name
}

/// An SQL identifier such as `t_3fa94c1b0`: a database, a role or a table.
pub fn unique_ident(prefix: &str) -> String {
    format!("{prefix}_{}", suffix())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_do_not_repeat_and_are_dns_labels() {
        let a = unique_name("t");
        let b = unique_name("t");
        assert_ne!(a, b);
        for name in [&a, &b] {
            assert!(
                name.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            );
        }
        assert!(
            unique_ident("db")
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
        );
    }
}
