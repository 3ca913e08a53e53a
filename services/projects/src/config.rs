//! The projects service's configuration (flags or environment variables).

use clap::Parser;
use saascript_common::http::HttpConfig;
use saascript_common::kit::{DatabaseArgs, EventArgs, JwtArgs, ServiceConfig, TaskArgs};

#[derive(Clone, Debug, Parser)]
#[command(name = "saascript-projects", about = "SaaScript's projects service")]
pub struct Config {
    #[command(flatten)]
    pub http: HttpConfig,
    /// The shared (pooled) database: the owner of its tables; queries run as `projects_app`.
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[command(flatten)]
    pub jwt: JwtArgs,
    #[command(flatten)]
    pub events: EventArgs,
    #[command(flatten)]
    pub tasks: TaskArgs,
    /// The RabbitMQ queue of export tasks (with `<queue>.retry` and `<queue>.dead`).
    #[arg(long, env = "EXPORT_QUEUE", default_value = "projects.export")]
    pub export_queue: String,
    /// How many times an export is tried before it goes to the dead-letter queue.
    #[arg(long, env = "EXPORT_MAX_ATTEMPTS", default_value_t = 5)]
    pub export_max_attempts: u32,
    /// The first retry's back-off, in milliseconds; it doubles with each attempt.
    #[arg(long, env = "EXPORT_BACKOFF_MS", default_value_t = 1000)]
    pub export_backoff_ms: u64,
    /// How long a finished export can be downloaded, in seconds.
    #[arg(long, env = "EXPORT_TTL_SECONDS", default_value_t = 24 * 3600)]
    pub export_ttl_seconds: i64,
    /// The most siloed tenants' databases kept open at once; the least recently used is closed.
    #[arg(long, env = "SILOED_POOL_LIMIT", default_value_t = 32)]
    pub siloed_pool_limit: usize,
    /// The connections of each siloed tenant's pool.
    #[arg(long, env = "SILOED_POOL_CONNECTIONS", default_value_t = 4)]
    pub siloed_pool_connections: u32,
    /// The Kafka consumer group that reads auth's membership events from EVENTS_TOPIC.
    #[arg(
        long,
        env = "MEMBERSHIP_CONSUMER_GROUP",
        default_value = "saascript-projects"
    )]
    pub membership_group: String,
}

impl ServiceConfig for Config {
    fn http(&self) -> &HttpConfig {
        &self.http
    }
}
