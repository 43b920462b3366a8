//! Saga workers as their heartbeats show them, and the due holds nobody has
//! taken: what the `saga` health component is drawn from.

use super::rfc3339;
use crate::error::LedgerResult;
use crate::store::Store;
use ledgerdeck_client::WorkerHealth;
use sqlx::Row;

/// Due holds that no live lease covers, at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DueHolds {
    /// How many.
    pub count: i64,
    /// How long the oldest has waited past its due time, in microseconds
    /// (0 when there are none).
    pub oldest_micros: i64,
}

/// Every worker with a heartbeat row at `now`, live ones first (most recent
/// beat first within each group).
pub async fn saga_workers(store: &Store, now: i64) -> LedgerResult<Vec<WorkerHealth>> {
    let rows = sqlx::query(
        "SELECT worker_id, instance, started_at, last_round_at, behind_micros, handled, stale_after_micros \
         FROM worker_heartbeats ORDER BY last_round_at DESC, worker_id",
    )
    .fetch_all(store.pool())
    .await?;
    let mut workers = Vec::with_capacity(rows.len());
    for row in rows {
        let last: i64 = row.try_get("last_round_at")?;
        let stale_after: i64 = row.try_get("stale_after_micros")?;
        let age = now.saturating_sub(last).max(0);
        workers.push(WorkerHealth {
            worker_id: row.try_get("worker_id")?,
            instance: row.try_get("instance")?,
            live: age <= stale_after,
            started_at: rfc3339(row.try_get("started_at")?)?,
            last_round_at: rfc3339(last)?,
            last_round_age_ms: age / 1000,
            behind_ms: row.try_get::<i64, _>("behind_micros")?.max(0) / 1000,
            handled: row.try_get("handled")?,
        });
    }
    workers.sort_by_key(|w| !w.live);
    Ok(workers)
}

/// The holds due at `now` (reserved or submitted, past their next attempt)
/// that no worker holds the lease of.
pub async fn due_holds(store: &Store, now: i64) -> LedgerResult<DueHolds> {
    let (count, oldest): (i64, Option<i64>) = sqlx::query_as(
        "SELECT CAST(COUNT(*) AS BIGINT), MIN(next_attempt_at) FROM holds \
         WHERE status IN ('reserved', 'submitted') AND next_attempt_at <= $1 \
         AND (lease_until IS NULL OR lease_until < $1)",
    )
    .bind(now)
    .fetch_one(store.pool())
    .await?;
    Ok(DueHolds { count, oldest_micros: oldest.map_or(0, |at| now.saturating_sub(at).max(0)) })
}
