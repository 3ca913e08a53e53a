//! The keys of items, in the shared table and in a siloed tenant's own table alike. Every
//! profile's partition key names its tenant, also in a table of its own: a table name that
//! pointed at the wrong table would still not reach another tenant's items.

/// The key attributes, as the operator creates the tables (`pk` HASH, `sk` RANGE, both S).
pub const PARTITION_KEY: &str = "pk";
pub const SORT_KEY: &str = "sk";

/// `TENANT#<tenant>`: the operator's `DYNAMODB_PARTITION_PREFIX`, and what it deletes with a
/// pooled tenant.
pub fn tenant_partition(tenant: &str) -> String {
    format!("TENANT#{tenant}")
}

/// `USER#<id>`.
pub fn user_sort_key(user: &str) -> String {
    format!("USER#{user}")
}

/// `EVENT#<source>#<id>`: a processed event. CloudEvents ids are unique per source. The prefix
/// is not `TENANT#`, so these items are no tenant's data and a pooled tenant's deletion leaves
/// them alone.
pub fn event_partition(source: &str, id: &str) -> String {
    format!("EVENT#{source}#{id}")
}

/// The sort key of a processed event's item (the table needs one).
pub const EVENT_SORT_KEY: &str = "PROCESSED";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_name_the_tenant_and_the_user() {
        assert_eq!(tenant_partition("acme"), "TENANT#acme");
        assert_eq!(user_sort_key("u-1"), "USER#u-1");
        assert_eq!(
            event_partition("saascript/auth", "e-1"),
            "EVENT#saascript/auth#e-1"
        );
    }
}
