//! Live events across processes, on one PostgreSQL database: two real
//! `ledgerdeck-server serve` processes (A and B, neither running the saga)
//! and one `ledgerdeck-server worker` (the only one that moves holds, with a
//! sandbox that never learns a payout's outcome, so it parks holds in manual
//! review).
//!
//! - A subscriber on A sees a settle made through B, and a hold the worker
//!   moved to manual review, within 1 s.
//! - A subscriber that read from A and reconnects to B with its last id gets
//!   exactly what it missed, in order, with no `reset`.
//! - A stream whose token is revoked through the CLI ends with
//!   `access.revoked` within a heartbeat plus a second and receives no
//!   change made after the revocation.
//!
//! PostgreSQL only (SQLite is one process); without it the tests say so
//! loudly, and under CI they fail.

mod common;

use common::TestDb;
use common::process::{ServerProcess, create_token, revoke_token};
use common::sse::{Sse, SseReader};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// How soon a change made anywhere must reach a subscriber.
const WITHIN: Duration = Duration::from_secs(1);
/// The serving processes' heartbeat (the shortest the flag allows).
const HEARTBEAT: Duration = Duration::from_secs(1);

/// A, B and the worker on one fresh database, with an operator and two
/// viewers (`viewer-vic`, `viewer-rev`) made by the CLI.
struct World {
    db: TestDb,
    a: ServerProcess,
    b: ServerProcess,
    worker: ServerProcess,
    http: reqwest::Client,
    operator: String,
    viewer: String,
    revocable: String,
}

async fn world(test: &str) -> Option<World> {
    let db = TestDb::postgres(test).await?;
    let operator = create_token(&db.url, "ops-alice", "operator");
    let viewer = create_token(&db.url, "viewer-vic", "viewer");
    let revocable = create_token(&db.url, "viewer-rev", "viewer");
    // No `--sandbox-provider`: A and B run no saga of their own.
    let serve = ["--no-gate-scheduler", "--no-webhooks", "--heartbeat-secs", "1"];
    let a = ServerProcess::serve(&db.url, &serve).await;
    let b = ServerProcess::serve(&db.url, &serve).await;
    let worker = ServerProcess::worker(
        &db.url,
        &[
            "--sandbox-provider=sandbox",
            "--sandbox-mix=unknown=1",
            "--saga-max-requeries=1",
            "--saga-backoff-ms=50",
            "--saga-max-backoff-ms=50",
            "--saga-poll-ms=50",
        ],
    );
    let http = reqwest::Client::new();
    Some(World { db, a, b, worker, http, operator, viewer, revocable })
}

impl World {
    /// Posts `command` through `server` as the operator; the result.
    async fn command(&self, server: &ServerProcess, command: &str, body: Value) -> Value {
        let response = self
            .http
            .post(server.url(&format!("/v1/commands/{command}")))
            .bearer_auth(&self.operator)
            .header("Idempotency-Key", uuid::Uuid::now_v7().to_string())
            .json(&body)
            .send()
            .await
            .expect("send command");
        let status = response.status();
        let result: Value = response.json().await.expect("a JSON answer");
        assert!(status.is_success(), "{command}: {status} {result}");
        result
    }

    /// A funded USD wallet, made through B.
    async fn wallet(&self) -> String {
        let made = self.command(&self.b, "create_wallet", json!({"merchant_id": "m-live", "currency": "USD"})).await;
        let wallet = made["subject_id"].as_str().expect("wallet id").to_string();
        self.command(&self.b, "post_payin", json!({"wallet_id": wallet, "amount": "500.00", "provider": "p"})).await;
        wallet
    }

    /// Opens `GET /v1/events` on `server` as `token`, resuming after `last`.
    async fn events(&self, server: &ServerProcess, token: &str, last: Option<&str>) -> SseReader {
        let mut request = self.http.get(server.url("/v1/events")).bearer_auth(token);
        if let Some(last) = last {
            request = request.header("Last-Event-ID", last);
        }
        SseReader::new(request.send().await.expect("open the event stream"))
    }

    /// The change log's rows after `after` up to `through`: (seq, kind, data).
    async fn logged(&self, after: i64, through: i64) -> Vec<(i64, String, Value)> {
        let rows: Vec<(i64, String, String)> =
            sqlx::query_as("SELECT seq, kind, data FROM change_log WHERE seq > $1 AND seq <= $2 ORDER BY seq")
                .bind(after)
                .bind(through)
                .fetch_all(self.db.ledger.store().pool())
                .await
                .expect("read the change log");
        rows.into_iter().map(|(seq, kind, data)| (seq, kind, serde_json::from_str(&data).unwrap())).collect()
    }

