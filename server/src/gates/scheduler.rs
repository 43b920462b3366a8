//! The gate scheduler: a routine run every interval and a full one every
//! `full_every` intervals. The cadence is kept in the database, so several
//! instances on one PostgreSQL database share it rather than multiply it,
//! and the gate lock lets only one of them scan at a time.

use super::{Gate, Gates, Mode};
use crate::error::LedgerResult;
use crate::store::now_micros;
use tokio_util::sync::CancellationToken;

/// The trigger recorded for scheduled runs.
pub const SCHEDULE: &str = "schedule";

/// Runs the gates on their cadence until `stop`.
pub async fn run(gates: Gates, stop: CancellationToken) {
    let mut every = tokio::time::interval(gates.config().interval);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = every.tick() => {
                match tick(&gates).await {
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "scheduled gate run failed"),
                }
            }
        }
    }
}

/// One tick: runs the gates if a run is due, in the mode that is due.
/// Returns the mode run, if any.
pub async fn tick(gates: &Gates) -> LedgerResult<Option<Mode>> {
    let Some(mode) = due(gates).await? else {
        return Ok(None);
    };
    if gates.try_run(&Gate::ALL, mode, SCHEDULE).await?.is_none() {
        return Ok(None);
    }
    prune_history(gates).await?;
    Ok(Some(mode))
}

/// Which run is due: none if any instance ran one less than most of an
/// interval ago, full if the last full run is older than `full_every`
/// intervals (or there was none), else routine.
async fn due(gates: &Gates) -> LedgerResult<Option<Mode>> {
    let config = gates.config();
    let now = now_micros();
    let interval = micros(config.interval);
    let last = |mode: Option<&'static str>| async move {
        let last: Option<i64> = sqlx::query_scalar(
            "SELECT MAX(started_at) FROM gate_runs WHERE run_trigger = $1 AND ($2 IS NULL OR mode = $2)",
        )
        .bind(SCHEDULE)
        .bind(mode)
        .fetch_one(gates.store.pool())
        .await?;
        LedgerResult::Ok(last)
    };
    if last(None).await?.is_some_and(|at| now - at < interval * 9 / 10) {
        return Ok(None);
    }
    let full_due = last(Some(Mode::Full.name()))
        .await?
        .is_none_or(|at| now - at >= interval.saturating_mul(i64::from(config.full_every.max(1))) * 9 / 10);
    Ok(Some(if full_due { Mode::Full } else { Mode::Routine }))
}

/// Deletes run history older than the retention.
async fn prune_history(gates: &Gates) -> LedgerResult<()> {
    let before = now_micros() - micros(gates.config().history_retention);
    let mut tx = gates.store.begin_write().await?;
    let pruned = sqlx::query("DELETE FROM gate_runs WHERE started_at < $1").bind(before).execute(&mut *tx).await?;
    tx.commit().await?;
    if pruned.rows_affected() > 0 {
        tracing::info!(pruned = pruned.rows_affected(), "old gate runs removed");
    }
    Ok(())
}

fn micros(d: std::time::Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX / 4)
}
