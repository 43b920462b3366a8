//! The live event hub behind `GET /v1/events`: a broadcast channel with a
//! bounded replay buffer, so a client that reconnects with `Last-Event-ID`
//! gets what it missed (or a `reset` when that is no longer possible).
//!
//! Event ids are `<process epoch>-<sequence>`; an id from another process
//! (a restart) or older than the buffer cannot be resumed. What is published
//! is the typed [`LiveEvent`] that clients read back, so both sides share
//! one definition.

use ledgerdeck_client::CommandResult;
use ledgerdeck_client::events::{FlagChange, HEALTH_CHANGED, HoldChange, LiveEvent, OUTBOX_STATS};
use serde_json::Value;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast;

/// One event as the stream sends it.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamEvent {
    /// Its id (`<epoch>-<seq>`).
    pub id: String,
    /// Its kind (see `ledgerdeck_client::events`).
    pub kind: String,
    /// Its payload.
    pub data: Value,
}

/// Kinds that describe a current state rather than a change: the latest of
/// each is handed to every new subscriber, so it starts knowing them.
const STATE_KINDS: [&str; 2] = [HEALTH_CHANGED, OUTBOX_STATS];

struct Ring {
    next_seq: u64,
    events: VecDeque<(u64, Arc<StreamEvent>)>,
    latest_states: Vec<(u64, Arc<StreamEvent>)>,
}

impl Ring {
    fn current_states(&self) -> Vec<Arc<StreamEvent>> {
        let mut states = self.latest_states.clone();
        states.sort_by_key(|(seq, _)| *seq);
        states.into_iter().map(|(_, e)| e).collect()
    }
}

/// What a new subscriber gets.
pub struct Subscription {
    /// Events after the client's `Last-Event-ID`, oldest first; for a new
    /// (or reset) subscriber, the latest state events.
    pub backlog: Vec<Arc<StreamEvent>>,
    /// Whether the client must refetch (its id could not be resumed).
    pub reset: bool,
    /// Events from now on.
    pub live: broadcast::Receiver<Arc<StreamEvent>>,
}

/// The hub; cheap to clone.
#[derive(Clone)]
pub struct EventHub {
    epoch: Arc<str>,
    capacity: usize,
    ring: Arc<Mutex<Ring>>,
    sender: broadcast::Sender<Arc<StreamEvent>>,
}

impl std::fmt::Debug for EventHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventHub").field("epoch", &self.epoch).field("capacity", &self.capacity).finish()
    }
}

impl EventHub {
    /// A hub keeping the last `capacity` events for resumption.
    pub fn new(capacity: usize) -> Self {
        let epoch = uuid::Uuid::now_v7().simple().to_string()[..12].to_string();
        let (sender, _) = broadcast::channel(capacity.max(16));
        EventHub {
            epoch: epoch.into(),
            capacity: capacity.max(1),
            ring: Arc::new(Mutex::new(Ring { next_seq: 1, events: VecDeque::new(), latest_states: Vec::new() })),
            sender,
        }
    }

    /// Publishes an event to every subscriber and the replay buffer.
    pub fn publish(&self, event: LiveEvent) {
        let (kind, data) = event.into_parts();
        let mut ring = self.ring.lock().unwrap_or_else(|p| p.into_inner());
        let seq = ring.next_seq;
        ring.next_seq += 1;
        let event = Arc::new(StreamEvent { id: format!("{}-{seq}", self.epoch), kind, data });
        ring.events.push_back((seq, event.clone()));
        if STATE_KINDS.contains(&event.kind.as_str()) {
            ring.latest_states.retain(|(_, e)| e.kind != event.kind);
            ring.latest_states.push((seq, event.clone()));
        }
        while ring.events.len() > self.capacity {
            ring.events.pop_front();
        }
        // Sent under the lock, so a subscriber never sees a gap or a repeat
        // between its backlog and its live events.
        let _ = self.sender.send(event);
    }

