//! DynamoDB: a siloed tenant gets table `saascript-profiles-<name>` (PAY_PER_REQUEST); pooled
//! tenants share `saascript-profiles`, with partition keys `TENANT#<name>` or
//! `TENANT#<name>#...`.

use std::collections::HashMap;

use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_dynamodb::error::{DisplayErrorContext, SdkError};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, DeleteRequest, KeySchemaElement, KeyType,
    ScalarAttributeType, TableStatus, WriteRequest,
};
use saascript_crds::{DeletionPolicy, Isolation};

use super::{Outcome, Presence, ProvisionError, ProvisionResult, System, TenantPlan};

/// The most items one BatchWriteItem takes.
const BATCH_WRITE_LIMIT: usize = 25;
/// How often unprocessed deletions are sent again within one removal.
const BATCH_ATTEMPTS: usize = 5;

pub struct DynamoDbProvisioner {
    client: aws_sdk_dynamodb::Client,
    endpoint: Option<String>,
}

impl DynamoDbProvisioner {
    /// With an endpoint (dynalite locally), static local credentials; without one, the SDK's
    /// usual credential chain from the environment.
    pub fn new(endpoint: Option<&str>, region: &str) -> DynamoDbProvisioner {
        let mut config = aws_sdk_dynamodb::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(region.to_string()));
        if let Some(endpoint) = endpoint {
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
        DynamoDbProvisioner {
            client: aws_sdk_dynamodb::Client::from_conf(config.build()),
            endpoint: endpoint.map(str::to_string),
        }
    }

    pub fn endpoint(&self) -> Option<&str> {
        self.endpoint.as_deref()
    }

    pub async fn ensure(&self, plan: &TenantPlan) -> ProvisionResult<Outcome> {
        let table = plan.dynamodb_table();
        let status = match self.table_status(&table).await? {
            Some(status) => status,
            None => {
                let created = self
                    .client
                    .create_table()
                    .table_name(&table)
                    .billing_mode(BillingMode::PayPerRequest)
                    .attribute_definitions(attribute("pk")?)
                    .attribute_definitions(attribute("sk")?)
                    .key_schema(key("pk", KeyType::Hash)?)
                    .key_schema(key("sk", KeyType::Range)?)
                    .send()
                    .await;
                match created {
                    Ok(_) => {}
                    // Another reconcile created it first.
                    Err(SdkError::ServiceError(e)) if e.err().is_resource_in_use_exception() => {}
                    Err(e) => return Err(classify(e)),
                }
                self.table_status(&table)
                    .await?
                    .unwrap_or(TableStatus::Creating)
            }
        };
        let what = match plan.isolation {
            Isolation::Siloed => format!("table {table}"),
            Isolation::Pooled => format!(
                "shared table {table}, partition keys {}#*",
                plan.partition_prefix()
            ),
        };
        Ok(match status {
            TableStatus::Active | TableStatus::Updating => Outcome::ready(what),
            other => Outcome::pending(format!("{what} is {}", other.as_str())),
        })
    }

