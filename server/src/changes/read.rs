//! Reading the change log: the tailer's batches, a resume's range, the
//! head and the pruning horizon.

use crate::error::LedgerResult;
use crate::store::{Backend, Store};
use serde_json::Value;
use sqlx::Row;
use sqlx::any::AnyRow;

/// One committed change.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// Its place in the log: the stream's event id.
    pub seq: i64,
    /// Its kind (see `ledgerdeck_client::events`).
    pub kind: String,
    /// Its payload.
    pub data: Value,
    /// When it was written, in microseconds since the epoch.
    pub created_at: i64,
}

/// Which transactions a read could see (PostgreSQL): every transaction
/// with an id below `xmin` had ended; none from `xmax` on had.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Snapshot {
    /// The oldest transaction still running.
    pub xmin: i64,
    /// The first transaction not yet started.
    pub xmax: i64,
}

/// The changes after a seq, and (PostgreSQL) the snapshot they were read in.
#[derive(Debug, Clone, Default)]
pub struct Batch {
    /// Oldest first.
    pub changes: Vec<Change>,
    /// `None` on SQLite, where a seq is visible in order (one writer).
    pub snapshot: Option<Snapshot>,
}

/// Up to `limit` changes after `after`, oldest first, with the snapshot of
/// the same statement on PostgreSQL.
pub async fn read_after(store: &Store, after: i64, limit: i64) -> LedgerResult<Batch> {
    match store.backend() {
        Backend::Sqlite => {
            let rows =
                sqlx::query("SELECT seq, kind, data, created_at FROM change_log WHERE seq > $1 ORDER BY seq LIMIT $2")
                    .bind(after)
                    .bind(limit)
                    .fetch_all(store.pool())
                    .await?;
            Ok(Batch { changes: rows.iter().map(change).collect::<Result<_, _>>()?, snapshot: None })
        }
        Backend::Postgres => {
            // One statement, so the snapshot is the one the rows were read in.
            let rows = sqlx::query(
                "SELECT s.xmin, s.xmax, c.seq, c.kind, c.data, c.created_at FROM \
                 (SELECT CAST(CAST(pg_snapshot_xmin(pg_current_snapshot()) AS TEXT) AS BIGINT) AS xmin, \
                         CAST(CAST(pg_snapshot_xmax(pg_current_snapshot()) AS TEXT) AS BIGINT) AS xmax) s \
                 LEFT JOIN LATERAL (SELECT seq, kind, data, created_at FROM change_log \
                                    WHERE seq > $1 ORDER BY seq LIMIT $2) c ON TRUE \
                 ORDER BY c.seq",
            )
            .bind(after)
            .bind(limit)
            .fetch_all(store.pool())
            .await?;
            let mut batch = Batch::default();
            for row in &rows {
                batch.snapshot = Some(Snapshot { xmin: row.try_get("xmin")?, xmax: row.try_get("xmax")? });
                if row.try_get::<Option<i64>, _>("seq")?.is_some() {
                    batch.changes.push(change(row)?);
                }
            }
            Ok(batch)
        }
    }
}

/// The changes with `after < seq <= through`, oldest first, at most `limit`.
pub async fn read_range(store: &Store, after: i64, through: i64, limit: i64) -> LedgerResult<Vec<Change>> {
    let rows = sqlx::query(
        "SELECT seq, kind, data, created_at FROM change_log WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3",
    )
    .bind(after)
    .bind(through)
    .bind(limit)
    .fetch_all(store.pool())
    .await?;
    Ok(rows.iter().map(change).collect::<Result<_, _>>()?)
}

/// A transaction id taken now (PostgreSQL), on its own transaction, which
/// ends at once: every transaction that had an id before this call has a
/// smaller one.
pub async fn xid_bound(store: &Store) -> LedgerResult<i64> {
    Ok(sqlx::query_scalar("SELECT CAST(CAST(pg_current_xact_id() AS TEXT) AS BIGINT)").fetch_one(store.pool()).await?)
}

/// The highest seq committed (0 for an empty log).
pub async fn head(store: &Store) -> LedgerResult<i64> {
    let head: Option<i64> =
        sqlx::query_scalar("SELECT CAST(MAX(seq) AS BIGINT) FROM change_log").fetch_one(store.pool()).await?;
    Ok(head.unwrap_or(0))
}

/// The highest seq pruned: a resume from below it cannot be served.
pub async fn horizon(store: &Store) -> LedgerResult<i64> {
    Ok(sqlx::query_scalar("SELECT pruned_through FROM change_log_horizon WHERE id = 1").fetch_one(store.pool()).await?)
}

/// Deletes the changes written before `before` (microseconds), at most
/// `limit` at a time, and moves the horizon; returns how many went.
pub async fn prune(store: &Store, before: i64, limit: i64) -> LedgerResult<u64> {
    let mut tx = store.begin_write().await?;
    let through: Option<i64> = sqlx::query_scalar(
        "SELECT CAST(MAX(seq) AS BIGINT) FROM \
         (SELECT seq FROM change_log WHERE created_at < $1 ORDER BY seq LIMIT $2) old",
    )
    .bind(before)
    .bind(limit)
    .fetch_one(&mut *tx)
    .await?;
    let Some(through) = through else {
        tx.rollback().await.ok();
        return Ok(0);
    };
    let deleted = sqlx::query("DELETE FROM change_log WHERE seq <= $1").bind(through).execute(&mut *tx).await?;
    sqlx::query("UPDATE change_log_horizon SET pruned_through = $1 WHERE id = 1 AND pruned_through < $1")
        .bind(through)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(deleted.rows_affected())
}

fn change(row: &AnyRow) -> Result<Change, sqlx::Error> {
    let data: String = row.try_get("data")?;
    Ok(Change {
        seq: row.try_get("seq")?,
        kind: row.try_get("kind")?,
        data: serde_json::from_str(&data).unwrap_or(Value::Null),
        created_at: row.try_get("created_at")?,
    })
}
