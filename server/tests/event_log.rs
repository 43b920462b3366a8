//! The change log behind `GET /v1/events`: resumes read from the log past
//! what memory holds, pruned history answers `reset`, streams obey their
//! token (revocation, the per-token cap), and on PostgreSQL changes reach
//! subscribers in seq order even when their transactions commit out of it.

#[macro_use]
mod common;

use common::sse::SseReader;
use common::*;
use ledgerdeck_server::api::ApiConfig;
use ledgerdeck_server::{Ledger, changes};
use sqlx::{Connection, PgConnection, Row};
use std::time::{Duration, Instant};

fn config() -> ApiConfig {
    ApiConfig { heartbeat: Duration::from_millis(300), ..ApiConfig::default() }
}

async fn open(server: &TestServer, token: &str, last: Option<&str>) -> reqwest::Response {
    let mut request = server.http.get(server.url("/v1/events")).bearer_auth(token);
    if let Some(last) = last {
        request = request.header("Last-Event-ID", last);
    }
    request.send().await.unwrap()
}

/// The next `command.posted` of `command`, skipping others.
async fn next_posted(events: &mut SseReader, command: &str) -> common::sse::Sse {
    events.until("command.posted", |d| d["command"] == command).await
}

/// The next numbered event (derived states and heartbeats skipped).
async fn next_change(events: &mut SseReader) -> common::sse::Sse {
    loop {
        let event = events.next().await;
        if event.id.is_some() || event.event == "reset" || event.event == "access.revoked" {
            return event;
        }
    }
}

async fn a_resume_older_than_memory_is_read_from_the_log(ledger: Ledger) {
    let server = TestServer::start_with(ledger.clone(), ApiConfig { replay_memory: 2, ..config() }).await;
    let usd = wallet(&ledger, "USD").await;
    let mut events = SseReader::new(open(&server, &server.viewer, None).await);
    pay_in(&ledger, &usd, "10.00").await;
    let first = next_posted(&mut events, "post_payin").await;
    drop(events);
    for amount in ["1.00", "2.00", "3.00"] {
        pay_in(&ledger, &usd, amount).await;
    }
    let mut resumed = SseReader::new(open(&server, &server.viewer, first.id.as_deref()).await);
    let mut seqs = vec![first.id.unwrap().parse::<i64>().unwrap()];
    for _ in 0..3 {
        let event = next_change(&mut resumed).await;
        assert_eq!(event.event, "command.posted", "no reset: the log still holds what memory dropped");
        assert_eq!(event.data["command"], "post_payin");
        seqs.push(event.id.unwrap().parse().unwrap());
    }
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "the missed pay-ins, in order, after the last seen: {seqs:?}");
    server.stop().await;
}

async fn a_resume_from_before_the_pruned_horizon_is_a_reset(ledger: Ledger) {
    let server = TestServer::start_with(ledger.clone(), ApiConfig { replay_memory: 1, ..config() }).await;
    let usd = wallet(&ledger, "USD").await;
    let mut events = SseReader::new(open(&server, &server.viewer, None).await);
    pay_in(&ledger, &usd, "10.00").await;
    let first = next_posted(&mut events, "post_payin").await;
    // More than memory holds, so the resume must read the log.
    for amount in ["1.00", "2.00", "3.00"] {
        pay_in(&ledger, &usd, amount).await;
    }
    // Pruned only once this instance has handed them on: pruning rows the
    // tailer has not read yet (an hour's retention in service) is not the
    // case under test.
    for _ in 0..3 {
        next_posted(&mut events, "post_payin").await;
    }
    drop(events);
    let future = ledgerdeck_server::store::now_micros() + 1_000_000;
    assert!(changes::prune(ledger.store(), future, 10_000).await.unwrap() >= 4);
    assert!(changes::horizon(ledger.store()).await.unwrap() > first.id.as_deref().unwrap().parse::<i64>().unwrap());
    let mut resumed = SseReader::new(open(&server, &server.viewer, first.id.as_deref()).await);
    assert_eq!(resumed.next().await.event, "reset", "what was pruned cannot be replayed");
    let bogus = SseReader::new(open(&server, &server.viewer, Some("99999999")).await).next().await;
    assert_eq!(bogus.event, "reset", "an id this database never gave");
    server.stop().await;
}

async fn a_token_over_its_stream_cap_is_answered_with_a_problem(ledger: Ledger) {
    let server = TestServer::start_with(ledger, ApiConfig { streams_per_token: 2, ..config() }).await;
    let first = SseReader::new(open(&server, &server.viewer, None).await);
    let _second = SseReader::new(open(&server, &server.viewer, None).await);
    let refused = open(&server, &server.viewer, None).await;
    let problem = expect_problem(refused, 429, "TOO_MANY_STREAMS").await;
    assert!(problem["detail"].as_str().unwrap().contains('2'), "{problem}");
    let _other_token = SseReader::new(open(&server, &server.operator, None).await);
    drop(first);
    // The server notices the closed stream at its next write (a heartbeat).
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let again = open(&server, &server.viewer, None).await;
        if again.status() == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "a closed stream frees its place");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    server.stop().await;
}

