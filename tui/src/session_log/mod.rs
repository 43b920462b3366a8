//! The session log: a record of every command this cockpit sent — when,
//! which, its key parameters (never a secret), its idempotency key, how it
//! was answered (posted, replayed, refused with its code, no answer) and
//! the server's request id where there is one.
//!
//! The app stays a pure state machine: it keeps the rows for the overlay
//! (`L`, newest first) and hands each new [`Record`] to the runtime, which
//! appends it to one file per UTC day through [`files::SessionFiles`].

pub mod files;
mod record;
mod render;

pub use record::{Event, Outcome, Record, is_key_param, key_params};
pub use render::render;

use crate::command::{Answer, Outgoing};
use crate::keys::{Action, BACK, Context, MOVE, entry};
use chrono::{DateTime, Utc};
use crossterm::event::KeyCode::Char;

/// At most this many commands are kept for the overlay (the file keeps all).
pub const MAX_ROWS: usize = 2_000;

/// At most this many records wait for the file while it cannot be written
/// (a full disk); past it the oldest are dropped, and counted.
pub const MAX_UNWRITTEN: usize = 20_000;

/// The overlay has the keyboard.
pub static SESSION_LOG: Context = Context {
    name: "session_log",
    title: "Session log",
    entries: &[MOVE, BACK, entry(&[Char('L')], "L", "close", Action::SessionLog)],
    global: false,
    fixed: false,
};

/// The commands of this run, for the overlay, and the records not yet written.
#[derive(Debug, Default)]
pub struct SessionLog {
    /// One row per command, oldest first: its send, replaced by its answer.
    rows: Vec<Record>,
    unwritten: Vec<Record>,
    /// Whether the overlay is open.
    pub open: bool,
    /// The row selected, counted from the newest.
    pub selected: usize,
}

impl SessionLog {
    /// `command` was handed on as request `id`.
    pub fn sent(&mut self, at: DateTime<Utc>, id: u64, who: (&str, &str), command: &Outgoing) {
        let record = Record::sent(at, id, who, command);
        self.unwritten.push(record.clone());
        self.rows.push(record);
        if self.rows.len() > MAX_ROWS {
            self.rows.remove(0);
        }
    }

    /// Request `id` was answered; `false` if it is not one this log saw sent.
    pub fn answered(&mut self, at: DateTime<Utc>, id: u64, answer: &Answer) -> bool {
        let Some(row) = self.rows.iter_mut().rev().find(|r| r.request == id) else { return false };
        let record = Record::answered(at, row, answer);
        *row = record.clone();
        self.unwritten.push(record);
        true
    }

    /// The records to append to the file, in order, once.
    pub fn take_unwritten(&mut self) -> Vec<Record> {
        std::mem::take(&mut self.unwritten)
    }

    /// Records taken but not written go back in front of the newer ones,
    /// for the next append. Returns how many of the oldest were dropped to
    /// stay within [`MAX_UNWRITTEN`].
    pub fn put_back(&mut self, mut records: Vec<Record>) -> usize {
        records.append(&mut self.unwritten);
        let dropped = records.len().saturating_sub(MAX_UNWRITTEN);
        records.drain(..dropped);
        self.unwritten = records;
        dropped
    }

    /// The rows, newest first.
    pub fn newest_first(&self) -> impl Iterator<Item = &Record> {
        self.rows.iter().rev()
    }

    /// How many rows there are.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether no command was sent yet.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// A key action while the overlay is open; whether anything changed.
    pub fn on_action(&mut self, action: Option<Action>) -> bool {
        match action {
            Some(Action::Down) if self.selected + 1 < self.rows.len() => self.selected += 1,
            Some(Action::Up) if self.selected > 0 => self.selected -= 1,
            Some(Action::Back | Action::SessionLog) => self.open = false,
            _ => return false,
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sent(log: &mut SessionLog, id: u64) {
        let command = Outgoing { command: "transfer".into(), body: serde_json::json!({}), key: format!("k{id}") };
        log.sent(Utc::now(), id, ("staging", "ada"), &command);
    }

    /// Put-back records go before newer ones; past the bound the oldest go.
    #[test]
    fn put_back_records_go_first_within_the_bound() {
        let mut log = SessionLog::default();
        sent(&mut log, 1);
        let taken = log.take_unwritten();
        sent(&mut log, 2);
        assert_eq!(log.put_back(taken), 0);
        let order: Vec<u64> = log.take_unwritten().iter().map(|r| r.request).collect();
        assert_eq!(order, vec![1, 2]);
        for id in 0..MAX_UNWRITTEN as u64 {
            sent(&mut log, id);
        }
        let taken = log.take_unwritten();
        sent(&mut log, u64::MAX);
        assert_eq!(log.put_back(taken), 1, "one over the bound: the oldest goes");
        let left = log.take_unwritten();
        assert_eq!(left.len(), MAX_UNWRITTEN);
        assert_eq!((left[0].request, left[left.len() - 1].request), (1, u64::MAX));
    }
}
