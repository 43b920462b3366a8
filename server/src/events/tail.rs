//! The tailer: reads the change log in seq order and hands every committed
//! change to the hub, once, in order.
//!
//! It wakes when this process commits a change, when PostgreSQL notifies a
//! commit of another process, and at least every poll interval (a lost
//! notification only delays).
//!
//! Why it holds back: on PostgreSQL a seq is taken when a row is inserted
//! and seen when its transaction commits, so seq 8 can become visible
//! before seq 7. Handing 8 on first would lose 7 for everyone resuming
//! after 8. So behind a missing seq the tailer waits until the writer that
//! took it has ended; if the seq is still not visible, it was rolled back
//! and is skipped. Which writer is unknown, but not its age: a change row
//! takes its transaction's id before its seq (`changes::record`), so right
//! after the read that first saw the gap the tailer takes a fresh
//! transaction id (the gap's *bound*), above the writer's. Once a read's
//! snapshot has `xmin` past the bound, every transaction up to it has
//! ended. (The snapshot's own `xmax` is no such bound: a running
//! transaction whose id is at or above it is not in the snapshot at all.)
//! A transaction left open for long (an idle session holding `xmin` back)
//! is waited out at most `gap_limit`. On SQLite one writer at a time means
//! a missing seq is already final.

use super::hub::EventHub;
use crate::changes::{self, Batch, Change};
use crate::error::LedgerResult;
use crate::store::{Backend, Store, now_micros};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// The tailer's tunables.
#[derive(Debug, Clone)]
pub struct TailConfig {
    /// Longest wait between reads with no wake-up.
    pub poll: Duration,
    /// Most changes read at once.
    pub batch: i64,
    /// Longest wait behind a missing seq.
    pub gap_limit: Duration,
}

impl Default for TailConfig {
    fn default() -> Self {
        TailConfig { poll: Duration::from_millis(250), batch: 512, gap_limit: Duration::from_secs(10) }
    }
}

/// How soon to read again while holding back behind a gap.
const GAP_RECHECK: Duration = Duration::from_millis(5);

/// Tails `store`'s change log into `hub` until `stop` is cancelled,
/// starting from the log's head now.
pub async fn run(store: Store, hub: EventHub, config: TailConfig, stop: CancellationToken) {
    let start = loop {
        match changes::head(&store).await {
            Ok(head) => break head,
            Err(e) => tracing::warn!(error = %e, "the change log cannot be read yet"),
        }
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(config.poll) => {}
        }
    };
    // Not from the head itself: a writer may hold a seq below it and
    // commit later. From a window below, whose changes reach only the
    // memory for resumes (no one subscribes before the catch-up), and
    // whose missing seqs are gaps like any other.
    let window = i64::try_from(hub.capacity()).unwrap_or(i64::MAX);
    let pruned_through = changes::horizon(&store).await.unwrap_or(0);
    let from = start.saturating_sub(window).max(pruned_through).max(0);
    hub.start_at(from);
    let mut cursor = Cursor::new(from);
    let mut commits = store.changes().follow();
    let mut listener = Listener::new(&store);
    let mut caught_up = false;
    loop {
        let drained = drain(&store, &hub, &mut cursor, &config).await;
        if let Err(e) = &drained {
            tracing::warn!(error = %e, "reading the change log failed; retrying");
        }
        let held = drained.as_ref().is_ok_and(|held| *held);
        if !caught_up && drained.is_ok() && (!held || cursor.at >= start) {
            caught_up = true;
            hub.mark_started();
        }
        let pause = if held { GAP_RECHECK } else { config.poll };
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = commits.changed() => {}
            _ = listener.notified() => {}
            _ = tokio::time::sleep(pause) => {}
        }
    }
}

/// Reads and hands on until caught up; returns whether it holds back behind
/// a gap.
async fn drain(store: &Store, hub: &EventHub, cursor: &mut Cursor, config: &TailConfig) -> LedgerResult<bool> {
    loop {
        let batch = changes::read_after(store, cursor.at, config.batch).await?;
        let full = batch.changes.len() as i64 >= config.batch;
        let (ready, waiting) = cursor.advance(batch, Instant::now(), config.gap_limit);
        for change in ready {
            hub.deliver(change);
        }
        if cursor.needs_bound() {
            cursor.bound_gaps(changes::xid_bound(store).await?);
        }
        if let Some(waiting_since) = waiting {
            hub.tailed(now_micros().saturating_sub(waiting_since));
            return Ok(true);
        }
        if !full {
            hub.tailed(0);
            return Ok(false);
        }
    }
}

/// Where the tailer stands: the last seq handed on (or skipped), and the
/// missing seqs it has seen.
#[derive(Debug)]
struct Cursor {
    at: i64,
    gaps: BTreeMap<i64, Gap>,
}

