//! Every command's effect on the ledger, and every rejection's typed code
//! with nothing written. Each test runs on SQLite and PostgreSQL.

#[macro_use]
mod common;

use common::*;
use ledgerdeck_client::{CommandStatus, ErrorCode};
use ledgerdeck_server::{Ledger, LedgerError};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::str::FromStr;

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

/// Runs a command that must be refused with `code`, and checks it wrote nothing.
async fn refused(
    ledger: &Ledger,
    caller: &ledgerdeck_server::Caller,
    command: &str,
    body: Value,
    code: ErrorCode,
) -> LedgerError {
    let before = footprint(ledger).await;
    let err = run(ledger, caller, command, body.clone()).await.expect_err(&format!("{command} {body} was accepted"));
    assert_eq!(err.code(), code, "{command} {body}: {err}");
    assert_eq!(footprint(ledger).await, before, "{command} {body} wrote something although refused");
    err
}

async fn payin_transfer_and_balances(ledger: Ledger) {
    let a = wallet(&ledger, "USD").await;
    let b = wallet(&ledger, "USD").await;
    let paid = pay_in(&ledger, &a, "1250.00").await;
    assert_eq!(paid.status, CommandStatus::Posted);
    assert_eq!(paid.transaction_ids.len(), 1);
    assert_eq!(paid.balances[0].available, dec("1250.00"));
    assert_eq!(paid.balances[0].available.to_string(), "1250.00", "balances carry the currency's scale");

    let moved =
        run(&ledger, &operator(), "transfer", json!({"from_wallet_id": a, "to_wallet_id": b, "amount": "250.5"}))
            .await
            .unwrap();
    assert_eq!(moved.balances.len(), 2);
    assert_eq!(moved.balances[0].available, dec("999.50"));
    assert_eq!(moved.balances[1].available, dec("250.50"));
    assert_eq!(balances(&ledger, &a).await, (99_950, 0));
    assert_sound(&ledger).await;
}

async fn hold_reserve_settle_release(ledger: Ledger) {
    let w = wallet(&ledger, "NGN").await;
    pay_in(&ledger, &w, "100.00").await;
    let h1 = reserve(&ledger, &w, "30.00").await;
    let h2 = reserve(&ledger, &w, "20.00").await;
    assert_eq!(balances(&ledger, &w).await, (5_000, 5_000));
    // While the saga owns a hold, an operator cannot end it.
    refused(&ledger, &operator(), "settle_hold", json!({"hold_id": h1, "reason": "guess"}), ErrorCode::HoldWrongStatus)
        .await;
    to_review(&ledger, &h1).await;
    to_review(&ledger, &h2).await;

    let settled = run(&ledger, &operator(), "settle_hold", json!({"hold_id": h1, "reason": "provider confirmed paid"}))
        .await
        .unwrap();
    assert_eq!(settled.subject_id.as_deref(), Some(h1.as_str()));
    assert_eq!(balances(&ledger, &w).await, (5_000, 2_000));
    let released =
        run(&ledger, &operator(), "release_hold", json!({"hold_id": h2, "reason": "provider failed"})).await.unwrap();
    assert_eq!(released.balances[0].available, dec("70.00"));
    assert_eq!(balances(&ledger, &w).await, (7_000, 0));

    let clearing: i64 = sqlx::query_scalar("SELECT balance FROM accounts WHERE id = 'sys:NGN:payout_clearing'")
        .fetch_one(ledger.store().pool())
        .await
        .unwrap();
    assert_eq!(clearing, 3_000, "settled money sits in payout clearing");

    // A hold ends once: neither end works a second time.
    refused(&ledger, &operator(), "settle_hold", json!({"hold_id": h1, "reason": "again"}), ErrorCode::HoldNotOpen)
        .await;
    refused(&ledger, &operator(), "release_hold", json!({"hold_id": h1, "reason": "again"}), ErrorCode::HoldNotOpen)
        .await;
    let statuses: Vec<String> =
        sqlx::query_scalar("SELECT to_status FROM hold_history WHERE hold_id = $1 ORDER BY seq")
            .bind(&h1)
            .fetch_all(ledger.store().pool())
            .await
            .unwrap();
    assert_eq!(statuses, ["reserved", "manual_review", "settled"]);
    assert_sound(&ledger).await;
}

