//! Provider events in: deduplicated by (provider, reference), and applied
//! through the same hold transitions as the saga, on one transaction with
//! the event's log row. A hold in manual review is never moved by an event
//! (the operator decides); the event is kept as evidence in its history, as
//! it is while the hold's scope is frozen and completions are held back (the
//! saga completes the hold once the scope thaws).

use crate::error::{LedgerError, LedgerResult};
use crate::flags::FlagScope;
use crate::holds::{self, HoldEnd, SAGA_STATUSES};
use crate::store::{Store, now_micros};
use ledgerdeck_client::FieldError;
use ledgerdeck_client::providers::{ProviderEventBody, ProviderEventReceipt};

fn check(event: &ProviderEventBody) -> LedgerResult<()> {
    let mut errors = Vec::new();
    let id_like = |s: &str| !s.is_empty() && s.len() <= 128 && !s.chars().any(char::is_control);
    if !id_like(&event.reference) {
        errors.push(FieldError::new("reference", "must be 1 to 128 printable characters"));
    }
    if !id_like(&event.hold_id) {
        errors.push(FieldError::new("hold_id", "must be 1 to 128 printable characters"));
    }
    if !["paid", "failed", "pending"].contains(&event.status.as_str()) {
        errors.push(FieldError::new("status", "must be paid, failed or pending"));
    }
    if event.provider_reference.as_deref().is_some_and(|r| !id_like(r)) {
        errors.push(FieldError::new("provider_reference", "must be 1 to 128 printable characters"));
    }
    if errors.is_empty() { Ok(()) } else { Err(LedgerError::Validation(errors)) }
}

/// Applies one event from `provider`; `payload` is its raw body, kept in the log.
pub async fn apply(
    store: &Store,
    provider: &str,
    event: &ProviderEventBody,
    payload: &str,
) -> LedgerResult<ProviderEventReceipt> {
    check(event)?;
    let now = now_micros();
    let mut tx = store.begin_write().await?;
    let inserted = sqlx::query(
        "INSERT INTO provider_events (provider, reference, hold_id, status, provider_reference, payload, outcome, received_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7) ON CONFLICT (provider, reference) DO NOTHING",
    )
    .bind(provider)
    .bind(&event.reference)
    .bind(&event.hold_id)
    .bind(&event.status)
    .bind(&event.provider_reference)
    .bind(payload)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    if inserted.rows_affected() == 0 {
        tx.rollback().await.ok();
        let status = holds::load_hold(store.pool().acquire().await?.as_mut(), &event.hold_id).await?.status;
        return Ok(ProviderEventReceipt {
            outcome: "duplicate".into(),
            hold_id: event.hold_id.clone(),
            hold_status: status,
        });
    }

    let hold = holds::load_hold(&mut tx, &event.hold_id).await?;
    if hold.provider != provider {
        return Err(LedgerError::field("hold_id", format!("this hold is paid out through {}", hold.provider)));
    }
    let actor = format!("provider:{provider}");
    let by = holds::MovedBy { actor: &actor, cause: "provider_event" };
    holds::record_provider_call(&mut tx, &hold.id, "provider_event", &hold.status, &actor, &event.status, now).await?;
    let reason = format!("provider event {} reported {}", event.reference, event.status);
    let end = match event.status.as_str() {
        "paid" => Some(HoldEnd::Settle),
        "failed" => Some(HoldEnd::Release),
        _ => None,
    };
    let scope =
        FlagScope { merchant: Some(&hold.merchant_id), currency: Some(&hold.currency), provider: Some(provider) };
    let recordable = crate::flags::completion_recordable(&mut tx, &scope).await?;
    let (outcome, status) = match (end, hold.status.as_str()) {
        (Some(end), current) if SAGA_STATUSES.contains(&current) && recordable => {
            let reference = event.provider_reference.as_deref();
            holds::finish_on_provider_word(&mut tx, &hold.id, end, &SAGA_STATUSES, by, &reason, reference, now).await?;
            (end.status(), end.status().to_string())
        }
        (Some(end), current) if current == end.status() => ("already_final", hold.status.clone()),
        (Some(_), "settled" | "released") => {
            let why = format!("provider says {} but the hold is {}", event.status, hold.status);
            let alert = serde_json::json!({"text": format!("Payout {} contradicts the ledger: {why}", hold.reference),
                "hold_id": hold.id, "provider": provider});
            crate::outbox::enqueue(&mut tx, "alert.provider_conflict", &hold.id, &alert, now).await?;
            ("conflict", hold.status.clone())
        }
        _ => ("recorded", hold.status.clone()),
    };
    sqlx::query("UPDATE provider_events SET outcome = $1 WHERE provider = $2 AND reference = $3")
        .bind(outcome)
        .bind(provider)
        .bind(&event.reference)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    store.changes().committed();
    Ok(ProviderEventReceipt { outcome: outcome.into(), hold_id: hold.id, hold_status: status })
}
