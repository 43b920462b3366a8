//! Drawing a bulk action over its view: the form, the confirmation with its
//! count and totals, and the progress line over the per-item result table.

use super::{Bulk, Item, Outcome, Stage};
use crate::money::grouped;
use crate::theme::Theme;
use crate::widgets::{block, cell, centred, widths};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Row, Table, Wrap};

/// Draws `bulk` as an overlay in `area`.
pub fn render(frame: &mut Frame, area: Rect, bulk: &Bulk, theme: &Theme) {
    let n = bulk.batch.items.len();
    let title = format!("{} {n} marked {}", bulk.verb.title, bulk.verb.noun);
    let w = area.width.saturating_sub(4).min(110);
    if bulk.stage == Stage::Running {
        let rect = centred(area, w, area.height.saturating_sub(2));
        frame.render_widget(Clear, rect);
        let outer = block(&title, theme);
        let inner = outer.inner(rect);
        frame.render_widget(outer, rect);
        return render_running(frame, inner, bulk, theme);
    }
    let room = w.saturating_sub(4);
    let mut lines: Vec<Line> =
        bulk.summary.iter().map(|s| Line::from(Span::styled(cell(s, room), theme.accent))).collect();
    let label = |t: &str| Span::styled(format!("{t:<11}"), theme.muted);
    let input_w = room.saturating_sub(12);
    let input = |name: &str, text: &str, focused: bool| {
        let style = if focused { theme.selection } else { theme.text };
        let shown = cell(text, input_w.saturating_sub(1));
        Line::from(vec![label(name), Span::styled(format!("{shown:<width$}", width = usize::from(input_w)), style)])
    };
    if bulk.stage == Stage::Edit
        && let Some(r) = &bulk.reason
    {
        lines.push(Line::default());
        lines.push(input("reason *", r.reason.value(), r.focus == 0));
        if let Some(e) = &bulk.error {
            lines.push(Line::from(vec![label(""), Span::styled(format!("✖ {}", cell(e, input_w)), theme.error)]));
        }
        lines.push(input("evidence", r.evidence.value(), r.focus == 1));
        lines.push(Line::from(Span::styled(
            "One reason for every item; evidence is added to it (each keeps its own provider reference).",
            theme.muted,
        )));
        lines.push(Line::from(Span::styled("Enter continue · Tab next field · Esc cancel", theme.muted)));
    } else {
        lines.push(Line::default());
        lines.push(Line::from(Span::styled(
            format!(
                "Each is its own {} command with its own idempotency key; at most {} at a time.",
                bulk.batch.command, bulk.batch.limit
            ),
            theme.text,
        )));
        if let Some(r) = &bulk.reason {
            lines.push(Line::from(vec![
                label("reason"),
                Span::styled(cell(r.reason.value().trim(), input_w), theme.text),
            ]));
        }
        if let Some(above) = bulk.typed_above {
            lines.push(Line::from(Span::styled(
                format!(
                    "Above {}: type the number of {} ({n}) to confirm, then Enter.",
                    grouped(above),
                    bulk.verb.noun
                ),
                theme.text,
            )));
            lines.push(input("count", bulk.typed_count.value(), true));
            if let Some(e) = &bulk.error {
                lines.push(Line::from(vec![label(""), Span::styled(format!("✖ {}", cell(e, input_w)), theme.error)]));
            }
        } else {
            lines.push(Line::from(Span::styled(format!("Press y to send all {n}, n to go back."), theme.accent)));
        }
    }
    for note in &bulk.notes {
        lines.push(Line::from(Span::styled(format!("▲ {}", cell(note, room)), theme.warn)));
    }
    let rect = centred(area, w, lines.len() as u16 + 4);
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }).block(block(&title, theme)), rect);
}

fn render_running(frame: &mut Frame, area: Rect, bulk: &Bulk, theme: &Theme) {
    let [progress, message, table] =
        Layout::vertical([Constraint::Length(1), Constraint::Length(1), Constraint::Fill(1)]).areas(area);
    let style = if bulk.batch.finished() { theme.ok } else { theme.accent };
    let line = bulk.batch.progress(bulk.verb.past);
    frame.render_widget(Paragraph::new(Span::styled(cell(&line, progress.width), style)), progress);
    let hint = match &bulk.error {
        Some(e) => Span::styled(cell(e, message.width), theme.warn),
        None if bulk.batch.finished() => {
            let again = bulk.batch.items.iter().filter(|i| i.outcome.unanswered()).count();
            let text = if again > 0 {
                format!("R resubmits the {again} without an answer under their same keys · Esc close")
            } else {
                "every item has a definite answer · Esc close".to_string()
            };
            Span::styled(cell(&text, message.width), theme.muted)
        }
        None => Span::styled("sending…", theme.muted),
    };
    frame.render_widget(Paragraph::new(hint), message);
    render_table(frame, table, bulk, theme);
}

/// The per-item table: what, outcome, detail, key.
fn render_table(frame: &mut Frame, area: Rect, bulk: &Bulk, theme: &Theme) {
    let columns = [Constraint::Fill(2), Constraint::Length(16), Constraint::Fill(3), Constraint::Length(9)];
    let w = widths(area.width, &columns);
    let header = Row::new(["item", "outcome", "detail", "key"]).style(theme.muted);
    let visible = usize::from(area.height.saturating_sub(1));
    let rows = bulk.batch.items.iter().skip(bulk.scroll).take(visible).map(|item| {
        let (outcome, style, detail) = outcome(item, theme);
        Row::new(vec![
            Line::from(cell(&item.label, w[0])),
            Line::from(Span::styled(cell(&outcome, w[1]), style)),
            Line::from(cell(&detail, w[2])),
            Line::from(Span::styled(format!("…{}", tail(&item.key)), theme.muted)),
        ])
    });
    let table = Table::new(rows, w.iter().map(|&n| Constraint::Length(n))).header(header).column_spacing(1);
    frame.render_widget(table, area);
}

/// An item's outcome as a word with a mark that reads without colour, its style and detail.
fn outcome(item: &Item, theme: &Theme) -> (String, Style, String) {
    match &item.outcome {
        Outcome::Waiting => ("· waiting".into(), theme.muted, String::new()),
        Outcome::InFlight(_) => ("… sending".into(), theme.accent, String::new()),
        Outcome::Posted { replayed: false, transactions } => ("✓ posted".into(), theme.ok, transactions.join(" ")),
        Outcome::Posted { replayed: true, transactions } => {
            ("✓ replayed".into(), theme.ok, format!("already done under this key {}", transactions.join(" ")))
        }
        Outcome::Proposed(id) => {
            ("⧗ proposed".into(), theme.warn, format!("waiting for a second operator (proposal {id})"))
        }
        Outcome::Refused { code, detail } => (format!("✖ {code}"), theme.error, detail.clone()),
        Outcome::NoAnswer(detail) => ("? no answer".into(), theme.warn, detail.clone()),
        Outcome::NotSent => ("? not sent".into(), theme.warn, "the cockpit's request queue was full".into()),
    }
}

/// A key's random tail, as shown.
fn tail(key: &str) -> &str {
    key.get(key.len().saturating_sub(8)..).unwrap_or(key)
}
