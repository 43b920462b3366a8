//! The hub of one serving instance: a broadcast channel for its
//! subscribers, the last committed changes it delivered (for a cheap
//! resume), the latest derived states, and its count of open streams per
//! token.
//!
//! Two kinds of event pass through it:
//! - *changes*, numbered by their change-log seq and handed on by the
//!   tailer in seq order ([`EventHub::deliver`]); their ids are global, so
//!   any instance can resume them;
//! - *derived states* (`health.changed`, `outbox.stats`), computed where
//!   they are observed and announced by this instance alone
//!   ([`EventHub::announce`]); unnumbered, and the latest of each is handed
//!   to every new subscriber so it starts knowing them.

use crate::changes::Change;
use crate::store::now_micros;
use ledgerdeck_client::events::{HEALTH_CHANGED, LiveEvent, OUTBOX_STATS};
use serde_json::Value;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::broadcast;

/// One event as the stream sends it.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamEvent {
    /// Its change-log seq (the SSE id); `None` for a derived state.
    pub seq: Option<i64>,
    /// Its kind (see `ledgerdeck_client::events`).
    pub kind: String,
    /// Its payload.
    pub data: Value,
    /// Its payload as sent: serialised once here, not once per subscriber.
    pub text: Arc<str>,
}

impl StreamEvent {
    /// An event with its payload serialised for sending.
    pub fn new(seq: Option<i64>, kind: String, data: Value) -> Self {
        let text = Arc::from(data.to_string());
        StreamEvent { seq, kind, data, text }
    }
}

impl From<Change> for StreamEvent {
    fn from(change: Change) -> Self {
        StreamEvent::new(Some(change.seq), change.kind, change.data)
    }
}

/// Kinds that describe a current state rather than a change.
const STATE_KINDS: [&str; 2] = [HEALTH_CHANGED, OUTBOX_STATS];

struct Ring {
    /// The highest seq handed on (or the log's head when the tailer started).
    head: i64,
    /// The last changes handed on, oldest first.
    changes: VecDeque<Arc<StreamEvent>>,
    /// The latest event of each state kind, in the order announced.
    states: Vec<Arc<StreamEvent>>,
}

/// What the hub holds for a new subscriber, taken under its lock together
/// with the live receiver, so nothing falls between the two.
pub struct Subscription {
    /// The events to send first, oldest first.
    pub backlog: Vec<Arc<StreamEvent>>,
    /// Whether the client must refetch (its id could not be resumed).
    pub reset: bool,
    /// Live events with a seq at or below this were sent already (or are
    /// older than what the client has): skip them.
    pub sent_through: i64,
    /// Events from now on.
    pub live: broadcast::Receiver<Arc<StreamEvent>>,
}

/// What a subscription still needs from the change log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Resume {
    /// Nothing: memory answered.
    Done,
    /// The client's id is past this instance's `head`: it must exist in
    /// the log.
    Ahead {
        /// This instance's head when subscribing.
        head: i64,
    },
    /// The changes after the client's id up to `through` are no longer in
    /// memory: read them from the log.
    FromLog {
        /// The last seq to read.
        through: i64,
    },
}

/// The hub's view of the stream, for `/healthz`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventsHealth {
    /// Open event streams on this instance.
    pub subscribers: usize,
    /// The highest seq delivered.
    pub delivered_through: i64,
    /// How long the oldest committed change not yet delivered has waited,
    /// in microseconds (0 when caught up).
    pub behind_micros: i64,
    /// When the tailer last read the log successfully (`None`: never).
    pub last_read_at: Option<i64>,
}

#[derive(Debug, Default)]
struct TailState {
    behind_micros: i64,
    last_read_at: Option<i64>,
}

/// The hub; cheap to clone.
#[derive(Clone)]
pub struct EventHub {
    capacity: usize,
    ring: Arc<Mutex<Ring>>,
    sender: broadcast::Sender<Arc<StreamEvent>>,
    streams: Arc<Mutex<HashMap<String, usize>>>,
    tail: Arc<Mutex<TailState>>,
    /// Whether the tailer has caught up with the log as it stood at start.
    started: Arc<tokio::sync::watch::Sender<bool>>,
}

impl std::fmt::Debug for EventHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventHub").field("capacity", &self.capacity).finish()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

