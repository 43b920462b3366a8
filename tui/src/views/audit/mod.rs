//! Audit: the audit log, newest first (cursor-paged, `n` for more); `/`
//! filters by actor on the server.

use super::{Effect, block, cell, clock, paged_title, say, take_page, took, widths};
use crate::keymap::{Action, Context};
use crate::theme::Theme;
use crossterm::event::{Event, KeyEvent};
use ledgerdeck_client::{AuditEntry, AuditQuery, Page};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Table, TableState};
use tui_input::Input;

use crate::data::Request;

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
    /// Where keys are read.
    pub fn context(&self) -> Context {
        if self.editing.is_some() { Context::FilterInput } else { Context::Audit }
    }

    /// The first page under the applied filter.
    pub fn list_request(&self) -> Request {
        Request::LoadAudit(self.query(None))
    }

    fn query(&self, cursor: Option<String>) -> AuditQuery {
        let actor = Some(self.actor.clone()).filter(|a| !a.is_empty());
        AuditQuery { actor, cursor, ..AuditQuery::default() }
    }

    /// Takes a page of records.
    pub fn set_page(&mut self, page: Page<AuditEntry>, append: bool) -> bool {
        take_page(&mut self.entries, &mut self.next, &mut self.selected, page, append)
    }

    /// A key typed into the filter.
    pub fn on_filter_key(&mut self, key: KeyEvent) -> Effect {
        let Some(input) = self.editing.as_mut() else { return Effect::default() };
        let Some(req) = tui_input::backend::crossterm::to_input_request(&Event::Key(key)) else {
            return Effect::default();
        };
        match input.handle(req) {
            Some(_) => Effect::changed(),
            None => Effect::default(),
        }
    }

    /// Navigation, paging and the filter.
    pub fn on_action(&mut self, action: Action) -> Effect {
        let n = self.entries.as_ref().map_or(0, Vec::len);
        match (self.context(), action) {
            (Context::FilterInput, Action::Open) => {
                self.actor = self.editing.take().map(|i| i.value().trim().to_string()).unwrap_or_default();
                self.selected = 0;
                Effect::request(self.list_request())
            }
            (Context::FilterInput, Action::Back) => {
                self.editing = None;
                Effect::changed()
            }
            (Context::Audit, Action::Filter) => {
                self.editing = Some(Input::new(self.actor.clone()));
                Effect::changed()
            }
            (Context::Audit, Action::Down) if self.selected + 1 < n => {
                self.selected += 1;
                Effect::changed()
            }
            (Context::Audit, Action::Up) if self.selected > 0 => {
                self.selected -= 1;
                Effect::changed()
            }
            (Context::Audit, Action::More) => match self.next.clone() {
                Some(cursor) => Effect::request(Request::LoadAudit(self.query(Some(cursor)))),
                None => Effect::default(),
            },
            _ => Effect::default(),
        }
    }
}

/// Draws the Audit view into `area`.
pub fn render(frame: &mut Frame, area: Rect, state: &AuditState, theme: &Theme) {
    let title = paged_title("Audit log, newest first", state.next.is_some());
    let outer = block(&title, theme);
    let inner = outer.inner(area);
    frame.render_widget(outer, area);
    let [filter_area, list_area] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(inner);
    let filter = match &state.editing {
        Some(input) => {
            let x = filter_area.x + 7 + input.visual_cursor() as u16;
            frame.set_cursor_position((x.min(filter_area.right().saturating_sub(1)), filter_area.y));
            Line::from(vec![
                Span::styled("actor: ", theme.accent),
                Span::raw(cell(input.value(), filter_area.width.saturating_sub(8))),
            ])
        }
        None if state.actor.is_empty() => Line::from(Span::styled("/ to filter by actor", theme.muted)),
        None => Line::from(vec![
            Span::styled("actor: ", theme.muted),
            Span::raw(cell(&state.actor, filter_area.width.saturating_sub(8))),
        ]),
    };
    frame.render_widget(Paragraph::new(filter), filter_area);
    let Some(entries) = &state.entries else {
        return say(frame, list_area, "loading…", theme);
    };
    if entries.is_empty() {
        return say(frame, list_area, "no records", theme);
    }
    let columns = [
        Constraint::Length(8),
        Constraint::Length(12),
        Constraint::Fill(1),
        Constraint::Length(9),
        Constraint::Fill(2),
        Constraint::Length(7),
    ];
    let w = widths(list_area.width.saturating_sub(2), &columns);
    let header = Row::new(["at", "actor", "action", "outcome", "detail", "took"]).style(theme.muted);
    let rows = entries.iter().map(|e| {
        let style = match e.outcome.as_str() {
            "posted" => theme.ok,
            "replayed" => theme.accent,
            "refused" => theme.warn,
            _ => theme.error,
        };
        let detail = match (&e.error_code, &e.detail) {
            (Some(code), Some(d)) => format!("{code} {d}"),
            (Some(code), None) => code.clone(),
            (None, d) => d.clone().or_else(|| e.subject_id.clone()).unwrap_or_default(),
        };
        Row::new(vec![
            Line::from(clock(&e.at)),
            Line::from(cell(&e.actor, w[1])),
            Line::from(cell(&e.action, w[2])),
            Line::from(Span::styled(cell(&e.outcome, w[3]), style)),
            Line::from(cell(&detail, w[4])),
            Line::from(took(e.duration_micros)),
        ])
    });
    let mut table_state = TableState::new().with_selected(Some(state.selected));
    let table = Table::new(rows, w.iter().map(|&n| Constraint::Length(n)))
        .header(header)
        .row_highlight_style(theme.highlight)
        .highlight_symbol("› ");
    frame.render_stateful_widget(table, list_area, &mut table_state);
}
