//! Drawing the Wallets view: the paged wallet list, or one wallet's statement.

use super::WalletsState;
use crate::theme::Theme;
use crate::widgets::{block, cell, clock, paged_list, say, widths};
use ledgerdeck_client::{Page, StatementLine};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Row, Table, TableState};

/// Draws the Wallets view into `area`.
pub fn render(frame: &mut Frame, area: Rect, state: &WalletsState, theme: &Theme) {
    if let Some(id) = &state.open {
        return render_statement(frame, area, id, state.statement.as_ref(), theme);
    }
    let more = state.next.is_some();
    let Some((inner, wallets)) = paged_list(frame, area, "Wallets", more, state.wallets.as_ref(), "no wallets", theme)
    else {
        return;
    };
    let columns = [
        Constraint::Fill(2),
        Constraint::Fill(1),
        Constraint::Length(5),
        Constraint::Length(16),
        Constraint::Length(14),
    ];
    let w = widths(inner.width.saturating_sub(2), &columns);
    let header = Row::new(["wallet", "merchant", "cur", "available", "reserved"]).style(theme.muted);
    let rows = wallets.iter().map(|x| {
        let label = x.label.as_deref().map_or_else(|| x.id.clone(), |l| format!("{l} · {}", x.id));
        Row::new(vec![
            Line::from(cell(&label, w[0])),
            Line::from(cell(&x.merchant_id, w[1])),
            Line::from(cell(&x.currency, w[2])),
            Line::from(format!("{:>width$}", x.available.to_string(), width = usize::from(w[3]))).style(theme.ok),
            Line::from(format!("{:>width$}", x.reserved.to_string(), width = usize::from(w[4]))),
        ])
    });
    let mut table_state = TableState::new().with_selected(Some(state.selected));
    let table = Table::new(rows, w.iter().map(|&n| Constraint::Length(n)))
        .header(header)
        .row_highlight_style(theme.highlight)
        .highlight_symbol("› ");
    frame.render_stateful_widget(table, inner, &mut table_state);
}

fn render_statement(frame: &mut Frame, area: Rect, id: &str, page: Option<&Page<StatementLine>>, theme: &Theme) {
    let title = format!("Statement {}", cell(id, 40));
    let outer = block(&title, theme);
    let inner = outer.inner(area);
    frame.render_widget(outer, area);
    let Some(page) = page else { return say(frame, inner, "loading…", theme) };
    if page.items.is_empty() {
        return say(frame, inner, "no postings yet", theme);
    }
    let columns = [
        Constraint::Length(8),
        Constraint::Length(9),
        Constraint::Fill(1),
        Constraint::Length(14),
        Constraint::Length(14),
    ];
    let w = widths(inner.width, &columns);
    let header = Row::new(["booked", "account", "description", "amount", "balance"]).style(theme.muted);
    let rows = page.items.iter().map(|l| {
        let style = if l.amount.is_sign_negative() { theme.warn } else { theme.ok };
        Row::new(vec![
            Line::from(clock(&l.booked_at)),
            Line::from(format!("{:?}", l.account).to_lowercase()),
            Line::from(cell(&l.description, w[2])),
            Line::from(format!("{:>width$}", l.amount.to_string(), width = usize::from(w[3]))).style(style),
            Line::from(format!("{:>width$}", l.balance_after.to_string(), width = usize::from(w[4]))),
        ])
    });
    frame.render_widget(Table::new(rows, w.iter().map(|&n| Constraint::Length(n))).header(header), inner);
}
