//! `GET /v1/events`: server-sent events with heartbeats and `Last-Event-ID`
//! resumption.

use super::AppState;
use super::auth::Authed;
use crate::events::StreamEvent;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::Stream;
use ledgerdeck_client::Problem;
use ledgerdeck_client::events::{LiveEvent, Quiet, Reset};
use std::convert::Infallible;
use tokio::sync::broadcast::error::RecvError;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

fn sse_event(event: &StreamEvent) -> Event {
    Event::default().id(event.id.clone()).event(&event.kind).data(event.data.to_string())
}

/// An event without an id (a heartbeat, a reset): not resumable from.
fn unnumbered(event: LiveEvent) -> Event {
    let (kind, data) = event.into_parts();
    Event::default().event(kind).data(data.to_string())
}

/// The live stream of changes. Send `Last-Event-ID` to resume; a `reset`
/// event means what was missed cannot be replayed and the client should
/// refetch.
#[utoipa::path(get, path = "/v1/events", tag = "events",
    params(("Last-Event-ID" = Option<String>, Header, description = "resume after this event")),
    responses((status = 200, description = "text/event-stream of changes"), (status = 401, body = Problem)),
    security(("bearer" = [])))]
async fn events(
    State(state): State<AppState>,
    _auth: Authed,
    headers: HeaderMap,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let last = headers.get("last-event-id").and_then(|v| v.to_str().ok()).map(str::to_string);
    let subscription = state.events.subscribe(last.as_deref());
    let heartbeat_every = state.config.heartbeat;
    let stream =
        async_stream_events(subscription, heartbeat_every).take_until(state.shutdown.clone().cancelled_owned());
    Sse::new(stream).keep_alive(KeepAlive::default())
}

fn async_stream_events(
    subscription: crate::events::Subscription,
    heartbeat_every: std::time::Duration,
) -> impl Stream<Item = Result<Event, Infallible>> {
    let crate::events::Subscription { backlog, reset, live } = subscription;
    let reset = reset.then(|| Ok(unnumbered(LiveEvent::Reset(Reset::default()))));
    let first: Vec<Result<Event, Infallible>> =
        reset.into_iter().chain(backlog.iter().map(|e| Ok(sse_event(e)))).collect();
    let mut heartbeat = tokio::time::interval(heartbeat_every);
    heartbeat.reset();
    let rest = futures::stream::unfold((live, heartbeat), |(mut live, mut heartbeat)| async move {
        let item = tokio::select! {
            received = live.recv() => match received {
                Ok(event) => sse_event(&event),
                // A slow client fell behind the buffer: tell it to refetch.
                Err(RecvError::Lagged(_)) => unnumbered(LiveEvent::Reset(Reset::default())),
                Err(RecvError::Closed) => return None,
            },
            _ = heartbeat.tick() => unnumbered(LiveEvent::Heartbeat(Quiet {})),
        };
        Some((Ok(item), (live, heartbeat)))
    });
    futures::stream::iter(first).chain(rest)
}

use futures::StreamExt as _;

/// The event route.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(events))
}
