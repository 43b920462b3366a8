//! The command writer: concurrent commands that land in one group commit
//! (SQLite) or race on row locks (PostgreSQL) each keep or lose their own
//! writes — key, audit row and money together — and a twin of a key whose
//! first request has not committed waits, then answers in progress.

#[macro_use]
mod common;

use common::*;
use ledgerdeck_client::ErrorCode;
use ledgerdeck_server::{Ledger, LedgerConfig};
use serde_json::json;
use sqlx::{Connection, PgConnection};
use std::time::Duration;

const TASKS: usize = 48;

async fn count(ledger: &Ledger, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string())).fetch_one(ledger.store().pool()).await.unwrap()
}

async fn refusals_among_posts_keep_only_their_own_writes(ledger: Ledger) {
    let source = wallet(&ledger, "USD").await;
    let sink = wallet(&ledger, "USD").await;
    pay_in(&ledger, &source, "10.00").await;
    let audit_before = count(&ledger, "SELECT CAST(COUNT(*) AS BIGINT) FROM audit_log").await;
    let keys_before = count(&ledger, "SELECT CAST(COUNT(*) AS BIGINT) FROM idempotency_keys").await;
    // 48 transfers of 1.00 out of 10.00 at once: on SQLite they share group
    // commits, so refused ones sit between posted ones in one transaction.
    let results = futures::future::join_all((0..TASKS).map(|i| {
        let (ledger, source, sink) = (ledger.clone(), source.clone(), sink.clone());
        tokio::spawn(async move {
            let body = json!({"from_wallet_id": source, "to_wallet_id": sink, "amount": "1.00"});
            (format!("mixed-{i}"), ledger.execute(&operator(), "transfer", body, Some(&format!("mixed-{i}"))).await)
        })
    }))
    .await;
    let mut posted = Vec::new();
    for joined in results {
        let (key, result) = joined.unwrap();
        match result {
            Ok(r) => posted.push((key, r)),
            Err(e) => assert_eq!(e.code(), ErrorCode::InsufficientFunds, "{e}"),
        }
    }
    assert_eq!(posted.len(), 10, "exactly the money there was moved");
    assert_eq!(balances(&ledger, &source).await, (0, 0));
    assert_eq!(balances(&ledger, &sink).await, (1_000, 0));

    // Every attempt audited once; only the posted ones kept their keys.
    let audit: Vec<(String, i64)> = sqlx::query_as(
        "SELECT outcome, CAST(COUNT(*) AS BIGINT) FROM audit_log WHERE action = 'transfer' GROUP BY outcome ORDER BY outcome",
    )
    .fetch_all(ledger.store().pool())
    .await
    .unwrap();
    assert_eq!(audit, vec![("posted".to_string(), 10), ("refused".to_string(), (TASKS - 10) as i64)]);
    assert_eq!(count(&ledger, "SELECT CAST(COUNT(*) AS BIGINT) FROM audit_log").await, audit_before + TASKS as i64);
    assert_eq!(count(&ledger, "SELECT CAST(COUNT(*) AS BIGINT) FROM idempotency_keys").await, keys_before + 10);
    assert_eq!(
        count(&ledger, "SELECT CAST(COUNT(*) AS BIGINT) FROM idempotency_keys WHERE state <> 'completed'").await,
        0,
        "no claim outlives its command"
    );
    // Each posted key replays its own transaction.
    for (key, first) in &posted {
        let body = json!({"from_wallet_id": source, "to_wallet_id": sink, "amount": "1.00"});
        let again = ledger.execute(&operator(), "transfer", body, Some(key)).await.unwrap();
        assert!(again.replayed);
        assert_eq!(again.transaction_ids, first.transaction_ids);
    }
    assert_eq!(
        count(&ledger, "SELECT CAST(COUNT(*) AS BIGINT) FROM ledger_transactions WHERE kind = 'transfer'").await,
        10
    );
    assert_sound(&ledger).await;
}

on_both_databases!(refusals_among_posts_keep_only_their_own_writes);

/// PostgreSQL: another transaction holds an uncommitted claim on the key
/// (its first request is mid-flight). The twin waits the in-flight wait and
/// answers `IDEMPOTENCY_IN_PROGRESS` having written nothing; once the first
/// request is gone (rolled back), the same key executes.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twin_of_an_uncommitted_claim_answers_in_progress_postgres() {
    let Some(db) = TestDb::postgres("twin_of_an_uncommitted_claim").await else { return };
    let quick = Ledger::new(
        db.ledger.store().clone(),
        LedgerConfig { in_flight_wait: Duration::from_millis(300), ..LedgerConfig::default() },
    );
    let w = wallet(&quick, "USD").await;
    let body = json!({"wallet_id": w, "amount": "5.00", "provider": "sandbox"});

    let mut first = PgConnection::connect(&db.url).await.unwrap();
    let mut open = first.begin().await.unwrap();
    sqlx::query(
        "INSERT INTO idempotency_keys (caller, idempotency_key, command, request_hash, state, claim_token, locked_until, created_at, expires_at) \
         VALUES ('ops-alice', 'mid-flight', 'post_payin', 'h', 'in_progress', 't', 0, 0, 9223372036854775807)",
    )
    .execute(&mut *open)
    .await
    .unwrap();

    let started = std::time::Instant::now();
    let err = quick.execute(&operator(), "post_payin", body.clone(), Some("mid-flight")).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::IdempotencyInProgress, "{err}");
    assert!(started.elapsed() >= Duration::from_millis(300), "the twin waited for the first request");
    assert_eq!(balances(&quick, &w).await, (0, 0));

    open.rollback().await.unwrap();
    let done = quick.execute(&operator(), "post_payin", body, Some("mid-flight")).await.unwrap();
    assert!(!done.replayed);
    assert_eq!(balances(&quick, &w).await, (500, 0));
    db.finish().await;
}

/// SQLite: the audit row of a refusal is committed with `synchronous =
/// NORMAL` (it changed nothing else), and the connection goes back to the
/// pool with `synchronous = FULL` — no later command may commit without its
/// fsync.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn relaxed_audit_commits_leave_every_connection_synchronous_full_sqlite() {
    let db = TestDb::sqlite().await;
    let ledger = db.ledger.clone();
    let (a, b) = (wallet(&ledger, "USD").await, wallet(&ledger, "USD").await);
    let audited = count(&ledger, "SELECT CAST(COUNT(*) AS BIGINT) FROM audit_log").await;
    for i in 0..20 {
        let body = json!({"from_wallet_id": a, "to_wallet_id": b, "amount": "1.00"});
        let refused = ledger.execute(&operator(), "transfer", body, Some(&format!("broke-{i}"))).await.unwrap_err();
        assert_eq!(refused.code(), ErrorCode::InsufficientFunds);
    }
    assert_eq!(count(&ledger, "SELECT CAST(COUNT(*) AS BIGINT) FROM audit_log").await, audited + 20);
    let pool = ledger.store().pool();
    let mut held = Vec::new();
    for _ in 0..pool.options().get_max_connections() {
        held.push(pool.acquire().await.unwrap());
    }
    for conn in &mut held {
        let synchronous: i64 = sqlx::query_scalar("PRAGMA synchronous").fetch_one(&mut **conn).await.unwrap();
        assert_eq!(synchronous, 2, "every pooled connection commits with synchronous = FULL");
    }
    drop(held);
    db.finish().await;
}
