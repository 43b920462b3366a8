//! Drawing the Merchant view: its wallets, its holds by status, the flags in
//! force for it, and its newest transactions.

use super::MerchantState;
use crate::money::amount;
use crate::theme::Theme;
use crate::widgets::{block, cell, say, selectable_table, stamp, widths};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{HighlightSpacing, Paragraph, Row, TableState, Wrap};

/// Draws the Merchant view into `area`.
pub fn render(frame: &mut Frame, area: Rect, state: &MerchantState, theme: &Theme) {
    let name = state.open.as_deref().unwrap_or_default();
    let title = format!("Merchant {} · wallets", cell(name, 40));
    let Some(s) = &state.summary else {
        let outer = block(&title, theme);
        let inner = outer.inner(area);
        frame.render_widget(outer, area);
        return say(frame, inner, "loading…", theme);
    };
    let wallets_height = (s.wallets.len() as u16 + 3).clamp(4, 10);
    let [wallets_area, summary_area, recent_area] =
        Layout::vertical([Constraint::Length(wallets_height), Constraint::Length(4), Constraint::Fill(1)]).areas(area);
    let titled = |frame: &mut Frame, title: &str, area: Rect| {
        let outer = block(title, theme);
        let inner = outer.inner(area);
        frame.render_widget(outer, area);
        inner
    };
    let wallets = titled(frame, &title, wallets_area);
    let summary = titled(frame, "Holds and the flags in force", summary_area);
    let recent = titled(frame, "Recent activity, newest first", recent_area);

    let columns = [Constraint::Length(5), Constraint::Fill(2), Constraint::Length(18), Constraint::Length(18)];
    let w = widths(wallets.width.saturating_sub(2), &columns);
    let header = Row::new(["cur", "wallet", "available", "reserved"]).style(theme.muted);
    let rows = s.wallets.iter().map(|x| {
        let label = x.label.as_deref().map_or_else(|| x.id.clone(), |l| format!("{l} · {}", x.id));
        Row::new(vec![
            Line::from(cell(&x.currency, w[0])),
            Line::from(cell(&label, w[1])),
            Line::from(format!("{:>width$}", amount(x.available, &x.currency), width = usize::from(w[2])))
                .style(theme.ok),
            Line::from(format!("{:>width$}", amount(x.reserved, &x.currency), width = usize::from(w[3]))),
        ])
    });
    let on_wallets = state.selected < s.wallets.len();
    let table = selectable_table(header, rows, &w, theme.highlight).highlight_spacing(HighlightSpacing::Always);
    frame.render_stateful_widget(
        table,
        wallets,
        &mut TableState::new().with_selected(on_wallets.then_some(state.selected)),
    );

    let mut holds = vec![Span::styled("holds  ", theme.muted)];
    if s.holds_by_status.is_empty() {
        holds.push(Span::styled("none", theme.muted));
    }
    for (status, n) in &s.holds_by_status {
        let style = if status == "manual_review" && *n > 0 { theme.warn } else { theme.text };
        holds.push(Span::styled(format!("{} ", cell(status, 16)), theme.muted));
        holds.push(Span::styled(format!("{n}  "), style));
    }
    let mut flags = vec![Span::styled("flags  ", theme.muted)];
    if s.flags.is_empty() {
        flags.push(Span::styled("none set: every flag at its default", theme.muted));
    }
    for f in &s.flags {
        let (mark, style) = if f.enabled { ("✓", theme.ok) } else { ("✖", theme.error) };
        let scope = if f.scope_value.is_empty() { f.scope.clone() } else { format!("{}={}", f.scope, f.scope_value) };
        flags.push(Span::styled(format!("{mark} "), style));
        flags.push(Span::styled(format!("{} ({})  ", cell(&f.name, 24), cell(&scope, 24)), theme.text));
    }
    frame.render_widget(Paragraph::new(vec![Line::from(holds), Line::from(flags)]).wrap(Wrap { trim: true }), summary);

    let columns = [Constraint::Length(15), Constraint::Length(16), Constraint::Fill(1), Constraint::Fill(1)];
    let w = widths(recent.width.saturating_sub(2), &columns);
    let header = Row::new(["booked UTC", "kind", "reference", "description"]).style(theme.muted);
    let rows = s.recent_transactions.iter().map(|t| {
        Row::new(vec![
            Line::from(stamp(&t.booked_at)),
            Line::from(cell(&t.kind, w[1])),
            Line::from(cell(t.reference.as_deref().unwrap_or("—"), w[2])),
            Line::from(cell(&t.description, w[3])),
        ])
    });
    let table = selectable_table(header, rows, &w, theme.highlight).highlight_spacing(HighlightSpacing::Always);
    frame.render_stateful_widget(
        table,
        recent,
        &mut TableState::new().with_selected((!on_wallets).then(|| state.selected - s.wallets.len())),
    );
}
