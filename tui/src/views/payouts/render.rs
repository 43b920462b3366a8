//! Drawing the Payouts view: the queue (only its visible rows), the filter
//! line, and the hold, form or result card on top.

use super::ages::age_span;
use super::{PayoutsState, card, detail, form};
use crate::money::amount;
use crate::theme::Theme;
use crate::widgets::{block, cell, filter_input, say, selectable_table, widths};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, TableState};

/// Draws the Payouts view into `area`.
pub fn render(frame: &mut Frame, area: Rect, state: &PayoutsState, theme: &Theme) {
    if state.open.is_some() {
        detail::render(frame, area, state, theme);
    } else {
        render_list(frame, area, state, theme);
    }
    if let Some(form) = &state.form {
        form::render(frame, area, form, theme);
    }
    if let Some(bulk) = &state.bulk {
        crate::bulk::render(frame, area, bulk, theme);
    }
    if let Some(card) = &state.card {
        card::render(frame, area, card, theme);
    }
}

fn render_list(frame: &mut Frame, area: Rect, state: &PayoutsState, theme: &Theme) {
    let status = state.status_filter().unwrap_or("all statuses");
    let mut title = format!("Payouts: {status} · {}", state.sort.label());
    if state.marked() > 0 {
        title.push_str(&format!(" · {} marked (s/r act on them)", state.marked()));
    }
    let outer = block(&title, theme);
    let inner = outer.inner(area);
    frame.render_widget(outer, area);
    let [filter_area, list_area] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(inner);
    render_filter(frame, filter_area, state, theme);
    if !state.loaded {
        return say(frame, list_area, "loading…", theme);
    }
    let shown = state.shown();
    if shown.is_empty() {
        return say(frame, list_area, "no holds match", theme);
    }
    // The mark column is drawn while anything is marked.
    let marking = state.marked() > 0;
    let o = usize::from(marking);
    let mut columns = vec![
        Constraint::Length(7),
        Constraint::Length(14),
        Constraint::Length(4),
        Constraint::Fill(1),
        Constraint::Fill(1),
        Constraint::Fill(2),
        Constraint::Length(13),
    ];
    let mut names = vec!["age", "amount", "ccy", "provider", "merchant", "reference", "status"];
    if marking {
        columns.insert(0, Constraint::Length(1));
        names.insert(0, "");
    }
    let w = widths(list_area.width.saturating_sub(2), &columns);
    let header = Row::new(names).style(theme.muted);
    // A virtual list: only the rows that fit are built.
    let visible = usize::from(list_area.height.saturating_sub(1)).max(1);
    let offset = state.selected.saturating_sub(visible - 1);
    let rows = shown.iter().skip(offset).take(visible).map(|h| {
        let mut cells = vec![
            Line::from(age_span(state, &h.status, h.age_seconds, theme)),
            Line::from(format!("{:>14}", amount(h.amount, &h.currency))),
            Line::from(cell(&h.currency, w[o + 2])),
            Line::from(cell(&h.provider, w[o + 3])),
            Line::from(cell(&h.merchant_id, w[o + 4])),
            Line::from(cell(&h.reference, w[o + 5])),
            Line::from(cell(&h.status, w[o + 6])),
        ];
        if marking {
            let mark = if state.is_marked(&h.id) { Span::styled("●", theme.accent) } else { Span::raw(" ") };
            cells.insert(0, Line::from(mark));
        }
        Row::new(cells)
    });
    let table = selectable_table(header, rows, &w, theme.highlight);
    frame.render_stateful_widget(table, list_area, &mut TableState::new().with_selected(Some(state.selected - offset)));
}

fn render_filter(frame: &mut Frame, area: Rect, state: &PayoutsState, theme: &Theme) {
    let line = match &state.editing {
        Some(input) => filter_input(frame, area, input, theme),
        None if state.filter.is_empty() => Line::from(Span::styled(
            "/ filter: merchant: wallet: provider: USD age:2h ref · S status · o sort",
            theme.muted,
        )),
        None => Line::from(vec![
            Span::styled("filter: ", theme.muted),
            Span::styled(cell(&state.filter, area.width.saturating_sub(8)), theme.text),
        ]),
    };
    frame.render_widget(Paragraph::new(line), area);
}
