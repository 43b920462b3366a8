//! What arrives from background tasks: data, command answers, connection
//! changes and live events, and the requests they lead to.

use super::App;
use crate::command::Answer;
use crate::data::{DataMsg, Request};
use crate::notice::{Level, problem_text};
use crate::views::Origin;
use ledgerdeck_client::events::LiveEvent;

impl App {
    /// Takes what a background task delivered; returns follow-up requests.
    pub fn on_data(&mut self, msg: DataMsg) -> Vec<Request> {
        let status_before = self.status_text();
        let (changed, requests) = self.take(msg);
        self.journal();
        self.dirty |= changed || self.status_text() != status_before;
        requests
    }

    fn take(&mut self, msg: DataMsg) -> (bool, Vec<Request>) {
        let exporting =
            matches!(msg, DataMsg::ExportProgress { .. } | DataMsg::ExportDone { .. } | DataMsg::ExportFailed { .. });
        if exporting {
            return self.export_data(&msg);
        }
        let fresh = !matches!(msg, DataMsg::CommandFailed { .. } | DataMsg::ReadFailed { .. } | DataMsg::Connection(_));
        if fresh {
            self.last_update = Some(self.now);
        }
        if let Some((id, answer)) = Answer::of(&msg) {
            return self.answer(id, &answer);
        }
        match msg {
            DataMsg::Connection(state) => self.set_conn(state),
            DataMsg::Commands(specs) => {
                let (role, read_only) = (self.session.role, self.session.read_only);
                (self.palette.take_specs(specs, role, read_only), Vec::new())
            }
            DataMsg::Live(LiveEvent::Reset(_)) => (false, self.refresh_all()),
            DataMsg::Me(ref me) => {
                // Views see who the token is too, after the role is set
                // (the Access view loads the tokens only for an admin).
                let changed = self.set_me(me);
                let (also, requests) = self.broadcast(|view, cx| view.on_data(&msg, cx));
                (changed || also, requests)
            }
            DataMsg::Search(results) => (self.find.take(&results), Vec::new()),
            DataMsg::Live(event) => self.broadcast(|view, cx| view.on_live(&event, cx)),
            msg => {
                if let DataMsg::ReadFailed { request, code, detail } = &msg {
                    let what = format!("could not load {}", request.describe());
                    self.notify(Level::Warn, problem_text(&what, code.as_deref(), detail));
                }
                let (changed, requests) = self.broadcast(|view, cx| view.on_data(&msg, cx));
                (changed || matches!(msg, DataMsg::ReadFailed { .. }), requests)
            }
        }
    }

    /// A command's answer, to whoever sent it.
    fn answer(&mut self, id: u64, answer: &Answer) -> (bool, Vec<Request>) {
        // Every answer is recorded, whoever sent the command.
        let logged = self.journal_answer(id, answer);
        let (changed, requests) = self.route_answer(id, answer);
        (changed || logged, requests)
    }

    fn route_answer(&mut self, id: u64, answer: &Answer) -> (bool, Vec<Request>) {
        match self.tracker.answered(id) {
            Some(Origin::View(view)) => self.dispatch(view, |v, cx| v.on_answer(id, answer, cx)),
            Some(Origin::Palette) if self.palette.answered(id, answer) => {
                // The command changed something: the view shown follows.
                let follow = if matches!(answer, Answer::Done(_)) { self.refresh(self.view) } else { Vec::new() };
                (true, follow)
            }
            Some(Origin::Palette) | None => (false, Vec::new()),
        }
    }
}
