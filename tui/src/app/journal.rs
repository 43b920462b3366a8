//! The app's side of the session log: what the command path numbered and
//! how it was answered become records, kept for the overlay and handed to
//! the runtime to append to the day's file.

use super::App;
use crate::command::Answer;
use crate::session_log::Record;

impl App {
    /// The records made since the last call, in order, for the runtime to
    /// append to the day's file.
    pub fn take_session_records(&mut self) -> Vec<Record> {
        self.journal();
        self.session_log.take_unwritten()
    }

    /// Records [`App::take_session_records`] gave that could not be
    /// written; they go out with the next. Returns how many old ones were
    /// dropped to bound what waits.
    pub fn put_back_session_records(&mut self, records: Vec<Record>) -> usize {
        self.session_log.put_back(records)
    }

    /// Moves what the command path numbered into the session log.
    pub(super) fn journal(&mut self) {
        let who = (self.session.profile.as_str(), self.session.operator.as_str());
        for (id, command) in self.tracker.take_sent() {
            self.session_log.sent(self.now, id, who, &command);
        }
    }

    /// Records the answer to command `id`; whether the open overlay changed.
    pub(super) fn journal_answer(&mut self, id: u64, answer: &Answer) -> bool {
        self.journal();
        self.session_log.answered(self.now, id, answer) && self.session_log.open
    }
}
