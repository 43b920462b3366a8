//! Claiming due holds with a lease.

use super::SagaConfig;
use crate::error::LedgerResult;
use crate::store::{Backend, Store, now_micros};
use sqlx::Row;

/// A hold this worker holds the lease of.
#[derive(Debug, Clone)]
pub struct ClaimedHold {
    /// The hold.
    pub id: String,
    /// The payout's reference.
    pub reference: String,
    /// Minor units.
    pub amount: i64,
    /// Currency code.
    pub currency: String,
    /// The provider's name.
    pub provider: String,
    /// `reserved` or `submitted`.
    pub status: String,
    /// Requeries so far.
    pub attempts: i32,
    /// The merchant (for flag scopes).
    pub merchant_id: String,
}

const CLAIM_POSTGRES: &str = "UPDATE holds SET lease_owner = $1, lease_until = $2 WHERE id IN ( \
       SELECT id FROM holds WHERE status IN ('reserved', 'submitted') AND next_attempt_at <= $3 \
       AND (lease_until IS NULL OR lease_until < $3) ORDER BY next_attempt_at, id LIMIT $4 \
       FOR UPDATE SKIP LOCKED) \
     RETURNING id, reference, amount, currency, provider, status, attempts, merchant_id";

// SQLite has one writer at a time (the claim runs under BEGIN IMMEDIATE), so
// the same statement without row locks is already exclusive.
const CLAIM_SQLITE: &str = "UPDATE holds SET lease_owner = $1, lease_until = $2 WHERE id IN ( \
       SELECT id FROM holds WHERE status IN ('reserved', 'submitted') AND next_attempt_at <= $3 \
       AND (lease_until IS NULL OR lease_until < $3) ORDER BY next_attempt_at, id LIMIT $4) \
     RETURNING id, reference, amount, currency, provider, status, attempts, merchant_id";

/// Leases up to `config.batch` due holds to this worker.
pub async fn claim_due(store: &Store, config: &SagaConfig) -> LedgerResult<Vec<ClaimedHold>> {
    let now = now_micros();
    let lease = i64::try_from(config.lease.as_micros()).unwrap_or(i64::MAX / 4);
    let sql = match store.backend() {
        Backend::Postgres => CLAIM_POSTGRES,
        Backend::Sqlite => CLAIM_SQLITE,
    };
    let mut tx = store.begin_write().await?;
    let rows = sqlx::query(sql)
        .bind(&config.worker_id)
        .bind(now + lease)
        .bind(now)
        .bind(config.batch)
        .fetch_all(&mut *tx)
        .await?;
    tx.commit().await?;
    rows.iter()
        .map(|row| {
            Ok(ClaimedHold {
                id: row.try_get("id")?,
                reference: row.try_get("reference")?,
                amount: row.try_get("amount")?,
                currency: row.try_get("currency")?,
                provider: row.try_get("provider")?,
                status: row.try_get("status")?,
                attempts: row.try_get("attempts")?,
                merchant_id: row.try_get("merchant_id")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()
        .map_err(Into::into)
}
