//! The ids of the events this service has processed, in the shared table beside the pooled
//! profiles, so that the service keeps to one store. Each is recorded with a conditional put
//! after its effect is applied; the effect is itself idempotent (create-if-absent), so a crash
//! between the two only applies a no-op again.

use std::collections::HashMap;

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::types::AttributeValue;

use crate::error::{ProfilesError, Result};
use crate::keys::{EVENT_SORT_KEY, PARTITION_KEY, SORT_KEY, event_partition};

/// How long an id is kept (the `expires_at` attribute, for a TTL on the table): far longer than
/// a message stays in the topic.
pub const RETENTION_SECONDS: i64 = 30 * 24 * 3600;
/// The attribute the table's TTL reads (seconds since the epoch).
pub const EXPIRES_AT: &str = "expires_at";

#[derive(Clone)]
pub struct ProcessedEvents {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

impl ProcessedEvents {
    pub fn new(client: aws_sdk_dynamodb::Client, table: String) -> ProcessedEvents {
        ProcessedEvents { client, table }
    }

    pub async fn contains(&self, source: &str, id: &str) -> Result<bool> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(source, id)))
            .consistent_read(true)
            .send()
            .await
            .map_err(ProfilesError::dynamodb)?;
        Ok(output.item.is_some())
    }

    /// Records the event; false when it was recorded already (another replica got there first).
    pub async fn record(&self, source: &str, id: &str, type_: &str, now: i64) -> Result<bool> {
        let mut item = key(source, id);
        item.extend([
            ("type".to_string(), AttributeValue::S(type_.into())),
            (
                "processed_at".to_string(),
                AttributeValue::N(now.to_string()),
            ),
            (
                EXPIRES_AT.to_string(),
                AttributeValue::N((now + RETENTION_SECONDS).to_string()),
            ),
        ]);
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", PARTITION_KEY)
            .send()
            .await;
        match put {
            Ok(_) => Ok(true),
            Err(SdkError::ServiceError(e)) if e.err().is_conditional_check_failed_exception() => {
                Ok(false)
            }
            Err(e) => Err(ProfilesError::dynamodb(e)),
        }
    }
}

/// The key of the processed event `id` of `source`.
pub fn key(source: &str, id: &str) -> HashMap<String, AttributeValue> {
    HashMap::from([
        (
            PARTITION_KEY.to_string(),
            AttributeValue::S(event_partition(source, id)),
        ),
        (
            SORT_KEY.to_string(),
            AttributeValue::S(EVENT_SORT_KEY.into()),
        ),
    ])
}
