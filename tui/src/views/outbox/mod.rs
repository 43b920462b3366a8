//! Outbox: delivery stats, the message list with a `/` filter, and one
//! message's deliveries and attempts (drawn by `outbox_detail`).

use super::{Effect, age, block, cell, clock, count, filter_input, say, widths};
use crate::data::Request;
use crate::keymap::{Action, Context};
use crate::theme::Theme;
use crossterm::event::{Event, KeyEvent};
use ledgerdeck_client::outbox::{DELIVERY_STATUSES, MESSAGE_STATUSES};
use ledgerdeck_client::{OutboxMessageDetail, OutboxMessageQuery, OutboxMessageView, OutboxSummary, Page};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Table, TableState};
use tui_input::Input;

/// What the Outbox view shows.
#[derive(Debug, Default)]
pub struct OutboxState {
    /// The delivery counters.
    pub stats: Option<OutboxSummary>,
    /// The first page for the applied filter.
    pub messages: Option<Page<OutboxMessageView>>,
    /// The selected row among the shown (filtered) messages.
    pub selected: usize,
    /// The filter applied (sent to the server).
    pub filter: String,
    /// The filter being typed, while `/` is open.
    pub editing: Option<Input>,
    /// The message opened with Enter.
    pub open: Option<String>,
    /// Its detail, once it arrived.
    pub detail: Option<OutboxMessageDetail>,
    /// How far the detail is scrolled.
    pub scroll: u16,
}

/// Turns filter text into the list's query: `status:`, `delivery:`,
/// `type:` and `endpoint:` tokens; a bare delivery or message status word
/// filters on it; any other bare word is an event type.
pub fn parse_filter(text: &str) -> OutboxMessageQuery {
    let mut q = OutboxMessageQuery::default();
    for token in text.split_whitespace() {
        match token.split_once(':') {
            Some(("status", v)) => q.status = Some(v.into()),
            Some(("delivery", v)) => q.delivery_status = Some(v.into()),
            Some(("type", v)) => q.event_type = Some(v.into()),
            Some(("endpoint", v)) => q.endpoint_id = Some(v.into()),
            _ if DELIVERY_STATUSES.contains(&token) => q.delivery_status = Some(token.into()),
            _ if MESSAGE_STATUSES.contains(&token) => q.status = Some(token.into()),
            _ => q.event_type = Some(token.into()),
        }
    }
    q
}

/// Whether a message matches filter text (used while typing, before the
/// server answers): every token must match.
fn matches(m: &OutboxMessageView, text: &str) -> bool {
    text.split_whitespace().all(|token| {
        let t = token.to_lowercase();
        let deliveries = |s: &str| match s {
            "pending" => m.deliveries_pending > 0,
            "delivered" => m.deliveries_delivered > 0,
            "dead" => m.deliveries_dead > 0,
            _ => false,
        };
        match t.split_once(':') {
            Some(("status", v)) => m.status == v,
            Some(("delivery", v)) => deliveries(v),
            Some(("type", v)) => m.event_type.to_lowercase().contains(v),
            Some(("endpoint", _)) => true,
            _ => {
                deliveries(&t)
                    || [&m.id, &m.event_type, &m.subject_id, &m.status].iter().any(|f| f.to_lowercase().contains(&t))
            }
        }
    })
}

impl OutboxState {
    /// Where keys are read.
    pub fn context(&self) -> Context {
        match (&self.editing, &self.open) {
            (Some(_), _) => Context::FilterInput,
            (None, Some(_)) => Context::OutboxDetail,
            (None, None) => Context::OutboxList,
        }
    }

    /// The filter text in force: the one being typed, else the applied one.
    fn filter_text(&self) -> &str {
        self.editing.as_ref().map_or(&self.filter, |i| i.value())
    }

    /// The messages shown, after the filter being typed.
    pub fn shown(&self) -> Vec<&OutboxMessageView> {
        let text = self.filter_text();
        self.messages.iter().flat_map(|p| &p.items).filter(|m| matches(m, text)).collect()
    }

    /// The id of the message a retry would act on.
    pub fn target(&self) -> Option<String> {
        self.open.clone().or_else(|| self.shown().get(self.selected).map(|m| m.id.clone()))
    }

    /// The request for the list under the applied filter.
    pub fn list_request(&self) -> Request {
        Request::LoadOutboxMessages { filter: parse_filter(&self.filter) }
    }

    /// Takes a fresh page of messages.
    pub fn set_messages(&mut self, page: Page<OutboxMessageView>) -> bool {
        if self.messages.as_ref() == Some(&page) {
            return false;
        }
        self.messages = Some(page);
        self.selected = self.selected.min(self.shown().len().saturating_sub(1));
        true
    }

    /// Takes a message's detail if it is the one open.
    pub fn set_detail(&mut self, detail: OutboxMessageDetail) -> bool {
        if self.open.as_deref() != Some(&detail.message.id) || self.detail.as_ref() == Some(&detail) {
            return false;
        }
        self.detail = Some(detail);
        true
    }

    /// A key typed into the filter (not Enter or Esc, which are actions).
    pub fn on_filter_key(&mut self, key: KeyEvent) -> Effect {
        let Some(input) = self.editing.as_mut() else { return Effect::default() };
        let Some(req) = tui_input::backend::crossterm::to_input_request(&Event::Key(key)) else {
            return Effect::default();
        };
        match input.handle(req) {
            Some(_) => {
                self.selected = 0;
                Effect::changed()
            }
            None => Effect::default(),
        }
    }

