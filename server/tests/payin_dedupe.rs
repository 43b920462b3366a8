//! A pay-in is credited once per provider reference: a second one under
//! another idempotency key is refused `DUPLICATE_PROVIDER_REFERENCE`
//! naming the first, also when 32 keys race; the same key still replays.
//! On SQLite and PostgreSQL.

#[macro_use]
mod common;

use common::*;
use ledgerdeck_client::ErrorCode;
use ledgerdeck_server::{Ledger, LedgerError};
use serde_json::json;

fn payin(wallet: &str, amount: &str, provider: &str, provider_reference: &str) -> serde_json::Value {
    json!({"wallet_id": wallet, "amount": amount, "provider": provider, "provider_reference": provider_reference})
}

async fn payins(ledger: &Ledger) -> i64 {
    sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM ledger_transactions WHERE kind = 'payin'")
        .fetch_one(ledger.store().pool())
        .await
        .unwrap()
}

/// The case: `acq` / `PSP-123` twice under two keys credited 10.00
/// then 20.00. Now the second is refused, names the first, and writes
/// nothing; its key is free again (a refusal), and the same key replays.
async fn a_second_payin_of_a_reference_is_refused_naming_the_first(ledger: Ledger) {
    let w = wallet(&ledger, "USD").await;
    let first = ledger.execute(&operator(), "post_payin", payin(&w, "10.00", "acq", "PSP-123"), Some("k1")).await;
    let first = first.unwrap();
    let before = footprint(&ledger).await;
    let second = ledger.execute(&operator(), "post_payin", payin(&w, "20.00", "acq", "PSP-123"), Some("k2")).await;
    let Err(e @ LedgerError::DuplicateProviderReference { .. }) = second else { panic!("{second:?}") };
    assert_eq!(e.code(), ErrorCode::DuplicateProviderReference);
    assert!(e.to_string().contains(&first.transaction_ids[0]), "names the first transaction: {e}");
    assert_eq!(footprint(&ledger).await, before, "nothing of the refused pay-in is written");
    assert_eq!(balances(&ledger, &w).await, (1_000, 0));

    let replay = ledger.execute(&operator(), "post_payin", payin(&w, "10.00", "acq", "PSP-123"), Some("k1")).await;
    let replay = replay.unwrap();
    assert!(replay.replayed && replay.transaction_ids == first.transaction_ids, "the first key replays");

    // The reference is the provider's: another provider's PSP-123 is another pay-in.
    ledger.execute(&operator(), "post_payin", payin(&w, "5.00", "other-psp", "PSP-123"), Some("k3")).await.unwrap();
    // A pay-in without a provider reference is not deduplicated (a manual entry).
    let plain = json!({"wallet_id": w, "amount": "1.00", "provider": "acq"});
    ledger.execute(&operator(), "post_payin", plain.clone(), Some("k4")).await.unwrap();
    ledger.execute(&operator(), "post_payin", plain, Some("k5")).await.unwrap();
    assert_eq!(balances(&ledger, &w).await, (1_700, 0));
    assert_eq!(payins(&ledger).await, 4);
    assert_sound(&ledger).await;
}

/// 32 different keys with one provider reference, at once: one credit, 31
/// refusals naming it.
async fn thirty_two_keys_racing_one_reference_credit_once(ledger: Ledger) {
    let w = wallet(&ledger, "USD").await;
    let results = futures::future::join_all((0..32).map(|i| {
        let (ledger, body) = (ledger.clone(), payin(&w, "7.00", "acq", "PSP-RACE"));
        tokio::spawn(async move { ledger.execute(&operator(), "post_payin", body, Some(&format!("race-{i}"))).await })
    }))
    .await;
    let mut credited = Vec::new();
    let mut refused = 0;
    for r in results {
        match r.unwrap() {
            Ok(result) => credited.push(result.transaction_ids[0].clone()),
            Err(e) => {
                assert_eq!(e.code(), ErrorCode::DuplicateProviderReference, "{e}");
                refused += 1;
            }
        }
    }
    assert_eq!((credited.len(), refused), (1, 31));
    assert_eq!(balances(&ledger, &w).await, (700, 0));
    assert_eq!(payins(&ledger).await, 1);
    assert_sound(&ledger).await;
}

on_both_databases!(
    a_second_payin_of_a_reference_is_refused_naming_the_first,
    thirty_two_keys_racing_one_reference_credit_once,
);
