//! Drawing the Audit view: the filter line and the paged log.

use super::AuditState;
use crate::theme::Theme;
use crate::widgets::{block, cell, paged_title, say, selectable_table, stamp, took, widths};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, TableState};

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
        None if state.filter.is_empty() => Line::from(Span::styled(
            "/ to filter: an actor, or actor: action: outcome: ref: from:2026-01-31 to:",
            theme.muted,
        )),
        None => Line::from(shown_filter(&state.filter, filter_area.width, theme)),
    };
    frame.render_widget(Paragraph::new(filter), filter_area);
    let Some(entries) = &state.entries else {
        return say(frame, list_area, "loading…", theme);
    };
    if entries.is_empty() {
        return say(frame, list_area, "no records", theme);
    }
    let columns = [
        Constraint::Length(15),
        Constraint::Length(12),
        Constraint::Fill(1),
        Constraint::Length(9),
        Constraint::Fill(2),
        Constraint::Length(7),
    ];
    let w = widths(list_area.width.saturating_sub(2), &columns);
    let header = Row::new(["at UTC", "actor", "action", "outcome", "detail", "took"]).style(theme.muted);
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
            Line::from(stamp(&e.at)),
            Line::from(cell(&e.actor, w[1])),
            Line::from(cell(&e.action, w[2])),
            Line::from(Span::styled(cell(&e.outcome, w[3]), style)),
            Line::from(cell(&detail, w[4])),
            Line::from(took(e.duration_micros)),
        ])
    });
    let table = selectable_table(header, rows, &w, theme.highlight);
    frame.render_stateful_widget(table, list_area, &mut TableState::new().with_selected(Some(state.selected)));
}

/// The filter in force as `name: value` pairs (a bare word shows as the actor).
fn shown_filter(text: &str, width: u16, theme: &Theme) -> Vec<Span<'static>> {
    let mut spans = Vec::new();
    for token in text.split_whitespace() {
        let (name, value) = token.split_once(':').unwrap_or(("actor", token));
        spans.push(Span::styled(format!("{name}: "), theme.muted));
        spans.push(Span::raw(format!("{} ", cell(value, width / 2))));
    }
    spans
}
