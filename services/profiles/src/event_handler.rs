//! Applying one auth event: skip it when its id is recorded, else apply what it asks
//! (create-if-absent) and record its id. Replays of the topic, redeliveries after a crash and
//! two replicas racing all end with one default profile, and never overwrite a profile that its
//! owner has changed since.

use saascript_common::clock::Clock;
use saascript_common::events::CloudEvent;

use crate::error::Result;
use crate::processed_events::ProcessedEvents;
use crate::profile_events::{Wanted, wanted};
use crate::profile_store::ProfileStore;
use crate::tenant_tables::TenantTables;

/// What became of an event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Handled {
    Created,
    /// The profile was there already.
    AlreadyThere,
    /// The id was recorded: a replay.
    Replayed,
    /// The event asks for nothing (or concerns a Tenant that is gone).
    Ignored(&'static str),
}

#[derive(Clone)]
pub struct EventHandler {
    pub store: ProfileStore,
    pub tables: TenantTables,
    pub processed: ProcessedEvents,
    pub clock: Clock,
}

impl EventHandler {
    /// An error is worth a retry (DynamoDB or the API server did not answer, a siloed table not
    /// provisioned yet); the event's id is then not recorded.
    pub async fn handle(&self, event: &CloudEvent) -> Result<Handled> {
        let request = wanted(event);
        if let Wanted::Nothing(why) = request {
            return Ok(Handled::Ignored(why));
        }
        if self.processed.contains(&event.source, &event.id).await? {
            return Ok(Handled::Replayed);
        }
        let handled = match request {
            Wanted::Nothing(why) => Handled::Ignored(why),
            Wanted::DefaultProfile {
                tenant,
                tenant_uid,
                user,
            } => match self
                .tables
                .for_event(&tenant, tenant_uid.as_deref())
                .await?
            {
                None => Handled::Ignored("the event's tenant is gone"),
                Some(table) => {
                    if self
                        .store
                        .create_default(&table, &user, (self.clock)())
                        .await?
                    {
                        Handled::Created
                    } else {
                        Handled::AlreadyThere
                    }
                }
            },
        };
        self.processed
            .record(&event.source, &event.id, &event.type_, (self.clock)())
            .await?;
        Ok(handled)
    }
}
