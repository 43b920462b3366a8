//! Drawing the Outbox view: the delivery stats, the message list with its
//! filter line (or the open message), and the retry confirmation.

use super::OutboxState;
use crate::theme::Theme;
use crate::widgets::{age, block, cell, confirm_box, count, filter_input, say, selectable_table, stamp, widths};
use ledgerdeck_client::OutboxSummary;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, TableState};

/// Draws the Outbox view into `area`.
pub fn render(frame: &mut Frame, area: Rect, state: &OutboxState, theme: &Theme) {
    let [stats, rest] = Layout::vertical([Constraint::Length(3), Constraint::Fill(1)]).areas(area);
    render_stats(frame, stats, state.stats.as_ref(), theme);
    if state.open.is_some() {
        super::detail::render(frame, rest, state, theme);
    } else {
        render_list(frame, rest, state, theme);
    }
    if let Some(message_id) = &state.confirm {
        render_confirm(frame, area, message_id, theme);
    }
    if let Some(bulk) = &state.bulk {
        crate::bulk::render(frame, area, bulk, theme);
    }
}

fn render_confirm(frame: &mut Frame, area: Rect, message_id: &str, theme: &Theme) {
    let body = vec![
        Line::from(vec![Span::styled("Retry message ", theme.text), Span::styled(cell(message_id, 40), theme.accent)]),
        Line::from(Span::styled("Its failing and dead deliveries to enabled endpoints", theme.text)),
        Line::from(Span::styled("become due now, with their attempt counts reset.", theme.text)),
    ];
    confirm_box(frame, area, ("Confirm", "retry"), body, 64, theme);
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
    let title = match state.marks.len() {
        0 => "Messages, newest first".to_string(),
        n => format!("Messages, newest first · {n} marked (R retries them)"),
    };
    let outer = block(&title, theme);
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
    // The mark column is drawn while anything is marked.
    let marking = !state.marks.is_empty();
    let o = usize::from(marking);
    let mut columns = vec![
        Constraint::Length(15),
        Constraint::Fill(2),
        Constraint::Fill(2),
        Constraint::Length(11),
        Constraint::Length(14),
    ];
    let mut names = vec!["created UTC", "event", "subject", "status", "pend/ok/dead"];
    if marking {
        columns.insert(0, Constraint::Length(1));
        names.insert(0, "");
    }
    let w = widths(list_area.width.saturating_sub(2), &columns);
    let header = Row::new(names).style(theme.muted);
    let rows = shown.iter().map(|m| {
        let dead = if m.deliveries_dead > 0 { theme.error } else { theme.text };
        let mut cells = vec![
            Line::from(stamp(&m.created_at)),
            Line::from(cell(&m.event_type, w[o + 1])),
            Line::from(cell(&m.subject_id, w[o + 2])),
            Line::from(cell(&m.status, w[o + 3])),
            Line::from(vec![
                Span::styled(format!("{:>4}", m.deliveries_pending), theme.text),
                Span::styled(format!("{:>4}", m.deliveries_delivered), theme.ok),
                Span::styled(format!("{:>5}", m.deliveries_dead), dead),
            ]),
        ];
        if marking {
            let mark = if state.marks.contains_key(&m.id) { Span::styled("●", theme.accent) } else { Span::raw(" ") };
            cells.insert(0, Line::from(mark));
        }
        Row::new(cells)
    });
    let table = selectable_table(header, rows, &w, theme.highlight);
    frame.render_stateful_widget(table, list_area, &mut TableState::new().with_selected(Some(state.selected)));
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
