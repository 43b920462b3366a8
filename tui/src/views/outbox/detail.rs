//! One outbox message: its payload, each delivery and every attempt.

use super::OutboxState;
use crate::theme::Theme;
use crate::widgets::{block, cell, datetime, say, stamp};
use ledgerdeck_client::{DeliveryAttemptView, DeliveryView, OutboxMessageDetail};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// Draws the open message into `area`.
pub fn render(frame: &mut Frame, area: Rect, state: &OutboxState, theme: &Theme) {
    let id = state.open.as_deref().unwrap_or_default();
    let title = format!("Message {}", cell(id, 40));
    let outer = block(&title, theme);
    let inner = outer.inner(area);
    frame.render_widget(outer, area);
    let Some(detail) = state.detail.as_ref().filter(|d| d.message.id == id) else {
        return say(frame, inner, "loading…", theme);
    };
    let lines = lines(detail, inner.width, theme);
    frame.render_widget(Paragraph::new(lines).scroll((state.scroll, 0)), inner);
}

fn lines(d: &OutboxMessageDetail, width: u16, theme: &Theme) -> Vec<Line<'static>> {
    let m = &d.message;
    let label = |t: &str| Span::styled(format!("{t:<10}"), theme.muted);
    let mut out = vec![
        Line::from(vec![label("event"), Span::styled(cell(&m.event_type, width.saturating_sub(10)), theme.text)]),
        Line::from(vec![label("subject"), Span::styled(cell(&m.subject_id, width.saturating_sub(10)), theme.text)]),
        Line::from(vec![
            label("status"),
            Span::styled(cell(&m.status, 14), theme.text),
            Span::styled(format!("  created {}", datetime(&m.created_at)), theme.muted),
        ]),
        Line::from(vec![
            label("payload"),
            Span::styled(cell(&d.payload.to_string(), width.saturating_sub(10)), theme.muted),
        ]),
        Line::default(),
    ];
    if d.deliveries.is_empty() {
        out.push(Line::from(Span::styled("no deliveries", theme.muted)));
    }
    for delivery in &d.deliveries {
        out.push(delivery_line(delivery, width, theme));
        if let Some(error) = &delivery.last_error {
            out.push(Line::from(vec![
                Span::styled("  last error ", theme.muted),
                Span::styled(cell(error, width.saturating_sub(13)), theme.error),
            ]));
        }
        if delivery.attempts_log.is_empty() {
            out.push(Line::from(Span::styled("  no attempts yet", theme.muted)));
        }
        for attempt in &delivery.attempts_log {
            out.push(attempt_line(attempt, width, theme));
        }
    }
    out
}

fn delivery_line(d: &DeliveryView, width: u16, theme: &Theme) -> Line<'static> {
    let style = match d.status.as_str() {
        "delivered" => theme.ok,
        "dead" => theme.error,
        _ => theme.warn,
    };
    let next = d.next_attempt_at.as_deref().map_or(String::new(), |t| format!("  next {} UTC", stamp(t)));
    Line::from(vec![
        Span::styled("▸ ", theme.accent),
        Span::styled(cell(&d.endpoint_id, width / 3), theme.text),
        Span::styled(format!("  {}", cell(&d.status, 10)), style),
        Span::styled(format!("  {} attempt{}{next}", d.attempts, if d.attempts == 1 { "" } else { "s" }), theme.muted),
        Span::styled(format!("  id {}", cell(&d.id, width / 3)), theme.muted),
    ])
}

fn attempt_line(a: &DeliveryAttemptView, width: u16, theme: &Theme) -> Line<'static> {
    let (answer, style) = match (a.http_status, &a.error) {
        (Some(code), _) if (200..300).contains(&code) => (code.to_string(), theme.ok),
        (Some(code), _) => (code.to_string(), theme.error),
        (None, Some(e)) => (cell(e, 24), theme.error),
        (None, None) => ("—".into(), theme.muted),
    };
    let used = 2 + 15 + 2 + 24 + 2 + 8 + 2;
    Line::from(vec![
        Span::styled(format!("  {}  ", stamp(&a.at)), theme.muted),
        Span::styled(format!("{answer:<24}"), style),
        Span::styled(format!("  {:>5} ms  ", a.latency_ms), theme.muted),
        Span::styled(cell(&a.response_excerpt, width.saturating_sub(used)), theme.text),
    ])
}