#[derive(Debug)]
struct Gap {
    seen_at: Instant,
    /// A transaction id taken after the read that first saw it, above the
    /// id of the writer that took the seq (PostgreSQL; `None` until taken).
    bound: Option<i64>,
}

impl Cursor {
    fn new(at: i64) -> Self {
        Cursor { at, gaps: BTreeMap::new() }
    }

    /// Takes a batch read after `self.at`: returns the changes to hand on,
    /// in order, and, when it holds back behind a gap, the write time of
    /// the first change waiting.
    fn advance(&mut self, batch: Batch, now: Instant, gap_limit: Duration) -> (Vec<Change>, Option<i64>) {
        let mut ready = Vec::with_capacity(batch.changes.len());
        for change in batch.changes {
            if change.seq <= self.at {
                continue;
            }
            if self.at + 1 < change.seq && batch.snapshot.is_some() {
                // Every seq missing below a visible one is seen now, so one
                // bound taken after this read covers them all.
                for missing in self.at + 1..change.seq {
                    self.gaps.entry(missing).or_insert(Gap { seen_at: now, bound: None });
                }
            }
            while self.at + 1 < change.seq {
                let missing = self.at + 1;
                let gap = self.gaps.entry(missing).or_insert(Gap { seen_at: now, bound: None });
                let ended = match (batch.snapshot, gap.bound) {
                    (Some(snapshot), Some(bound)) => snapshot.xmin > bound,
                    // Just seen: its bound is taken after this read.
                    (Some(_), None) => false,
                    // One writer at a time: a missing seq was rolled back.
                    (None, _) => true,
                };
                let waited_out = now.duration_since(gap.seen_at) >= gap_limit;
                if !ended && !waited_out {
                    return (ready, Some(change.created_at));
                }
                if !ended {
                    tracing::warn!(seq = missing, "a change-log seq stayed invisible past the gap limit; skipped");
                }
                self.gaps.remove(&missing);
                self.at = missing;
            }
            self.gaps.remove(&change.seq);
            self.at = change.seq;
            ready.push(change);
        }
        (ready, None)
    }

    /// Whether a gap seen on PostgreSQL still lacks its bound.
    fn needs_bound(&self) -> bool {
        self.gaps.values().any(|gap| gap.bound.is_none())
    }

    /// Bounds the gaps seen so far with `xid`, a transaction id taken after
    /// the reads that saw them.
    fn bound_gaps(&mut self, xid: i64) {
        for gap in self.gaps.values_mut().filter(|gap| gap.bound.is_none()) {
            gap.bound = Some(xid);
        }
    }
}

/// A PostgreSQL `LISTEN` connection of the tailer's own, reconnected when
/// lost; on SQLite it never fires.
struct Listener {
    url: Option<String>,
    connection: Option<sqlx::postgres::PgListener>,
    retry_at: Instant,
}

impl Listener {
    fn new(store: &Store) -> Self {
        let url = (store.backend() == Backend::Postgres).then(|| store.url().to_string());
        Listener { url, connection: None, retry_at: Instant::now() }
    }

    /// Resolves at the next notification of a commit.
    async fn notified(&mut self) {
        let Some(url) = &self.url else { return std::future::pending().await };
        if self.connection.is_none() {
            if Instant::now() < self.retry_at {
                return tokio::time::sleep_until(self.retry_at.into()).await;
            }
            match connect(url).await {
                Ok(connection) => self.connection = Some(connection),
                Err(e) => {
                    tracing::warn!(error = %e, "cannot LISTEN for changes; polling");
                    self.retry_at = Instant::now() + Duration::from_secs(5);
                    return;
                }
            }
        }
        let Some(connection) = self.connection.as_mut() else { return };
        if let Err(e) = connection.recv().await {
            tracing::warn!(error = %e, "the LISTEN connection dropped; polling until it is back");
            self.connection = None;
            self.retry_at = Instant::now() + Duration::from_secs(1);
        }
    }
}

