//! Where commands write: each command's work runs as a *job* on a write
//! transaction, and nothing is answered before that transaction commits.
//!
//! On SQLite every write transaction holds the one write lock and pays one
//! `fsync` at commit, so concurrent commands are *group-committed*: one
//! writer task takes every job queued, runs each inside a savepoint of one
//! transaction (a job that fails or only replays is rolled back to its
//! savepoint, leaving the others intact) and commits once for all of them.
//! A job's reads see the jobs before it, exactly as if they had committed one
//! by one in that order; if the commit fails, every job of the batch gets the
//! error, and since nothing of theirs was written a retry with the same
//! idempotency key is safe.
//!
//! On PostgreSQL commands run concurrently, each on its own transaction (row
//! locks order them; the server already batches concurrent commits' flushes),
//! with a lock timeout so a twin waiting on an in-flight idempotency key does
//! not wait forever.

use crate::error::{LedgerError, LedgerResult};
use crate::store::signal::ChangeSignal;
use crate::store::{Backend, Store};
use futures::FutureExt;
use futures::future::BoxFuture;
use ledgerdeck_client::CommandResult;
use sqlx::{AnyConnection, Connection, Executor};
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// What a job did, which decides whether its writes are kept.
#[derive(Debug)]
pub enum Step {
    /// The command executed: keep its writes.
    Posted(CommandResult),
    /// The key had completed before: nothing to keep, replay this.
    Replay(CommandResult),
    /// The key is claimed by a request still running: nothing to keep.
    InFlight,
    /// Only a record was written (an audit row): keep it.
    Recorded,
    /// The command was refused, but the refusal is itself a record to keep
    /// (an approval whose command was refused ends its proposal `failed`):
    /// keep the writes, answer the refusal.
    Decided(LedgerError),
}

impl Step {
    fn keeps_writes(&self) -> bool {
        matches!(self, Step::Posted(_) | Step::Recorded | Step::Decided(_))
    }
}

/// A command's work on a write transaction.
pub type Job = Box<dyn for<'c> FnOnce(&'c mut AnyConnection) -> BoxFuture<'c, LedgerResult<Step>> + Send>;

/// How long a job's commit waits for the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// The answer waits until the commit is on disk (anything that moves
    /// money, completes a key or changes state).
    Synced,
    /// The commit does not wait for the disk: for the audit row of an attempt
    /// that changed nothing (a refusal, a replay). The row is visible at
    /// once; a power cut in the next moment may lose it, never a posted
    /// command. PostgreSQL: `synchronous_commit = off` for the transaction;
    /// SQLite: `synchronous = NORMAL` for a group commit holding only such
    /// jobs (a later synced commit flushes its frames too).
    Relaxed,
}

/// Most jobs in one group commit.
const MAX_BATCH: usize = 256;

struct Queued {
    job: Job,
    durability: Durability,
    reply: oneshot::Sender<LedgerResult<Step>>,
}

/// Runs jobs on write transactions: group-committed on SQLite, one
/// transaction each on PostgreSQL.
#[derive(Debug, Clone)]
pub struct Writer {
    store: Store,
    lock_timeout: Duration,
    /// The SQLite writer task's queue, started on first use (on the runtime
    /// that first writes).
    queue: Arc<OnceLock<mpsc::UnboundedSender<Queued>>>,
}

impl Writer {
    /// A writer over `store`; on PostgreSQL a job waits at most
    /// `lock_timeout` for any row lock.
    pub fn new(store: Store, lock_timeout: Duration) -> Self {
        Writer { store, lock_timeout, queue: Arc::new(OnceLock::new()) }
    }

    /// Runs `job` on a write transaction and returns its step once its
    /// writes (if kept) have committed.
    pub async fn run(&self, job: Job, durability: Durability) -> LedgerResult<Step> {
        match self.store.backend() {
            Backend::Postgres => self.run_alone(job, durability).await,
            Backend::Sqlite => {
                let queue = self.queue.get_or_init(|| {
                    let (tx, rx) = mpsc::unbounded_channel();
                    tokio::spawn(group_commit(self.store.clone(), rx));
                    tx
                });
                let (reply, answer) = oneshot::channel();
                queue.send(Queued { job, durability, reply }).map_err(|_| stopped())?;
                answer.await.map_err(|_| stopped())?
            }
        }
    }

