//! The app's side of the Payouts view: numbering hold commands, and routing
//! their answers and `hold.changed` events to the view.

use super::{App, Level, Pending};
use crate::data::Request;
use crate::keymap::Action;
use crate::views::Effect;
use ledgerdeck_client::CommandResult;

impl App {
    pub(super) fn payouts_action(&mut self, action: Action) -> Effect {
        let mut effect = self.payouts.on_action(action);
        for request in effect.requests.iter_mut() {
            if let Request::HoldCommand { request_id, body, .. } = request {
                let hold_id = body["hold_id"].as_str().unwrap_or_default().to_string();
                *request_id = self.track(Pending::Hold { hold_id });
                if let Some(form) = self.payouts.form.as_mut() {
                    form.request_id = Some(*request_id);
                }
            }
        }
        effect
    }

    pub(super) fn hold_command_done(&mut self, hold_id: &str, result: &CommandResult) -> (bool, Vec<Request>) {
        if self.payouts.form.as_ref().is_none_or(|f| f.hold.id != hold_id) {
            return (false, Vec::new());
        }
        let replayed = if result.replayed { " (replayed)" } else { "" };
        self.notify(Level::Ok, format!("{} {}{replayed}", result.command, crate::sanitize::cell(hold_id, 40)));
        (true, self.payouts.command_done(result))
    }

    pub(super) fn hold_command_failed(
        &mut self,
        request_id: u64,
        code: Option<&str>,
        detail: &str,
        transport: bool,
        fields: Vec<(String, String)>,
    ) -> (bool, Vec<Request>) {
        let Some(Pending::Hold { hold_id }) = self.pending.remove(&request_id) else { return (false, Vec::new()) };
        if self.payouts.form.as_ref().is_none_or(|f| f.hold.id != hold_id) {
            return (false, Vec::new());
        }
        if transport {
            self.notify(Level::Error, "no answer from the server; Enter resubmits with the same key".into());
        }
        self.payouts.command_failed(code, detail, transport, fields);
        (true, Vec::new())
    }

    pub(super) fn hold_changed(&mut self, data: &serde_json::Value) -> (bool, Vec<Request>) {
        let (Some(hold_id), Some(status)) = (data["hold_id"].as_str(), data["status"].as_str()) else {
            return (false, Vec::new());
        };
        self.payouts.live(hold_id, status)
    }
}
