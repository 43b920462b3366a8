//! Bulk actions: one write per item (a hold to settle or release, a message
//! to retry), each its own command through the one command path with its
//! own idempotency key. A [`Batch`] is the items, their keys (made when the
//! batch is made, kept across a transport failure, rotated per item on a
//! definite answer), the bound on commands in flight, and each item's
//! outcome; [`Bulk`] is the form → confirmation → progress → result table
//! around it that the Payouts and Outbox views share; [`render`] draws it.
//! Pure state: the view sends through `Cx::send` by the closure it passes.

mod render;
mod run;

pub use render::render;
pub use run::{BULK_CONFIRM, BULK_CONFIRM_TYPED, BULK_FORM, BULK_RESULT, Bulk, Stage, Step, Verb};

use crate::command::{Answer, CommandTarget, Keys, NOT_SENT, Outgoing};
use serde_json::Value;

/// Commands in flight at once when `config.toml` says nothing (`[bulk] concurrency`).
pub const DEFAULT_CONCURRENCY: usize = 4;

/// How many of a bulk's commands may be in flight at once (at least 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Concurrency(pub usize);

impl Default for Concurrency {
    fn default() -> Self {
        Concurrency(DEFAULT_CONCURRENCY)
    }
}

/// Where one item stands.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Not sent yet.
    Waiting,
    /// Sent as this request; no answer yet.
    InFlight(u64),
    /// It ran; `replayed` when the server had already run it under this key.
    Posted {
        /// Whether the server replayed an earlier run.
        replayed: bool,
        /// The transactions it wrote.
        transactions: Vec<String>,
    },
    /// It falls under an approval policy: held as this proposal for a
    /// second operator (a definite answer; the item's key is rotated).
    Proposed(String),
    /// The server said no: a definite answer.
    Refused {
        /// The problem's code.
        code: String,
        /// Why.
        detail: String,
    },
    /// No answer: the outcome is unknown, the key is kept.
    NoAnswer(String),
    /// It never left the cockpit (its request queue was full).
    NotSent,
}

impl Outcome {
    /// Whether the item still needs sending (never sent, or sent with no answer).
    pub fn unanswered(&self) -> bool {
        matches!(self, Outcome::Waiting | Outcome::NoAnswer(_) | Outcome::NotSent)
    }
}

/// One item of a batch.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// What it acts on (a hold id, a message id): the key's target.
    pub target: String,
    /// How it is shown (`payout-7700 1,250.00 USD`).
    pub label: String,
    /// Its own fields of the command's body (`{"hold_id": …}`).
    pub body: Value,
    /// The key it was last sent with (or will be sent with).
    pub key: String,
    /// Where it stands.
    pub outcome: Outcome,
}

/// How many items stand where.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Every item.
    pub total: usize,
    /// Posted or replayed.
    pub done: usize,
    /// Of those, replayed.
    pub replayed: usize,
    /// Held for a second operator's approval.
    pub proposed: usize,
    /// Refused by the server.
    pub refused: usize,
    /// Sent, no answer yet.
    pub in_flight: usize,
    /// Sent, no answer came.
    pub no_answer: usize,
    /// Not sent yet (or never left the cockpit).
    pub waiting: usize,
}

/// One command per item, at most `limit` in flight.
#[derive(Debug)]
pub struct Batch {
    /// The registry command every item runs.
    pub command: String,
    /// The items, in the order shown and sent.
    pub items: Vec<Item>,
    /// At most this many in flight.
    pub limit: usize,
    common: serde_json::Map<String, Value>,
    keys: Keys<CommandTarget>,
    sending: bool,
}

impl Batch {
    /// A batch of `command` on `items` (`(target, label, body)`), each with
    /// its key now: the one `keys` kept for this command on the target (an
    /// earlier unanswered send), else a new one. Nothing is sent until
    /// [`Batch::start`].
    pub fn new(
        command: &str,
        items: Vec<(String, String, Value)>,
        mut keys: Keys<CommandTarget>,
        limit: usize,
    ) -> Batch {
        let items = items
            .into_iter()
            .map(|(target, label, body)| {
                let key = keys.key(&(command.to_string(), target.clone()));
                Item { target, label, body, key, outcome: Outcome::Waiting }
            })
            .collect();
        Batch {
            command: command.into(),
            items,
            limit: limit.max(1),
            common: serde_json::Map::new(),
            keys,
            sending: false,
        }
    }

    /// Fields every item's body carries (the one reason), set before sending.
    pub fn set_common(&mut self, fields: serde_json::Map<String, Value>) {
        self.common = fields;
    }

    /// Starts sending: as many as the bound allows now, the rest as answers come.
    pub fn start(&mut self, send: impl FnMut(Outgoing) -> u64) -> usize {
        self.sending = true;
        self.pump(send)
    }

