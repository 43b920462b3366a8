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
//! after 8. So behind a missing seq the tailer waits until every
//! transaction that was running when it first saw the gap has ended (the
//! snapshot's `xmin` has passed that read's `xmax`): then the missing seq
//! was rolled back and is skipped. A transaction left open for long (an
//! idle session holding `xmin` back) is waited out at most `gap_limit`. On
//! SQLite one writer at a time means a missing seq is already final.

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
    hub.start_at(start);
    let mut cursor = Cursor::new(start);
    let mut commits = store.changes().follow();
    let mut listener = Listener::new(&store);
    loop {
        let held = match drain(&store, &hub, &mut cursor, &config).await {
            Ok(held) => held,
            Err(e) => {
                tracing::warn!(error = %e, "reading the change log failed; retrying");
                false
            }
        };
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
    /// The `xmax` of the read that first saw it (PostgreSQL).
    xmax: Option<i64>,
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
            while self.at + 1 < change.seq {
                let missing = self.at + 1;
                let gap =
                    self.gaps.entry(missing).or_insert(Gap { seen_at: now, xmax: batch.snapshot.map(|s| s.xmax) });
                let ended = match (batch.snapshot, gap.xmax) {
                    (Some(snapshot), Some(xmax)) => snapshot.xmin >= xmax,
                    // One writer at a time: a missing seq was rolled back.
                    _ => true,
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
    fn a_gap_holds_back_until_the_transactions_running_then_have_ended() {
        let start = Instant::now();
        let mut cursor = Cursor::new(4);
        // Seq 6 is visible, 5 is not, and transactions 90..100 still run.
        let (ready, waiting) = cursor.advance(batch(&[6], Some((90, 100))), start, LIMIT);
        assert_eq!((seqs(&ready), waiting), (vec![], Some(60)), "6 waits behind 5");
        // Later: 5 committed and is visible now; both pass, in order.
        let (ready, _) = cursor.advance(batch(&[5, 6], Some((95, 103))), start, LIMIT);
        assert_eq!(seqs(&ready), [5, 6]);
    }

    #[test]
    fn a_rolled_back_seq_is_skipped_once_its_writers_have_ended() {
        let start = Instant::now();
        let mut cursor = Cursor::new(4);
        let (ready, _) = cursor.advance(batch(&[6, 7], Some((90, 100))), start, LIMIT);
        assert!(ready.is_empty());
        // Still a transaction older than 100 running: keep waiting.
        let (ready, _) = cursor.advance(batch(&[6, 7], Some((99, 104))), start, LIMIT);
        assert!(ready.is_empty());
        // Every transaction running at the first read has ended and 5 never
        // appeared: it was rolled back.
        let (ready, waiting) = cursor.advance(batch(&[6, 7], Some((100, 104))), start, LIMIT);
        assert_eq!((seqs(&ready), waiting), (vec![6, 7], None));
        assert!(cursor.gaps.is_empty());
    }

    #[test]
    fn a_gap_seen_with_nothing_running_is_skipped_at_once() {
        let mut cursor = Cursor::new(4);
        let (ready, _) = cursor.advance(batch(&[6], Some((100, 100))), Instant::now(), LIMIT);
        assert_eq!(seqs(&ready), [6]);
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
