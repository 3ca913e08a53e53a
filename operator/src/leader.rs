//! Leader election on a `coordination.k8s.io/v1` Lease, so that with several replicas exactly
//! one reconciles. The holder renews the lease; a candidate takes it over only once it has gone
//! unrenewed for its whole duration. Every change is an update conditioned on the
//! resourceVersion, so two candidates can never both win.

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime;
use kube::api::{Api, ObjectMeta, PostParams};
use tokio::sync::watch;

use crate::{Error, Result};

#[derive(Clone, Debug)]
pub struct LeaseSettings {
    pub name: String,
    pub namespace: String,
    /// Who this replica is (the pod name in a cluster).
    pub identity: String,
    /// How long a lease holds without renewal.
    pub duration: Duration,
    /// How often the holder renews, and a candidate retries.
    pub renew_every: Duration,
}

/// What one attempt found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attempt {
    /// This replica holds the lease.
    Leading,
    /// Another replica holds a live lease.
    Following,
}

pub struct LeaderElector {
    api: Api<Lease>,
    settings: LeaseSettings,
}

impl LeaderElector {
    pub fn new(client: kube::Client, settings: LeaseSettings) -> LeaderElector {
        LeaderElector {
            api: Api::namespaced(client, &settings.namespace),
            settings,
        }
    }

    /// One round: create, renew or take over the lease where allowed.
    pub async fn try_acquire_or_renew(&self) -> Result<Attempt> {
        let now = Timestamp::now();
        let Some(lease) = self.api.get_opt(&self.settings.name).await? else {
            let lease = Lease {
                metadata: ObjectMeta {
                    name: Some(self.settings.name.clone()),
                    namespace: Some(self.settings.namespace.clone()),
                    ..Default::default()
                },
                spec: Some(self.spec(now, now, 0)),
            };
            return match self.api.create(&PostParams::default(), &lease).await {
                Ok(_) => Ok(Attempt::Leading),
                Err(kube::Error::Api(s)) if s.code == 409 => Ok(Attempt::Following),
                Err(e) => Err(e.into()),
            };
        };
        let spec = lease.spec.clone().unwrap_or_default();
        let holder = spec.holder_identity.clone().unwrap_or_default();
        let mine = holder == self.settings.identity;
        let duration = spec
            .lease_duration_seconds
            .map_or(self.settings.duration, |s| {
                Duration::from_secs(s.max(0) as u64)
            });
        let renewed = spec
            .renew_time
            .as_ref()
            .map(|t| t.0)
            .unwrap_or(Timestamp::UNIX_EPOCH);
        let expired = holder.is_empty()
            || now.duration_since(renewed)
                > SignedDuration::try_from(duration).unwrap_or(SignedDuration::MAX);
        if !mine && !expired {
            return Ok(Attempt::Following);
        }
        let acquired = if mine {
            spec.acquire_time.as_ref().map_or(now, |t| t.0)
        } else {
            now
        };
        let transitions = spec.lease_transitions.unwrap_or(0) + i32::from(!mine);
        let mut updated = lease.clone();
        updated.spec = Some(self.spec(acquired, now, transitions));
        // `replace` sends the resourceVersion we read: a concurrent change makes it fail (409).
        match self
            .api
            .replace(&self.settings.name, &PostParams::default(), &updated)
            .await
        {
            Ok(_) => Ok(Attempt::Leading),
            Err(kube::Error::Api(s)) if s.code == 409 => Ok(Attempt::Following),
            Err(e) => Err(e.into()),
        }
    }

    /// Gives the lease up, so that a successor need not wait for it to expire.
    pub async fn release(&self) -> Result<()> {
        let Some(mut lease) = self.api.get_opt(&self.settings.name).await? else {
            return Ok(());
        };
        let spec = lease.spec.get_or_insert_with(Default::default);
        if spec.holder_identity.as_deref() != Some(self.settings.identity.as_str()) {
            return Ok(());
        }
        spec.holder_identity = None;
        spec.renew_time = None;
        self.api
            .replace(&self.settings.name, &PostParams::default(), &lease)
            .await?;
        Ok(())
    }

    /// Campaigns until `stop`, publishing whether this replica leads. Leadership is dropped (and
    /// published as false) as soon as a renewal fails or finds another holder.
    pub async fn campaign(&self, leading: watch::Sender<bool>, mut stop: watch::Receiver<bool>) {
        loop {
            let attempt = self.try_acquire_or_renew().await;
            let now_leading = matches!(attempt, Ok(Attempt::Leading));
            if let Err(e) = &attempt {
                tracing::warn!(error = %e, "leader election: the lease could not be read or written");
            }
            if *leading.borrow() != now_leading {
                tracing::info!(identity = %self.settings.identity, leading = now_leading, "leadership changed");
                let _ = leading.send(now_leading);
            }
            tokio::select! {
                _ = tokio::time::sleep(self.settings.renew_every) => {}
                _ = stop.changed() => break,
            }
        }
        if *leading.borrow() {
            let _ = leading.send(false);
            if let Err(e) = self.release().await {
                tracing::warn!(error = %e, "could not release the lease");
            }
        }
    }

    fn spec(&self, acquired: Timestamp, renewed: Timestamp, transitions: i32) -> LeaseSpec {
        LeaseSpec {
            holder_identity: Some(self.settings.identity.clone()),
            lease_duration_seconds: Some(
                i32::try_from(self.settings.duration.as_secs()).unwrap_or(i32::MAX),
            ),
            acquire_time: Some(MicroTime(acquired)),
            renew_time: Some(MicroTime(renewed)),
            lease_transitions: Some(transitions),
            ..Default::default()
        }
    }
}

/// Checks the settings: a renewal must come well within the lease's duration.
pub fn check_settings(settings: &LeaseSettings) -> Result<()> {
    if settings.renew_every * 2 > settings.duration {
        return Err(Error::Config(format!(
            "the lease renewal interval ({:?}) must be at most half its duration ({:?})",
            settings.renew_every, settings.duration
        )));
    }
    Ok(())
}
