//! The Overview's second row: what waits for a person (the manual-review
//! queue and holds by status, against the server's own thresholds) and the
//! house's money (treasury and system balances per currency).

use super::OverviewState;
use crate::money::amount;
use crate::theme::Theme;
use crate::widgets::{age, age_against, block, cell, say, widths};
use ledgerdeck_client::AccountView;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Table};
use std::collections::BTreeMap;

/// The manual-review queue at a glance, holds by status, and the thresholds.
pub fn render_payouts(frame: &mut Frame, area: Rect, state: &OverviewState, theme: &Theme) {
    let outer = block("Payouts", theme);
    let inner = outer.inner(area);
    frame.render_widget(outer, area);
    let Some(ov) = &state.overview else { return say(frame, inner, "loading…", theme) };
    let sla = ov.thresholds.manual_review_sla_secs;
    let review = &ov.manual_review;
    let count_style = if review.count > 0 { theme.warn } else { theme.text };
    let statuses = ["reserved", "submitted", "settled", "released"];
    let oldest = match review.oldest_age_seconds {
        Some(s) => age_against(s, sla, theme),
        None => Span::styled("—", theme.muted),
    };
    let mut by_status = Vec::new();
    for status in statuses {
        let n = ov.holds_by_status.get(status).copied().unwrap_or(0);
        by_status.push(Span::styled(format!("{status} "), theme.muted));
        by_status.push(Span::styled(format!("{n}  "), theme.text));
    }
    let lines = vec![
        Line::from(vec![
            Span::styled("manual review ", theme.muted),
            Span::styled(review.count.to_string(), count_style),
            Span::styled("  oldest ", theme.muted),
            oldest,
        ]),
        Line::from(by_status),
        Line::from(Span::styled(
            format!("SLA {} · stuck after {}", age(sla), age(ov.thresholds.hold_stuck_after_secs)),
            theme.muted,
        )),
    ];
    frame.render_widget(Paragraph::new(lines).wrap(ratatui::widgets::Wrap { trim: true }), inner);
}

/// The system accounts' kinds, in the order their columns stand, with the
/// narrow headers used below 100 columns.
const KINDS: [(&str, &str, &str); 6] = [
    ("treasury_bank", "treasury", "bank"),
    ("payin_clearing", "pay-in clearing", "pay-in"),
    ("payout_clearing", "payout clearing", "payout"),
    ("fees", "fees", "fees"),
    ("corrections", "corrections", "corr."),
    ("opening_equity", "opening equity", "equity"),
];

/// Treasury and system balances, one line per currency.
pub fn render_balances(frame: &mut Frame, area: Rect, accounts: Option<&Vec<AccountView>>, theme: &Theme) {
    let outer = block("House balances", theme);
    let inner = outer.inner(area);
    frame.render_widget(outer, area);
    let Some(accounts) = accounts else { return say(frame, inner, "loading…", theme) };
    if accounts.is_empty() {
        return say(frame, inner, "no system accounts yet", theme);
    }
    let mut by_currency: BTreeMap<&str, BTreeMap<&str, &AccountView>> = BTreeMap::new();
    for a in accounts {
        by_currency.entry(a.currency.as_str()).or_default().insert(a.kind.as_str(), a);
    }
    // As many kinds as fit, treasury and clearing first; the long headers
    // where every column has room for them.
    let shown = (usize::from(inner.width.saturating_sub(5)) / 13).clamp(1, KINDS.len());
    let narrow = usize::from(inner.width.saturating_sub(5)) / shown < 16;
    let mut columns = vec![Constraint::Length(4)];
    columns.extend(std::iter::repeat_n(Constraint::Fill(1), shown));
    let w = widths(inner.width, &columns);
    let header = std::iter::once("cur")
        .chain(KINDS.iter().take(shown).map(|(_, wide, short)| if narrow { *short } else { *wide }));
    let rows = by_currency.iter().map(|(currency, kinds)| {
        let mut cells = vec![Line::from(cell(currency, 4))];
        for (i, (kind, _, _)) in KINDS.iter().take(shown).enumerate() {
            let figure = kinds.get(kind).map_or("—".to_string(), |a| amount(a.balance, currency));
            cells.push(Line::from(format!("{:>width$}", cell(&figure, w[i + 1]), width = usize::from(w[i + 1]))));
        }
        Row::new(cells)
    });
    let header: Vec<Line> =
        header.enumerate().map(|(i, h)| if i == 0 { Line::from(h) } else { Line::from(h).right_aligned() }).collect();
    let header = Row::new(header).style(theme.muted);
    frame.render_widget(Table::new(rows, w.iter().map(|&n| Constraint::Length(n))).header(header), inner);
}
