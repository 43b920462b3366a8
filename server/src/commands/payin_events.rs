//! Pay-in events from providers (`payin.succeeded`, `payin.reversed`),
//! applied through the normal command path (`post_payin`,
//! `reverse_transaction`) in the provider's name, with the same flags,
//! audit, outbox and ledger guards as an operator's command.
//!
//! Once per pay-in, whichever way it comes: the command's idempotency key is
//! the provider reference (`payin:<ref>`, scoped to the provider as caller),
//! and `post_payin` claims `(provider, provider_reference)` on its own
//! transaction, so a second event id for the same pay-in, or an operator's
//! manual entry of it, is refused rather than credited again. The event is
//! logged after it is applied (its first definite outcome is kept): a crash
//! in between is cured by the provider's retry, which replays the key.

use super::Ledger;
use super::movements::credited_by;
use crate::caller::Caller;
use crate::error::{LedgerError, LedgerResult};
use crate::store::now_micros;
use ledgerdeck_client::providers::{PayinEventBody, PayinEventReceipt};
use ledgerdeck_client::{CommandResult, CommandStatus, FieldError, Role};
use serde_json::json;

/// The event types this module takes.
pub const PAYIN_EVENT_TYPES: [&str; 2] = ["payin.succeeded", "payin.reversed"];

fn check(event: &PayinEventBody) -> LedgerResult<()> {
    let mut errors = Vec::new();
    let id_like = |s: &str| !s.is_empty() && s.len() <= 128 && !s.chars().any(char::is_control);
    if !PAYIN_EVENT_TYPES.contains(&event.kind.as_str()) {
        errors.push(FieldError::new("type", "must be payin.succeeded or payin.reversed"));
    }
    for (field, value) in [("reference", &event.reference), ("provider_reference", &event.provider_reference)] {
        if !id_like(value) {
            errors.push(FieldError::new(field, "must be 1 to 128 printable characters"));
        }
    }
    if event.kind == "payin.succeeded" {
        if event.wallet_id.is_none() {
            errors.push(FieldError::new("wallet_id", "required for payin.succeeded"));
        }
        if event.amount.is_none() {
            errors.push(FieldError::new("amount", "required for payin.succeeded"));
        }
    }
    if errors.is_empty() { Ok(()) } else { Err(LedgerError::Validation(errors)) }
}

/// How one event ended.
struct Applied {
    outcome: &'static str,
    transaction_id: Option<String>,
    code: Option<String>,
}

impl Applied {
    fn receipt(self) -> PayinEventReceipt {
        PayinEventReceipt { outcome: self.outcome.into(), transaction_id: self.transaction_id, code: self.code }
    }

    /// A command's answer: posted, replayed (applied before under this
    /// key), or held for a second operator.
    fn of(result: CommandResult, done: &'static str) -> Applied {
        let outcome = match (result.status, result.replayed) {
            (CommandStatus::PendingApproval, _) => "proposed",
            (_, true) => "duplicate",
            _ => done,
        };
        let transaction_id = match result.status {
            CommandStatus::PendingApproval => result.subject_id,
            _ => result.transaction_ids.into_iter().next(),
        };
        Applied { outcome, transaction_id, code: None }
    }

    /// A command's refusal; a failure of the system is passed on, so the
    /// provider retries.
    fn refused(e: LedgerError, credited: Option<String>) -> LedgerResult<Applied> {
        let code = Some(e.code().as_str().to_string());
        match e {
            LedgerError::DuplicateProviderReference { transaction_id, .. } => {
                Ok(Applied { outcome: "duplicate", transaction_id: Some(transaction_id), code: None })
            }
            LedgerError::AlreadyReversed(_) => {
                Ok(Applied { outcome: "duplicate", transaction_id: credited, code: None })
            }
            // The same pay-in, with other figures than when it was applied.
            LedgerError::IdempotencyKeyReused(_) => Ok(Applied { outcome: "conflict", transaction_id: credited, code }),
            // Another delivery of this pay-in is being applied: not an
            // outcome yet, so the provider is told to retry.
            e @ LedgerError::IdempotencyInProgress(_) => Err(e),
            e if e.is_refusal() => Ok(Applied { outcome: "refused", transaction_id: credited, code }),
            e => Err(e),
        }
    }
}

impl Ledger {
    /// Applies one pay-in event from `provider` (its signature checked by
    /// the caller); `payload` is its raw body, kept in the log.
    pub async fn apply_payin_event(
        &self,
        provider: &str,
        event: &PayinEventBody,
        payload: &str,
    ) -> LedgerResult<PayinEventReceipt> {
        check(event)?;
        let store = self.store();
        // Every delivery is applied again, not answered from the log: the
        // commands are idempotent by their key and by the pay-in's claim,
        // and an event refused before (a flag was off, the wallet was
        // frozen) must credit once the provider retries it after the cause
        // is gone.
        let caller = Caller::new(format!("provider:{provider}"), Role::Operator);
        let reference = &event.provider_reference;
        let applied = if event.kind == "payin.succeeded" {
            let body = json!({"wallet_id": event.wallet_id, "amount": event.amount, "provider": provider,
                              "provider_reference": reference});
            match self.execute(&caller, "post_payin", body, Some(&format!("payin:{reference}"))).await {
                Ok(result) => Applied::of(result, "credited"),
                Err(e) => Applied::refused(e, credited_by(store.pool(), provider, reference).await?)?,
            }
        } else {
            match credited_by(store.pool(), provider, reference).await? {
                None => Applied { outcome: "refused", transaction_id: None, code: Some("NOT_FOUND".into()) },
                Some(credited) => {
                    let body = json!({"transaction_id": credited,
                                      "reason": format!("{provider} reversed pay-in {reference}")});
                    let key = format!("payin-reversal:{reference}");
                    match self.execute(&caller, "reverse_transaction", body, Some(&key)).await {
                        Ok(result) => Applied::of(result, "reversed"),
                        Err(e) => Applied::refused(e, Some(credited))?,
                    }
                }
            }
        };
        let mut tx = store.begin_write().await?;
        sqlx::query(
            "INSERT INTO payin_events (provider, reference, kind, provider_reference, wallet_id, amount, outcome, \
             transaction_id, code, payload, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
             ON CONFLICT (provider, reference) DO UPDATE SET outcome = excluded.outcome, \
             transaction_id = excluded.transaction_id, code = excluded.code \
             WHERE payin_events.outcome = 'refused'",
        )
        .bind(provider)
        .bind(&event.reference)
        .bind(&event.kind)
        .bind(reference)
        .bind(&event.wallet_id)
        .bind(&event.amount)
        .bind(applied.outcome)
        .bind(&applied.transaction_id)
        .bind(&applied.code)
        .bind(payload)
        .bind(now_micros())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(applied.receipt())
    }
}