    /// Sends waiting items while fewer than `limit` are in flight; returns how many went.
    pub fn pump(&mut self, mut send: impl FnMut(Outgoing) -> u64) -> usize {
        if !self.sending {
            return 0;
        }
        let room = self.limit.saturating_sub(self.counts().in_flight);
        let mut sent = 0;
        for item in self.items.iter_mut().filter(|i| i.outcome == Outcome::Waiting).take(room) {
            item.key = self.keys.key(&(self.command.clone(), item.target.clone()));
            let mut body = item.body.clone();
            if let Value::Object(map) = &mut body {
                map.extend(self.common.clone());
            }
            let id = send(Outgoing { command: self.command.clone(), body, key: item.key.clone() });
            item.outcome = Outcome::InFlight(id);
            sent += 1;
        }
        sent
    }

    /// The answer to request `id`, if it is one of this batch's; then the next item goes.
    pub fn answered(&mut self, id: u64, answer: &Answer, send: impl FnMut(Outgoing) -> u64) -> bool {
        let Some(item) = self.items.iter_mut().find(|i| i.outcome == Outcome::InFlight(id)) else { return false };
        self.keys.answered(&(self.command.clone(), item.target.clone()), answer);
        item.outcome = match answer {
            Answer::Done(result) if result.status == ledgerdeck_client::CommandStatus::PendingApproval => {
                Outcome::Proposed(result.subject_id.clone().unwrap_or_default())
            }
            Answer::Done(result) => {
                Outcome::Posted { replayed: result.replayed, transactions: result.transaction_ids.clone() }
            }
            Answer::Refused { code: Some(code), .. } if code == NOT_SENT => Outcome::NotSent,
            Answer::Refused { code, detail, fields } => {
                let mut detail = detail.clone();
                for (field, message) in fields {
                    detail.push_str(&format!("; {field}: {message}"));
                }
                Outcome::Refused { code: code.clone().unwrap_or_else(|| "ERROR".into()), detail }
            }
            Answer::NoAnswer { detail } => Outcome::NoAnswer(detail.clone()),
        };
        self.pump(send);
        true
    }

    /// Sends again only the items with no definite answer, under the keys
    /// they were sent with (a replay where the server had run them).
    /// Returns how many will go.
    pub fn resubmit(&mut self, send: impl FnMut(Outgoing) -> u64) -> usize {
        let mut again = 0;
        for item in self.items.iter_mut().filter(|i| matches!(i.outcome, Outcome::NoAnswer(_) | Outcome::NotSent)) {
            item.outcome = Outcome::Waiting;
            again += 1;
        }
        self.sending = true;
        self.pump(send);
        again
    }

    /// The key kept for `target` now: `None` once a definite answer rotated it out.
    pub fn kept_key(&self, target: &str) -> Option<&str> {
        self.keys.kept(&(self.command.clone(), target.to_string()))
    }

    /// How many items stand where.
    pub fn counts(&self) -> Counts {
        let mut c = Counts { total: self.items.len(), ..Counts::default() };
        for item in &self.items {
            match &item.outcome {
                Outcome::Waiting | Outcome::NotSent => c.waiting += 1,
                Outcome::InFlight(_) => c.in_flight += 1,
                Outcome::Posted { replayed, .. } => {
                    c.done += 1;
                    c.replayed += usize::from(*replayed);
                }
                Outcome::Proposed(_) => c.proposed += 1,
                Outcome::Refused { .. } => c.refused += 1,
                Outcome::NoAnswer(_) => c.no_answer += 1,
            }
        }
        c
    }

    /// Whether nothing is in flight or left to send.
    pub fn finished(&self) -> bool {
        self.sending && self.items.iter().all(|i| !matches!(i.outcome, Outcome::Waiting | Outcome::InFlight(_)))
    }

    /// `released 37 of 200 · 3 in flight · 1 refused · 2 no answer`.
    pub fn progress(&self, past: &str) -> String {
        let c = self.counts();
        let mut line = format!("{past} {} of {}", c.done, c.total);
        let parts = [
            (c.in_flight, "in flight"),
            (c.replayed, "replayed"),
            (c.proposed, "waiting for approval"),
            (c.refused, "refused"),
            (c.no_answer, "no answer"),
            (if self.sending { c.waiting } else { 0 }, "waiting"),
        ];
        for (n, what) in parts.into_iter().filter(|(n, _)| *n > 0) {
            line.push_str(&format!(" · {n} {what}"));
        }
        line
    }

    /// The keys still kept (unanswered items'), for the next batch on the same targets.
    pub fn into_keys(self) -> Keys<CommandTarget> {
        self.keys
    }

