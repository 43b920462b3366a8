//! Controls: the stored feature flag rows (`f` sets one through the
//! generated `set_feature_flag` form) and the provider event log.

use super::{Effect, block, cell, clock, paged_list, say, widths};
use crate::data::{Request, ViewId};
use crate::keymap::{Action, Context};
use crate::theme::Theme;
use ledgerdeck_client::providers::ProviderEventView;
use ledgerdeck_client::{FeatureFlag, Page};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Row, Table, TableState};

/// What the Controls view shows.
#[derive(Debug, Default)]
pub struct ControlsState {
    /// The flag rows.
    pub flags: Option<Vec<FeatureFlag>>,
    /// The selected flag row.
    pub selected: usize,
    /// The provider events loaded so far, newest first.
    pub events: Option<Vec<ProviderEventView>>,
    /// The cursor of the next page of events.
    pub next: Option<String>,
}

impl ControlsState {
    /// Where keys are read.
    pub fn context(&self) -> Context {
        Context::Controls
    }

    /// Takes the flag rows.
    pub fn set_flags(&mut self, flags: Vec<FeatureFlag>) -> bool {
        if self.flags.as_ref() == Some(&flags) {
            return false;
        }
        self.selected = self.selected.min(flags.len().saturating_sub(1));
        self.flags = Some(flags);
        true
    }

    /// Takes a page of provider events.
    pub fn set_events(&mut self, page: Page<ProviderEventView>, append: bool) -> bool {
        let mut items = if append { self.events.clone().unwrap_or_default() } else { Vec::new() };
        items.extend(page.items);
        if self.events.as_ref() == Some(&items) && self.next == page.next_cursor {
            return false;
        }
        self.events = Some(items);
        self.next = page.next_cursor;
        true
    }

    /// The selected flag row's name, scope and value (to prefill a form).
    pub fn target(&self) -> Option<&FeatureFlag> {
        self.flags.as_ref()?.get(self.selected)
    }

    /// Navigation and paging.
    pub fn on_action(&mut self, action: Action) -> Effect {
        let n = self.flags.as_ref().map_or(0, Vec::len);
        match action {
            Action::Down if self.selected + 1 < n => {
                self.selected += 1;
                Effect::changed()
            }
            Action::Up if self.selected > 0 => {
                self.selected -= 1;
                Effect::changed()
            }
            Action::More => match self.next.clone() {
                Some(cursor) => Effect::request(Request::LoadMore { view: ViewId::Controls, cursor }),
                None => Effect::default(),
            },
            _ => Effect::default(),
        }
    }
}

/// Draws the Controls view into `area`.
pub fn render(frame: &mut Frame, area: Rect, state: &ControlsState, theme: &Theme) {
    let rows = state.flags.as_ref().map_or(1, Vec::len) as u16;
    let [flags_area, events_area] =
        Layout::vertical([Constraint::Length(rows.clamp(1, 8) + 3), Constraint::Fill(1)]).areas(area);
    let outer = block("Feature flags", theme);
    let inner = outer.inner(flags_area);
    frame.render_widget(outer, flags_area);
    match &state.flags {
        None => say(frame, inner, "loading…", theme),
        Some(flags) if flags.is_empty() => say(frame, inner, "no flag rows: every flag at its default", theme),
        Some(flags) => {
            let columns = [
                Constraint::Fill(2),
                Constraint::Length(9),
                Constraint::Fill(1),
                Constraint::Length(7),
                Constraint::Length(11),
                Constraint::Fill(1),
            ];
            let w = widths(inner.width.saturating_sub(2), &columns);
            let header = Row::new(["flag", "scope", "value", "enabled", "mode", "set by"]).style(theme.muted);
            let body = flags.iter().map(|f| {
                let enabled =
                    if f.enabled { Span::styled("✓ on", theme.ok) } else { Span::styled("✖ off", theme.error) };
                Row::new(vec![
                    Line::from(cell(&f.name, w[0])),
                    Line::from(cell(&f.scope, w[1])),
                    Line::from(cell(&f.scope_value, w[2])),
                    Line::from(enabled),
                    Line::from(cell(f.mode.as_deref().unwrap_or("—"), w[4])),
                    Line::from(format!("{} {}", cell(&f.updated_by, w[5].saturating_sub(9)), clock(&f.updated_at))),
                ])
            });
            let mut table_state = TableState::new().with_selected(Some(state.selected));
            let table = Table::new(body, w.iter().map(|&n| Constraint::Length(n)))
                .header(header)
                .row_highlight_style(theme.highlight)
                .highlight_symbol("› ");
            frame.render_stateful_widget(table, inner, &mut table_state);
        }
    }
    let more = state.next.is_some();
    let Some((inner, events)) = paged_list(
        frame,
        events_area,
        "Provider events, newest first",
        more,
        state.events.as_ref(),
        "no provider events",
        theme,
    ) else {
        return;
    };
    let columns = [
        Constraint::Length(8),
        Constraint::Length(10),
        Constraint::Fill(1),
        Constraint::Fill(1),
        Constraint::Length(10),
        Constraint::Length(14),
    ];
    let w = widths(inner.width, &columns);
    let header = Row::new(["received", "provider", "event", "hold", "status", "outcome"]).style(theme.muted);
    let body = events.iter().map(|e| {
        Row::new(vec![
            Line::from(clock(&e.received_at)),
            Line::from(cell(&e.provider, w[1])),
            Line::from(cell(&e.reference, w[2])),
            Line::from(cell(&e.hold_id, w[3])),
            Line::from(cell(&e.status, w[4])),
            Line::from(cell(&e.outcome, w[5])),
        ])
    });
    frame.render_widget(Table::new(body, w.iter().map(|&n| Constraint::Length(n))).header(header), inner);
}
