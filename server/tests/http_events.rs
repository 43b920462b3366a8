//! `GET /v1/events` through real HTTP: a hold change arrives live, and a
//! client that reconnects with `Last-Event-ID` gets exactly what it missed.

#[macro_use]
mod common;

use common::*;
use futures::StreamExt;
use ledgerdeck_server::Ledger;
use serde_json::{Value, json};
use std::time::Duration;

/// One parsed server-sent event.
#[derive(Debug, Clone)]
struct Sse {
    id: Option<String>,
    event: String,
    data: Value,
}

/// Reads server-sent events from a streaming response.
struct SseReader {
    body: futures::stream::BoxStream<'static, reqwest::Result<bytes::Bytes>>,
    buffer: String,
}

impl SseReader {
    fn new(response: reqwest::Response) -> Self {
        assert_eq!(response.status(), 200);
        let content_type = response.headers()["content-type"].to_str().unwrap().to_string();
        assert!(content_type.starts_with("text/event-stream"), "{content_type}");
        SseReader { body: response.bytes_stream().boxed(), buffer: String::new() }
    }

    /// The next event (comments and keep-alives skipped), within 10 s.
    async fn next(&mut self) -> Sse {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let (mut id, mut event, mut data) = (None, String::from("message"), String::new());
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("id:") {
                        id = Some(v.trim().to_string());
                    } else if let Some(v) = line.strip_prefix("event:") {
                        event = v.trim().to_string();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim());
                    }
                }
                if data.is_empty() {
                    continue;
                }
                return Sse { id, event, data: serde_json::from_str(&data).expect("event data is JSON") };
            }
            let chunk = tokio::time::timeout(Duration::from_secs(10), self.body.next())
                .await
                .expect("an event within 10 s")
                .expect("stream still open")
                .expect("stream chunk");
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    /// Skips events until one of `kind` whose data satisfies `pick`.
    async fn until(&mut self, kind: &str, pick: impl Fn(&Value) -> bool) -> Sse {
        loop {
            let event = self.next().await;
            if event.event == kind && pick(&event.data) {
                return event;
            }
        }
    }
}

async fn hold_change_arrives_and_resumes_after_reconnect(ledger: Ledger) {
    let server = TestServer::start(ledger.clone()).await;
    let usd = wallet(&ledger, "USD").await;
    pay_in(&ledger, &usd, "50.00").await;
    let mut events = SseReader::new(server.get(&server.viewer, "/v1/events").await);

    let reserve = json!({"wallet_id": usd, "amount": "5.00", "provider": "sandbox"});
    let reserved: Value =
        server.command(&server.operator, "reserve_payout", &reserve, Some(&key())).await.json().await.unwrap();
    let hold_id = reserved["subject_id"].as_str().unwrap().to_string();
    let seen = events.until("hold.changed", |d| d["hold_id"] == hold_id.as_str()).await;
    assert_eq!(seen.data["status"], "reserved");
    let last_id = seen.id.clone().expect("events carry ids");
    drop(events);

    // While disconnected: the hold goes to review and settles, and another
    // command posts.
    to_review(&ledger, &hold_id).await;
    let settle = json!({"hold_id": hold_id, "reason": "provider paid"});
    assert_eq!(server.command(&server.operator, "settle_hold", &settle, Some(&key())).await.status(), 200);
    let payin = json!({"wallet_id": usd, "amount": "1.00", "provider": "p"});
    assert_eq!(server.command(&server.operator, "post_payin", &payin, Some(&key())).await.status(), 200);

    let resumed = server
        .http
        .get(server.url("/v1/events"))
        .bearer_auth(&server.viewer)
        .header("Last-Event-ID", &last_id)
        .send()
        .await
        .unwrap();
    let mut events = SseReader::new(resumed);
    let mut missed = Vec::new();
    while missed.len() < 3 {
        let e = events.next().await;
        // State snapshots (health, outbox backlog) may land in the gap too.
        if e.event == "outbox.stats" || e.event == "health.changed" {
            continue;
        }
        missed.push((e.event.clone(), e.data["command"].as_str().map(str::to_string), e.id.clone()));
    }
    let kinds: Vec<(&str, Option<&str>)> = missed.iter().map(|(k, c, _)| (k.as_str(), c.as_deref())).collect();
    assert_eq!(
        kinds,
        [
            ("command.posted", Some("settle_hold")),
            ("hold.changed", Some("settle_hold")),
            ("command.posted", Some("post_payin"))
        ],
        "exactly the missed events, in order, nothing before them"
    );
    let ids: Vec<&str> = missed.iter().map(|(_, _, id)| id.as_deref().unwrap()).collect();
    assert!(ids.iter().all(|id| *id != last_id));

    // An id the server cannot resume from gets a reset.
    let stale = server
        .http
        .get(server.url("/v1/events"))
        .bearer_auth(&server.viewer)
        .header("Last-Event-ID", "another-process-7")
        .send()
        .await
        .unwrap();
    assert_eq!(SseReader::new(stale).next().await.event, "reset", "the reset comes first");
    server.stop().await;
}

async fn heartbeats_keep_a_quiet_stream_visible(ledger: Ledger) {
    let config = ledgerdeck_server::api::ApiConfig { heartbeat: Duration::from_millis(200), ..Default::default() };
    let server = TestServer::start_with(ledger, config).await;
    let mut events = SseReader::new(server.get(&server.viewer, "/v1/events").await);
    let started = std::time::Instant::now();
    events.until("heartbeat", |_| true).await;
    events.until("heartbeat", |_| true).await;
    assert!(started.elapsed() >= Duration::from_millis(300), "heartbeats are paced, not a burst");
    drop(events);
    server.stop().await;
}

async fn outbox_backlog_and_health_changes_are_streamed(ledger: Ledger) {
    let config = ledgerdeck_server::api::ApiConfig {
        monitor_interval: Duration::from_millis(100),
        heartbeat: Duration::from_secs(60),
        ..Default::default()
    };
    let server = TestServer::start_with(ledger.clone(), config).await;
    let mut events = SseReader::new(server.get(&server.viewer, "/v1/events").await);
    let health = events.until("health.changed", |_| true).await;
    assert_eq!(health.data["ready"], true);
    let before = events.until("outbox.stats", |_| true).await.data["pending"].as_i64().unwrap();
    // A command writes an outbox event; the backlog grows and is announced.
    wallet(&ledger, "USD").await;
    let after = events.until("outbox.stats", |d| d["pending"].as_i64() != Some(before)).await;
    assert_eq!(after.data["pending"].as_i64(), Some(before + 1));
    drop(events);
    server.stop().await;
}

on_both_databases!(
    hold_change_arrives_and_resumes_after_reconnect,
    heartbeats_keep_a_quiet_stream_visible,
    outbox_backlog_and_health_changes_are_streamed,
);
