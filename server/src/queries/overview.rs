//! The cockpit's first screen: command outcomes per window and per minute,
//! holds by status and the manual-review queue, the outbox backlog, the
//! newest transactions and the gates' thresholds, all read from one snapshot.

use super::gates::open_findings;
use super::{rfc3339, snapshot, transactions};
use crate::error::LedgerResult;
use crate::gates::GateConfig;
use crate::store::{Store, now_micros};
use ledgerdeck_client::reads::HOLD_STATUSES;
use ledgerdeck_client::{
    CommandCounts, CommandWindows, ManualReview, MinuteCounts, OutboxSummary, Overview, Thresholds,
};
use sqlx::{AnyConnection, Row};
use std::collections::{BTreeMap, HashMap};

const MINUTE: i64 = 60_000_000;
const SPARKLINE_MINUTES: i64 = 30;

/// The overview as of now, with the thresholds of the gates' `config`.
pub async fn overview(store: &Store, config: &GateConfig) -> LedgerResult<Overview> {
    overview_at(store, config, now_micros()).await
}

/// The overview as of `now` (microseconds since the epoch): windows and the
/// per-minute series end at `now`, ages are counted to it.
///
/// Counted from the audit log, token changes (`token.*`) excluded: outcome
/// `posted` is posted; `refused` and `failed` are failed; replays are neither.
pub async fn overview_at(store: &Store, config: &GateConfig, now: i64) -> LedgerResult<Overview> {
    let mut tx = snapshot(store).await?;
    let commands = command_windows(&mut tx, now).await?;
    let per_minute = per_minute(&mut tx, now).await?;
    let holds_by_status = holds_by_status(&mut tx, None).await?;
    let manual_review = manual_review(&mut tx, now).await?;
    let outbox = outbox(&mut tx, now).await?;
    let recent_transactions = transactions::recent(&mut tx, transactions::RECENT as i64).await?;
    let open_findings = open_findings(&mut tx).await?;
    tx.rollback().await?;
    let seconds = |d: std::time::Duration| i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
    Ok(Overview {
        as_of: rfc3339(now)?,
        commands,
        per_minute,
        holds_by_status,
        outbox,
        open_findings,
        recent_transactions,
        thresholds: Thresholds {
            hold_stuck_after_secs: seconds(config.hold_stuck_after),
            manual_review_sla_secs: seconds(config.manual_review_sla),
        },
        manual_review,
    })
}

/// The manual-review queue: its size and how long its longest-waiting hold
/// has been there, by the hold's last change (as `payout_finality` counts).
async fn manual_review(conn: &mut AnyConnection, now: i64) -> LedgerResult<ManualReview> {
    let row = sqlx::query(
        "SELECT CAST(COUNT(*) AS BIGINT) AS n, CAST(MIN(updated_at) AS BIGINT) AS oldest FROM holds \
         WHERE status = 'manual_review'",
    )
    .fetch_one(&mut *conn)
    .await?;
    let oldest: Option<i64> = row.try_get("oldest")?;
    Ok(ManualReview { count: row.try_get("n")?, oldest_age_seconds: oldest.map(|at| (now - at).max(0) / 1_000_000) })
}

async fn command_windows(conn: &mut AnyConnection, now: i64) -> LedgerResult<CommandWindows> {
    let row = sqlx::query(
        "SELECT \
         CAST(COALESCE(SUM(CASE WHEN outcome = 'posted' AND at >= $1 THEN 1 ELSE 0 END), 0) AS BIGINT) AS posted_5m, \
         CAST(COALESCE(SUM(CASE WHEN outcome IN ('refused', 'failed') AND at >= $1 THEN 1 ELSE 0 END), 0) AS BIGINT) \
           AS failed_5m, \
         CAST(COALESCE(SUM(CASE WHEN outcome = 'posted' AND at >= $2 THEN 1 ELSE 0 END), 0) AS BIGINT) AS posted_1h, \
         CAST(COALESCE(SUM(CASE WHEN outcome IN ('refused', 'failed') AND at >= $2 THEN 1 ELSE 0 END), 0) AS BIGINT) \
           AS failed_1h, \
         CAST(COALESCE(SUM(CASE WHEN outcome = 'posted' THEN 1 ELSE 0 END), 0) AS BIGINT) AS posted_24h, \
         CAST(COALESCE(SUM(CASE WHEN outcome IN ('refused', 'failed') THEN 1 ELSE 0 END), 0) AS BIGINT) AS failed_24h \
         FROM audit_log WHERE at >= $3 AND at <= $4 AND SUBSTR(action, 1, 6) <> 'token.'",
    )
    .bind(now - 5 * MINUTE)
    .bind(now - 60 * MINUTE)
    .bind(now - 24 * 60 * MINUTE)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    let counts = |posted: &str, failed: &str| -> LedgerResult<CommandCounts> {
        Ok(CommandCounts { posted: row.try_get(posted)?, failed: row.try_get(failed)? })
    };
    Ok(CommandWindows {
        last_5m: counts("posted_5m", "failed_5m")?,
        last_1h: counts("posted_1h", "failed_1h")?,
        last_24h: counts("posted_24h", "failed_24h")?,
    })
}