    /// Navigation, filter and open keys; writing keys are the app's.
    pub fn on_action(&mut self, action: Action) -> Effect {
        match (self.context(), action) {
            (Context::FilterInput, Action::Open) => {
                self.filter = self.editing.take().map(|i| i.value().trim().to_string()).unwrap_or_default();
                self.selected = 0;
                Effect::request(self.list_request())
            }
            (Context::FilterInput, Action::Back) => {
                self.editing = None;
                Effect::changed()
            }
            (Context::OutboxList, Action::Filter) => {
                self.editing = Some(Input::new(self.filter.clone()));
                Effect::changed()
            }
            (Context::OutboxList, Action::Down) if self.selected + 1 < self.shown().len() => {
                self.selected += 1;
                Effect::changed()
            }
            (Context::OutboxList, Action::Up) if self.selected > 0 => {
                self.selected -= 1;
                Effect::changed()
            }
            (Context::OutboxList, Action::Open) => {
                let Some(id) = self.shown().get(self.selected).map(|m| m.id.clone()) else { return Effect::default() };
                if self.detail.as_ref().is_none_or(|d| d.message.id != id) {
                    self.detail = None;
                }
                self.open = Some(id.clone());
                self.scroll = 0;
                Effect::request(Request::LoadOutboxMessage(id))
            }
            (Context::OutboxDetail, Action::Down) => {
                self.scroll = self.scroll.saturating_add(1);
                Effect::changed()
            }
            (Context::OutboxDetail, Action::Up) if self.scroll > 0 => {
                self.scroll -= 1;
                Effect::changed()
            }
            (Context::OutboxDetail, Action::Back) => {
                self.open = None;
                Effect::changed()
            }
            _ => Effect::default(),
        }
    }
}

/// Draws the Outbox view into `area`.
pub fn render(frame: &mut Frame, area: Rect, state: &OutboxState, theme: &Theme) {
    let [stats, rest] = Layout::vertical([Constraint::Length(3), Constraint::Fill(1)]).areas(area);
    render_stats(frame, stats, state.stats.as_ref(), theme);
    if state.open.is_some() {
        super::outbox_detail::render(frame, rest, state, theme);
    } else {
        render_list(frame, rest, state, theme);
    }
}

fn render_stats(frame: &mut Frame, area: Rect, stats: Option<&OutboxSummary>, theme: &Theme) {
    let outer = block("Deliveries", theme);
    let inner = outer.inner(area);
    frame.render_widget(outer, area);
    let Some(s) = stats else { return say(frame, inner, "loading…", theme) };
    let label = |t: &str| Span::styled(format!("{t} "), theme.muted);
    let oldest = s.oldest_pending_age_seconds.map_or("—".to_string(), age);
    let line = Line::from(vec![
        label("pending"),
        count(s.pending, theme.warn, theme),
        label("  oldest"),
        Span::styled(oldest, theme.text),
        label("  failing"),
        count(s.failing, theme.warn, theme),
        label("  dead"),
        count(s.dead, theme.error, theme),
        label("  delivered 5m/1h/24h"),
        Span::styled(format!("{}/{}/{}", s.delivered_5m, s.delivered_1h, s.delivered_24h), theme.ok),
    ]);
    frame.render_widget(Paragraph::new(line), inner);
}

fn render_list(frame: &mut Frame, area: Rect, state: &OutboxState, theme: &Theme) {
    let outer = block("Messages, newest first", theme);
    let inner = outer.inner(area);
    frame.render_widget(outer, area);
    let [filter_area, list_area] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(inner);
    render_filter(frame, filter_area, state, theme);
    let Some(_) = &state.messages else {
        return say(frame, list_area, "loading…", theme);
    };
    let shown = state.shown();
    if shown.is_empty() {
        return say(frame, list_area, "no messages match", theme);
    }
    let columns = [
        Constraint::Length(8),
        Constraint::Fill(2),
        Constraint::Fill(2),
        Constraint::Length(11),
        Constraint::Length(14),
    ];
    let w = widths(list_area.width.saturating_sub(2), &columns);
    let header = Row::new(["created", "event", "subject", "status", "pend/ok/dead"]).style(theme.muted);
    let rows = shown.iter().map(|m| {
        let dead = if m.deliveries_dead > 0 { theme.error } else { theme.text };
        Row::new(vec![
            Line::from(clock(&m.created_at)),
            Line::from(cell(&m.event_type, w[1])),
            Line::from(cell(&m.subject_id, w[2])),
            Line::from(cell(&m.status, w[3])),
            Line::from(vec![
                Span::styled(format!("{:>4}", m.deliveries_pending), theme.text),
                Span::styled(format!("{:>4}", m.deliveries_delivered), theme.ok),
                Span::styled(format!("{:>5}", m.deliveries_dead), dead),
            ]),
        ])
    });
    let mut table_state = TableState::new().with_selected(Some(state.selected));
    let table = Table::new(rows, w.iter().map(|&n| Constraint::Length(n)))
        .header(header)
        .row_highlight_style(theme.highlight)
        .highlight_symbol("› ");
    frame.render_stateful_widget(table, list_area, &mut table_state);
}

fn render_filter(frame: &mut Frame, area: Rect, state: &OutboxState, theme: &Theme) {
    let line = match &state.editing {
        Some(input) => filter_input(frame, area, input, theme),
        None if state.filter.is_empty() => {
            Line::from(Span::styled("/ to filter: dead, status:pending, type:payout.settled", theme.muted))
        }
        None => Line::from(vec![
            Span::styled("filter: ", theme.muted),
            Span::styled(cell(&state.filter, area.width.saturating_sub(8)), theme.text),
        ]),
    };
    frame.render_widget(Paragraph::new(line), area);
}
