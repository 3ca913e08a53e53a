//! Stripe object ids that come from a client. They go into Stripe URL paths
//! (`/payment_methods/{id}/attach`), so anything but Stripe's own shape (`pm_` and letters,
//! digits or `_`) is refused before a request is built: a `/`, `?` or `..` would address
//! another Stripe resource with billing's secret key.

/// The longest id accepted. Stripe's ids are far shorter; the bound keeps the URL small.
const MAX_ID_LEN: usize = 255;

/// Whether `id` is a payment method id as Stripe makes them.
pub fn is_payment_method_id(id: &str) -> bool {
    is_id_with_prefix(id, "pm_")
}

fn is_id_with_prefix(id: &str, prefix: &str) -> bool {
    id.len() <= MAX_ID_LEN
        && id.strip_prefix(prefix).is_some_and(|rest| {
            !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stripe_shaped_ids_pass() {
        assert!(is_payment_method_id("pm_card_visa"));
        assert!(is_payment_method_id("pm_1PqRsTuVwXyZ012345"));
    }

    #[test]
    fn anything_that_could_change_the_url_is_refused() {
        for bad in [
            "",
            "pm_",
            "cus_123",
            "pm_1/../../customers/cus_1",
            "pm_1?expand=x",
            "pm_1#x",
            "pm_1%2F",
            "pm_1 2",
            "pm_1\u{0}",
            "pm_é",
        ] {
            assert!(!is_payment_method_id(bad), "{bad:?}");
        }
        assert!(!is_payment_method_id(&format!("pm_{}", "a".repeat(300))));
    }
}
