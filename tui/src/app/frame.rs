//! The frame's view model: tabs, status bar, footer hints and the help
//! overlay, built from the app for [`crate::frame`] to draw.

use super::App;
use crate::frame::{FrameModel, Help, Status, Tab};
use crate::keys::{Action, Binding};
use crate::views::ViewId;

impl App {
    /// What the frame around the view shows now.
    pub fn frame_model(&self) -> FrameModel {
        let hides_writes = self.hides_writes();
        let context = self.context();
        let tabs = ViewId::TABS
            .iter()
            .filter_map(|v| Some(Tab { number: v.number()?, title: v.title(), current: *v == self.view }))
            .collect();
        let status = Status {
            profile: self.session.profile.clone(),
            operator: self.session.operator.clone(),
            connection: self.conn_label(),
            updated: self.updated_text(),
            approvals: match self.views.approvals.waiting() {
                Some((n, more)) if n > 0 => Some(format!("{n}{}", if more { "+" } else { "" })),
                _ => None,
            },
            notice: self.notice.as_ref().map(|n| (n.level, n.text.clone())),
        };
        let hints = self.keymap.hints(context, hides_writes).filter(|b| self.offered(b)).map(line).collect();
        FrameModel {
            banner: self.session.production.then(|| self.session.profile.clone()),
            tabs,
            path: self.title_path(),
            read_only: self.session.read_only,
            status,
            hints,
            help: self.help.then(|| self.help_model()),
            alert: self.conn_alert(),
        }
    }

    fn help_model(&self) -> Help {
        let hides_writes = self.hides_writes();
        let context = self.context();
        let own = self.keymap.own(context);
        let keys = own.iter().filter(|b| !(hides_writes && b.writes)).map(line).collect();
        let numbers: Vec<&Binding> =
            self.keymap.global().iter().filter(|b| matches!(b.action, Action::GoTo(_))).collect();
        // The number keys on one line, so the overlay fits at 80×24; the
        // tenth tab is 0, as on the keyboard.
        let label = match (self.keymap.default_numbers(), numbers.first(), numbers.last()) {
            (true, Some(first), Some(last)) if last.label == "0" && numbers.len() > 2 => {
                format!("{}-{}, 0", first.label, numbers[numbers.len() - 2].label)
            }
            (true, Some(first), Some(last)) => format!("{}-{}", first.label, last.label),
            _ => numbers.iter().map(|b| b.label.as_str()).collect::<Vec<_>>().join(" "),
        };
        let mut everywhere = vec![(label, "views by number".to_string())];
        let global = self.keymap.global().iter().filter(|b| !matches!(b.action, Action::GoTo(_)) && self.offered(b));
        everywhere.extend(global.map(line));
        everywhere.push(("Ctrl-C".into(), "quit".into()));
        Help {
            context: (!own.is_empty()).then(|| (context.title.to_string(), keys)),
            everywhere,
            writes_off: hides_writes
                .then(|| if self.session.read_only { "read-only profile" } else { "viewer role" }.to_string()),
        }
    }
}

impl App {
    /// Whether a binding means anything now: reconnecting only while the
    /// live stream is down and trying again.
    fn offered(&self, binding: &Binding) -> bool {
        binding.action != Action::Reconnect || self.conn.retrying()
    }
}

fn line(binding: &Binding) -> (String, String) {
    (binding.label.clone(), binding.description.to_string())
}
