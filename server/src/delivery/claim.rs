//! Claiming due deliveries with a lease.

use super::DeliveryConfig;
use crate::error::LedgerResult;
use crate::store::{Backend, Store, now_micros};
use sqlx::Row;

/// A delivery this worker holds the lease of, with what it needs to send it.
#[derive(Debug, Clone)]
pub struct ClaimedDelivery {
    /// The delivery id, sent as `webhook-id`.
    pub id: String,
    /// The outbox message.
    pub message_id: String,
    /// The endpoint.
    pub endpoint_id: String,
    /// Attempts made so far.
    pub attempts: i32,
    /// The message payload (the request body).
    pub payload: String,
    /// Where to post.
    pub url: String,
    /// The endpoint's `whsec_` secret.
    pub secret: String,
}

const CLAIM_POSTGRES: &str = "UPDATE webhook_deliveries SET lease_owner = $1, lease_until = $2 WHERE id IN ( \
       SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= $3 \
       AND (lease_until IS NULL OR lease_until < $3) ORDER BY next_attempt_at, id LIMIT $4 \
       FOR UPDATE SKIP LOCKED)";

// SQLite has one writer at a time (the claim runs under BEGIN IMMEDIATE), so
// the same statement without row locks is already exclusive.
const CLAIM_SQLITE: &str = "UPDATE webhook_deliveries SET lease_owner = $1, lease_until = $2 WHERE id IN ( \
       SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= $3 \
       AND (lease_until IS NULL OR lease_until < $3) ORDER BY next_attempt_at, id LIMIT $4)";

/// Leases up to `config.batch` due deliveries to this worker.
pub async fn claim_due(store: &Store, config: &DeliveryConfig) -> LedgerResult<Vec<ClaimedDelivery>> {
    let now = now_micros();
    let lease_until = now + i64::try_from(config.lease.as_micros()).unwrap_or(i64::MAX / 4);
    let sql = match store.backend() {
        Backend::Postgres => CLAIM_POSTGRES,
        Backend::Sqlite => CLAIM_SQLITE,
    };
    let mut tx = store.begin_write().await?;
    let claimed = sqlx::query(sql)
        .bind(&config.worker_id)
        .bind(lease_until)
        .bind(now)
        .bind(config.batch)
        .execute(&mut *tx)
        .await?;
    if claimed.rows_affected() == 0 {
        tx.rollback().await.ok();
        return Ok(Vec::new());
    }
    // This claim's rows: ours, with exactly this lease end.
    let rows = sqlx::query(
        "SELECT d.id, d.message_id, d.endpoint_id, d.attempts, m.payload, e.url, e.secret \
         FROM webhook_deliveries d JOIN outbox_messages m ON m.id = d.message_id \
         JOIN webhook_endpoints e ON e.id = d.endpoint_id \
         WHERE d.lease_owner = $1 AND d.lease_until = $2 AND d.status = 'pending' ORDER BY d.id",
    )
    .bind(&config.worker_id)
    .bind(lease_until)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    rows.iter()
        .map(|row| {
            Ok(ClaimedDelivery {
                id: row.try_get("id")?,
                message_id: row.try_get("message_id")?,
                endpoint_id: row.try_get("endpoint_id")?,
                attempts: row.try_get("attempts")?,
                payload: row.try_get("payload")?,
                url: row.try_get("url")?,
                secret: row.try_get("secret")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()
        .map_err(Into::into)
}
