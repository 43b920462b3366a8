//! Drawing the Overview: health per component, command counts, the outbox
//! backlog and open findings per gate; the manual-review queue and the
//! house's balances; a per-minute sparkline where there is room; and the
//! newest ledger transactions.

use super::OverviewState;
use super::health::{DETAIL_WIDTH, lines_needed, render_health};
use super::panels::{render_balances, render_payouts};
use crate::money::amount;
use crate::theme::Theme;
use crate::widgets::{age, block, cell, count, pair, say, selectable_table, stamp, widths};
use ledgerdeck_client::{Overview, TransactionView};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Sparkline, TableState};
use rust_decimal::Decimal;

/// Draws the Overview into `area`.
pub fn render(frame: &mut Frame, area: Rect, state: &OverviewState, theme: &Theme) {
    // Workers and providers get their own lines where the Health panel is
    // wide enough and the screen tall enough.
    let detailed = area.height >= 40 && area.width.saturating_sub(58 + 2) >= DETAIL_WIDTH;
    let needed = lines_needed(state.health.as_ref(), detailed);
    let top_height = if detailed { (needed + 2).clamp(7, 16) } else { (needed + 2).clamp(7, 11) };
    let second_height = if area.height >= 40 { 8 } else { 6 };
    let spark_height = if area.height >= 40 { 8 } else { 0 };
    let [top, second, spark, recent] = Layout::vertical([
        Constraint::Length(top_height),
        Constraint::Length(second_height),
        Constraint::Length(spark_height),
        Constraint::Fill(1),
    ])
    .areas(area);
    let split = if area.width < 120 {
        [Constraint::Fill(1), Constraint::Fill(1)]
    } else {
        [Constraint::Fill(2), Constraint::Fill(3)]
    };
    let [payouts, balances] = Layout::horizontal(split).areas(second);
    render_payouts(frame, payouts, state, theme);
    render_balances(frame, balances, state.accounts.as_ref(), theme);
    let [health, commands, outbox, findings] = Layout::horizontal([
        Constraint::Fill(1),
        Constraint::Length(21),
        Constraint::Length(17),
        Constraint::Length(20),
    ])
    .areas(top);
    render_health(frame, health, state.health.as_ref(), detailed, theme);
    let ov = state.overview.as_ref();
    render_commands(frame, commands, ov, theme);
    render_outbox(frame, outbox, ov, theme);
    render_findings(frame, findings, ov, theme);
    if spark_height > 0 {
        render_sparklines(frame, spark, ov, theme);
    }
    render_recent(frame, recent, state, theme);
}

fn render_commands(frame: &mut Frame, area: Rect, ov: Option<&Overview>, theme: &Theme) {
    let outer = block("Commands", theme);
    let inner = outer.inner(area);
    frame.render_widget(outer, area);
    let Some(ov) = ov else { return };
    let c = &ov.commands;
    let row = |label: &str, posted: i64, failed: i64| {
        Line::from(vec![
            Span::styled(format!("{label:<5}"), theme.muted),
            Span::styled(format!("{posted:>7}"), theme.text),
            Span::styled(format!("{failed:>7}"), if failed > 0 { theme.error } else { theme.text }),
        ])
    };
    let lines = vec![
        Line::from(Span::styled(format!("{:<5}{:>7}{:>7}", "", "posted", "failed"), theme.muted)),
        row("5 min", c.last_5m.posted, c.last_5m.failed),
        row("1 h", c.last_1h.posted, c.last_1h.failed),
        row("24 h", c.last_24h.posted, c.last_24h.failed),
    ];
    frame.render_widget(Paragraph::new(lines), inner);
}

fn render_outbox(frame: &mut Frame, area: Rect, ov: Option<&Overview>, theme: &Theme) {
    let outer = block("Outbox", theme);
    let inner = outer.inner(area);
    frame.render_widget(outer, area);
    let Some(ov) = ov else { return };
    let o = &ov.outbox;
    let oldest = match o.oldest_pending_age_seconds {
        Some(s) => Span::styled(age(s), if s > 300 { theme.warn } else { theme.text }),
        None => Span::styled("—", theme.muted),
    };
    let lines = vec![
        pair("pending", count(o.pending, theme.warn, theme), 9, theme),
        pair("oldest", oldest, 9, theme),
        pair("failing", count(o.failing, theme.warn, theme), 9, theme),
        pair("dead", count(o.dead, theme.error, theme), 9, theme),
    ];
    frame.render_widget(Paragraph::new(lines), inner);
}

