//! Drawing the Controls view: the stored flag rows and the paged provider
//! event log.

use super::ControlsState;
use crate::theme::Theme;
use crate::widgets::{block, cell, filtered_list, say, selectable_table, stamp, widths};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Row, Table, TableState};

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
                    Line::from(format!("{} {}", cell(&f.updated_by, w[5].saturating_sub(16)), stamp(&f.updated_at))),
                ])
            });
            let table = selectable_table(header, body, &w, theme.highlight);
            frame.render_stateful_widget(table, inner, &mut TableState::new().with_selected(Some(state.selected)));
        }
    }
    let more = state.next.is_some();
    let filter = (&state.filter, "/ filter: provider:sandbox ref:evt-901");
    let Some((inner, events)) = filtered_list(
        frame,
        events_area,
        "Provider events, newest first",
        more,
        state.events.as_ref(),
        "no provider events",
        filter,
        theme,
    ) else {
        return;
    };
    let columns = [
        Constraint::Length(15),
        Constraint::Length(10),
        Constraint::Fill(1),
        Constraint::Fill(1),
        Constraint::Length(10),
        Constraint::Length(14),
    ];
    let w = widths(inner.width, &columns);
    let header = Row::new(["received UTC", "provider", "event", "hold", "status", "outcome"]).style(theme.muted);
    let body = events.iter().map(|e| {
        Row::new(vec![
            Line::from(stamp(&e.received_at)),
            Line::from(cell(&e.provider, w[1])),
            Line::from(cell(&e.reference, w[2])),
            Line::from(cell(&e.hold_id, w[3])),
            Line::from(cell(&e.status, w[4])),
            Line::from(cell(&e.outcome, w[5])),
        ])
    });
    frame.render_widget(Table::new(body, w.iter().map(|&n| Constraint::Length(n))).header(header), inner);
}
