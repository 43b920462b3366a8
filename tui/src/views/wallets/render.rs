//! Drawing the Wallets view: the filtered, paged wallet list, or one
//! wallet's statement with the line a link named selected.

use super::WalletsState;
use crate::money::amount;
use crate::theme::Theme;
use crate::widgets::{block, cell, filtered_list, paged_title, say, selectable_table, stamp, widths};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Row, TableState};

/// Draws the Wallets view into `area`.
pub fn render(frame: &mut Frame, area: Rect, state: &WalletsState, theme: &Theme) {
    if state.open.is_some() {
        return render_statement(frame, area, state, theme);
    }
    let more = state.next.is_some();
    let filter = (&state.filter, "/ filter: merchant:m-acme currency:USD (or m-acme USD)");
    let Some((inner, wallets)) =
        filtered_list(frame, area, "Wallets", more, state.wallets.as_ref(), "no wallets", filter, theme)
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
            Line::from(format!("{:>width$}", amount(x.available, &x.currency), width = usize::from(w[3])))
                .style(theme.ok),
            Line::from(format!("{:>width$}", amount(x.reserved, &x.currency), width = usize::from(w[4]))),
        ])
    });
    let table = selectable_table(header, rows, &w, theme.highlight);
    frame.render_stateful_widget(table, inner, &mut TableState::new().with_selected(Some(state.selected)));
}

fn render_statement(frame: &mut Frame, area: Rect, state: &WalletsState, theme: &Theme) {
    let id = state.open.as_deref().unwrap_or_default();
    let wallet = state.wallet.as_ref().filter(|w| w.id == id);
    let currency = wallet.map_or("", |w| w.currency.as_str());
    let name = match wallet {
        Some(w) => format!("{} · {} {}", cell(id, 40), cell(&w.merchant_id, 20), cell(&w.currency, 6)),
        None => cell(id, 40),
    };
    let more = state.statement.as_ref().is_some_and(|p| p.next_cursor.is_some());
    let title = paged_title(&format!("Statement {name}"), more);
    let outer = block(&title, theme);
    let mut inner = outer.inner(area);
    frame.render_widget(outer, area);
    if state.as_of.is_shown() {
        let high = state.as_of.height().min(inner.height);
        super::as_of::render(frame, Rect { height: high, ..inner }, &state.as_of, wallet, theme);
        inner.y += high;
        inner.height -= high;
    }
    let Some(page) = &state.statement else { return say(frame, inner, "loading…", theme) };
    if page.items.is_empty() {
        return say(frame, inner, "no postings yet", theme);
    }
    let columns = [
        Constraint::Length(15),
        Constraint::Length(9),
        Constraint::Fill(1),
        Constraint::Length(16),
        Constraint::Length(16),
    ];
    let w = widths(inner.width.saturating_sub(2), &columns);
    let header = Row::new(["booked UTC", "account", "description", "amount", "balance"]).style(theme.muted);
    let rows = page.items.iter().map(|l| {
        let style = if l.amount.is_sign_negative() { theme.warn } else { theme.ok };
        let focused = state.focus == Some(l.posting_seq);
        Row::new(vec![
            Line::from(stamp(&l.booked_at)),
            Line::from(format!("{:?}", l.account).to_lowercase()),
            Line::from(cell(&l.description, w[2])),
            Line::from(format!("{:>width$}", amount(l.amount, currency), width = usize::from(w[3]))).style(style),
            Line::from(format!("{:>width$}", amount(l.balance_after, currency), width = usize::from(w[4]))),
        ])
        .style(if focused { theme.error } else { theme.text })
    });
    let table = selectable_table(header, rows, &w, theme.highlight);
    frame.render_stateful_widget(table, inner, &mut TableState::new().with_selected(Some(state.line)));
}