/// Thirty one-minute buckets ending with the one `now` is in, zero-filled.
async fn per_minute(conn: &mut AnyConnection, now: i64) -> LedgerResult<Vec<MinuteCounts>> {
    let current = now.div_euclid(MINUTE);
    let first = current - (SPARKLINE_MINUTES - 1);
    let rows = sqlx::query(
        "SELECT CAST(at / 60000000 AS BIGINT) AS minute, \
         CAST(SUM(CASE WHEN outcome = 'posted' THEN 1 ELSE 0 END) AS BIGINT) AS posted, \
         CAST(SUM(CASE WHEN outcome IN ('refused', 'failed') THEN 1 ELSE 0 END) AS BIGINT) AS failed \
         FROM audit_log WHERE at >= $1 AND at <= $2 AND SUBSTR(action, 1, 6) <> 'token.' GROUP BY 1",
    )
    .bind(first * MINUTE)
    .bind(now)
    .fetch_all(&mut *conn)
    .await?;
    let mut found: HashMap<i64, (i64, i64)> = HashMap::new();
    for row in &rows {
        found.insert(row.try_get("minute")?, (row.try_get("posted")?, row.try_get("failed")?));
    }
    (first..=current)
        .map(|minute| {
            let (posted, failed) = found.get(&minute).copied().unwrap_or((0, 0));
            Ok(MinuteCounts { minute_start: rfc3339(minute * MINUTE)?, posted, failed })
        })
        .collect()
}

/// How many holds (of one merchant, or all) are in each status, every
/// status present.
pub(crate) async fn holds_by_status(
    conn: &mut AnyConnection,
    merchant_id: Option<&str>,
) -> LedgerResult<BTreeMap<String, i64>> {
    let mut counts: BTreeMap<String, i64> = HOLD_STATUSES.iter().map(|s| (s.to_string(), 0)).collect();
    let rows = match merchant_id {
        None => sqlx::query("SELECT status, CAST(COUNT(*) AS BIGINT) AS n FROM holds GROUP BY status"),
        Some(merchant) => sqlx::query(
            "SELECT status, CAST(COUNT(*) AS BIGINT) AS n FROM holds WHERE merchant_id = $1 GROUP BY status",
        )
        .bind(merchant),
    }
    .fetch_all(&mut *conn)
    .await?;
    for row in &rows {
        counts.insert(row.try_get("status")?, row.try_get("n")?);
    }
    Ok(counts)
}

/// The outbox backlog alone (for the live `outbox.stats` event).
pub async fn outbox_stats(store: &Store) -> LedgerResult<OutboxSummary> {
    let mut conn = store.pool().acquire().await?;
    outbox(&mut conn, crate::store::now_micros()).await
}

/// Outbox figures as of `now`: `pending` counts messages not yet fanned out
/// plus deliveries neither delivered nor dead, and its oldest age is by the
/// message's creation.
pub(crate) async fn outbox(conn: &mut AnyConnection, now: i64) -> LedgerResult<OutboxSummary> {
    let row = sqlx::query(
        "SELECT \
         (SELECT CAST(COUNT(*) AS BIGINT) FROM outbox_messages WHERE status = 'pending') AS unfanned, \
         (SELECT CAST(MIN(created_at) AS BIGINT) FROM outbox_messages WHERE status = 'pending') AS oldest_unfanned, \
         (SELECT CAST(COUNT(*) AS BIGINT) FROM webhook_deliveries WHERE status = 'pending') AS undelivered, \
         (SELECT CAST(MIN(m.created_at) AS BIGINT) FROM webhook_deliveries d \
            JOIN outbox_messages m ON m.id = d.message_id WHERE d.status = 'pending') AS oldest_undelivered, \
         (SELECT CAST(COUNT(*) AS BIGINT) FROM webhook_deliveries WHERE status = 'pending' AND attempts > 0) \
            AS failing, \
         (SELECT CAST(COUNT(*) AS BIGINT) FROM webhook_deliveries WHERE status = 'dead') AS dead, \
         (SELECT CAST(COUNT(*) AS BIGINT) FROM webhook_deliveries WHERE delivered_at >= $1) AS delivered_5m, \
         (SELECT CAST(COUNT(*) AS BIGINT) FROM webhook_deliveries WHERE delivered_at >= $2) AS delivered_1h, \
         (SELECT CAST(COUNT(*) AS BIGINT) FROM webhook_deliveries WHERE delivered_at >= $3) AS delivered_24h",
    )
    .bind(now - 5 * MINUTE)
    .bind(now - 60 * MINUTE)
    .bind(now - 24 * 60 * MINUTE)
    .fetch_one(&mut *conn)
    .await?;
    let oldest_unfanned: Option<i64> = row.try_get("oldest_unfanned")?;
    let oldest_undelivered: Option<i64> = row.try_get("oldest_undelivered")?;
    let oldest = match (oldest_unfanned, oldest_undelivered) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    let unfanned: i64 = row.try_get("unfanned")?;
    let undelivered: i64 = row.try_get("undelivered")?;
    Ok(OutboxSummary {
        pending: unfanned + undelivered,
        oldest_pending_age_seconds: oldest.map(|at| (now - at).max(0) / 1_000_000),
        failing: row.try_get("failing")?,
        dead: row.try_get("dead")?,
        delivered_5m: row.try_get("delivered_5m")?,
        delivered_1h: row.try_get("delivered_1h")?,
        delivered_24h: row.try_get("delivered_24h")?,
    })
}