    /// `Delete` removes a siloed tenant's table, and a pooled tenant's items from the shared
    /// table (which always stays); `Retain` keeps them.
    pub async fn remove(&self, plan: &TenantPlan, policy: DeletionPolicy) -> ProvisionResult<()> {
        if policy == DeletionPolicy::Retain {
            return Ok(());
        }
        if plan.isolation == Isolation::Pooled {
            return self.delete_pooled_items(plan).await;
        }
        match self
            .client
            .delete_table()
            .table_name(plan.dynamodb_table())
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(e)) if e.err().is_resource_not_found_exception() => Ok(()),
            // Deleting a table that is still being deleted.
            Err(SdkError::ServiceError(e)) if e.err().is_resource_in_use_exception() => Ok(()),
            Err(e) => Err(classify(e)),
        }
    }

    /// The tenant's own table, if it exists. A pooled tenant owns none: the shared table is the
    /// platform's, and its items in it are keyed by tenant.
    pub async fn observe(&self, plan: &TenantPlan) -> ProvisionResult<Presence> {
        if plan.isolation == Isolation::Pooled {
            return Ok(Presence { present: vec![] });
        }
        let table = plan.dynamodb_table();
        let present = match self.table_status(&table).await? {
            Some(status) if status != TableStatus::Deleting => vec![format!("table {table}")],
            _ => vec![],
        };
        Ok(Presence { present })
    }

    /// Deletes the items whose partition key is `TENANT#<name>` or starts with `TENANT#<name>#`
    /// (the `#` keeps tenant `acme` off `acme-corp`'s items). The tenant's keys are spread over
    /// the table, so it is scanned; a tenant is deleted rarely.
    async fn delete_pooled_items(&self, plan: &TenantPlan) -> ProvisionResult<()> {
        let table = plan.dynamodb_table();
        let exact = plan.partition_prefix();
        let mut start: Option<HashMap<String, AttributeValue>> = None;
        loop {
            let page = match self
                .client
                .scan()
                .table_name(&table)
                .filter_expression("pk = :exact OR begins_with(pk, :prefix)")
                .expression_attribute_values(":exact", AttributeValue::S(exact.clone()))
                .expression_attribute_values(":prefix", AttributeValue::S(format!("{exact}#")))
                .projection_expression("pk, sk")
                .set_exclusive_start_key(start.take())
                .send()
                .await
            {
                Ok(page) => page,
                // No shared table: nothing of the tenant's in it.
                Err(SdkError::ServiceError(e)) if e.err().is_resource_not_found_exception() => {
                    return Ok(());
                }
                Err(e) => return Err(classify(e)),
            };
            for keys in page.items().chunks(BATCH_WRITE_LIMIT) {
                self.delete_batch(&table, keys).await?;
            }
            match page.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => return Ok(()),
            }
        }
    }

    /// Deletes up to 25 items; what the server leaves unprocessed is sent again a few times, then
    /// the removal fails and the reconcile retries it.
    async fn delete_batch(
        &self,
        table: &str,
        keys: &[HashMap<String, AttributeValue>],
    ) -> ProvisionResult<()> {
        let mut requests = keys
            .iter()
            .map(|key| {
                let delete = DeleteRequest::builder()
                    .set_key(Some(key.clone()))
                    .build()
                    .map_err(|e| ProvisionError::failed(System::DynamoDb, e))?;
                Ok(WriteRequest::builder().delete_request(delete).build())
            })
            .collect::<ProvisionResult<Vec<_>>>()?;
        for _ in 0..BATCH_ATTEMPTS {
            if requests.is_empty() {
                return Ok(());
            }
            let output = self
                .client
                .batch_write_item()
                .request_items(table, requests)
                .send()
                .await
                .map_err(classify)?;
            requests = output
                .unprocessed_items
                .and_then(|mut unprocessed| unprocessed.remove(table))
                .unwrap_or_default();
        }
        if requests.is_empty() {
            Ok(())
        } else {
            Err(ProvisionError::unreachable(
                System::DynamoDb,
                format!(
                    "{} items of the tenant left unprocessed in {table}",
                    requests.len()
                ),
            ))
        }
    }

    async fn table_status(&self, table: &str) -> ProvisionResult<Option<TableStatus>> {
        match self.client.describe_table().table_name(table).send().await {
            Ok(output) => Ok(Some(
                output
                    .table
                    .and_then(|t| t.table_status)
                    .unwrap_or(TableStatus::Creating),
            )),
            Err(SdkError::ServiceError(e)) if e.err().is_resource_not_found_exception() => Ok(None),
            Err(e) => Err(classify(e)),
        }
    }
}

fn attribute(name: &str) -> ProvisionResult<AttributeDefinition> {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(ScalarAttributeType::S)
        .build()
        .map_err(|e| ProvisionError::failed(System::DynamoDb, e))
}

fn key(name: &str, kind: KeyType) -> ProvisionResult<KeySchemaElement> {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(kind)
        .build()
        .map_err(|e| ProvisionError::failed(System::DynamoDb, e))
}

fn classify<E, R>(error: SdkError<E, R>) -> ProvisionError
where
    E: std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let unreachable = matches!(
        error,
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) | SdkError::ResponseError(_)
    );
    let message = DisplayErrorContext(&error).to_string();
    if unreachable {
        ProvisionError::unreachable(System::DynamoDb, message)
    } else {
        ProvisionError::failed(System::DynamoDb, message)
    }
}