    /// The keys, while the batch holds them.
    pub fn keys(&self) -> &Keys<CommandTarget> {
        &self.keys
    }

    /// The keys, while the batch holds them, to change (an answer to a single command
    /// of the same store arriving meanwhile rotates its key here).
    pub fn keys_mut(&mut self) -> &mut Keys<CommandTarget> {
        &mut self.keys
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ledgerdeck_client::{CommandResult, CommandStatus};
    use serde_json::json;

    fn batch(n: usize, limit: usize) -> Batch {
        let items =
            (0..n).map(|i| (format!("h{i}"), format!("hold {i}"), json!({"hold_id": format!("h{i}")}))).collect();
        Batch::new("release_hold", items, Keys::default(), limit)
    }

    /// What the batch sent, each numbered by its place from 1.
    #[derive(Default)]
    struct Wire(Vec<Outgoing>);

    impl Wire {
        fn send(&mut self, o: Outgoing) -> u64 {
            self.0.push(o);
            self.0.len() as u64
        }
    }

    fn done() -> Answer {
        Answer::Done(CommandResult {
            status: CommandStatus::Posted,
            command: "release_hold".into(),
            reference: None,
            subject_id: None,
            transaction_ids: vec!["t".into()],
            balances: vec![],
            replayed: false,
        })
    }

    /// Never more than the bound in flight; each answer lets exactly one more go.
    #[test]
    fn in_flight_never_exceeds_the_bound() {
        let mut b = batch(7, 3);
        let mut wire = Wire::default();
        assert_eq!(b.start(|o| wire.send(o)), 3);
        for id in 1..=7 {
            assert!(b.counts().in_flight <= 3);
            assert!(b.answered(id, &done(), |o| wire.send(o)));
        }
        assert!(b.finished());
        assert_eq!(b.counts().done, 7);
        assert_eq!(wire.0.len(), 7);
        let keys: std::collections::BTreeSet<_> = wire.0.iter().map(|o| o.key.clone()).collect();
        assert_eq!(keys.len(), 7, "one key per item");
    }

    /// A lost answer keeps the key for the resubmit; a definite one rotates it out.
    #[test]
    fn keys_are_kept_on_no_answer_and_rotated_on_a_definite_answer() {
        let mut b = batch(2, 4);
        let first: Vec<String> = b.items.iter().map(|i| i.key.clone()).collect();
        let mut wire = Wire::default();
        b.start(|o| wire.send(o));
        b.answered(1, &Answer::NoAnswer { detail: "reset".into() }, |o| wire.send(o));
        let refused = Answer::Refused { code: Some("HOLD_NOT_OPEN".into()), detail: "ended".into(), fields: vec![] };
        b.answered(2, &refused, |o| wire.send(o));
        assert_eq!(b.kept_key("h0"), Some(first[0].as_str()));
        assert_eq!(b.kept_key("h1"), None);
        assert_eq!(b.resubmit(|o| wire.send(o)), 1, "only the item without an answer");
        assert_eq!(wire.0.len(), 3);
        assert_eq!(wire.0[2].key, first[0], "resent under its same key");
        assert_eq!(b.progress("released"), "released 0 of 2 · 1 in flight · 1 refused");
    }

    /// A key kept for one command on a target is not used by another
    /// command on it: a settle left without an answer and a release of the
    /// same hold are two requests, never one key for two bodies.
    #[test]
    fn a_kept_key_belongs_to_its_command() {
        let mut b = batch(1, 1);
        let mut wire = Wire::default();
        b.start(|o| wire.send(o));
        b.answered(1, &Answer::NoAnswer { detail: "reset".into() }, |o| wire.send(o));
        let kept = b.kept_key("h0").unwrap().to_string();
        let items = vec![("h0".to_string(), "hold 0".to_string(), json!({"hold_id": "h0"}))];
        let settle = Batch::new("settle_hold", items.clone(), b.into_keys(), 1);
        assert_ne!(settle.items[0].key, kept, "another command, another key");
        let release = Batch::new("release_hold", items, settle.into_keys(), 1);
        assert_eq!(release.items[0].key, kept, "the same command on it resumes its key");
    }

    /// The common fields join each item's own.
    #[test]
    fn each_body_has_its_own_target_and_the_common_reason() {
        let mut b = batch(2, 1);
        let mut common = serde_json::Map::new();
        common.insert("reason".into(), json!("provider failed"));
        b.set_common(common);
        let mut sent = Vec::new();
        b.start(|o| {
            sent.push(o);
            9
        });
        assert_eq!(sent[0].body, json!({"hold_id": "h0", "reason": "provider failed"}));
        assert_eq!(sent.len(), 1);
    }
}
