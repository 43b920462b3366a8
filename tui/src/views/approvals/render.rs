//! Drawing the Approvals view: the queue, and one proposal in detail.

use super::ApprovalsState;
use crate::money::amount;
use crate::theme::Theme;
use crate::widgets::{block, cell, datetime, paged_title, say, selectable_table, stamp, widths};
use ledgerdeck_client::ProposalView;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, TableState, Wrap};

/// Draws the view into `area`.
pub fn render(frame: &mut Frame, area: Rect, state: &ApprovalsState, theme: &Theme) {
    if let Some(p) = state.open.as_ref().and_then(|_| state.current()) {
        return render_detail(frame, area, p, theme);
    }
    let more = state.queue.as_ref().is_some_and(|q| q.next_cursor.is_some());
    let title = paged_title("Approvals: waiting for a second operator, oldest first", more);
    let outer = block(&title, theme);
    let inner = outer.inner(area);
    frame.render_widget(outer, area);
    let Some(queue) = &state.queue else {
        return say(frame, inner, "loading…", theme);
    };
    if queue.items.is_empty() {
        return say(frame, inner, "nothing waits for a second operator", theme);
    }
    let columns = [
        Constraint::Length(15),
        Constraint::Length(18),
        Constraint::Length(20),
        Constraint::Length(12),
        Constraint::Fill(1),
    ];
    let w = widths(inner.width.saturating_sub(2), &columns);
    let header = Row::new(["proposed UTC", "command", "amount", "proposer", "what"]).style(theme.muted);
    let rows = queue.items.iter().map(|p| {
        Row::new(vec![
            Line::from(stamp(&p.created_at)),
            Line::from(cell(&p.command, w[1])),
            Line::from(Span::styled(cell(&shown_amount(p), w[2]), theme.warn)),
            Line::from(cell(&p.proposer, w[3])),
            Line::from(cell(&p.summary, w[4])),
        ])
    });
    let table = selectable_table(header, rows, &w, theme.highlight);
    frame.render_stateful_widget(table, inner, &mut TableState::new().with_selected(Some(state.selected)));
}

/// `250,000.00 NGN`, or `—` for a command that states no amount.
fn shown_amount(p: &ProposalView) -> String {
    match (&p.amount, &p.currency) {
        (Some(a), Some(c)) => format!("{} {c}", amount(*a, c)),
        _ => "—".into(),
    }
}

fn render_detail(frame: &mut Frame, area: Rect, p: &ProposalView, theme: &Theme) {
    let title = format!("Proposal {}", p.id);
    let outer = block(&title, theme);
    let inner = outer.inner(area);
    frame.render_widget(outer, area);
    let room = inner.width.saturating_sub(16);
    let label = |t: &str| Span::styled(format!("{t:<16}"), theme.muted);
    let row = |name: &str, value: String| Line::from(vec![label(name), Span::styled(cell(&value, room), theme.text)]);
    let mut lines = vec![
        Line::from(Span::styled(cell(&p.summary, inner.width.saturating_mul(3)), theme.warn)),
        Line::default(),
        row("command", p.command.clone()),
        row("amount", shown_amount(p)),
        row("proposed by", p.proposer.clone()),
        row("proposed", datetime(&p.created_at)),
        row("expires", datetime(&p.expires_at)),
        Line::default(),
        Line::from(Span::styled("parameters, exactly as they will run:", theme.muted)),
    ];
    if let Some(params) = p.params.as_object() {
        for (name, value) in params {
            let shown = value.as_str().map_or_else(|| value.to_string(), str::to_string);
            lines.push(row(&format!("  {name}"), shown));
        }
    }
    lines.push(Line::default());
    lines.push(Line::from(Span::styled(
        "Approving runs it once, in its proposer's name, through the command's own checks.",
        theme.muted,
    )));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}
