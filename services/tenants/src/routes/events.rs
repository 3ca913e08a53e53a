//! GET /tenants/current/events: provisioning progress as Server-Sent Events, from a watch of the
//! one Tenant. The first events are the conditions the Tenant has now; then each change of a
//! condition is one `condition` event. The stream ends with `ready`, with `failed` (a terminal
//! failure, with its reason), or with `gone` (the Tenant was deleted); and after the configured
//! limit (`EVENT_STREAM_LIMIT_SECONDS`), when the client reconnects.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::channel::mpsc;
use futures::stream::BoxStream;
use futures::{SinkExt, Stream, StreamExt};
use kube::runtime::watcher::{self, Event as WatchEvent};
use kube::runtime::{WatchStreamExt, watcher as watch};
use saascript_crds::Tenant;
use serde_json::json;

use crate::caller::TenantCaller;
use crate::error::Result;
use crate::progress::{Progress, Step};
use crate::{AppState, current_tenant};

/// Keeps proxies from closing a quiet stream.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// Provisioning progress of the caller's tenant.
#[utoipa::path(get, path = "/tenants/current/events", tag = "tenants", security(("bearer" = [])),
    responses(
        (status = 200, description = "text/event-stream: `condition` events (data: the condition), then one of `ready`, `failed` (data: reason and message) or `gone`"),
        (status = 401, description = "token_missing, token_invalid or token_expired"),
        (status = 403, description = "tenant_required"),
        (status = 404, description = "tenant_not_found"),
    ))]
pub async fn events(
    State(state): State<AppState>,
    caller: TenantCaller,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    // Refused before the stream starts, with a problem, when the tenant is not the caller's.
    let tenant = current_tenant::read(&state, &caller).await?;
    let uid = tenant.metadata.uid.clone().unwrap_or_default();
    let (sender, receiver) = mpsc::channel(16);
    let limit = state.settings.event_stream_limit;
    let watched = watch(
        state.tenants.clone(),
        watcher::Config::default().fields(&format!("metadata.name={}", caller.tenant)),
    )
    .default_backoff()
    .boxed();
    let name = caller.tenant.clone();
    // Ends when the stream ends, or as soon as the client has gone (a send fails).
    tokio::spawn(async move {
        if tokio::time::timeout(limit, follow(watched, Progress::new(uid), sender))
            .await
            .is_err()
        {
            tracing::debug!(tenant = %name, "a provisioning stream reached its limit");
        }
    });
    Ok(Sse::new(receiver.map(Ok::<Event, Infallible>))
        .keep_alive(KeepAlive::new().interval(KEEP_ALIVE)))
}

async fn follow(
    mut watched: BoxStream<'static, Result<WatchEvent<Tenant>, watcher::Error>>,
    mut progress: Progress,
    mut sender: mpsc::Sender<Event>,
) {
    let mut listed = false;
    while let Some(event) = watched.next().await {
        let steps = match event {
            Ok(WatchEvent::Init) => {
                listed = false;
                vec![]
            }
            Ok(WatchEvent::InitApply(tenant) | WatchEvent::Apply(tenant)) => {
                listed = true;
                progress.observe(&tenant)
            }
            // A list without the Tenant: it was deleted while the watch was away.
            Ok(WatchEvent::InitDone) if !listed => progress.gone(),
            Ok(WatchEvent::InitDone) => vec![],
            Ok(WatchEvent::Delete(_)) => progress.gone(),
            Err(e) => {
                tracing::warn!(error = %e, "the Tenant watch of a provisioning stream failed; retrying");
                vec![]
            }
        };
        for step in steps {
            if sender.send(event_of(&step)).await.is_err() {
                return;
            }
        }
        if progress.is_done() {
            return;
        }
    }
}

fn event_of(step: &Step) -> Event {
    let data = match step {
        Step::Condition(condition) => serde_json::to_value(condition).unwrap_or_default(),
        Step::Ready => json!({}),
        Step::Failed { reason, message } => json!({ "reason": reason, "message": message }),
        Step::Gone => json!({}),
    };
    Event::default().event(step.name()).data(data.to_string())
}
