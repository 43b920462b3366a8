//! Commands racing each other, on SQLite and PostgreSQL.

#[macro_use]
mod common;

use common::*;
use ledgerdeck_client::ErrorCode;
use ledgerdeck_server::Ledger;
use serde_json::json;

const TASKS: usize = 64;

async fn same_key_fired_64_times_posts_once(ledger: Ledger) {
    let w = wallet(&ledger, "USD").await;
    let body = json!({"wallet_id": w, "amount": "7.00", "provider": "sandbox"});
    let results = futures::future::join_all((0..TASKS).map(|_| {
        let (ledger, body) = (ledger.clone(), body.clone());
        tokio::spawn(async move { ledger.execute(&operator(), "post_payin", body, Some("storm")).await })
    }))
    .await;
    let results: Vec<_> = results.into_iter().map(|r| r.unwrap().expect("every twin gets the result")).collect();
    let fresh = results.iter().filter(|r| !r.replayed).count();
    assert_eq!(fresh, 1, "exactly one execution, the rest replays");
    for r in &results {
        assert_eq!(r.transaction_ids, results[0].transaction_ids);
        assert_eq!(r.balances, results[0].balances);
    }
    assert_eq!(balances(&ledger, &w).await, (700, 0));
    let payins: i64 =
        sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM ledger_transactions WHERE kind = 'payin'")
            .fetch_one(ledger.store().pool())
            .await
            .unwrap();
    assert_eq!(payins, 1);
    assert_sound(&ledger).await;
}

async fn racing_transfers_never_overdraw(ledger: Ledger) {
    let source = wallet(&ledger, "USD").await;
    let sinks = [wallet(&ledger, "USD").await, wallet(&ledger, "USD").await];
    pay_in(&ledger, &source, "10.00").await;
    // 64 transfers of 1.00 out of 10.00, in both directions between wallets so
    // that lock order matters on PostgreSQL.
    let results = futures::future::join_all((0..TASKS).map(|i| {
        let ledger = ledger.clone();
        let (source, sink) = (source.clone(), sinks[i % 2].clone());
        tokio::spawn(async move {
            let body = json!({"from_wallet_id": source, "to_wallet_id": sink, "amount": "1.00"});
            run(&ledger, &operator(), "transfer", body).await
        })
    }))
    .await;
    let mut ok = 0;
    for r in results {
        match r.unwrap() {
            Ok(_) => ok += 1,
            Err(e) => assert_eq!(e.code(), ErrorCode::InsufficientFunds, "{e}"),
        }
    }
    assert_eq!(ok, 10, "exactly the money there was moved");
    assert_eq!(balances(&ledger, &source).await, (0, 0));
    let (a, _) = balances(&ledger, &sinks[0]).await;
    let (b, _) = balances(&ledger, &sinks[1]).await;
    assert_eq!(a + b, 1_000);
    assert_sound(&ledger).await;
}

async fn crossing_transfers_do_not_deadlock(ledger: Ledger) {
    let a = wallet(&ledger, "EUR").await;
    let b = wallet(&ledger, "EUR").await;
    pay_in(&ledger, &a, "100.00").await;
    pay_in(&ledger, &b, "100.00").await;
    let results = futures::future::join_all((0..TASKS).map(|i| {
        let ledger = ledger.clone();
        let (from, to) = if i % 2 == 0 { (a.clone(), b.clone()) } else { (b.clone(), a.clone()) };
        tokio::spawn(async move {
            run(&ledger, &operator(), "transfer", json!({"from_wallet_id": from, "to_wallet_id": to, "amount": "1.00"}))
                .await
        })
    }))
    .await;
    for r in results {
        r.unwrap().expect("every crossing transfer succeeds");
    }
    assert_eq!(balances(&ledger, &a).await.0 + balances(&ledger, &b).await.0, 20_000);
    assert_sound(&ledger).await;
}

async fn settle_and_release_race_one_wins(ledger: Ledger) {
    let w = wallet(&ledger, "KES").await;
    pay_in(&ledger, &w, "500.00").await;
    for round in 0..8 {
        let hold = reviewed_hold(&ledger, &w, "10.00").await;
        let racers = (0..8).map(|i| {
            let (ledger, hold) = (ledger.clone(), hold.clone());
            let command = if i % 2 == 0 { "settle_hold" } else { "release_hold" };
            tokio::spawn(
                async move { run(&ledger, &operator(), command, json!({"hold_id": hold, "reason": "race"})).await },
            )
        });
        let results = futures::future::join_all(racers).await;
        let mut winners = 0;
        for r in results {
            match r.unwrap() {
                Ok(_) => winners += 1,
                Err(e) => assert_eq!(e.code(), ErrorCode::HoldNotOpen, "round {round}: {e}"),
            }
        }
        assert_eq!(winners, 1, "round {round}: exactly one end of the hold");
        let finals = hold_endings(&ledger, &hold).await;
        assert_eq!(finals, 1);
    }
    assert_eq!(balances(&ledger, &w).await.1, 0);
    assert_sound(&ledger).await;
}

async fn racing_reversals_reverse_once(ledger: Ledger) {
    let w = wallet(&ledger, "GHS").await;
    let paid = pay_in(&ledger, &w, "9.00").await;
    let txn = paid.transaction_ids[0].clone();
    let results = futures::future::join_all((0..16).map(|_| {
        let (ledger, txn) = (ledger.clone(), txn.clone());
        tokio::spawn(async move {
            run(&ledger, &operator(), "reverse_transaction", json!({"transaction_id": txn, "reason": "dup"})).await
        })
    }))
    .await;
    let mut ok = 0;
    for r in results {
        match r.unwrap() {
            Ok(_) => ok += 1,
            Err(e) => assert_eq!(e.code(), ErrorCode::AlreadyReversed, "{e}"),
        }
    }
    assert_eq!(ok, 1);
    assert_eq!(balances(&ledger, &w).await, (0, 0));
    assert_sound(&ledger).await;
}

on_both_databases!(
    same_key_fired_64_times_posts_once,
    racing_transfers_never_overdraw,
    crossing_transfers_do_not_deadlock,
    settle_and_release_race_one_wins,
    racing_reversals_reverse_once,
);