    async fn head(&self) -> i64 {
        sqlx::query_scalar("SELECT CAST(COALESCE(MAX(seq), 0) AS BIGINT) FROM change_log")
            .fetch_one(self.db.ledger.store().pool())
            .await
            .expect("change-log head")
    }

    /// Stops the processes, then drops the database.
    async fn finish(self) {
        drop((self.a, self.b, self.worker));
        self.db.finish().await;
    }
}

fn seq(event: &Sse) -> i64 {
    event.id.as_deref().expect("a change carries its id").parse().expect("ids are change-log seqs")
}

/// Waits until `hold` shows `status` in the database; when it first did.
async fn first_sight(pool: sqlx::AnyPool, hold: String, status: &'static str) -> Instant {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let now: Option<String> = sqlx::query_scalar("SELECT status FROM holds WHERE id = $1")
            .bind(&hold)
            .fetch_optional(&pool)
            .await
            .expect("read the hold");
        if now.as_deref() == Some(status) {
            return Instant::now();
        }
        assert!(Instant::now() < deadline, "hold {hold} never reached {status} (now {now:?})");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Behaviour: a change committed by another process — the worker parking a
/// hold in manual review, a settle answered by instance B — reaches a
/// subscriber of instance A within a second (from the row's first sight in
/// the database, and from B's answer). Fails if A hears only its own
/// commits, or hears others' only by a slow catch-up.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn changes_made_through_b_and_by_the_worker_reach_a_within_a_second() {
    let Some(w) = world("changes_made_through_b_and_by_the_worker_reach_a_within_a_second").await else { return };
    let wallet = w.wallet().await;
    let mut on_a = w.events(&w.a, &w.viewer, None).await;

    let reserve = json!({"wallet_id": wallet, "amount": "25.00", "provider": "sandbox", "reference": "live-1"});
    let hold = w.command(&w.b, "reserve_payout", reserve).await["subject_id"].as_str().unwrap().to_string();
    let watcher = tokio::spawn(first_sight(w.db.ledger.store().pool().clone(), hold.clone(), "manual_review"));
    let parked = on_a.until("hold.changed", |d| d["hold_id"] == hold.as_str() && d["status"] == "manual_review").await;
    let heard = Instant::now();
    let row_seen = watcher.await.unwrap();
    let lag = heard.saturating_duration_since(row_seen);
    eprintln!("worker's manual review: row first seen → event on A: {lag:?}");
    assert!(lag < WITHIN, "the worker's move reached A after {lag:?}");
    assert!(parked.id.is_some(), "a change carries its global id");

    let sent = Instant::now();
    let settle = json!({"hold_id": hold, "reason": "provider portal shows it paid"});
    let settled = w.command(&w.b, "settle_hold", settle).await;
    let answered = Instant::now();
    assert_eq!(settled["status"], "posted", "{settled}");
    on_a.until("hold.changed", |d| d["hold_id"] == hold.as_str() && d["status"] == "settled").await;
    let lag = Instant::now().saturating_duration_since(answered);
    eprintln!("settle through B: answered → event on A: {lag:?} (sent → event: {:?})", sent.elapsed());
    assert!(lag < WITHIN, "B's settle reached A after {lag:?}");
    drop(on_a);
    w.finish().await;
}

/// Numbered events (changes) from `reader` until the one with seq `through`;
/// panics on a `reset`.
async fn changes_through(reader: &mut SseReader, through: i64) -> Vec<(i64, String, Value)> {
    let mut out = Vec::new();
    loop {
        let event = reader.next().await;
        assert_ne!(event.event, "reset", "a resume with a global id needs no reset");
        if event.id.is_none() {
            continue;
        }
        let at = seq(&event);
        out.push((at, event.event, event.data));
        if at >= through {
            return out;
        }
    }
}

