//! One hold: its fields, its wallet's balances and its history (state
//! changes, submissions to the provider, queries of it, provider events).

use super::PayoutsState;
use crate::money::amount;
use crate::theme::Theme;
use crate::widgets::{block, cell, placeholder, say, stamp};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// Draws the open hold into `area`.
pub fn render(frame: &mut Frame, area: Rect, state: &PayoutsState, theme: &Theme) {
    let id = state.open.as_deref().unwrap_or_default();
    let Some(detail) = state.detail.as_ref().filter(|d| d.hold.id == id) else {
        let outer = block("Hold", theme);
        let inner = outer.inner(area);
        frame.render_widget(outer, area);
        return say(frame, inner, "loading…", theme);
    };
    let h = &detail.hold;
    let [top, bottom] = Layout::vertical([Constraint::Length(9), Constraint::Fill(1)]).areas(area);
    let [fields_area, wallet_area] = Layout::horizontal([Constraint::Fill(3), Constraint::Fill(2)]).areas(top);

    let outer = block("Hold", theme);
    let inner = outer.inner(fields_area);
    frame.render_widget(outer, fields_area);
    let vw = inner.width.saturating_sub(11);
    let label = |t: &str| Span::styled(format!("{t:<11}"), theme.muted);
    let lines = vec![
        Line::from(vec![label("id"), Span::styled(cell(&h.id, vw), theme.text)]),
        Line::from(vec![
            label("status"),
            Span::styled(cell(&h.status, 16), theme.accent),
            Span::styled("  age ", theme.muted),
            super::ages::age_span(state, &h.status, h.age_seconds, theme),
        ]),
        Line::from(vec![
            label("amount"),
            Span::styled(format!("{} {}", amount(h.amount, &h.currency), cell(&h.currency, 8)), theme.text),
        ]),
        Line::from(vec![label("provider"), Span::styled(cell(&h.provider, vw), theme.text)]),
        Line::from(vec![label("reference"), Span::styled(cell(&h.reference, vw), theme.text)]),
        Line::from(vec![label("merchant"), Span::styled(cell(&h.merchant_id, vw), theme.text)]),
        Line::from(vec![
            label("evidence"),
            Span::styled(cell(h.provider_reference.as_deref().unwrap_or("—"), vw), theme.text),
        ]),
    ];
    frame.render_widget(Paragraph::new(lines), inner);

    let outer = block("Wallet", theme);
    let inner = outer.inner(wallet_area);
    frame.render_widget(outer, wallet_area);
    let ww = inner.width.saturating_sub(10);
    let wl = |t: &str| Span::styled(format!("{t:<10}"), theme.muted);
    let lines = match state.wallet.as_ref().filter(|w| w.id == h.wallet_id) {
        Some(w) => vec![
            Line::from(vec![wl("wallet"), Span::styled(cell(&w.id, ww), theme.text)]),
            Line::from(vec![wl("label"), Span::styled(cell(w.label.as_deref().unwrap_or("—"), ww), theme.text)]),
            Line::from(vec![
                wl("available"),
                Span::styled(format!("{} {}", amount(w.available, &w.currency), cell(&w.currency, 8)), theme.ok),
            ]),
            Line::from(vec![
                wl("reserved"),
                Span::styled(format!("{} {}", amount(w.reserved, &w.currency), cell(&w.currency, 8)), theme.warn),
            ]),
        ],
        None => vec![
            Line::from(vec![wl("wallet"), Span::styled(cell(&h.wallet_id, ww), theme.text)]),
            placeholder("loading balances…", theme),
        ],
    };
    frame.render_widget(Paragraph::new(lines), inner);

    let outer = block("History, oldest first (UTC)", theme);
    let inner = outer.inner(bottom);
    frame.render_widget(outer, bottom);
    let dw = inner.width.saturating_sub(55);
    let lines: Vec<Line> = detail
        .history
        .iter()
        .map(|e| {
            let kind_style = match e.kind.as_str() {
                "state_change" => theme.accent,
                "provider_event" => theme.warn,
                _ => theme.text,
            };
            let change = format!("{}→{}", e.from_status.as_deref().unwrap_or("·"), e.to_status);
            let mut spans = vec![
                Span::styled(format!("{} ", stamp(&e.at)), theme.muted),
                Span::styled(format!("{:<15}", cell(&e.kind, 14)), kind_style),
                Span::styled(format!("{:<24}", cell(&change, 23)), theme.text),
            ];
            if let Some(p) = &e.provider_status {
                spans.push(Span::styled(format!("provider {} ", cell(p, 16)), theme.warn));
            }
            spans.push(Span::styled(cell(&e.actor, 16), theme.muted));
            if let Some(d) = &e.detail {
                spans.push(Span::styled(format!(" · {}", cell(d, dw)), theme.text));
            }
            Line::from(spans)
        })
        .collect();
    if lines.is_empty() {
        return say(frame, inner, "no history", theme);
    }
    frame.render_widget(Paragraph::new(lines).scroll((state.scroll, 0)), inner);
}