async fn a_revoked_token_sees_no_change_after_its_revocation(ledger: Ledger) {
    let server = TestServer::start_with(ledger.clone(), config()).await;
    let usd = wallet(&ledger, "USD").await;
    let mut events = SseReader::new(open(&server, &server.viewer, None).await);
    let mut others = SseReader::new(open(&server, &server.operator, None).await);
    pay_in(&ledger, &usd, "10.00").await;
    next_posted(&mut events, "post_payin").await;
    assert_eq!(ledgerdeck_server::access::revoke_token(ledger.store(), "viewer-vic", "test").await.unwrap(), 1);
    pay_in(&ledger, &usd, "1.00").await;
    let last = next_change(&mut events).await;
    assert_eq!(last.event, "access.revoked", "the revocation comes before any later change");
    assert!(last.data["reason"].as_str().unwrap().contains("revoked"), "{}", last.data);
    assert!(!last.data.to_string().contains("token_id"), "the token's id is not echoed");
    assert!(events.next_or_end().await.is_none(), "and the stream ends");
    // Another token's stream neither ends nor hears of it.
    next_posted(&mut others, "post_payin").await;
    let later = next_change(&mut others).await;
    assert_eq!(later.data["command"], "post_payin", "the revocation is not shown to others");
    expect_problem(open(&server, &server.viewer, None).await, 401, "UNAUTHENTICATED").await;
    server.stop().await;
}

async fn a_token_invalidated_by_other_means_ends_within_a_heartbeat(ledger: Ledger) {
    let server = TestServer::start_with(ledger.clone(), config()).await;
    let mut events = SseReader::new(open(&server, &server.viewer, None).await);
    // No change row: only the stream's own re-check can notice.
    sqlx::query("UPDATE api_tokens SET revoked_at = 1 WHERE name = 'viewer-vic'")
        .execute(ledger.store().pool())
        .await
        .unwrap();
    let revoked_at = Instant::now();
    let last = next_change(&mut events).await;
    assert_eq!(last.event, "access.revoked");
    assert!(revoked_at.elapsed() < Duration::from_millis(300) + Duration::from_secs(1), "{:?}", revoked_at.elapsed());
    assert!(events.next_or_end().await.is_none());
    server.stop().await;
}

on_both_databases!(
    a_resume_older_than_memory_is_read_from_the_log,
    a_resume_from_before_the_pruned_horizon_is_a_reset,
    a_token_over_its_stream_cap_is_answered_with_a_problem,
    a_revoked_token_sees_no_change_after_its_revocation,
    a_token_invalidated_by_other_means_ends_within_a_heartbeat,
);

/// Takes a seq in a transaction left open (as a slow command would).
async fn open_change(conn: &mut PgConnection) -> i64 {
    sqlx::query("BEGIN").execute(&mut *conn).await.unwrap();
    sqlx::query("UPDATE api_tokens SET name = name WHERE name = 'viewer-vic'").execute(&mut *conn).await.unwrap();
    let row =
        sqlx::query("INSERT INTO change_log (kind, data, created_at) VALUES ('test.slow', '{}', 0) RETURNING seq")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
    row.get("seq")
}

/// PostgreSQL: a seq taken earlier but committed later is still handed on
/// first, and a seq rolled back does not hold the stream up.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn changes_reach_subscribers_in_seq_order_when_they_commit_out_of_it() {
    let Some(db) = TestDb::postgres("changes_in_seq_order").await else { return };
    // Made before the server starts, so the stream begins after it.
    let usd = wallet(&db.ledger, "USD").await;
    let server = TestServer::start_with(db.ledger.clone(), config()).await;
    let mut events = SseReader::new(open(&server, &server.viewer, None).await);
    let mut slow = PgConnection::connect(&db.url).await.unwrap();

    let early = open_change(&mut slow).await;
    pay_in(&db.ledger, &usd, "1.00").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    sqlx::query("COMMIT").execute(&mut slow).await.unwrap();
    let first = next_change(&mut events).await;
    assert_eq!((first.event.as_str(), first.id.clone()), ("test.slow", Some(early.to_string())));
    let second = next_change(&mut events).await;
    assert_eq!(second.data["command"], "post_payin", "the later seq follows, it was not lost");
    assert!(second.id.unwrap().parse::<i64>().unwrap() > early);

    let abandoned = open_change(&mut slow).await;
    pay_in(&db.ledger, &usd, "2.00").await;
    sqlx::query("ROLLBACK").execute(&mut slow).await.unwrap();
    let rolled_back_at = Instant::now();
    let next = next_change(&mut events).await;
    assert_eq!(next.data["command"], "post_payin");
    assert!(next.id.unwrap().parse::<i64>().unwrap() > abandoned);
    assert!(rolled_back_at.elapsed() < Duration::from_secs(1), "a rolled-back seq is skipped promptly");
    server.stop().await;
    db.finish().await;
}

/// PostgreSQL: an instance that starts while a writer still holds a seq
/// below the log's head hands that change on when it commits (resumes
/// included), instead of starting past it and losing it for good.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_instance_starting_behind_an_open_writer_still_hands_its_change_on() {
    let Some(db) = TestDb::postgres("start_behind_open_writer").await else { return };
    let usd = wallet(&db.ledger, "USD").await;
    let mut slow = PgConnection::connect(&db.url).await.unwrap();
    let early = open_change(&mut slow).await;
    pay_in(&db.ledger, &usd, "1.00").await;
    // The log's head is now the pay-in, committed after `early` was taken.
    let server = TestServer::start_with(db.ledger.clone(), config()).await;
    let resume_from = (early - 1).to_string();
    let opening = {
        let request = server.http.get(server.url("/v1/events")).bearer_auth(&server.viewer);
        tokio::spawn(request.header("Last-Event-ID", resume_from).send())
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    sqlx::query("COMMIT").execute(&mut slow).await.unwrap();
    let mut events = SseReader::new(opening.await.unwrap().unwrap());
    let first = next_change(&mut events).await;
    assert_eq!((first.event.as_str(), first.id.clone()), ("test.slow", Some(early.to_string())), "not lost");
    let second = next_change(&mut events).await;
    assert_eq!(second.data["command"], "post_payin", "then the pay-in, in seq order");
    server.stop().await;
    db.finish().await;
}
