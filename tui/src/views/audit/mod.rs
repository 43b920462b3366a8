//! Audit: the audit log, newest first (cursor-paged, `n` for more); `/`
//! filters by actor on the server.

mod render;

use super::{Cx, View, step};
use crate::data::{DataMsg, Request};
use crate::keys::{Action, Context, FILTER_INPUT, MORE, MOVE, entry};
use crate::theme::Theme;
use crate::widgets::take_page;
use crossterm::event::KeyCode::Char;
use crossterm::event::KeyEvent;
use ledgerdeck_client::{AuditEntry, AuditQuery};
use ratatui::Frame;
use ratatui::layout::Rect;
use tui_input::Input;

/// The audit list has the keyboard.
pub static AUDIT: Context = Context {
    name: "audit",
    title: "Audit",
    entries: &[MOVE, entry(&[Char('/')], "/", "filter by actor", Action::Filter), MORE],
    global: true,
    fixed: false,
};

/// What the Audit view shows.
#[derive(Debug, Default)]
pub struct AuditState {
    /// The records loaded so far, newest first.
    pub entries: Option<Vec<AuditEntry>>,
    /// The cursor of the next page.
    pub next: Option<String>,
    /// The selected row.
    pub selected: usize,
    /// The actor filter applied (sent to the server).
    pub actor: String,
    /// The actor being typed, while `/` is open.
    pub editing: Option<Input>,
}

impl AuditState {
    /// The first page under the applied filter.
    pub fn list_request(&self) -> Request {
        Request::LoadAudit(self.query(None))
    }

    fn query(&self, cursor: Option<String>) -> AuditQuery {
        let actor = Some(self.actor.clone()).filter(|a| !a.is_empty());
        AuditQuery { actor, cursor, ..AuditQuery::default() }
    }
}

/// Every context the view reads keys in.
static CONTEXTS: [&Context; 2] = [&AUDIT, &FILTER_INPUT];

impl View for AuditState {
    fn contexts(&self) -> &'static [&'static Context] {
        &CONTEXTS
    }

    fn context(&self) -> &'static Context {
        if self.editing.is_some() { &FILTER_INPUT } else { &AUDIT }
    }

    fn refresh(&mut self, cx: &mut Cx) {
        cx.read(self.list_request());
    }

    fn on_action(&mut self, action: Action, cx: &mut Cx) -> bool {
        let n = self.entries.as_ref().map_or(0, Vec::len);
        match (self.editing.is_some(), action) {
            (true, Action::Open) => {
                self.actor = self.editing.take().map(|i| i.value().trim().to_string()).unwrap_or_default();
                self.selected = 0;
                cx.read(self.list_request());
                true
            }
            (true, Action::Back) => {
                self.editing = None;
                true
            }
            (false, Action::Filter) => {
                self.editing = Some(Input::new(self.actor.clone()));
                true
            }
            (false, Action::Down | Action::Up) => step(&mut self.selected, n, action),
            (false, Action::More) => match self.next.clone() {
                Some(cursor) => {
                    cx.read(Request::LoadAudit(self.query(Some(cursor))));
                    true
                }
                None => false,
            },
            _ => false,
        }
    }

    fn on_key(&mut self, key: KeyEvent, _cx: &mut Cx) -> bool {
        self.editing.as_mut().is_some_and(|input| crate::input::edit(input, key))
    }

    fn on_data(&mut self, msg: &DataMsg, _cx: &mut Cx) -> bool {
        match msg {
            DataMsg::Audit { page, append } => {
                take_page(&mut self.entries, &mut self.next, &mut self.selected, page.clone(), *append)
            }
            _ => false,
        }
    }

    fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        render::render(frame, area, self, theme);
    }
}