async fn corrections_bank_funding_and_opening_balances(ledger: Ledger) {
    let w = wallet(&ledger, "BTC").await;
    run(&ledger, &admin(), "post_opening_balance", json!({"wallet_id": w, "amount": "0.5"})).await.unwrap();
    run(
        &ledger,
        &operator(),
        "post_correction",
        json!({"wallet_id": w, "direction": "debit", "amount": "0.00000001", "reason": "fee missed"}),
    )
    .await
    .unwrap();
    let backdated = run(
        &ledger,
        &operator(),
        "post_correction",
        json!({"wallet_id": w, "direction": "credit", "amount": "0.1", "reason": "late credit", "effective_at": "2026-01-01T00:00:00Z"}),
    )
    .await
    .unwrap();
    let effective: i64 = sqlx::query_scalar("SELECT effective_at FROM ledger_transactions WHERE id = $1")
        .bind(&backdated.transaction_ids[0])
        .fetch_one(ledger.store().pool())
        .await
        .unwrap();
    assert_eq!(effective, 1_767_225_600_000_000, "the correction keeps its back-dated effective time");
    assert_eq!(balances(&ledger, &w).await, (59_999_999, 0));

    let funded = run(&ledger, &admin(), "fund_bank_account", json!({"currency": "USDT", "amount": "1000.000001"}))
        .await
        .unwrap();
    assert_eq!(funded.transaction_ids.len(), 1);
    let bank: i64 = sqlx::query_scalar("SELECT balance FROM accounts WHERE id = 'sys:USDT:treasury_bank'")
        .fetch_one(ledger.store().pool())
        .await
        .unwrap();
    assert_eq!(bank, 1_000_000_001);
    refused(&ledger, &operator(), "fund_bank_account", json!({"currency": "USD", "amount": "1"}), ErrorCode::Forbidden)
        .await;
    refused(
        &ledger,
        &operator(),
        "post_correction",
        json!({"wallet_id": w, "direction": "credit", "amount": "1", "reason": "x", "effective_at": "2999-01-01T00:00:00Z"}),
        ErrorCode::ValidationFailed,
    )
    .await;
    assert_sound(&ledger).await;
}

async fn reversal_happens_exactly_once(ledger: Ledger) {
    let a = wallet(&ledger, "EUR").await;
    let b = wallet(&ledger, "EUR").await;
    pay_in(&ledger, &a, "10.00").await;
    let t = run(&ledger, &operator(), "transfer", json!({"from_wallet_id": a, "to_wallet_id": b, "amount": "4.00"}))
        .await
        .unwrap();
    let original = &t.transaction_ids[0];
    let reversed = run(
        &ledger,
        &operator(),
        "reverse_transaction",
        json!({"transaction_id": original, "reason": "sent in error"}),
    )
    .await
    .unwrap();
    assert_eq!(reversed.transaction_ids.len(), 1);
    assert_eq!(balances(&ledger, &a).await, (1_000, 0));
    assert_eq!(balances(&ledger, &b).await, (0, 0));

    refused(
        &ledger,
        &operator(),
        "reverse_transaction",
        json!({"transaction_id": original, "reason": "again"}),
        ErrorCode::AlreadyReversed,
    )
    .await;
    let reversal = &reversed.transaction_ids[0];
    refused(
        &ledger,
        &operator(),
        "reverse_transaction",
        json!({"transaction_id": reversal, "reason": "undo"}),
        ErrorCode::NotReversible,
    )
    .await;

    // A reversal may not overdraw: money already spent cannot be taken back.
    let p = pay_in(&ledger, &b, "5.00").await;
    run(&ledger, &operator(), "transfer", json!({"from_wallet_id": b, "to_wallet_id": a, "amount": "5.00"}))
        .await
        .unwrap();
    refused(
        &ledger,
        &operator(),
        "reverse_transaction",
        json!({"transaction_id": p.transaction_ids[0], "reason": "chargeback"}),
        ErrorCode::InsufficientFunds,
    )
    .await;

    let h = reserve(&ledger, &a, "1.00").await;
    let reserve_txn: String = sqlx::query_scalar("SELECT reserve_txn_id FROM holds WHERE id = $1")
        .bind(&h)
        .fetch_one(ledger.store().pool())
        .await
        .unwrap();
    refused(
        &ledger,
        &operator(),
        "reverse_transaction",
        json!({"transaction_id": reserve_txn, "reason": "no"}),
        ErrorCode::NotReversible,
    )
    .await;
    assert_sound(&ledger).await;
}

