//! GET /tenants/current/events: provisioning progress as Server-Sent Events, from a watch of the
//! one Tenant. The first events are the conditions the Tenant has now; then each change of a
//! condition is one `condition` event. The stream ends with `ready`, with `failed` (a terminal
//! failure, with its reason), or with `gone` (the Tenant was deleted); and after the configured
//! limit (`EVENT_STREAM_LIMIT_SECONDS`), when the client reconnects.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::stream::BoxStream;
use futures::{Stream, StreamExt, stream};
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
    let following = Following {
        watched: watch(
            state.tenants.clone(),
            watcher::Config::default().fields(&format!("metadata.name={}", caller.tenant)),
        )
        .default_backoff()
        .boxed(),
        progress: Progress::new(tenant.metadata.uid.clone().unwrap_or_default()),
        listed: false,
        pending: VecDeque::new(),
        ended: false,
    };
    // The watch lives as long as the response's body: a client that goes away drops it, and
    // the body ends right after the step that ends the stream.
    let stream = stream::unfold(following, |mut following| async move {
        loop {
            if let Some(step) = following.pending.pop_front() {
                following.ended = step.ends_stream();
                return Some((Ok(event_of(&step)), following));
            }
            if following.ended {
                return None;
            }
            let event = following.watched.next().await?;
            let steps = steps(&mut following.progress, &mut following.listed, event);
            following.pending.extend(steps);
        }
    })
    .take_until(tokio::time::sleep(state.settings.event_stream_limit));
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(KEEP_ALIVE)))
}

/// One stream's watch and what it has seen.
struct Following {
    watched: BoxStream<'static, Result<WatchEvent<Tenant>, watcher::Error>>,
    progress: Progress,
    /// Whether the watch's current list has shown the Tenant.
    listed: bool,
    /// Steps not sent yet.
    pending: VecDeque<Step>,
    /// The step that ends the stream has been sent.
    ended: bool,
}

/// What one watch event adds to the progress.
fn steps(
    progress: &mut Progress,
    listed: &mut bool,
    event: Result<WatchEvent<Tenant>, watcher::Error>,
) -> Vec<Step> {
    match event {
        Ok(WatchEvent::Init) => {
            *listed = false;
            vec![]
        }
        Ok(WatchEvent::InitApply(tenant) | WatchEvent::Apply(tenant)) => {
            *listed = true;
            progress.observe(&tenant)
        }
        // A list without the Tenant: it was deleted while the watch was away.
        Ok(WatchEvent::InitDone) if !*listed => progress.gone(),
        Ok(WatchEvent::InitDone) => vec![],
        Ok(WatchEvent::Delete(_)) => progress.gone(),
        Err(e) => {
            tracing::warn!(error = %e, "the Tenant watch of a provisioning stream failed; retrying");
            vec![]
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
