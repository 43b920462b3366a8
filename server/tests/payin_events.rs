//! Provider pay-in events: `payin.succeeded` credits the wallet once per
//! provider reference (a replayed event, a second event id, a manual
//! entry: never twice), `payin.reversed` reverses that credit once, and
//! the same pay-in with other figures is a conflict that moves nothing.
//! On SQLite and PostgreSQL.

#[macro_use]
mod common;

use common::*;
use ledgerdeck_client::ErrorCode;
use ledgerdeck_client::providers::{PayinEventBody, PayinEventReceipt};
use ledgerdeck_server::Ledger;
use serde_json::json;

fn succeeded(event: &str, provider_reference: &str, wallet: &str, amount: &str) -> PayinEventBody {
    PayinEventBody {
        kind: "payin.succeeded".into(),
        reference: event.into(),
        provider_reference: provider_reference.into(),
        wallet_id: Some(wallet.into()),
        amount: Some(amount.into()),
    }
}

fn reversed(event: &str, provider_reference: &str) -> PayinEventBody {
    PayinEventBody {
        kind: "payin.reversed".into(),
        reference: event.into(),
        provider_reference: provider_reference.into(),
        wallet_id: None,
        amount: None,
    }
}

async fn apply(ledger: &Ledger, event: &PayinEventBody) -> PayinEventReceipt {
    let payload = serde_json::to_string(event).unwrap();
    ledger.apply_payin_event("acq", event, &payload).await.unwrap()
}

async fn count(ledger: &Ledger, kind: &str) -> i64 {
    sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM ledger_transactions WHERE kind = $1")
        .bind(kind)
        .fetch_one(ledger.store().pool())
        .await
        .unwrap()
}

/// Credited once: the event replayed, another event id for the same
/// pay-in, and an operator's manual entry of it change nothing.
async fn a_payin_event_is_credited_once_however_it_comes_again(ledger: Ledger) {
    let w = wallet(&ledger, "USD").await;
    let first = apply(&ledger, &succeeded("evt-1", "PSP-123", &w, "10.00")).await;
    assert_eq!(first.outcome, "credited", "{first:?}");
    let txn = first.transaction_id.clone().expect("the credit");
    for again in [succeeded("evt-1", "PSP-123", &w, "10.00"), succeeded("evt-2", "PSP-123", &w, "10.00")] {
        let receipt = apply(&ledger, &again).await;
        assert_eq!((receipt.outcome.as_str(), receipt.transaction_id.as_deref()), ("duplicate", Some(txn.as_str())));
    }
    let manual = json!({"wallet_id": w, "amount": "10.00", "provider": "acq", "provider_reference": "PSP-123"});
    let refused = run(&ledger, &operator(), "post_payin", manual).await.unwrap_err();
    assert_eq!(refused.code(), ErrorCode::DuplicateProviderReference);
    assert_eq!(balances(&ledger, &w).await, (1_000, 0));
    assert_eq!(count(&ledger, "payin").await, 1);
    assert_sound(&ledger).await;
}

/// The same pay-in with another amount under a new event id is a conflict:
/// nothing is credited, and the receipt names the first credit.
async fn the_same_payin_with_other_figures_is_a_conflict(ledger: Ledger) {
    let w = wallet(&ledger, "USD").await;
    let first = apply(&ledger, &succeeded("evt-1", "PSP-9", &w, "10.00")).await;
    let other = apply(&ledger, &succeeded("evt-2", "PSP-9", &w, "12.00")).await;
    assert_eq!((other.outcome.as_str(), other.transaction_id), ("conflict", first.transaction_id));
    assert_eq!(balances(&ledger, &w).await, (1_000, 0));
    let unknown = apply(&ledger, &succeeded("evt-3", "PSP-10", "no-such-wallet", "1.00")).await;
    assert_eq!((unknown.outcome.as_str(), unknown.code.as_deref()), ("refused", Some("NOT_FOUND")));
    assert_sound(&ledger).await;
}

