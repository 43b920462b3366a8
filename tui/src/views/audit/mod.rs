//! Audit: the audit log, newest first (cursor-paged, `n` for more); `/`
//! filters on the server by actor, action, outcome, reference and dates.

mod render;

use super::{Cx, Link, Nav, Target, Value, View, nav, step, time_token};
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
    entries: &[MOVE, entry(&[Char('/')], "/", "filter", Action::Filter), MORE],
    global: true,
    fixed: false,
};

/// Every context the view reads keys in.
static CONTEXTS: [&Context; 2] = [&AUDIT, &FILTER_INPUT];

/// What the Audit view shows.
#[derive(Debug, Default)]
pub struct AuditState {
    /// The records loaded so far, newest first.
    pub entries: Option<Vec<AuditEntry>>,
    /// The cursor of the next page.
    pub next: Option<String>,
    /// The selected row.
    pub selected: usize,
    /// The filter applied (sent to the server): `actor:`, `action:`,
    /// `outcome:`, `ref:`, `from:`, `to:`; a bare word is an actor.
    pub filter: String,
    /// The filter being typed, while `/` is open.
    pub editing: Option<Input>,
}

/// The filter's query: `actor:`, `action:`, `outcome:`, `ref:` (an
/// idempotency key or subject id), `from:` and `to:` (a day or an RFC 3339
/// time, UTC); a bare word is an actor.
pub fn parse_filter(text: &str) -> AuditQuery {
    let mut q = AuditQuery::default();
    for token in text.split_whitespace() {
        match token.split_once(':') {
            Some(("actor", v)) => q.actor = Some(v.into()),
            Some(("action", v)) => q.action = Some(v.into()),
            Some(("outcome", v)) => q.outcome = Some(v.into()),
            Some(("ref" | "reference", v)) => q.reference = Some(v.into()),
            Some(("from", v)) if time_token(v).is_some() => q.from = time_token(v),
            Some(("to", v)) if time_token(v).is_some() => q.to = time_token(v),
            _ => q.actor = Some(token.into()),
        }
    }
    q
}

impl AuditState {
    /// The first page under the applied filter.
    pub fn list_request(&self) -> Request {
        Request::LoadAudit(self.query(None))
    }

    fn query(&self, cursor: Option<String>) -> AuditQuery {
        AuditQuery { cursor, ..parse_filter(&self.filter) }
    }

    fn current(&self) -> Option<&AuditEntry> {
        self.entries.as_ref()?.get(self.selected)
    }
}

/// Where the Audit view stands, to come back to.
#[derive(Debug, Default)]
struct Place {
    selected: usize,
    filter: String,
}

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
                self.filter = self.editing.take().map(|i| i.value().trim().to_string()).unwrap_or_default();
                self.selected = 0;
                cx.read(self.list_request());
                true
            }
            (true, Action::Back) => {
                self.editing = None;
                true
            }
            (false, Action::Filter) => {
                self.editing = Some(Input::new(self.filter.clone()));
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

    /// An audit target is a reference (an idempotency key or a subject):
    /// the log is filtered on it.
    fn open(&mut self, target: &Target, cx: &mut Cx) -> bool {
        let Target::Audit(reference) = target else { return false };
        self.editing = None;
        self.filter = format!("ref:{reference}");
        self.selected = 0;
        self.entries = None;
        cx.read(self.list_request());
        true
    }

    fn crumbs(&self) -> Vec<String> {
        if self.filter.is_empty() { Vec::new() } else { vec![crate::sanitize::cell(&self.filter, 40)] }
    }

    fn save(&self) -> Nav {
        Box::new(Place { selected: self.selected, filter: self.filter.clone() })
    }

    fn restore(&mut self, saved: Nav, cx: &mut Cx) {
        let place: Place = nav(saved);
        if place.filter != self.filter {
            // Back to another filter: its rows are read again.
            self.entries = None;
            self.filter = place.filter;
            cx.read(self.list_request());
        }
        self.selected = place.selected;
    }

    fn links(&self) -> Vec<Link> {
        let Some(e) = self.current() else { return Vec::new() };
        let Some(subject) = &e.subject_id else { return Vec::new() };
        Target::of_action(&e.action, subject)
            .map(|t| vec![Link::new(format!("subject {subject}"), t)])
            .unwrap_or_default()
    }

    /// The audit records of the `/` filter.
    fn export(&self) -> Result<crate::export::Exportable, &'static str> {
        let q = parse_filter(&self.filter);
        let query = crate::data::ExportQuery {
            actor: q.actor,
            action: q.action,
            outcome: q.outcome,
            reference: q.reference,
            from: q.from,
            to: q.to,
            ..Default::default()
        };
        Ok(crate::export::Exportable::new(crate::data::ExportKind::Audit, query))
    }

    fn values(&self) -> Vec<Value> {
        let Some(e) = self.current() else { return Vec::new() };
        let mut values = vec![Value::copy("audit id", e.id.clone())];
        if let Some(k) = &e.idempotency_key {
            values.push(Value::copy("idempotency key", k.clone()));
        }
        if let Some(s) = &e.subject_id {
            values.push(Value::copy("subject id", s.clone()));
        }
        values
    }
}