async fn connect(url: &str) -> Result<sqlx::postgres::PgListener, sqlx::Error> {
    let mut listener = sqlx::postgres::PgListener::connect(url).await?;
    listener.listen(crate::store::signal::CHANNEL).await?;
    Ok(listener)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::changes::Snapshot;
    use serde_json::json;

    fn change(seq: i64) -> Change {
        Change { seq, kind: "test".into(), data: json!(seq), created_at: seq * 10 }
    }

    fn batch(seqs: &[i64], snapshot: Option<(i64, i64)>) -> Batch {
        Batch {
            changes: seqs.iter().copied().map(change).collect(),
            snapshot: snapshot.map(|(xmin, xmax)| Snapshot { xmin, xmax }),
        }
    }

    fn seqs(changes: &[Change]) -> Vec<i64> {
        changes.iter().map(|c| c.seq).collect()
    }

    const LIMIT: Duration = Duration::from_secs(10);

    #[test]
    fn in_order_changes_pass_at_once() {
        let mut cursor = Cursor::new(4);
        let (ready, waiting) = cursor.advance(batch(&[5, 6, 7], Some((100, 101))), Instant::now(), LIMIT);
        assert_eq!((seqs(&ready), waiting), (vec![5, 6, 7], None));
        assert_eq!(cursor.at, 7);
    }

    #[test]
    fn a_gap_holds_back_until_its_writer_could_have_ended() {
        let start = Instant::now();
        let mut cursor = Cursor::new(4);
        // Seq 6 is visible, 5 is not, and transactions 90..100 still run.
        let (ready, waiting) = cursor.advance(batch(&[6], Some((90, 100))), start, LIMIT);
        assert_eq!((seqs(&ready), waiting), (vec![], Some(60)), "6 waits behind 5");
        assert!(cursor.needs_bound(), "the read that saw the gap asks for a bound");
        cursor.bound_gaps(105);
        assert!(!cursor.needs_bound());
        // Later: 5 committed and is visible now; both pass, in order.
        let (ready, _) = cursor.advance(batch(&[5, 6], Some((95, 106))), start, LIMIT);
        assert_eq!(seqs(&ready), [5, 6]);
    }

    #[test]
    fn a_rolled_back_seq_is_skipped_once_every_transaction_up_to_its_bound_has_ended() {
        let start = Instant::now();
        let mut cursor = Cursor::new(4);
        let (ready, _) = cursor.advance(batch(&[6, 7], Some((90, 100))), start, LIMIT);
        assert!(ready.is_empty());
        cursor.bound_gaps(104);
        // A transaction up to the bound may still run: keep waiting.
        for snapshot in [(99, 105), (104, 105)] {
            let (ready, _) = cursor.advance(batch(&[6, 7], Some(snapshot)), start, LIMIT);
            assert!(ready.is_empty(), "xmin {} has not passed the bound", snapshot.0);
        }
        // Every transaction up to the bound has ended and 5 never appeared:
        // it was rolled back.
        let (ready, waiting) = cursor.advance(batch(&[6, 7], Some((105, 106))), start, LIMIT);
        assert_eq!((seqs(&ready), waiting), (vec![6, 7], None));
        assert!(cursor.gaps.is_empty());
    }

    #[test]
    fn a_gap_seen_with_nothing_listed_as_running_still_waits_for_its_writer() {
        // The writer of 5 holds transaction id 100, the snapshot's xmax: a
        // snapshot does not list it, so `xmin == xmax` proves nothing.
        let mut cursor = Cursor::new(4);
        let (ready, _) = cursor.advance(batch(&[6], Some((100, 100))), Instant::now(), LIMIT);
        assert!(ready.is_empty(), "6 must not pass while 5's writer may run");
        cursor.bound_gaps(101);
        let (ready, _) = cursor.advance(batch(&[6], Some((100, 102))), Instant::now(), LIMIT);
        assert!(ready.is_empty(), "transaction 100 still runs");
        let (ready, _) = cursor.advance(batch(&[5, 6], Some((102, 102))), Instant::now(), LIMIT);
        assert_eq!(seqs(&ready), [5, 6], "5 committed: both, in order");
    }

    #[test]
    fn one_bound_covers_every_seq_missing_below_a_visible_one() {
        let start = Instant::now();
        let mut cursor = Cursor::new(4);
        assert!(cursor.advance(batch(&[8], Some((90, 100))), start, LIMIT).0.is_empty());
        cursor.bound_gaps(100);
        // 5 committed; 6 and 7 rolled back, all writers ended.
        let (ready, _) = cursor.advance(batch(&[5, 8], Some((101, 101))), start, LIMIT);
        assert_eq!(seqs(&ready), [5, 8]);
        assert!(!cursor.needs_bound(), "no second bound was needed for 6 and 7");
    }

    #[test]
    fn a_gap_is_waited_out_at_most_the_limit() {
        let start = Instant::now();
        let mut cursor = Cursor::new(4);
        assert!(cursor.advance(batch(&[6], Some((90, 100))), start, LIMIT).0.is_empty());
        // An idle session holds xmin back for good.
        let (ready, _) = cursor.advance(batch(&[6], Some((90, 110))), start + LIMIT, LIMIT);
        assert_eq!(seqs(&ready), [6]);
    }

    #[test]
    fn on_sqlite_a_missing_seq_is_final() {
        let mut cursor = Cursor::new(0);
        let (ready, waiting) = cursor.advance(batch(&[2, 3, 5], None), Instant::now(), LIMIT);
        assert_eq!((seqs(&ready), waiting), (vec![2, 3, 5], None));
    }
}
