//! Exports: every record a filter selects, streamed as CSV or JSON lines in
//! constant memory. Knows no HTTP: [`start`] checks the filter, opens one
//! read snapshot and decides (with a bounded count) whether the export is
//! within [`ExportConfig::max_rows`]; [`Export::into_stream`] then produces
//! it page by page (keyset pages of [`ExportConfig::page_rows`]) into a
//! small bounded channel, so memory holds a few pages at most, and stops as
//! soon as the reader goes away (the channel closes) or stalls longer than
//! [`ExportConfig::stall_limit`].
//!
//! Consistency: the whole export, its count included, reads one snapshot
//! (SQLite: one read transaction; PostgreSQL: `REPEATABLE READ`), so it is
//! the data as it stood at the start: append-only data (postings, statement
//! lines, audit) is bounded at the head seen then, and mutable rows (holds,
//! findings) are as they were then, ages taken at the start.
//!
//! Records are the list routes' items, in the lists' order (a statement
//! taken `as_of` is in effective order, oldest first).

mod cells;
mod page;
mod plan;
mod statement;

use crate::error::{LedgerError, LedgerResult};
use crate::store::{Backend, SQLITE_MMAP_BYTES, Store};
use bytes::Bytes;
use futures::Stream;
use ledgerdeck_client::{ExportFormat, ExportKind, ExportQuery};
use plan::Plan;
use sqlx::{Any, Transaction};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

pub use cells::neutralise;

/// Limits of the exports.
#[derive(Debug, Clone)]
pub struct ExportConfig {
    /// The most records one export may have (`EXPORT_TOO_LARGE` past it).
    pub max_rows: u64,
    /// The widest `from`/`to` range, in days (`EXPORT_RANGE_TOO_WIDE` past it).
    pub max_days: i64,
    /// Records read per page.
    pub page_rows: i64,
    /// How long a reader may leave a page unread before the export stops.
    pub stall_limit: Duration,
    /// How many exports may run at once (`TOO_MANY_EXPORTS` past it). Each
    /// holds a pool connection for as long as it streams, so a handful of
    /// slow readers must not take the connections the commands need.
    pub slots: Arc<Semaphore>,
    /// What the exports of this server are doing.
    pub monitor: Arc<ExportMonitor>,
}

/// Exports at once by default.
pub const DEFAULT_AT_ONCE: usize = 2;

impl ExportConfig {
    /// The same limits with `at_once` exports allowed at once (at least one).
    pub fn at_once(self, at_once: usize) -> Self {
        ExportConfig { slots: Arc::new(Semaphore::new(at_once.max(1))), ..self }
    }
}

impl Default for ExportConfig {
    fn default() -> Self {
        ExportConfig {
            max_rows: 5_000_000,
            max_days: 366,
            page_rows: 2_000,
            stall_limit: Duration::from_secs(60),
            slots: Arc::new(Semaphore::new(DEFAULT_AT_ONCE)),
            monitor: Arc::default(),
        }
    }
}

/// Counters of the exports produced with one [`ExportConfig`].
#[derive(Debug, Default)]
pub struct ExportMonitor {
    running: AtomicU64,
    pages: AtomicU64,
    finished: AtomicU64,
    abandoned: AtomicU64,
}

impl ExportMonitor {
    /// Exports whose producer is still working.
    pub fn running(&self) -> u64 {
        self.running.load(Ordering::SeqCst)
    }

    /// Pages read from the database, by every export.
    pub fn pages(&self) -> u64 {
        self.pages.load(Ordering::SeqCst)
    }

    /// Exports that sent their last record.
    pub fn finished(&self) -> u64 {
        self.finished.load(Ordering::SeqCst)
    }

    /// Exports stopped because the reader went away or stalled.
    pub fn abandoned(&self) -> u64 {
        self.abandoned.load(Ordering::SeqCst)
    }
}

/// Decrements `running` however the producer ends.
struct Running(Arc<ExportMonitor>);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.running.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A checked export, its snapshot open, ready to stream.
pub struct Export {
    tx: Transaction<'static, Any>,
    /// SQLite: the snapshot's connection reads without mapping the file.
    unmapped: bool,
    plan: Plan,
    format: ExportFormat,
    config: ExportConfig,
    /// Its place among the exports running at once, given back when it ends.
    _slot: OwnedSemaphorePermit,
}

impl std::fmt::Debug for Export {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Export").field("plan", &self.plan).field("format", &self.format).finish_non_exhaustive()
    }
}

