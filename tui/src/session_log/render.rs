//! The session log overlay: this run's commands, newest first, one row
//! each (time, command, outcome, key parameters, idempotency key), and the
//! selected one in full below. Every text is drawn inert and clipped.

use super::{Outcome, Record, SessionLog};
use crate::theme::Theme;
use crate::widgets::{block, cell, selectable_table, stamp, widths};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Row, TableState};

/// Draws the overlay over `area`.
pub fn render(frame: &mut Frame, area: Rect, log: &SessionLog, theme: &Theme) {
    let rect = area;
    frame.render_widget(Clear, rect);
    let title = format!("Session log · {} commands this run · newest first", log.len());
    let outer = block(&title, theme);
    let inner = outer.inner(rect);
    frame.render_widget(outer, rect);
    if log.is_empty() {
        let text = "no command sent yet; every command this cockpit sends is recorded here and in the day's file";
        return frame.render_widget(Paragraph::new(Span::styled(cell(text, inner.width), theme.muted)), inner);
    }
    let [list, detail] = Layout::vertical([Constraint::Fill(1), Constraint::Length(4)]).areas(inner);
    // The key gets its own column where it fits whole; below it is in the detail.
    let wide = list.width >= 120;
    let columns = [
        Constraint::Length(15),
        Constraint::Length(20),
        Constraint::Length(22),
        Constraint::Fill(1),
        Constraint::Length(if wide { 36 } else { 0 }),
    ];
    let w = widths(list.width.saturating_sub(2), &columns);
    let mut titles = vec!["sent UTC", "command", "outcome", "parameters"];
    if wide {
        titles.push("idempotency key");
    }
    let header = Row::new(titles).style(theme.muted);
    let rows = log.newest_first().map(|r| {
        let mut cells = vec![
            Line::from(stamp(&r.at)),
            Line::from(cell(&r.command, w[1])),
            Line::from(Span::styled(cell(&outcome(r), w[2]), outcome_style(r, theme))),
            Line::from(cell(&params(r), w[3])),
        ];
        if wide {
            cells.push(Line::from(cell(&r.idempotency_key, w[4])));
        }
        Row::new(cells)
    });
    let table = selectable_table(header, rows, &w, theme.highlight);
    frame.render_stateful_widget(table, list, &mut TableState::new().with_selected(Some(log.selected)));
    if let Some(r) = log.newest_first().nth(log.selected) {
        render_detail(frame, detail, r, theme);
    }
}

fn render_detail(frame: &mut Frame, area: Rect, r: &Record, theme: &Theme) {
    let width = area.width;
    let line = |label: &'static str, value: String| {
        Line::from(vec![
            Span::styled(label, theme.muted),
            Span::styled(cell(&value, width.saturating_sub(label.len() as u16)), theme.text),
        ])
    };
    let mut done = r.transaction_ids.join(", ");
    if let Some(subject) = &r.subject_id {
        done = if done.is_empty() { subject.clone() } else { format!("{subject} · {done}") };
    }
    let request_id = r.server_request_id.clone().unwrap_or_else(|| "— (the server sends none)".into());
    let lines = vec![
        line("key        ", format!("{} · request #{} · server request id {request_id}", r.idempotency_key, r.request)),
        line("parameters ", params(r)),
        line("answer     ", format!("{} {}", outcome(r), r.detail.as_deref().unwrap_or(""))),
        line("wrote      ", if done.is_empty() { "—".into() } else { done }),
    ];
    frame.render_widget(Paragraph::new(lines), area);
}

/// `posted`, `refused HOLD_NOT_OPEN`, `sent…` (no answer yet).
fn outcome(r: &Record) -> String {
    match (r.outcome, &r.code) {
        (None, _) => "sent…".into(),
        (Some(o), Some(code)) => format!("{} {code}", o.label()),
        (Some(o), None) => o.label().into(),
    }
}

fn outcome_style(r: &Record, theme: &Theme) -> ratatui::style::Style {
    match r.outcome {
        Some(Outcome::Posted | Outcome::Replayed) => theme.ok,
        Some(Outcome::Refused) => theme.error,
        Some(Outcome::NoAnswer) => theme.warn,
        None => theme.muted,
    }
}

/// `hold_id=h1 amount=10.00`.
fn params(r: &Record) -> String {
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    r.params.iter().map(|(k, v)| format!("{k}={}", text(v))).collect::<Vec<_>>().join(" ")
}
