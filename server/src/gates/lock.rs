//! One gate run at a time: an in-process mutex on SQLite (one server
//! process per file), a session advisory lock on PostgreSQL (any number of
//! instances on one database).

use crate::error::LedgerResult;
use crate::store::{Backend, Store};
use sqlx::Row;
use sqlx::pool::PoolConnection;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, OwnedMutexGuard};

/// The PostgreSQL advisory lock key of the gates (`ldkgates` in ASCII).
pub const ADVISORY_KEY: i64 = 0x6c64_6b67_6174_6573;

/// How often a waiting run tries the lock again.
const RETRY_EVERY: Duration = Duration::from_millis(100);

/// The lock shared by the scheduler and on-demand runs of one process.
#[derive(Debug, Clone, Default)]
pub struct GateLock {
    local: Arc<Mutex<()>>,
}

/// A held lock; release it with [`HeldLock::release`].
pub(super) struct HeldLock {
    _local: OwnedMutexGuard<()>,
    session: Option<PoolConnection<sqlx::Any>>,
}

impl GateLock {
    /// Takes the lock, waiting up to `wait`; `None` if another run holds it.
    pub(super) async fn acquire(&self, store: &Store, wait: Duration) -> LedgerResult<Option<HeldLock>> {
        let deadline = tokio::time::Instant::now() + wait;
        let local = match tokio::time::timeout_at(deadline, self.local.clone().lock_owned()).await {
            Ok(guard) => guard,
            Err(_) => return Ok(None),
        };
        if store.backend() == Backend::Sqlite {
            return Ok(Some(HeldLock { _local: local, session: None }));
        }
        let mut conn = store.pool().acquire().await?;
        loop {
            let row = sqlx::query("SELECT pg_try_advisory_lock($1) AS taken")
                .bind(ADVISORY_KEY)
                .fetch_one(&mut *conn)
                .await?;
            if row.try_get::<bool, _>("taken")? {
                return Ok(Some(HeldLock { _local: local, session: Some(conn) }));
            }
            if tokio::time::Instant::now() + RETRY_EVERY > deadline {
                return Ok(None);
            }
            tokio::time::sleep(RETRY_EVERY).await;
        }
    }
}

impl HeldLock {
    /// Releases the lock. If the advisory unlock fails, the session is
    /// closed instead, which releases it too.
    pub(super) async fn release(mut self) {
        if let Some(mut conn) = self.session.take() {
            let unlocked = sqlx::query("SELECT pg_advisory_unlock($1)").bind(ADVISORY_KEY).execute(&mut *conn).await;
            if unlocked.is_err() {
                let _ = conn.close().await;
            }
        }
    }
}

impl Drop for HeldLock {
    /// A lock dropped without [`HeldLock::release`] (a cancelled or panicking
    /// run) must not go back to the pool still held: its session is closed.
    fn drop(&mut self) {
        if let Some(conn) = self.session.take() {
            drop(conn.detach());
        }
    }
}
