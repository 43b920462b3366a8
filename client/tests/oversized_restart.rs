//! An oversized event restarts the stream without its `Last-Event-ID`
//! (resuming would replay the same event for ever), and a stream that
//! fails before any whole event does not count as a recovery: the backoff
//! keeps growing.

mod common;

use axum::response::sse::Event;
use common::config;
use common::stream::{event, next_event, next_state, sse, stub};
use futures::StreamExt as _;
use ledgerdeck_client::{ApiClient, ClientConfig, ClientError, ConnectionState};

/// An event whose data is over the 1 KiB cap used here.
fn oversized() -> Result<Event, std::convert::Infallible> {
    Ok(Event::default().id("8").event("hold.changed").data("x".repeat(4096)))
}

#[tokio::test]
async fn an_oversized_event_restarts_from_scratch_with_a_growing_backoff() {
    let (router, seen) = stub(|n| {
        let events = if n == 0 { vec![event("7", "heartbeat", 0), oversized()] } else { vec![oversized()] };
        sse(futures::stream::iter(events).chain(futures::stream::pending()).boxed())
    });
    let base = common::serve(router).await;
    let client = ApiClient::new(ClientConfig { stream_max_event: 1024, ..config(&base) }).expect("client");
    let mut events = client.events(None);
    assert_eq!(next_state(&mut events).await, ConnectionState::Connecting);
    assert_eq!(next_state(&mut events).await, ConnectionState::Live);
    assert_eq!(next_event(&mut events).await.id.as_deref(), Some("7"));
    let mut attempts = Vec::new();
    while attempts.len() < 3 {
        match next_state(&mut events).await {
            ConnectionState::Reconnecting { attempt, error, .. } => {
                assert!(matches!(error, ClientError::StreamTooLarge { .. }), "{error:?}");
                attempts.push(attempt);
            }
            ConnectionState::Live => {}
            other => panic!("unexpected state {other:?}"),
        }
    }
    assert_eq!(attempts, [1, 2, 3], "no whole event after reconnecting: no recovery, the backoff grows");
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen[0], None);
    assert!(
        seen[1..].iter().all(Option::is_none),
        "restarted without the id that leads to the oversized event: {seen:?}"
    );
}