/// Behaviour: `Last-Event-ID` ids are global. A subscriber that read some
/// events from A and reconnects to B with its last id gets exactly the
/// changes committed after it — the same, in the same order, as a
/// subscriber that stayed on A and as the change log — and no `reset`.
/// Fails on a gap, a repeat, a reordering, or a needless reset.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_subscriber_that_moves_from_a_to_b_misses_nothing() {
    let Some(w) = world("a_subscriber_that_moves_from_a_to_b_misses_nothing").await else { return };
    let wallet = w.wallet().await;
    let start = w.head().await;
    let mut stayed = w.events(&w.a, &w.operator, None).await;
    let mut moving = w.events(&w.a, &w.viewer, None).await;
    let payin = |amount: &str| json!({"wallet_id": wallet, "amount": amount, "provider": "p"});
    for amount in ["1.00", "2.00"] {
        w.command(&w.b, "post_payin", payin(amount)).await;
    }
    let read = changes_through(&mut moving, w.head().await).await;
    assert!(read.len() >= 2, "{read:?}");
    let last = read.last().unwrap().0;
    drop(moving);

    // While it is away: changes through both instances and by the worker.
    w.command(&w.a, "post_payin", payin("3.00")).await;
    let reserve = json!({"wallet_id": wallet, "amount": "4.00", "provider": "sandbox", "reference": "live-2"});
    let hold = w.command(&w.b, "reserve_payout", reserve).await["subject_id"].as_str().unwrap().to_string();
    first_sight(w.db.ledger.store().pool().clone(), hold, "manual_review").await;
    w.command(&w.a, "post_payin", payin("5.00")).await;
    w.command(&w.b, "post_payin", payin("6.00")).await;
    let head = w.head().await;

    let mut moved = w.events(&w.b, &w.viewer, Some(&last.to_string())).await;
    let missed = changes_through(&mut moved, head).await;
    let logged = w.logged(last, head).await;
    assert!(logged.len() >= 7, "the gap held 4 commands and 3 hold changes (2 by the worker): {logged:?}");
    assert_eq!(missed, logged, "exactly the changes after {last}, in seq order, nothing before them");
    let all = changes_through(&mut stayed, head).await;
    let stayed_after: Vec<_> = all.iter().filter(|(s, _, _)| *s > last).cloned().collect();
    assert_eq!(missed, stayed_after, "the same as a subscriber that never left");
    // A fresh stream starts wherever the instance's tailer stands when it
    // subscribes, which may be just below `start` (a change committed before
    // the head was read, not yet handed on): compare from `start` on, and
    // check the whole stream for repeats and order.
    assert!(all.windows(2).all(|p| p[0].0 < p[1].0), "no repeats, in seq order: {all:?}");
    let since_start: Vec<_> = all.iter().filter(|(s, _, _)| *s > start).cloned().collect();
    assert_eq!(since_start, w.logged(start, head).await, "the one that stayed saw every change once, in order");
    drop((stayed, moved));
    w.finish().await;
}

/// Behaviour: a stream whose token is revoked with `ledgerdeck-server token
/// revoke` (another process) ends with `access.revoked` within one heartbeat
/// plus a second, and never carries a change committed after the
/// revocation, while another token's stream does. Fails if the stream keeps
/// flowing after the revocation or ends without saying why.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_stream_whose_token_is_revoked_by_the_cli_ends_and_sees_nothing_later() {
    let Some(w) = world("a_stream_whose_token_is_revoked_by_the_cli_ends_and_sees_nothing_later").await else {
        return;
    };
    let wallet = w.wallet().await;
    let mut revoked = w.events(&w.a, &w.revocable, None).await;
    let mut other = w.events(&w.a, &w.viewer, None).await;
    let payin = |amount: &str| json!({"wallet_id": wallet, "amount": amount, "provider": "p"});
    let before = w.command(&w.b, "post_payin", payin("1.00")).await;
    revoked.until("command.posted", |d| d["transaction_ids"] == before["transaction_ids"]).await;

    let url = w.db.url.clone();
    tokio::task::spawn_blocking(move || revoke_token(&url, "viewer-rev")).await.unwrap();
    let revoked_at = Instant::now();
    let after = w.command(&w.b, "post_payin", payin("2.00")).await;
    let revocation: i64 = sqlx::query_scalar("SELECT seq FROM change_log WHERE kind = 'access.revoked'")
        .fetch_one(w.db.ledger.store().pool())
        .await
        .expect("the revocation is a change row");

    let mut tail = Vec::new();
    let reading = async {
        while let Some(event) = revoked.next_or_end().await {
            tail.push(event);
        }
    };
    let ended_in_time = tokio::time::timeout(HEARTBEAT * 5, reading).await.is_ok();
    assert!(ended_in_time, "the revoked token's stream still flows: {tail:?}");
    let ended = revoked_at.elapsed();
    let last = tail.last().expect("the stream says why it ends");
    assert_eq!(last.event, "access.revoked", "{tail:?}");
    assert!(ended < HEARTBEAT + Duration::from_secs(1), "ended {ended:?} after the revocation");
    for event in &tail {
        assert!(event.id.as_deref().is_none_or(|id| id.parse::<i64>().unwrap() < revocation), "{event:?}");
        assert_ne!(event.data["transaction_ids"], after["transaction_ids"], "a change after the revocation");
    }
    // The later change was committed and streamed — to the token that still stands.
    let seen = other.until("command.posted", |d| d["transaction_ids"] == after["transaction_ids"]).await;
    assert!(seq(&seen) > revocation);
    let refused = w.http.get(w.a.url("/v1/events")).bearer_auth(&w.revocable).send().await.unwrap();
    assert_eq!(refused.status(), 401, "and it cannot open another");
    drop(other);
    w.finish().await;
}