impl EventHub {
    /// A hub keeping the last `capacity` changes for resumption.
    pub fn new(capacity: usize) -> Self {
        let (sender, _) = broadcast::channel(capacity.max(16));
        EventHub {
            capacity: capacity.max(1),
            ring: Arc::new(Mutex::new(Ring { head: 0, changes: VecDeque::new(), states: Vec::new() })),
            sender,
            streams: Arc::default(),
            tail: Arc::default(),
            started: Arc::new(tokio::sync::watch::Sender::new(false)),
        }
    }

    /// How many changes it keeps for resumption.
    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }

    /// The tailer has caught up with the log as it stood at its start.
    pub(crate) fn mark_started(&self) {
        self.started.send_replace(true);
    }

    /// Waits, at most `within`, until the tailer has caught up; whether it
    /// has. Before that the hub's head is not the log's, and a subscriber
    /// could be placed wrongly.
    pub(crate) async fn started_within(&self, within: std::time::Duration) -> bool {
        let mut started = self.started.subscribe();
        tokio::time::timeout(within, started.wait_for(|s| *s)).await.is_ok_and(|r| r.is_ok())
    }

    /// Where the tailer starts: changes up to `head` were never handed on
    /// here (a resume from below reads them from the log).
    pub(crate) fn start_at(&self, head: i64) {
        let mut ring = lock(&self.ring);
        if ring.changes.is_empty() && ring.head < head {
            ring.head = head;
        }
    }

    /// Hands on a committed change; the tailer calls this in seq order.
    pub(crate) fn deliver(&self, change: Change) {
        let mut ring = lock(&self.ring);
        debug_assert!(change.seq > ring.head, "changes are delivered in seq order, once");
        ring.head = change.seq;
        let event = Arc::new(StreamEvent::from(change));
        ring.changes.push_back(event.clone());
        while ring.changes.len() > self.capacity {
            ring.changes.pop_front();
        }
        // Sent under the lock, so a subscriber never sees a gap or a repeat
        // between its backlog and its live events.
        let _ = self.sender.send(event);
    }

    /// Announces a derived state to this instance's subscribers.
    pub fn announce(&self, event: LiveEvent) {
        let (kind, data) = event.into_parts();
        let event = Arc::new(StreamEvent::new(None, kind, data));
        let mut ring = lock(&self.ring);
        if STATE_KINDS.contains(&event.kind.as_str()) {
            ring.states.retain(|e| e.kind != event.kind);
            ring.states.push(event.clone());
        }
        let _ = self.sender.send(event);
    }

    /// Subscribes after `last` (`None`: a new subscriber), with what memory
    /// can answer; the [`Resume`] says what the log must still tell.
    pub(crate) fn subscribe_after(&self, last: Option<i64>) -> (Subscription, Resume) {
        let ring = lock(&self.ring);
        let live = self.sender.subscribe();
        let oldest = ring.changes.front().and_then(|e| e.seq).unwrap_or(ring.head + 1);
        let (backlog, sent_through, resume) = match last {
            None => (ring.states.clone(), ring.head, Resume::Done),
            // Ahead of this instance (it came from another): skip what the
            // client has as it arrives, once the log confirms the id.
            Some(last) if last > ring.head => (Vec::new(), last, Resume::Ahead { head: ring.head }),
            Some(last) if last >= oldest - 1 => {
                let backlog = ring.changes.iter().filter(|e| e.seq > Some(last)).cloned().collect();
                (backlog, ring.head, Resume::Done)
            }
            Some(_) => (Vec::new(), ring.head, Resume::FromLog { through: ring.head }),
        };
        (Subscription { backlog, reset: false, sent_through, live }, resume)
    }

    /// The latest derived states, for a subscriber that starts over.
    pub(crate) fn states(&self) -> Vec<Arc<StreamEvent>> {
        lock(&self.ring).states.clone()
    }

    /// Counts an open stream of `token_id`, unless it already has `cap`.
    pub fn open_stream(&self, token_id: &str, cap: usize) -> Option<StreamGuard> {
        let mut streams = lock(&self.streams);
        let open = streams.entry(token_id.to_string()).or_default();
        if *open >= cap {
            return None;
        }
        *open += 1;
        Some(StreamGuard { token_id: token_id.to_string(), streams: self.streams.clone() })
    }

    /// Records how the tailer's last read went.
    pub(crate) fn tailed(&self, behind_micros: i64) {
        let mut tail = lock(&self.tail);
        tail.behind_micros = behind_micros;
        tail.last_read_at = Some(now_micros());
    }

    /// Subscribers, delivery and lag.
    pub fn health(&self) -> EventsHealth {
        let subscribers = lock(&self.streams).values().sum();
        let delivered_through = lock(&self.ring).head;
        let tail = lock(&self.tail);
        EventsHealth {
            subscribers,
            delivered_through,
            behind_micros: tail.behind_micros,
            last_read_at: tail.last_read_at,
        }
    }
}

