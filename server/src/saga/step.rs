//! One saga step for one claimed hold: ask the provider, then record what it
//! said and act on it in one transaction that first re-checks the lease.

use super::{ClaimedHold, Saga};
use crate::error::LedgerResult;
use crate::flags::{self, FlagScope};
use crate::holds::{self, HoldEnd, MovedBy, SAGA_STATUSES};
use crate::provider::{PayoutRequest, PayoutState, ProviderAnswer, ProviderError};
use crate::store::now_micros;
use sqlx::AnyConnection;

/// What a step decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Decision {
    Settle,
    Release,
    /// Ask again later (`attempts` requeries so far).
    Wait {
        attempts: i32,
    },
    ManualReview,
}

/// Takes `hold` one step through the saga.
pub async fn run_step(saga: &Saga, hold: ClaimedHold) -> LedgerResult<()> {
    let request = PayoutRequest {
        hold_id: hold.id.clone(),
        reference: hold.reference.clone(),
        amount: hold.amount,
        currency: hold.currency.clone(),
    };
    let submitting = hold.status == "reserved";
    let scope =
        FlagScope { merchant: Some(&hold.merchant_id), currency: Some(&hold.currency), provider: Some(&hold.provider) };
    if submitting {
        let mut conn = saga.store.pool().acquire().await?;
        if let Err(denied) = flags::check(&mut conn, &flags::PAYOUT_GATES, &scope).await {
            drop(conn);
            return defer(saga, &hold, &denied.to_string()).await;
        }
    }
    let answer = match saga.providers.get(&hold.provider) {
        None => Err(ProviderError::Unavailable(format!("no adapter is configured for provider {}", hold.provider))),
        Some(provider) => {
            let call = if submitting { provider.submit(&request) } else { provider.query(&request) };
            tokio::time::timeout(saga.config.call_timeout, call).await.unwrap_or(Err(ProviderError::Timeout))
        }
    };
    let configured = saga.providers.contains_key(&hold.provider);
    let mut decision = decide(&saga.config, &hold, &answer, configured);

    let now = now_micros();
    let mut tx = saga.store.begin_write().await?;
    if !still_ours(&mut tx, &hold, &saga.config.worker_id).await? {
        tx.rollback().await.ok();
        tracing::info!(hold = %hold.id, "lease lost before recording; another worker or an operator has the hold");
        return Ok(());
    }
    if matches!(decision, Decision::Settle | Decision::Release)
        && !flags::completion_recordable(&mut tx, &scope).await?
    {
        // Frozen, and completions are not recorded while frozen: keep the
        // provider's word as evidence and ask again after a pause.
        decision = Decision::Wait { attempts: hold.attempts };
    }
    let actor = format!("saga:{}", saga.config.worker_id);
    let by = MovedBy { actor: &actor, cause: "saga" };
    let raw = match &answer {
        Ok(a) => a.raw_status.clone(),
        Err(e) => format!("no answer: {e}"),
    };
    let kind = if submitting { "submission" } else { "query" };
    holds::record_provider_call(&mut tx, &hold.id, kind, &hold.status, &actor, &raw, now).await?;
    let provider_reference = answer.as_ref().ok().and_then(|a: &ProviderAnswer| a.provider_reference.clone());

    // Whether this step changed the hold's status (and so wrote a change row).
    let changed = match decision {
        Decision::Settle | Decision::Release => {
            let end = if decision == Decision::Settle { HoldEnd::Settle } else { HoldEnd::Release };
            let reason = format!("provider {} reported {raw}", hold.provider);
            holds::finish_on_provider_word(
                &mut tx,
                &hold.id,
                end,
                &SAGA_STATUSES,
                by,
                &reason,
                provider_reference.as_deref(),
                now,
            )
            .await?;
            true
        }
        Decision::ManualReview => {
            let why = if configured {
                format!("outcome still unknown after {} requeries (last: {raw})", saga.config.max_requeries)
            } else {
                raw.clone()
            };
            let record =
                holds::change_status(&mut tx, &hold.id, &SAGA_STATUSES, "manual_review", by, &why, now).await?;
            holds::alert_manual_review(&mut tx, &record, &why, now).await?;
            let payload = serde_json::json!({"type": "payout.manual_review", "actor": actor,
                "data": {"hold_id": record.id, "reference": record.reference, "reason": why}});
            crate::outbox::enqueue(&mut tx, "payout.manual_review", &hold.id, &payload, now).await?;
            true
        }
        Decision::Wait { attempts } => {
            if submitting {
                holds::change_status(&mut tx, &hold.id, &["reserved"], "submitted", by, &raw, now).await?;
            }
            schedule(&mut tx, &hold.id, attempts, now + saga.config.backoff_micros(attempts)).await?;
            submitting
        }
    };
    release_lease(&mut tx, &hold.id).await?;
    tx.commit().await?;
    if changed {
        saga.store.changes().committed();
    }
    Ok(())
}

fn decide(
    config: &super::SagaConfig,
    hold: &ClaimedHold,
    answer: &Result<ProviderAnswer, ProviderError>,
    configured: bool,
) -> Decision {
    if !configured {
        return Decision::ManualReview;
    }
    match answer.as_ref().map(|a| a.state) {
        Ok(PayoutState::Paid) => Decision::Settle,
        Ok(PayoutState::Failed) => Decision::Release,
        _ if hold.status == "reserved" => Decision::Wait { attempts: 0 },
        _ if hold.attempts + 1 >= config.max_requeries => Decision::ManualReview,
        _ => Decision::Wait { attempts: hold.attempts + 1 },
    }
}

/// Puts a hold's step off (a flag denies it now): releases the lease and
/// schedules the next attempt, recording nothing else.
async fn defer(saga: &Saga, hold: &ClaimedHold, why: &str) -> LedgerResult<()> {
    let mut tx = saga.store.begin_write().await?;
    if still_ours(&mut tx, hold, &saga.config.worker_id).await? {
        schedule(&mut tx, &hold.id, hold.attempts, now_micros() + saga.config.backoff_micros(hold.attempts)).await?;
        release_lease(&mut tx, &hold.id).await?;
    }
    tx.commit().await?;
    tracing::info!(hold = %hold.id, why, "saga step deferred");
    Ok(())
}

/// Re-checks, under the row lock, that this worker still holds the lease and
/// the hold has not moved since the claim.
async fn still_ours(conn: &mut AnyConnection, hold: &ClaimedHold, worker: &str) -> LedgerResult<bool> {
    let held =
        sqlx::query("UPDATE holds SET lease_until = lease_until WHERE id = $1 AND lease_owner = $2 AND status = $3")
            .bind(&hold.id)
            .bind(worker)
            .bind(&hold.status)
            .execute(&mut *conn)
            .await?;
    Ok(held.rows_affected() == 1)
}

async fn schedule(conn: &mut AnyConnection, hold_id: &str, attempts: i32, next_at: i64) -> LedgerResult<()> {
    sqlx::query("UPDATE holds SET attempts = $1, next_attempt_at = $2 WHERE id = $3")
        .bind(attempts)
        .bind(next_at)
        .bind(hold_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

async fn release_lease(conn: &mut AnyConnection, hold_id: &str) -> LedgerResult<()> {
    sqlx::query("UPDATE holds SET lease_owner = NULL, lease_until = NULL WHERE id = $1")
        .bind(hold_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
