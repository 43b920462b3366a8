//! The one command path. Every write of the cockpit (settle, release,
//! retry, run gates, reverse, set a flag, any palette command) is a
//! [`Request::Command`] numbered by one [`Tracker`], answered by one
//! [`Answer`], and carries an idempotency key that is made when the form or
//! confirmation opens, kept across a transport failure (so a resubmit
//! replays rather than repeats) and rotated after a definite answer.

use crate::data::{DataMsg, Request};
use ledgerdeck_client::CommandResult;
use std::collections::{BTreeMap, HashMap};

/// The code of the answer a command gets when it could not even be handed
/// to the network side (its queue was full): nothing was sent.
pub const NOT_SENT: &str = "NOT_SENT";

/// How a command was answered.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// It ran (or replayed).
    Done(CommandResult),
    /// The server said no, or it was never sent: a definite answer.
    Refused {
        /// The problem's code.
        code: Option<String>,
        /// Why, for people.
        detail: String,
        /// The field errors as `(field, message)`.
        fields: Vec<(String, String)>,
    },
    /// No answer: the outcome is unknown, so the key must be kept.
    NoAnswer {
        /// What went wrong.
        detail: String,
    },
}

impl Answer {
    /// The request id and answer a data message carries, if it is a command's.
    pub fn of(msg: &DataMsg) -> Option<(u64, Answer)> {
        match msg {
            DataMsg::CommandDone { request_id, result } => Some((*request_id, Answer::Done(result.clone()))),
            DataMsg::CommandFailed { request_id, detail, unknown: true, .. } => {
                Some((*request_id, Answer::NoAnswer { detail: detail.clone() }))
            }
            DataMsg::CommandFailed { request_id, code, detail, fields, .. } => Some((
                *request_id,
                Answer::Refused { code: code.clone(), detail: detail.clone(), fields: fields.clone() },
            )),
            _ => None,
        }
    }

    /// Whether the outcome is known (the key may rotate).
    pub fn is_definite(&self) -> bool {
        !matches!(self, Answer::NoAnswer { .. })
    }

    /// The message a request gets when it never left the cockpit.
    pub fn not_sent(id: u64) -> DataMsg {
        DataMsg::CommandFailed {
            request_id: id,
            code: Some(NOT_SENT.into()),
            detail: "the cockpit's request queue is full; nothing was sent".into(),
            unknown: false,
            fields: Vec::new(),
        }
    }
}

/// What a result card says of a call held for a second operator:
/// `waiting for a second operator (proposal prop_…)`; `None` for any other.
pub fn waiting_note(result: &CommandResult) -> Option<String> {
    (result.status == ledgerdeck_client::CommandStatus::PendingApproval).then(|| {
        let id = result.subject_id.as_deref().unwrap_or("?");
        format!("waiting for a second operator (proposal {})", crate::sanitize::cell(id, 60))
    })
}

/// A command to send, before it has an id.
#[derive(Debug, Clone, PartialEq)]
pub struct Outgoing {
    /// The command's name.
    pub command: String,
    /// Its parameters.
    pub body: serde_json::Value,
    /// Its idempotency key.
    pub key: String,
}

/// Numbers commands and remembers who sent each until it is answered; what
/// it sent is also kept, until taken, for the session log.
#[derive(Debug)]
pub struct Tracker<O> {
    next_id: u64,
    pending: HashMap<u64, O>,
    sent: Vec<(u64, Outgoing)>,
}

impl<O> Default for Tracker<O> {
    fn default() -> Self {
        Tracker { next_id: 1, pending: HashMap::new(), sent: Vec::new() }
    }
}

impl<O> Tracker<O> {
    /// Numbers `command` for `origin`: the request to send and its id.
    pub fn send(&mut self, origin: O, command: Outgoing) -> (u64, Request) {
        let id = self.next_id;
        self.next_id += 1;
        self.pending.insert(id, origin);
        self.sent.push((id, command.clone()));
        (id, Request::Command { id, command: command.command, body: command.body, key: command.key })
    }

    /// The commands numbered since the last call, oldest first, with their ids.
    pub fn take_sent(&mut self) -> Vec<(u64, Outgoing)> {
        std::mem::take(&mut self.sent)
    }

    /// Who sent `id`, now that it is answered (once).
    pub fn answered(&mut self, id: u64) -> Option<O> {
        self.pending.remove(&id)
    }
}

/// What a key is kept for: a command on a target (`("release_hold",
/// hold id)`), so a key kept for one command is never sent with another.
pub type CommandTarget = (String, String);

/// Idempotency keys of writes aimed at targets (a message to retry, the
/// gates to run): made when first asked for, kept until a definite answer.
#[derive(Debug, Clone, Default)]
pub struct Keys<T: Ord> {
    keys: BTreeMap<T, String>,
}

impl<T: Ord + Clone> Keys<T> {
    /// The key for `target`: the one kept, else a new one.
    pub fn key(&mut self, target: &T) -> String {
        self.keys.entry(target.clone()).or_insert_with(ledgerdeck_client::http::new_idempotency_key).clone()
    }

    /// The key kept for `target`, if any.
    pub fn kept(&self, target: &T) -> Option<&str> {
        self.keys.get(target).map(String::as_str)
    }

    /// `target` was answered: a definite answer drops its key, so the next
    /// write is a new request.
    pub fn answered(&mut self, target: &T, answer: &Answer) {
        if answer.is_definite() {
            self.keys.remove(target);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_kept_until_a_definite_answer() {
        let mut keys: Keys<String> = Keys::default();
        let target = "msg-1".to_string();
        let first = keys.key(&target);
        keys.answered(&target, &Answer::NoAnswer { detail: "timed out".into() });
        assert_eq!(keys.key(&target), first);
        keys.answered(&target, &Answer::Refused { code: None, detail: "no".into(), fields: vec![] });
        assert_ne!(keys.key(&target), first);
    }

    #[test]
    fn every_command_gets_its_own_id_and_one_origin() {
        let mut tracker: Tracker<&str> = Tracker::default();
        let out = Outgoing { command: "run_gates".into(), body: serde_json::json!({}), key: "k".into() };
        let (a, _) = tracker.send("gates", out.clone());
        let (b, request) = tracker.send("palette", out);
        assert_ne!(a, b);
        assert!(matches!(request, Request::Command { id, ref key, .. } if id == b && key == "k"));
        assert_eq!(tracker.answered(a), Some("gates"));
        assert_eq!(tracker.answered(a), None, "answered once");
        let sent: Vec<u64> = tracker.take_sent().into_iter().map(|(id, _)| id).collect();
        assert_eq!(sent, vec![a, b], "every command numbered is kept for the session log, once");
        assert!(tracker.take_sent().is_empty());
    }
}
