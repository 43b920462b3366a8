//! Idempotency keys: replay, reuse with other parameters, scoping to the
//! caller, freeing after a refusal, in-flight twins and retention.

#[macro_use]
mod common;

use common::*;
use ledgerdeck_client::{ErrorCode, Role};
use ledgerdeck_server::commands::purge_expired_idempotency_keys;
use ledgerdeck_server::{Caller, Ledger, LedgerConfig};
use serde_json::json;
use std::time::Duration;

async fn same_key_same_params_replays_the_first_result(ledger: Ledger) {
    let w = wallet(&ledger, "USD").await;
    let body = json!({"wallet_id": w, "amount": "5.00", "provider": "sandbox", "reference": "pi-1"});
    let first = ledger.execute(&operator(), "post_payin", body.clone(), Some("k-1")).await.unwrap();
    assert!(!first.replayed);
    // Member order does not change the request.
    let reordered = json!({"reference": "pi-1", "provider": "sandbox", "amount": "5.00", "wallet_id": w});
    let again = ledger.execute(&operator(), "post_payin", reordered, Some("k-1")).await.unwrap();
    assert!(again.replayed);
    assert_eq!(again.transaction_ids, first.transaction_ids, "a replay names the same transactions");
    assert_eq!(again.balances, first.balances, "a replay returns the balances of the first execution");
    assert_eq!(balances(&ledger, &w).await, (500, 0), "posted once");
}

async fn same_key_other_params_is_refused(ledger: Ledger) {
    let w = wallet(&ledger, "USD").await;
    ledger
        .execute(&operator(), "post_payin", json!({"wallet_id": w, "amount": "5.00", "provider": "p"}), Some("k-2"))
        .await
        .unwrap();
    let before = footprint(&ledger).await;
    let err = ledger
        .execute(&operator(), "post_payin", json!({"wallet_id": w, "amount": "6.00", "provider": "p"}), Some("k-2"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::IdempotencyKeyReused);
    let err = ledger
        .execute(&operator(), "reserve_payout", json!({"wallet_id": w, "amount": "5.00", "provider": "p"}), Some("k-2"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::IdempotencyKeyReused, "another command under the same key is another request");
    assert_eq!(footprint(&ledger).await, before);
}

async fn keys_are_scoped_to_the_caller(ledger: Ledger) {
    let w = wallet(&ledger, "USD").await;
    let body = json!({"wallet_id": w, "amount": "1.00", "provider": "p"});
    let bob = Caller::new("ops-bob", Role::Operator);
    let a = ledger.execute(&operator(), "post_payin", body.clone(), Some("shared")).await.unwrap();
    let b = ledger.execute(&bob, "post_payin", body, Some("shared")).await.unwrap();
    assert!(!b.replayed);
    assert_ne!(a.transaction_ids, b.transaction_ids);
    assert_eq!(balances(&ledger, &w).await, (200, 0));
}

async fn a_refusal_frees_the_key(ledger: Ledger) {
    let w = wallet(&ledger, "USD").await;
    let body = json!({"wallet_id": w, "amount": "5.00", "provider": "p"});
    let other = wallet(&ledger, "USD").await;
    let transfer = json!({"from_wallet_id": w, "to_wallet_id": other, "amount": "5.00"});
    let err = ledger.execute(&operator(), "transfer", transfer.clone(), Some("k-3")).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::InsufficientFunds);
    ledger.execute(&operator(), "post_payin", body, Some("k-4")).await.unwrap();
    let done = ledger.execute(&operator(), "transfer", transfer, Some("k-3")).await.unwrap();
    assert!(!done.replayed, "after a refusal the same key executes afresh");
    assert_eq!(balances(&ledger, &other).await, (500, 0));
}

async fn in_flight_twin_answers_in_progress(ledger: Ledger) {
    // A claim whose owner is still inside its lease: a twin waits its bounded
    // time, then gets IDEMPOTENCY_IN_PROGRESS; the claim is untouched.
    let w = wallet(&ledger, "USD").await;
    let body = json!({"wallet_id": w, "amount": "5.00", "provider": "p"});
    let quick = Ledger::new(
        ledger.store().clone(),
        LedgerConfig { in_flight_wait: Duration::from_millis(100), ..LedgerConfig::default() },
    );
    let first = quick.execute(&operator(), "post_payin", body.clone(), Some("k-5")).await.unwrap();
    let hash: String = sqlx::query_scalar("SELECT request_hash FROM idempotency_keys WHERE idempotency_key = 'k-5'")
        .fetch_one(ledger.store().pool())
        .await
        .unwrap();
    let far = ledgerdeck_server::store::now_micros() + 60_000_000;
    sqlx::query(
        "INSERT INTO idempotency_keys (caller, idempotency_key, command, request_hash, state, claim_token, locked_until, created_at, expires_at) \
         VALUES ('ops-alice', 'k-6', 'post_payin', $1, 'in_progress', 'someone-else', $2, 0, $2)",
    )
    .bind(&hash)
    .bind(far)
    .execute(ledger.store().pool())
    .await
    .unwrap();
    let err = quick.execute(&operator(), "post_payin", body.clone(), Some("k-6")).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::IdempotencyInProgress);
    assert_eq!(balances(&ledger, &w).await, (500, 0));

    // Once the owner's lease lapses (it crashed), a retry takes the key over.
    sqlx::query("UPDATE idempotency_keys SET locked_until = 1 WHERE idempotency_key = 'k-6'")
        .execute(ledger.store().pool())
        .await
        .unwrap();
    let taken = quick.execute(&operator(), "post_payin", body, Some("k-6")).await.unwrap();
    assert!(!taken.replayed);
    assert_ne!(taken.transaction_ids, first.transaction_ids);
    assert_eq!(balances(&ledger, &w).await, (1_000, 0));
}

async fn keys_are_kept_for_the_retention_window(ledger: Ledger) {
    let w = wallet(&ledger, "USD").await;
    let body = json!({"wallet_id": w, "amount": "1.00", "provider": "p"});
    let short = Ledger::new(
        ledger.store().clone(),
        LedgerConfig { idempotency_retention: Duration::from_millis(300), ..LedgerConfig::default() },
    );
    short.execute(&operator(), "post_payin", body.clone(), Some("k-7")).await.unwrap();
    assert!(short.execute(&operator(), "post_payin", body.clone(), Some("k-7")).await.unwrap().replayed);
    let expires: i64 =
        sqlx::query_scalar("SELECT expires_at - created_at FROM idempotency_keys WHERE idempotency_key = 'k-7'")
            .fetch_one(ledger.store().pool())
            .await
            .unwrap();
    assert_eq!(expires, 300_000);
    tokio::time::sleep(Duration::from_millis(350)).await;
    let purged =
        purge_expired_idempotency_keys(ledger.store().pool(), ledgerdeck_server::store::now_micros()).await.unwrap();
    assert_eq!(purged, 1);
    let fresh = short.execute(&operator(), "post_payin", body, Some("k-7")).await.unwrap();
    assert!(!fresh.replayed, "after the window the key is new again");

    let default_retention = LedgerConfig::default().idempotency_retention;
    assert!(default_retention >= Duration::from_secs(24 * 3600));
}

on_both_databases!(
    same_key_same_params_replays_the_first_result,
    same_key_other_params_is_refused,
    keys_are_scoped_to_the_caller,
    a_refusal_frees_the_key,
    in_flight_twin_answers_in_progress,
    keys_are_kept_for_the_retention_window,
);