    /// Announces a command's result, and the hold or flag change it made if any.
    pub fn command_posted(&self, result: &CommandResult) {
        self.publish(LiveEvent::CommandPosted(result.clone()));
        let Some(subject) = &result.subject_id else { return };
        if result.command == "set_feature_flag" {
            // The flag command's subject is `<name>:<scope>:<scope_value>`.
            let mut parts = subject.splitn(3, ':').map(str::to_string);
            let (name, scope, scope_value) = (parts.next(), parts.next(), parts.next());
            if let (Some(name), Some(scope)) = (name, scope) {
                let scope_value = scope_value.unwrap_or_default();
                self.publish(LiveEvent::FlagChanged(FlagChange { name, scope, scope_value }));
            }
            return;
        }
        let status = match result.command.as_str() {
            "reserve_payout" => "reserved",
            "settle_hold" => "settled",
            "release_hold" => "released",
            "mark_manual_review" => "manual_review",
            _ => return,
        };
        let change = HoldChange { hold_id: subject.clone(), status: status.into(), command: result.command.clone() };
        self.publish(LiveEvent::HoldChanged(change));
    }

    /// Subscribes, resuming after `last_event_id` when the buffer still
    /// holds what came after it.
    pub fn subscribe(&self, last_event_id: Option<&str>) -> Subscription {
        let ring = self.ring.lock().unwrap_or_else(|p| p.into_inner());
        let live = self.sender.subscribe();
        let Some(last) = last_event_id else {
            return Subscription { backlog: ring.current_states(), reset: false, live };
        };
        let resumable = last
            .rsplit_once('-')
            .filter(|(epoch, _)| *epoch == &*self.epoch)
            .and_then(|(_, seq)| seq.parse::<u64>().ok())
            .filter(|seq| {
                let oldest = ring.events.front().map_or(ring.next_seq, |(s, _)| *s);
                *seq + 1 >= oldest && *seq < ring.next_seq
            });
        match resumable {
            Some(seq) => Subscription {
                backlog: ring.events.iter().filter(|(s, _)| *s > seq).map(|(_, e)| e.clone()).collect(),
                reset: false,
                live,
            },
            None => Subscription { backlog: ring.current_states(), reset: true, live },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn test_event(n: i32) -> LiveEvent {
        LiveEvent::Unknown { kind: "test".into(), data: json!(n) }
    }

    #[test]
    fn resumes_after_a_known_id_and_resets_otherwise() {
        let hub = EventHub::new(3);
        for n in 0..5 {
            hub.publish(test_event(n));
        }
        // Buffer holds seq 3, 4, 5.
        let ids: Vec<String> =
            hub.subscribe(Some(&format!("{}-3", hub.epoch))).backlog.iter().map(|e| e.id.clone()).collect();
        assert_eq!(ids, [format!("{}-4", hub.epoch), format!("{}-5", hub.epoch)]);
        assert!(
            hub.subscribe(Some(&format!("{}-2", hub.epoch))).backlog.len() == 3,
            "just before the oldest still resumes"
        );
        assert!(hub.subscribe(Some(&format!("{}-1", hub.epoch))).reset, "older than the buffer");
        assert!(hub.subscribe(Some("otherepoch-4")).reset, "another process");
        assert!(hub.subscribe(Some("garbage")).reset);
        assert!(hub.subscribe(Some(&format!("{}-5", hub.epoch))).backlog.is_empty());
        assert!(!hub.subscribe(None).reset);
    }

    #[test]
    fn new_subscribers_get_the_latest_state_events() {
        let hub = EventHub::new(2);
        let state = |kind: &str, data| LiveEvent::Unknown { kind: kind.into(), data };
        hub.publish(state(HEALTH_CHANGED, json!({"ready": false})));
        hub.publish(state(OUTBOX_STATS, json!({"pending": 1})));
        hub.publish(state(HEALTH_CHANGED, json!({"ready": true})));
        for n in 0..5 {
            hub.publish(test_event(n));
        }
        let fresh = hub.subscribe(None);
        let states: Vec<(&str, Value)> = fresh.backlog.iter().map(|e| (e.kind.as_str(), e.data.clone())).collect();
        assert_eq!(states, [(OUTBOX_STATS, json!({"pending": 1})), (HEALTH_CHANGED, json!({"ready": true}))]);
        let reset = hub.subscribe(Some("unknown-1"));
        assert!(reset.reset);
        assert_eq!(reset.backlog.len(), 2, "a reset subscriber also learns the current states");
    }
}
