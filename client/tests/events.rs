//! The event subscription against stub servers: resume with
//! `Last-Event-ID` after the stream ends, states, backoff after error
//! answers, silence, a slow consumer, and stopping on drop.

mod common;

use axum::response::sse::Event;
use common::stream::*;
use common::*;
use futures::stream::{self, StreamExt};
use ledgerdeck_client::{ApiClient, ClientConfig, ConnectionState, ErrorCode, ServerEvent};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

#[tokio::test]
async fn a_closed_stream_reconnects_and_resumes_after_the_last_event() {
    let (router, seen) = stub(|n| match n {
        0 => sse(stream::iter([event("e-1", "hold.changed", 1), event("e-2", "hold.changed", 2)]).boxed()),
        _ => sse(stream::iter([event("e-3", "command.posted", 3)]).chain(stream::pending()).boxed()),
    });
    let base = serve(router).await;
    let mut events = client(&base).events(None);

    assert_eq!(next_state(&mut events).await, ConnectionState::Connecting);
    assert_eq!(next_state(&mut events).await, ConnectionState::Live);
    let first = next_event(&mut events).await;
    assert_eq!(
        (first.id.as_deref(), first.kind.as_str(), &first.data),
        (Some("e-1"), "hold.changed", &json!({"n": 1}))
    );
    assert_eq!(next_event(&mut events).await.id.as_deref(), Some("e-2"));
    let ConnectionState::Reconnecting { attempt, delay, error, .. } = next_state(&mut events).await else {
        panic!("expected Reconnecting");
    };
    assert_eq!(attempt, 1);
    assert!(jittered(delay, 20), "{delay:?}");
    assert!(error.is_transport(), "{error:?}");
    assert_eq!(next_state(&mut events).await, ConnectionState::Live);
    let third = next_event(&mut events).await;
    assert_eq!((third.id.as_deref(), third.kind.as_str()), (Some("e-3"), "command.posted"));

    assert_eq!(*seen.lock().unwrap(), [None, Some("e-2".to_string())]);
    // Nothing more: no repeats.
    assert!(tokio::time::timeout(Duration::from_millis(200), events.next()).await.is_err());
}

#[tokio::test]
async fn the_given_id_is_sent_and_a_reset_passes_through() {
    let (router, seen) = stub(|_| {
        let reset = Ok(Event::default().event("reset").data("{}"));
        sse(stream::iter([reset, event("e-10", "hold.changed", 10)]).chain(stream::pending()).boxed())
    });
    let base = serve(router).await;
    let mut events = client(&base).events(Some("old-7".into()));
    assert_eq!(next_state(&mut events).await, ConnectionState::Connecting);
    assert_eq!(next_state(&mut events).await, ConnectionState::Live);
    assert_eq!(next_event(&mut events).await, ServerEvent { id: None, kind: "reset".into(), data: json!({}) });
    assert_eq!(next_event(&mut events).await.id.as_deref(), Some("e-10"));
    assert_eq!(*seen.lock().unwrap(), [Some("old-7".to_string())]);
}

/// Error answers other than a 401 are retried, each wait drawn from the
/// upper half of a doubling ceiling.
#[tokio::test]
async fn error_answers_back_off_with_doubling_delays_then_connect() {
    let (router, seen) = stub(|n| match n {
        0 | 1 => problem(ErrorCode::Unavailable, 503, "the database is not reachable", vec![]),
        _ => sse(stream::pending().boxed()),
    });
    let base = serve(router).await;
    let mut events = client(&base).events(None);
    assert_eq!(next_state(&mut events).await, ConnectionState::Connecting);
    for (expected_attempt, expected_delay) in [(1, 20), (2, 40)] {
        let ConnectionState::Reconnecting { attempt, delay, error, retry_at } = next_state(&mut events).await else {
            panic!("expected Reconnecting");
        };
        assert_eq!(attempt, expected_attempt);
        assert!(jittered(delay, expected_delay), "attempt {attempt}: {delay:?}");
        assert_eq!(error.code(), Some(ErrorCode::Unavailable));
        assert!(retry_at > std::time::Instant::now() - Duration::from_secs(1));
    }
    assert_eq!(next_state(&mut events).await, ConnectionState::Live);
    assert_eq!(seen.lock().unwrap().len(), 3);
}

#[tokio::test]
async fn a_silent_stream_is_taken_for_dead() {
    let (router, seen) = stub(|n| match n {
        0 => sse(stream::iter([event("e-1", "heartbeat", 1)]).chain(stream::pending()).boxed()),
        _ => sse(stream::pending().boxed()),
    });
    let base = serve(router).await;
    let config = ClientConfig { stream_idle_timeout: Duration::from_millis(300), ..config(&base) };
    let mut events = ApiClient::new(config).unwrap().events(None);
    next_state(&mut events).await;
    next_state(&mut events).await;
    next_event(&mut events).await;
    let ConnectionState::Reconnecting { error, .. } = next_state(&mut events).await else {
        panic!("expected Reconnecting")
    };
    assert!(error.is_timeout(), "{error:?}");
    assert_eq!(next_state(&mut events).await, ConnectionState::Live);
    assert_eq!(*seen.lock().unwrap(), [None, Some("e-1".to_string())]);
}

#[tokio::test]
async fn a_slow_consumer_gets_a_reset_instead_of_blocking_the_stream() {
    let go = Arc::new(Notify::new());
    let release = go.clone();
    let (router, _) = stub(move |_| {
        let go = go.clone();
        let burst = stream::iter((1..=50).map(|n| event(&format!("e-{n}"), "hold.changed", n)));
        let later = stream::once(async move {
            go.notified().await;
            event("e-51", "hold.changed", 51)
        });
        sse(burst.chain(later).chain(stream::pending()).boxed())
    });
    let base = serve(router).await;
    let config = ClientConfig { stream_buffer: 4, ..config(&base) };
    let mut events = ApiClient::new(config).unwrap().events(None);
    tokio::time::sleep(Duration::from_millis(300)).await;

    assert_eq!(next_state(&mut events).await, ConnectionState::Connecting);
    assert_eq!(next_state(&mut events).await, ConnectionState::Live);
    assert_eq!(next_event(&mut events).await.id.as_deref(), Some("e-1"));
    assert_eq!(next_event(&mut events).await.id.as_deref(), Some("e-2"));
    release.notify_one();
    let reset = next_event(&mut events).await;
    assert_eq!((reset.id, reset.kind.as_str()), (None, "reset"));
    assert_eq!(next_state(&mut events).await, ConnectionState::Live);
    assert_eq!(next_event(&mut events).await.id.as_deref(), Some("e-51"));
}

#[tokio::test]
async fn dropping_the_subscription_closes_the_connection() {
    struct Guard(Arc<Notify>);
    impl Drop for Guard {
        fn drop(&mut self) {
            self.0.notify_one();
        }
    }
    let closed = Arc::new(Notify::new());
    let signal = closed.clone();
    let (router, seen) = stub(move |_| {
        let guard = Guard(signal.clone());
        let events = stream::iter([event("e-1", "hold.changed", 1)]).chain(stream::pending()).map(move |e| {
            let _ = &guard;
            e
        });
        sse(events.boxed())
    });
    let base = serve(router).await;
    let mut events = client(&base).events(None);
    next_state(&mut events).await;
    next_state(&mut events).await;
    next_event(&mut events).await;
    drop(events);
    tokio::time::timeout(Duration::from_secs(5), closed.notified()).await.expect("the server sees the stream closed");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(seen.lock().unwrap().len(), 1, "no reconnection after the drop");
}
