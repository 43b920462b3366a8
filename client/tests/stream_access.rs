//! The event subscription when the server ends its access or turns it
//! away: `access.revoked` and 401 end it for good, a 429
//! `TOO_MANY_STREAMS` is retried with backoff, and `reconnect_now` cuts
//! a wait short.

mod common;

use axum::response::sse::Event;
use common::stream::*;
use common::*;
use futures::stream::{self, StreamExt};
use ledgerdeck_client::{ApiClient, ClientConfig, ConnectionState, ErrorCode, EventSubscription};
use serde_json::json;
use std::convert::Infallible;
use std::time::{Duration, Instant};

/// The `access.revoked` event the server sends last.
fn revoked(reason: &str) -> Result<Event, Infallible> {
    Ok(Event::default().event("access.revoked").data(json!({"reason": reason}).to_string()))
}

/// The subscription has ended: no item comes, and its channel closes.
async fn ended(events: &mut EventSubscription) {
    let last = tokio::time::timeout(Duration::from_secs(5), events.next()).await.expect("the channel closes");
    assert_eq!(last, None, "nothing after the end");
}

/// An `access.revoked` event is passed on, then `AccessEnded` with its
/// reason, and the subscription never connects again, although the
/// server would take it (its backoff here is 20 ms).
#[tokio::test]
async fn an_access_revoked_event_ends_the_subscription_without_reconnecting() {
    let (router, seen) = stub(|n| match n {
        0 => sse(stream::iter([event("e-1", "hold.changed", 1), revoked("the token was revoked")]).boxed()),
        _ => sse(stream::pending().boxed()),
    });
    let base = serve(router).await;
    let mut events = client(&base).events(None);
    assert_eq!(next_state(&mut events).await, ConnectionState::Connecting);
    assert_eq!(next_state(&mut events).await, ConnectionState::Live);
    assert_eq!(next_event(&mut events).await.id.as_deref(), Some("e-1"));
    let last = next_event(&mut events).await;
    assert_eq!((last.kind.as_str(), &last.data), ("access.revoked", &json!({"reason": "the token was revoked"})));
    assert_eq!(next_state(&mut events).await, ConnectionState::AccessEnded { reason: "the token was revoked".into() });
    ended(&mut events).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(seen.lock().unwrap().len(), 1, "no reconnection after access ended");
}

/// A 401 answer to the stream (a revoked, expired or unknown token) ends
/// it at once with the server's reason, and it is not asked again.
#[tokio::test]
async fn a_401_ends_the_subscription_without_retrying() {
    let (router, seen) = stub(|_| problem(ErrorCode::Unauthenticated, 401, "a valid bearer token is required", vec![]));
    let base = serve(router).await;
    let mut events = client(&base).events(None);
    assert_eq!(next_state(&mut events).await, ConnectionState::Connecting);
    let ConnectionState::AccessEnded { reason } = next_state(&mut events).await else {
        panic!("expected AccessEnded");
    };
    assert_eq!(reason, "the server refused the token: a valid bearer token is required");
    ended(&mut events).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(seen.lock().unwrap().len(), 1, "a refused token is not sent again");
}

/// A 429 `TOO_MANY_STREAMS` is a wait, not an end: the state says why, the
/// waits grow, and the stream connects once a slot is free.
#[tokio::test]
async fn too_many_streams_is_retried_with_backoff() {
    let (router, seen) = stub(|n| match n {
        0 | 1 => problem(ErrorCode::TooManyStreams, 429, "this token has 4 streams open, the most allowed", vec![]),
        _ => sse(stream::pending().boxed()),
    });
    let base = serve(router).await;
    let mut events = client(&base).events(None);
    assert_eq!(next_state(&mut events).await, ConnectionState::Connecting);
    for (expected_attempt, ceiling_ms) in [(1, 20), (2, 40)] {
        let ConnectionState::Reconnecting { attempt, delay, error, .. } = next_state(&mut events).await else {
            panic!("expected Reconnecting");
        };
        assert_eq!(attempt, expected_attempt);
        assert!(jittered(delay, ceiling_ms), "attempt {attempt}: {delay:?}");
        assert_eq!((error.code(), error.status()), (Some(ErrorCode::TooManyStreams), Some(429)));
    }
    assert_eq!(next_state(&mut events).await, ConnectionState::Live);
    assert_eq!(seen.lock().unwrap().len(), 3);
}

/// `reconnect_now` skips a 30-second wait; asked while live it does
/// nothing: no new connection, no state.
#[tokio::test]
async fn reconnect_now_skips_the_wait_and_is_harmless_while_live() {
    let (router, seen) = stub(|n| match n {
        0 => problem(ErrorCode::Unavailable, 503, "starting up", vec![]),
        _ => sse(stream::pending().boxed()),
    });
    let base = serve(router).await;
    let config = ClientConfig {
        stream_backoff: Duration::from_secs(30),
        stream_backoff_max: Duration::from_secs(30),
        ..config(&base)
    };
    let mut events = ApiClient::new(config).unwrap().events(None);
    assert_eq!(next_state(&mut events).await, ConnectionState::Connecting);
    let ConnectionState::Reconnecting { delay, .. } = next_state(&mut events).await else {
        panic!("expected Reconnecting");
    };
    assert!(delay >= Duration::from_secs(15), "{delay:?}");
    let asked = Instant::now();
    events.reconnector().reconnect_now();
    assert_eq!(next_state(&mut events).await, ConnectionState::Live);
    assert!(asked.elapsed() < Duration::from_secs(5), "connected {:?} after asking", asked.elapsed());

    events.reconnect_now();
    let quiet = tokio::time::timeout(Duration::from_millis(300), events.next()).await;
    assert!(quiet.is_err(), "nothing happens while live: {quiet:?}");
    assert_eq!(seen.lock().unwrap().len(), 2);
}