/// A reversal reverses the credit once, replayed or repeated; a reversal of
/// a pay-in never credited is refused.
async fn a_reversal_event_reverses_the_credit_once(ledger: Ledger) {
    let w = wallet(&ledger, "USD").await;
    apply(&ledger, &succeeded("evt-1", "PSP-7", &w, "10.00")).await;
    let undone = apply(&ledger, &reversed("evt-2", "PSP-7")).await;
    assert_eq!(undone.outcome, "reversed", "{undone:?}");
    for again in [reversed("evt-2", "PSP-7"), reversed("evt-3", "PSP-7")] {
        assert_eq!(apply(&ledger, &again).await.outcome, "duplicate");
    }
    assert_eq!(balances(&ledger, &w).await, (0, 0));
    assert_eq!(count(&ledger, "reversal").await, 1);
    let never = apply(&ledger, &reversed("evt-4", "PSP-NEVER")).await;
    assert_eq!((never.outcome.as_str(), never.code.as_deref()), ("refused", Some("NOT_FOUND")));
    assert_sound(&ledger).await;
}

/// An event refused while pay-ins are off is not final: the provider's
/// retry of the same event, once they are on again, credits it (once), and
/// the log keeps that outcome.
async fn a_refused_event_credits_when_retried_after_the_cause_is_gone(ledger: Ledger) {
    let w = wallet(&ledger, "USD").await;
    let flag = |enabled: &str| json!({"name": "payins_enabled", "scope": "provider", "scope_value": "acq", "enabled": enabled});
    run(&ledger, &admin(), "set_feature_flag", flag("false")).await.unwrap();
    let event = succeeded("evt-1", "PSP-LATE", &w, "4.00");
    let refused = apply(&ledger, &event).await;
    assert_eq!((refused.outcome.as_str(), refused.code.as_deref()), ("refused", Some("FLAG_DENIED")));
    assert_eq!(balances(&ledger, &w).await, (0, 0));
    run(&ledger, &admin(), "set_feature_flag", flag("true")).await.unwrap();
    assert_eq!(apply(&ledger, &event).await.outcome, "credited");
    assert_eq!(apply(&ledger, &event).await.outcome, "duplicate");
    assert_eq!(balances(&ledger, &w).await, (400, 0));
    let logged: String =
        sqlx::query_scalar("SELECT outcome FROM payin_events WHERE provider = 'acq' AND reference = 'evt-1'")
            .fetch_one(ledger.store().pool())
            .await
            .unwrap();
    assert_eq!(logged, "credited", "the first definite outcome is kept");
    assert_sound(&ledger).await;
}

/// 16 event ids for one pay-in, at once: one credit (a delivery that meets
/// another in flight is answered `IDEMPOTENCY_IN_PROGRESS` and retries).
async fn racing_events_of_one_payin_credit_once(ledger: Ledger) {
    let w = wallet(&ledger, "USD").await;
    let receipts = futures::future::join_all((0..16).map(|i| {
        let (ledger, event) = (ledger.clone(), succeeded(&format!("evt-{i}"), "PSP-RACE", &w, "3.00"));
        tokio::spawn(async move {
            // A delivery that finds another still being applied is told to
            // retry, as a provider would.
            loop {
                match ledger.apply_payin_event("acq", &event, "{}").await {
                    Err(e) if e.code() == ErrorCode::IdempotencyInProgress => {
                        tokio::time::sleep(std::time::Duration::from_millis(20)).await
                    }
                    answer => return answer.unwrap(),
                }
            }
        })
    }))
    .await;
    let outcomes: Vec<String> = receipts.into_iter().map(|r| r.unwrap().outcome).collect();
    assert_eq!(outcomes.iter().filter(|o| *o == "credited").count(), 1, "{outcomes:?}");
    assert!(outcomes.iter().all(|o| o == "credited" || o == "duplicate"), "{outcomes:?}");
    assert_eq!(balances(&ledger, &w).await, (300, 0));
    assert_eq!(count(&ledger, "payin").await, 1);
    assert_sound(&ledger).await;
}

on_both_databases!(
    a_payin_event_is_credited_once_however_it_comes_again,
    the_same_payin_with_other_figures_is_a_conflict,
    a_reversal_event_reverses_the_credit_once,
    a_refused_event_credits_when_retried_after_the_cause_is_gone,
    racing_events_of_one_payin_credit_once,
);