async fn rejections_are_typed_and_write_nothing(ledger: Ledger) {
    let usd = wallet(&ledger, "USD").await;
    let eur = wallet(&ledger, "EUR").await;
    pay_in(&ledger, &usd, "10.00").await;
    let op = operator();

    refused(&ledger, &op, "create_wallet", json!({"merchant_id": "m", "currency": "XYZ"}), ErrorCode::CurrencyUnknown)
        .await;
    refused(
        &ledger,
        &admin(),
        "fund_bank_account",
        json!({"currency": "DOGE", "amount": "1"}),
        ErrorCode::CurrencyUnknown,
    )
    .await;
    let err = refused(
        &ledger,
        &op,
        "post_payin",
        json!({"wallet_id": usd, "amount": "1.001", "provider": "p"}),
        ErrorCode::ValidationFailed,
    )
    .await;
    assert_eq!(err.field_errors()[0].field, "amount");
    for amount in ["0", "-1.00", "1e5", "12,00", "99999999999999999999999", "abc"] {
        refused(
            &ledger,
            &op,
            "post_payin",
            json!({"wallet_id": usd, "amount": amount, "provider": "p"}),
            ErrorCode::ValidationFailed,
        )
        .await;
    }
    refused(
        &ledger,
        &op,
        "post_payin",
        json!({"wallet_id": usd, "amount": 5, "provider": "p"}),
        ErrorCode::ValidationFailed,
    )
    .await;
    refused(
        &ledger,
        &op,
        "transfer",
        json!({"from_wallet_id": usd, "to_wallet_id": eur, "amount": "1.00"}),
        ErrorCode::CurrencyMismatch,
    )
    .await;
    refused(
        &ledger,
        &op,
        "transfer",
        json!({"from_wallet_id": usd, "to_wallet_id": usd, "amount": "1.00"}),
        ErrorCode::ValidationFailed,
    )
    .await;
    let second = wallet(&ledger, "USD").await;
    refused(
        &ledger,
        &op,
        "transfer",
        json!({"from_wallet_id": usd, "to_wallet_id": second, "amount": "10.01"}),
        ErrorCode::InsufficientFunds,
    )
    .await;
    refused(
        &ledger,
        &op,
        "reserve_payout",
        json!({"wallet_id": usd, "amount": "10.01", "provider": "p"}),
        ErrorCode::InsufficientFunds,
    )
    .await;
    refused(
        &ledger,
        &op,
        "post_payin",
        json!({"wallet_id": "no-such-wallet", "amount": "1", "provider": "p"}),
        ErrorCode::NotFound,
    )
    .await;
    refused(&ledger, &op, "settle_hold", json!({"hold_id": "no-such-hold", "reason": "r"}), ErrorCode::NotFound).await;
    refused(&ledger, &op, "settle_hold", json!({"hold_id": "h"}), ErrorCode::ValidationFailed).await;
    refused(&ledger, &op, "settle_hold", json!({"hold_id": "h", "reason": "   "}), ErrorCode::ValidationFailed).await;
    refused(&ledger, &op, "no_such_command", json!({}), ErrorCode::NotFound).await;
    refused(
        &ledger,
        &viewer(),
        "post_payin",
        json!({"wallet_id": usd, "amount": "1", "provider": "p"}),
        ErrorCode::Forbidden,
    )
    .await;
    refused(&ledger, &op, "post_payin", json!("not an object"), ErrorCode::ValidationFailed).await;

    let before = footprint(&ledger).await;
    let err = ledger
        .execute(&op, "post_payin", json!({"wallet_id": usd, "amount": "1", "provider": "p"}), None)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::IdempotencyKeyMissing);
    let err = ledger
        .execute(&op, "post_payin", json!({"wallet_id": usd, "amount": "1", "provider": "p"}), Some(""))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::ValidationFailed);
    assert_eq!(footprint(&ledger).await, before);
    assert_eq!(balances(&ledger, &usd).await, (1_000, 0));
    assert_sound(&ledger).await;
}

async fn every_change_writes_its_outbox_event_and_statement_lines(ledger: Ledger) {
    let w = wallet(&ledger, "GBP").await;
    let paid = pay_in(&ledger, &w, "3.00").await;
    let events: Vec<(String, String)> =
        sqlx::query_as("SELECT event_type, subject_id FROM outbox_messages ORDER BY id")
            .fetch_all(ledger.store().pool())
            .await
            .unwrap();
    assert_eq!(
        events,
        [("wallet.created".to_string(), w.clone()), ("payin.posted".to_string(), paid.transaction_ids[0].clone())]
    );
    let lines: Vec<(i64, i64)> =
        sqlx::query_as("SELECT amount, balance_after FROM statement_lines WHERE wallet_id = $1 ORDER BY posting_seq")
            .bind(&w)
            .fetch_all(ledger.store().pool())
            .await
            .unwrap();
    assert_eq!(lines, [(300, 300)]);
}

on_both_databases!(
    payin_transfer_and_balances,
    hold_reserve_settle_release,
    corrections_bank_funding_and_opening_balances,
    reversal_happens_exactly_once,
    rejections_are_typed_and_write_nothing,
    every_change_writes_its_outbox_event_and_statement_lines,
);