fn render_findings(frame: &mut Frame, area: Rect, ov: Option<&Overview>, theme: &Theme) {
    let outer = block("Open findings", theme);
    let inner = outer.inner(area);
    frame.render_widget(outer, area);
    let Some(ov) = ov else { return };
    let lines: Vec<Line> = ledgerdeck_client::gates::GATES
        .iter()
        .map(|gate| {
            let n = ov.open_findings.get(*gate).copied().unwrap_or(0);
            // The panel is narrow: a long gate name is clipped to its column.
            pair(&crate::widgets::cell(gate, 15), count(n, theme.error, theme), 16, theme)
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

fn render_sparklines(frame: &mut Frame, area: Rect, ov: Option<&Overview>, theme: &Theme) {
    let outer = block("Commands per minute, last 30 min", theme);
    let inner = outer.inner(area);
    frame.render_widget(outer, area);
    let Some(ov) = ov else { return };
    let posted: Vec<u64> = ov.per_minute.iter().map(|m| m.posted.max(0) as u64).collect();
    let failed: Vec<u64> = ov.per_minute.iter().map(|m| m.failed.max(0) as u64).collect();
    let rows = Layout::vertical([Constraint::Fill(1), Constraint::Fill(1)]).split(inner);
    for (row, (label, data, style)) in
        rows.iter().zip([("posted", &posted, theme.ok), ("failed", &failed, theme.error)])
    {
        let [label_area, bars] = Layout::horizontal([Constraint::Length(22), Constraint::Fill(1)]).areas(*row);
        let peak = data.iter().copied().max().unwrap_or(0);
        let last = data.last().copied().unwrap_or(0);
        let text = Line::from(vec![
            Span::styled(format!("{label:<7}"), theme.muted),
            Span::styled(format!("{last:>4}"), theme.text),
            Span::styled(format!(" max {peak:<5}"), theme.muted),
        ]);
        frame.render_widget(Paragraph::new(text), label_area);
        // Newest on the right: keep the last `width` minutes.
        let keep = data.len().saturating_sub(usize::from(bars.width));
        frame.render_widget(Sparkline::default().data(&data[keep..]).max(peak.max(1)).style(style), bars);
    }
}

/// The amount a transaction moved: the sum of its positive legs per currency.
fn moved(t: &TransactionView) -> String {
    let mut sums: Vec<(&str, Decimal)> = Vec::new();
    for p in t.postings.iter().filter(|p| p.amount > Decimal::ZERO) {
        match sums.iter_mut().find(|(c, _)| *c == p.currency) {
            Some((_, sum)) => *sum += p.amount,
            None => sums.push((&p.currency, p.amount)),
        }
    }
    sums.iter().map(|(c, s)| format!("{} {c}", amount(*s, c))).collect::<Vec<_>>().join(", ")
}

fn render_recent(frame: &mut Frame, area: Rect, state: &OverviewState, theme: &Theme) {
    let outer = block("Recent ledger transactions (Enter opens)", theme);
    let inner = outer.inner(area);
    frame.render_widget(outer, area);
    let Some(ov) = &state.overview else { return };
    if ov.recent_transactions.is_empty() {
        say(frame, inner, "no transactions yet", theme);
        return;
    }
    let columns = [
        Constraint::Length(15),
        Constraint::Length(14),
        Constraint::Length(15),
        Constraint::Fill(1),
        Constraint::Fill(2),
    ];
    let w = widths(inner.width.saturating_sub(2), &columns);
    let header = Row::new(["booked UTC", "kind", "amount", "reference", "description"]).style(theme.muted);
    let rows = ov.recent_transactions.iter().map(|t| {
        Row::new(vec![
            stamp(&t.booked_at),
            cell(&t.kind, w[1]),
            cell(&moved(t), w[2]),
            cell(t.reference.as_deref().unwrap_or("—"), w[3]),
            cell(&t.description, w[4]),
        ])
        .style(if t.reversed_by.is_some() { theme.muted } else { theme.text })
    });
    let table = selectable_table(header, rows, &w, theme.highlight);
    frame.render_stateful_widget(table, inner, &mut TableState::new().with_selected(Some(state.selected)));
}