    /// One job on its own transaction.
    async fn run_alone(&self, job: Job, durability: Durability) -> LedgerResult<Step> {
        // A number of milliseconds only: nothing of a caller's in this SQL.
        let mut begin = format!("BEGIN; SET LOCAL lock_timeout = '{}ms'", self.lock_timeout.as_millis().max(1));
        if durability == Durability::Relaxed {
            begin.push_str("; SET LOCAL synchronous_commit = off");
        }
        let mut tx = self.store.pool().begin_with(sqlx::AssertSqlSafe(begin)).await?;
        let step = job(&mut tx).await;
        match &step {
            Ok(step) if step.keeps_writes() => {
                tx.commit().await?;
                self.store.changes().committed();
            }
            // Nothing to keep: a failed rollback only closes the connection,
            // and the job's own answer (a refusal, a replay) still stands.
            _ => {
                tx.rollback().await.ok();
            }
        }
        step
    }
}

fn stopped() -> LedgerError {
    LedgerError::Internal("the command writer has stopped".into())
}

/// The SQLite writer task: runs everything queued as one transaction.
async fn group_commit(store: Store, mut queue: mpsc::UnboundedReceiver<Queued>) {
    while let Some(first) = queue.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        run_batch(&store, batch).await;
    }
}

async fn run_batch(store: &Store, batch: Vec<Queued>) {
    let mut conn = match store.pool().acquire().await {
        Ok(conn) => conn,
        Err(e) => return fail_all(batch.into_iter().map(|q| q.reply), &e),
    };
    let relaxed = batch.iter().all(|q| q.durability == Durability::Relaxed)
        && conn.execute("PRAGMA synchronous = NORMAL").await.is_ok();
    run_batch_on(&mut conn, batch, store.changes()).await;
    // Never hand a relaxed connection back to the pool.
    if relaxed && conn.execute("PRAGMA synchronous = FULL").await.is_err() {
        conn.close_on_drop();
    }
}

async fn run_batch_on(conn: &mut AnyConnection, batch: Vec<Queued>, signal: &ChangeSignal) {
    let mut tx = match conn.begin_with("BEGIN IMMEDIATE").await {
        Ok(tx) => tx,
        Err(e) => return fail_all(batch.into_iter().map(|q| q.reply), &e),
    };
    let mut done: Vec<(oneshot::Sender<LedgerResult<Step>>, LedgerResult<Step>)> = Vec::with_capacity(batch.len());
    let mut jobs = batch.into_iter();
    while let Some(Queued { job, reply, .. }) = jobs.next() {
        let step = match tx.execute("SAVEPOINT command").await {
            // A panicking command must not take the writer (and every later
            // command) down with it: it fails alone, rolled back.
            Ok(_) => AssertUnwindSafe(job(&mut tx))
                .catch_unwind()
                .await
                .unwrap_or_else(|_| Err(LedgerError::Internal("the command panicked".into()))),
            Err(e) => Err(e.into()),
        };
        let end = match &step {
            Ok(step) if step.keeps_writes() => "RELEASE command",
            _ => "ROLLBACK TO command; RELEASE command",
        };
        done.push((reply, step));
        if let Err(e) = tx.execute(end).await {
            // The transaction is in an unknown state: give up on all of it.
            tx.rollback().await.ok();
            let replies = done.into_iter().map(|(reply, _)| reply).chain(jobs.map(|q| q.reply));
            return fail_all(replies, &e);
        }
    }
    let jobs = done.len();
    let committing = std::time::Instant::now();
    match tx.commit().await {
        Ok(()) => {
            tracing::debug!(jobs, commit_micros = committing.elapsed().as_micros() as u64, "group commit");
            signal.committed();
            for (reply, step) in done {
                // The requester may have gone (its client hung up): the
                // command stands regardless.
                let _ = reply.send(step);
            }
        }
        Err(e) => fail_all(done.into_iter().map(|(reply, _)| reply), &e),
    }
}

/// Answers every reply with the storage error that ended the batch: nothing
/// of the batch was written.
fn fail_all(replies: impl IntoIterator<Item = oneshot::Sender<LedgerResult<Step>>>, error: &sqlx::Error) {
    tracing::warn!(error = %error, "a group commit failed; none of its commands were written");
    for reply in replies {
        let _ = reply.send(Err(LedgerError::Storage(sqlx::Error::Protocol(format!("group commit failed: {error}")))));
    }
}