/// Checks `query` for `kind` (a filter the kind does not take, a bad value,
/// a range over [`ExportConfig::max_days`]), opens the snapshot and counts
/// at most `max_rows + 1` records: more is `EXPORT_TOO_LARGE`, before any
/// byte is produced.
pub async fn start(
    store: &Store,
    kind: ExportKind,
    query: &ExportQuery,
    format: ExportFormat,
    config: &ExportConfig,
) -> LedgerResult<Export> {
    let mut plan = plan::check(kind, query, config)?;
    let slot = config.slots.clone().try_acquire_owned().map_err(|_| LedgerError::TooManyExports)?;
    let mut tx = crate::queries::snapshot(store).await?;
    let unmapped = store.backend() == Backend::Sqlite;
    if unmapped {
        sqlx::query("PRAGMA mmap_size = 0").execute(&mut *tx).await?;
    }
    let checked = async {
        plan.prepare(&mut tx).await?;
        let limit = i64::try_from(config.max_rows).unwrap_or(i64::MAX - 1).saturating_add(1);
        let counted = page::count(&mut tx, &plan, limit).await?;
        if u64::try_from(counted).unwrap_or(0) > config.max_rows {
            return Err(LedgerError::ExportTooLarge { max_rows: config.max_rows });
        }
        Ok(())
    }
    .await;
    if let Err(e) = checked {
        remap(&mut tx, unmapped).await;
        return Err(e);
    }
    Ok(Export { tx, unmapped, plan, format, config: config.clone(), _slot: slot })
}

/// Why SQLite exports read unmapped: an export reads every page of its range
/// once, and with the pool's `mmap_size` each page read stays resident in the
/// server's memory, up to the size of the database (113 MB of VmHWM for
/// 200,000 postings). Read through SQLite's small page cache instead, the
/// server's memory stays flat whatever the export's size. The pool's setting
/// is put back before the connection returns to the pool (a producer that
/// panicked leaves one connection unmapped: slower scans, nothing wrong).
async fn remap(tx: &mut Transaction<'static, Any>, unmapped: bool) {
    if unmapped {
        let restore = format!("PRAGMA mmap_size = {SQLITE_MMAP_BYTES}");
        if let Err(e) = sqlx::query(sqlx::AssertSqlSafe(restore)).execute(&mut **tx).await {
            tracing::warn!(error = %e, "could not restore mmap_size after an export");
        }
    }
}

impl Export {
    /// The export's bytes, produced by a task of its own: a header (CSV)
    /// then page after page. A storage failure mid-way ends the stream with
    /// an error, so the reader sees a broken transfer rather than a short file.
    pub fn into_stream(self) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static {
        let (sender, receiver) = tokio::sync::mpsc::channel(2);
        let monitor = self.config.monitor.clone();
        monitor.running.fetch_add(1, Ordering::SeqCst);
        tokio::spawn(produce(self, sender, Running(monitor)));
        futures::stream::unfold(
            receiver,
            |mut receiver| async move { receiver.recv().await.map(|item| (item, receiver)) },
        )
    }
}

type Sender = tokio::sync::mpsc::Sender<Result<Bytes, std::io::Error>>;

/// Sends `chunk`; `false` when the reader is gone or stalled past the limit.
async fn send(sender: &Sender, chunk: Result<Bytes, std::io::Error>, stall: Duration) -> bool {
    matches!(sender.send_timeout(chunk, stall).await, Ok(()))
}

async fn produce(export: Export, sender: Sender, _running: Running) {
    let Export { mut tx, unmapped, mut plan, format, config, _slot } = export;
    let monitor = config.monitor.clone();
    let mut cursor = plan::Cursor::Start;
    let mut first = true;
    loop {
        let read = page::next(&mut tx, &mut plan, &cursor, config.page_rows, format, first).await;
        monitor.pages.fetch_add(1, Ordering::SeqCst);
        first = false;
        let (bytes, next) = match read {
            Ok(read) => read,
            Err(e) => {
                tracing::error!(error = %e, "export failed mid-way");
                let _ = send(&sender, Err(std::io::Error::other(e.to_string())), config.stall_limit).await;
                monitor.abandoned.fetch_add(1, Ordering::SeqCst);
                remap(&mut tx, unmapped).await;
                return;
            }
        };
        if !bytes.is_empty() && !send(&sender, Ok(Bytes::from(bytes)), config.stall_limit).await {
            tracing::info!(kind = %plan.kind(), "export reader went away; stopping");
            monitor.abandoned.fetch_add(1, Ordering::SeqCst);
            remap(&mut tx, unmapped).await;
            return;
        }
        match next {
            Some(next) => cursor = next,
            None => break,
        }
    }
    remap(&mut tx, unmapped).await;
    let _ = tx.rollback().await;
    monitor.finished.fetch_add(1, Ordering::SeqCst);
}
