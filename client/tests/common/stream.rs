//! A stub `/v1/events` built on axum's SSE support, and readers of a
//! subscription that fail a test rather than hang it.

use axum::Router;
use axum::http::HeaderMap;
use axum::response::sse::{Event, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures::stream::BoxStream;
use ledgerdeck_client::{ConnectionState, EventSubscription, ServerEvent, StreamItem};
use serde_json::json;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The events a stub answers one connection with.
pub type Events = BoxStream<'static, Result<Event, Infallible>>;

/// An event with this id and kind whose data is `{"n": n}`.
pub fn event(id: &str, kind: &str, n: u64) -> Result<Event, Infallible> {
    Ok(Event::default().id(id).event(kind).data(json!({"n": n}).to_string()))
}

/// A stub `/v1/events` that records each connection's `Last-Event-ID` and
/// answers the n-th connection (from 0) with `answer(n)`.
pub fn stub(
    answer: impl Fn(usize) -> Response + Clone + Send + Sync + 'static,
) -> (Router, Arc<Mutex<Vec<Option<String>>>>) {
    let seen: Arc<Mutex<Vec<Option<String>>>> = Arc::default();
    let log = seen.clone();
    let router = Router::new().route(
        "/v1/events",
        get(move |headers: HeaderMap| {
            let (log, answer) = (log.clone(), answer.clone());
            async move {
                assert_eq!(headers["authorization"], "Bearer ldk_test_secret");
                let last = headers.get("last-event-id").map(|v| v.to_str().unwrap().to_string());
                let n = {
                    let mut log = log.lock().unwrap();
                    log.push(last);
                    log.len() - 1
                };
                answer(n)
            }
        }),
    );
    (router, seen)
}

/// An SSE answer with these events.
pub fn sse(events: Events) -> Response {
    Sse::new(events).into_response()
}

/// The next item within 5 s.
pub async fn next(events: &mut EventSubscription) -> StreamItem {
    tokio::time::timeout(Duration::from_secs(5), events.next()).await.expect("an item within 5 s").expect("task alive")
}

/// The next item, which must be an event.
pub async fn next_event(events: &mut EventSubscription) -> ServerEvent {
    match next(events).await {
        StreamItem::Event(event) => event,
        other => panic!("expected an event, got {other:?}"),
    }
}

/// The next item, which must be a state.
pub async fn next_state(events: &mut EventSubscription) -> ConnectionState {
    match next(events).await {
        StreamItem::State(state) => state,
        other => panic!("expected a state, got {other:?}"),
    }
}

/// Whether `delay` was drawn for a wait whose ceiling is `ceiling_ms`: the
/// backoff draws each wait from the upper half of its ceiling.
pub fn jittered(delay: Duration, ceiling_ms: u64) -> bool {
    let ceiling = Duration::from_millis(ceiling_ms);
    delay >= ceiling / 2 && delay <= ceiling
}
