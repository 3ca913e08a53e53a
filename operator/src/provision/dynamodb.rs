//! DynamoDB: a siloed tenant gets table `saascript-profiles-<name>` (PAY_PER_REQUEST); pooled
//! tenants share `saascript-profiles`, with partition keys that start with `TENANT#<name>`.

use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_dynamodb::error::{DisplayErrorContext, SdkError};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType, TableStatus,
};
use saascript_crds::{DeletionPolicy, Isolation};

use super::{Outcome, Presence, ProvisionError, ProvisionResult, System, TenantPlan};

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

    /// `Delete` removes a siloed tenant's table; the shared table always stays, and `Retain`
    /// keeps the tenant's own.
    pub async fn remove(&self, plan: &TenantPlan, policy: DeletionPolicy) -> ProvisionResult<()> {
        if policy == DeletionPolicy::Retain || plan.isolation == Isolation::Pooled {
            return Ok(());
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
