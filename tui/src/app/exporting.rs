//! The export key as the app carries it: the prompt opened with what the
//! view shown exports, its keys, and the export's messages.

use super::App;
use crate::data::{DataMsg, Request};
use crate::notice::Level;
use crossterm::event::KeyEvent;

impl App {
    /// The export key: opens the prompt for the view shown, or says why not.
    pub(super) fn start_export(&mut self) -> (bool, Vec<Request>) {
        let opened = match self.views.get(self.view).export() {
            Ok(what) => self.export.open(what, self.now),
            Err(why) => Err(format!("{}: {why}", self.view.title())),
        };
        if let Err(text) = opened {
            self.notify(Level::Info, text);
        }
        (true, Vec::new())
    }

    /// A key while the export prompt is open; Enter starts the export,
    /// whose progress then takes the status bar.
    pub(super) fn export_key(&mut self, key: KeyEvent) -> Vec<Request> {
        let keyed = self.export.on_key(key);
        self.dirty |= keyed.changed;
        keyed.request.into_iter().collect()
    }

    /// An export's progress, end or failure.
    pub(super) fn export_data(&mut self, msg: &DataMsg) -> (bool, Vec<Request>) {
        (self.export.on_data(msg), Vec::new())
    }
}
