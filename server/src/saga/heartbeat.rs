//! A saga worker's heartbeat: one row per worker in `worker_heartbeats`,
//! upserted at most once a second with one statement that also measures how
//! long the oldest due, unleased hold has waited. `/healthz` reads these rows
//! (see `queries::workers`).

use super::SagaConfig;
use crate::error::LedgerResult;
use crate::store::{Store, now_micros};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The shortest pause between two heartbeat writes of one worker.
pub const BEAT_EVERY: Duration = Duration::from_secs(1);

/// Rows whose last beat is older than this are deleted.
pub const PRUNE_AFTER: Duration = Duration::from_secs(3600);

/// Every this many beats, a worker prunes rows past [`PRUNE_AFTER`].
const PRUNE_EVERY_BEATS: u64 = 60;

// `WHERE true` keeps SQLite from reading `ON CONFLICT` as a join constraint.
const UPSERT: &str = "INSERT INTO worker_heartbeats \
       (worker_id, instance, started_at, last_round_at, behind_micros, handled, stale_after_micros) \
     SELECT $1, $2, $3, $4, COALESCE($4 - (SELECT MIN(next_attempt_at) FROM holds \
       WHERE status IN ('reserved', 'submitted') AND next_attempt_at <= $4 \
       AND (lease_until IS NULL OR lease_until < $4)), 0), $5, $6 WHERE true \
     ON CONFLICT (worker_id) DO UPDATE SET instance = excluded.instance, \
       last_round_at = excluded.last_round_at, behind_micros = excluded.behind_micros, \
       handled = excluded.handled, stale_after_micros = excluded.stale_after_micros";

#[derive(Debug, Default)]
struct Pace {
    last: Option<Instant>,
    handled: i64,
    beats: u64,
}

/// One worker's heartbeat writer.
#[derive(Debug)]
pub struct Heartbeat {
    worker_id: String,
    instance: String,
    started_at: i64,
    stale_after_micros: i64,
    pace: Mutex<Pace>,
}

impl Heartbeat {
    /// The heartbeat of the worker `config` describes, started now.
    pub fn new(config: &SagaConfig) -> Self {
        Heartbeat {
            worker_id: config.worker_id.clone(),
            instance: config.instance.clone(),
            started_at: now_micros(),
            stale_after_micros: micros(stale_after(config)),
            pace: Mutex::new(Pace::default()),
        }
    }

    /// Counts `handled` holds and, when [`BEAT_EVERY`] has passed since the
    /// last write (or none was made), writes the row.
    pub async fn tick(&self, store: &Store, handled: usize) -> LedgerResult<()> {
        let (handled, prune) = {
            let mut pace = self.pace.lock().unwrap_or_else(|p| p.into_inner());
            pace.handled += handled as i64;
            if pace.last.is_some_and(|at| at.elapsed() < BEAT_EVERY) {
                return Ok(());
            }
            pace.last = Some(Instant::now());
            pace.beats += 1;
            (std::mem::take(&mut pace.handled), pace.beats % PRUNE_EVERY_BEATS == 1)
        };
        // A write transaction: on SQLite the upsert reads `holds` before it
        // writes, and only `BEGIN IMMEDIATE` makes that upgrade safe.
        let mut tx = store.begin_write().await?;
        let now = now_micros();
        sqlx::query(UPSERT)
            .bind(&self.worker_id)
            .bind(&self.instance)
            .bind(self.started_at)
            .bind(now)
            .bind(handled)
            .bind(self.stale_after_micros)
            .execute(&mut *tx)
            .await?;
        if prune {
            sqlx::query("DELETE FROM worker_heartbeats WHERE last_round_at < $1")
                .bind(now - micros(PRUNE_AFTER))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Deletes this worker's row (on a clean stop: it is not gone, it left).
    pub async fn remove(&self, store: &Store) -> LedgerResult<()> {
        sqlx::query("DELETE FROM worker_heartbeats WHERE worker_id = $1")
            .bind(&self.worker_id)
            .execute(store.pool())
            .await?;
        Ok(())
    }
}

/// How long after its last beat a worker counts as gone: three beats or
/// idle polls, whichever is longer, plus one provider call (a step blocks
/// the worker for at most that long).
pub fn stale_after(config: &SagaConfig) -> Duration {
    config.poll.max(BEAT_EVERY) * 3 + config.call_timeout
}

/// This machine's name and this process's id, e.g. `web-1:4242`.
pub fn instance_name() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown-host".into());
    format!("{host}:{}", std::process::id())
}

fn micros(d: Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX / 4)
}
