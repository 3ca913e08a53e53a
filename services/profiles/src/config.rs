//! The profiles service's configuration (flags or environment variables).

use clap::Parser;
use saascript_common::http::HttpConfig;
use saascript_common::kit::{EventArgs, JwtArgs, ServiceConfig};

#[derive(Clone, Debug, Parser)]
#[command(name = "saascript-profiles", about = "SaaScript's profiles service")]
pub struct Config {
    #[command(flatten)]
    pub http: HttpConfig,
    #[command(flatten)]
    pub jwt: JwtArgs,
    #[command(flatten)]
    pub events: EventArgs,
    #[command(flatten)]
    pub dynamodb: DynamoDbArgs,
    /// The Kafka consumer group of the event consumer; replicas share it, so that each event is
    /// handled by one of them.
    #[arg(long, env = "KAFKA_GROUP_ID", default_value = "saascript-profiles")]
    pub kafka_group_id: String,
}

/// Where the profiles are kept.
#[derive(Clone, Debug, clap::Args)]
pub struct DynamoDbArgs {
    /// A DynamoDB-compatible endpoint (dynalite locally). Unset: AWS itself, with the SDK's usual
    /// region and credential chain.
    #[arg(long, env = "DYNAMODB_ENDPOINT")]
    pub dynamodb_endpoint: Option<String>,
    /// The AWS region.
    #[arg(long, env = "DYNAMODB_REGION", default_value = "us-east-1")]
    pub dynamodb_region: String,
    /// The table of pooled tenants (the operator's `saascript-profiles`); it also holds the ids
    /// of the events this service has processed.
    #[arg(
        long,
        env = "DYNAMODB_SHARED_TABLE",
        default_value = "saascript-profiles"
    )]
    pub shared_table: String,
    /// Create the shared table at start-up when it is missing (as the operator does when it
    /// provisions the first pooled tenant). Turn off where the service may not create tables.
    #[arg(long, env = "DYNAMODB_CREATE_SHARED_TABLE", default_value_t = true, action = clap::ArgAction::Set)]
    pub create_shared_table: bool,
}

impl ServiceConfig for Config {
    fn http(&self) -> &HttpConfig {
        &self.http
    }
}