/// One open stream, counted until dropped.
pub struct StreamGuard {
    token_id: String,
    streams: Arc<Mutex<HashMap<String, usize>>>,
}

impl Drop for StreamGuard {
    fn drop(&mut self) {
        let mut streams = lock(&self.streams);
        if let Some(open) = streams.get_mut(&self.token_id) {
            *open = open.saturating_sub(1);
            if *open == 0 {
                streams.remove(&self.token_id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn change(seq: i64) -> Change {
        Change { seq, kind: "test".into(), data: json!(seq), created_at: 0 }
    }

    fn seqs(subscription: &Subscription) -> Vec<Option<i64>> {
        subscription.backlog.iter().map(|e| e.seq).collect()
    }

    #[test]
    fn a_resume_is_answered_from_memory_while_it_holds_what_came_after() {
        let hub = EventHub::new(3);
        hub.start_at(10);
        for seq in [11, 12, 14, 15] {
            hub.deliver(change(seq));
        }
        // Memory holds 12, 14, 15.
        let (after_12, resume) = hub.subscribe_after(Some(12));
        assert_eq!((seqs(&after_12), resume, after_12.sent_through), (vec![Some(14), Some(15)], Resume::Done, 15));
        let (after_11, resume) = hub.subscribe_after(Some(11));
        assert_eq!((after_11.backlog.len(), resume), (3, Resume::Done), "just before the oldest still resumes");
        let (_, resume) = hub.subscribe_after(Some(10));
        assert_eq!(resume, Resume::FromLog { through: 15 }, "older than memory: the log answers");
        let (ahead, resume) = hub.subscribe_after(Some(17));
        assert_eq!((ahead.backlog.len(), resume, ahead.sent_through), (0, Resume::Ahead { head: 15 }, 17));
        let (caught_up, resume) = hub.subscribe_after(Some(15));
        assert_eq!((caught_up.backlog.len(), resume), (0, Resume::Done));
    }

    #[test]
    fn a_fresh_hub_sends_changes_before_its_start_to_the_log() {
        let hub = EventHub::new(8);
        hub.start_at(40);
        assert_eq!(hub.subscribe_after(Some(40)).1, Resume::Done);
        assert_eq!(hub.subscribe_after(Some(39)).1, Resume::FromLog { through: 40 });
    }

    #[test]
    fn new_subscribers_get_the_latest_states_and_no_old_changes() {
        let hub = EventHub::new(2);
        let state = |kind: &str, data| LiveEvent::Unknown { kind: kind.into(), data };
        hub.announce(state(HEALTH_CHANGED, json!({"ready": false})));
        hub.announce(state(OUTBOX_STATS, json!({"pending": 1})));
        hub.announce(state(HEALTH_CHANGED, json!({"ready": true})));
        hub.deliver(change(1));
        let (fresh, _) = hub.subscribe_after(None);
        let states: Vec<(&str, Value)> = fresh.backlog.iter().map(|e| (e.kind.as_str(), e.data.clone())).collect();
        assert_eq!(states, [(OUTBOX_STATS, json!({"pending": 1})), (HEALTH_CHANGED, json!({"ready": true}))]);
        assert!(fresh.backlog.iter().all(|e| e.seq.is_none()));
        assert_eq!(fresh.sent_through, 1);
    }

    #[test]
    fn streams_per_token_are_capped_and_counted_until_dropped() {
        let hub = EventHub::new(2);
        let first = hub.open_stream("aaaaaaaaaaaa", 2).expect("first");
        let second = hub.open_stream("aaaaaaaaaaaa", 2).expect("second");
        assert!(hub.open_stream("aaaaaaaaaaaa", 2).is_none(), "a third is refused");
        assert!(hub.open_stream("bbbbbbbbbbbb", 2).is_some(), "another token has its own count");
        assert_eq!(hub.health().subscribers, 2, "the other token's guard was dropped at once");
        drop(first);
        assert!(hub.open_stream("aaaaaaaaaaaa", 2).is_some(), "a closed stream frees its place");
        drop(second);
        assert_eq!(hub.health().subscribers, 0);
    }
}
