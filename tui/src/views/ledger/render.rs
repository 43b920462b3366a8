//! Drawing the Ledger view: the paged transaction list, or one transaction
//! with its postings.

use super::LedgerState;
use crate::money::amount;
use crate::theme::Theme;
use crate::widgets::{block, cell, datetime, filtered_list, say, selectable_table, stamp, widths};
use ledgerdeck_client::TransactionView;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, TableState};

/// Draws the Ledger view into `area`.
pub fn render(frame: &mut Frame, area: Rect, state: &LedgerState, theme: &Theme) {
    if let Some(id) = &state.open {
        return render_detail(frame, area, state.detail.as_ref().filter(|t| &t.id == id), theme);
    }
    let more = state.next.is_some();
    let filter = (&state.filter, "/ filter: wallet:w_01 kind:payin from:2026-01-31 to:2026-02-01 ref:inv-9");
    let Some((inner, txns)) = filtered_list(
        frame,
        area,
        "Transactions, newest first",
        more,
        state.transactions.as_ref(),
        "no transactions",
        filter,
        theme,
    ) else {
        return;
    };
    let columns = [
        Constraint::Length(15),
        Constraint::Length(15),
        Constraint::Fill(1),
        Constraint::Length(4),
        Constraint::Fill(2),
    ];
    let w = widths(inner.width.saturating_sub(2), &columns);
    let header = Row::new(["booked UTC", "kind", "description", "legs", "postings"]).style(theme.muted);
    let rows = txns.iter().map(|t| {
        let legs: Vec<String> = t
            .postings
            .iter()
            .map(|p| format!("{} {} {}", cell(&p.account_id, 24), amount(p.amount, &p.currency), cell(&p.currency, 5)))
            .collect();
        let kind = if t.reversed_by.is_some() { format!("{} ↺", t.kind) } else { t.kind.clone() };
        Row::new(vec![
            Line::from(stamp(&t.booked_at)),
            Line::from(cell(&kind, w[1])),
            Line::from(cell(&t.description, w[2])),
            Line::from(t.postings.len().to_string()),
            Line::from(cell(&legs.join(" · "), w[4])),
        ])
    });
    let table = selectable_table(header, rows, &w, theme.highlight);
    frame.render_stateful_widget(table, inner, &mut TableState::new().with_selected(Some(state.selected)));
}

fn render_detail(frame: &mut Frame, area: Rect, t: Option<&TransactionView>, theme: &Theme) {
    let outer = block("Transaction", theme);
    let inner = outer.inner(area);
    frame.render_widget(outer, area);
    let Some(t) = t else { return say(frame, inner, "loading…", theme) };
    let width = inner.width.saturating_sub(14);
    let pair = |label: &str, value: &str| {
        Line::from(vec![Span::styled(format!("{label:<13} "), theme.muted), Span::raw(cell(value, width))])
    };
    let mut lines = vec![
        pair("id", &t.id),
        pair("kind", &t.kind),
        pair("description", &t.description),
        pair("reference", t.reference.as_deref().unwrap_or("—")),
        pair("booked", &datetime(&t.booked_at)),
        pair("effective", &datetime(&t.effective_at)),
        pair("hold", t.hold_id.as_deref().unwrap_or("—")),
        pair("reverses", t.reverses_id.as_deref().unwrap_or("—")),
        pair("reversed by", t.reversed_by.as_deref().unwrap_or("—")),
        Line::default(),
        Line::from(Span::styled("postings", theme.title)),
    ];
    for p in &t.postings {
        let style = if p.amount.is_sign_negative() { theme.warn } else { theme.ok };
        lines.push(Line::from(vec![
            Span::styled(format!("{:>3} ", p.seq), theme.muted),
            Span::raw(format!("{:<40} ", cell(&p.account_id, 40))),
            Span::styled(format!("{:>16} ", amount(p.amount, &p.currency)), style),
            Span::raw(cell(&p.currency, 6)),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
