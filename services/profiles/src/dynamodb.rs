//! The DynamoDB client, the shared table's creation and the readiness check.

use std::time::Duration;

use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType, TableStatus,
    TimeToLiveSpecification,
};
use saascript_common::http::health::ReadinessCheck;
use saascript_common::tenants::TenantDirectory;

use crate::config::DynamoDbArgs;
use crate::error::{ProfilesError, Result};
use crate::keys::{PARTITION_KEY, SORT_KEY};

/// How long start-up waits for a table it created to become ACTIVE.
const TABLE_ACTIVE_WITHIN: Duration = Duration::from_secs(30);

/// With an endpoint (dynalite locally), static local credentials, as the operator uses; without
/// one, AWS itself with the keys in `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and
/// `AWS_SESSION_TOKEN` (the SDK's full provider chain lives in aws-config, which the workspace
/// does not build).
pub fn client(args: &DynamoDbArgs) -> aws_sdk_dynamodb::Client {
    let mut config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(args.dynamodb_region.clone()));
    match &args.dynamodb_endpoint {
        Some(endpoint) => {
            config = config
                .endpoint_url(endpoint)
                .credentials_provider(Credentials::new(
                    "local",
                    "local",
                    None,
                    None,
                    "saascript-local",
                ));
        }
        None => {
            let variable = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
            if let (Some(id), Some(secret)) = (
                variable("AWS_ACCESS_KEY_ID"),
                variable("AWS_SECRET_ACCESS_KEY"),
            ) {
                config = config.credentials_provider(Credentials::new(
                    id,
                    secret,
                    variable("AWS_SESSION_TOKEN"),
                    None,
                    "environment",
                ));
            }
        }
    }
    aws_sdk_dynamodb::Client::from_conf(config.build())
}

/// Creates the shared table (`pk`/`sk`, on demand, as the operator does) unless it exists, and
/// waits until it is ACTIVE. Replicas starting together may race: the loser's "in use" is fine.
pub async fn ensure_table(client: &aws_sdk_dynamodb::Client, table: &str) -> Result<()> {
    if table_status(client, table).await?.is_none() {
        let created = client
            .create_table()
            .table_name(table)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(attribute(PARTITION_KEY)?)
            .attribute_definitions(attribute(SORT_KEY)?)
            .key_schema(key(PARTITION_KEY, KeyType::Hash)?)
            .key_schema(key(SORT_KEY, KeyType::Range)?)
            .send()
            .await;
        match created {
            Ok(_) => {
                tracing::info!(table, "created the shared profiles table");
                expire_processed_events(client, table).await;
            }
            Err(SdkError::ServiceError(e)) if e.err().is_resource_in_use_exception() => {}
            Err(e) => return Err(ProfilesError::dynamodb(e)),
        }
    }
    let deadline = tokio::time::Instant::now() + TABLE_ACTIVE_WITHIN;
    loop {
        match table_status(client, table).await? {
            Some(TableStatus::Active | TableStatus::Updating) => return Ok(()),
            status if tokio::time::Instant::now() >= deadline => {
                return Err(ProfilesError::Config(format!(
                    "table {table} did not become ACTIVE (it is {status:?})"
                )));
            }
            _ => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
}

/// Turns on DynamoDB's TTL on `expires_at`, so that processed-event ids go away after their
/// retention. Best effort: a local server may not offer TTL, and a table the operator created is
/// its to configure; the ids are small either way.
async fn expire_processed_events(client: &aws_sdk_dynamodb::Client, table: &str) {
    let specification = TimeToLiveSpecification::builder()
        .enabled(true)
        .attribute_name(crate::processed_events::EXPIRES_AT)
        .build();
    let result = match specification {
        Ok(specification) => client
            .update_time_to_live()
            .table_name(table)
            .time_to_live_specification(specification)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| aws_sdk_dynamodb::error::DisplayErrorContext(e).to_string()),
        Err(e) => Err(e.to_string()),
    };
    if let Err(e) = result {
        tracing::warn!(table, error = %e, "no TTL on processed-event ids; they stay");
    }
}

/// Ready when the shared table (pooled profiles and processed events) answers as ACTIVE and the
/// Tenant watch has loaded (before that, every tenant would look unknown).
pub fn readiness(
    client: aws_sdk_dynamodb::Client,
    table: String,
    directory: TenantDirectory,
) -> ReadinessCheck {
    std::sync::Arc::new(move || {
        let (client, table, directory) = (client.clone(), table.clone(), directory.clone());
        Box::pin(async move {
            if !directory.synced().await {
                return Err("the list of tenants is still loading".to_string());
            }
            match table_status(&client, &table).await {
                Ok(Some(TableStatus::Active | TableStatus::Updating)) => Ok(()),
                Ok(Some(status)) => Err(format!("dynamodb: table {table} is {}", status.as_str())),
                Ok(None) => Err(format!("dynamodb: table {table} does not exist")),
                Err(e) => Err(format!("dynamodb: {e}")),
            }
        })
    })
}

async fn table_status(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
) -> Result<Option<TableStatus>> {
    match client.describe_table().table_name(table).send().await {
        Ok(output) => Ok(Some(
            output
                .table
                .and_then(|t| t.table_status)
                .unwrap_or(TableStatus::Creating),
        )),
        Err(SdkError::ServiceError(e)) if e.err().is_resource_not_found_exception() => Ok(None),
        Err(e) => Err(ProfilesError::dynamodb(e)),
    }
}

fn attribute(name: &str) -> Result<AttributeDefinition> {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(ScalarAttributeType::S)
        .build()
        .map_err(ProfilesError::dynamodb)
}

fn key(name: &str, kind: KeyType) -> Result<KeySchemaElement> {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(kind)
        .build()
        .map_err(ProfilesError::dynamodb)
}
