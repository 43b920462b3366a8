//! Drawing the find box: what is typed, then the hits — what each is, its
//! summary, and which of its fields matched.

use super::FindState;
use crate::theme::Theme;
use crate::widgets::{block, cell};
use ledgerdeck_client::search::HitKind;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

fn kind_name(kind: HitKind) -> &'static str {
    match kind {
        HitKind::Hold => "hold",
        HitKind::Transaction => "transaction",
        HitKind::Wallet => "wallet",
        HitKind::Merchant => "merchant",
        HitKind::OutboxMessage => "message",
        HitKind::Finding => "finding",
        HitKind::AuditEntry => "audit",
    }
}

/// Draws the box over the top of `area`.
pub fn render(frame: &mut Frame, area: Rect, state: &FindState, theme: &Theme) {
    let Some(input) = &state.input else { return };
    let width = area.width.saturating_sub(4).min(110);
    let inner = width.saturating_sub(2);
    let mut lines = vec![Line::from(vec![
        Span::styled("find: ", theme.accent),
        Span::styled(cell(input.value(), inner.saturating_sub(7)), theme.text),
    ])];
    let query = state.query();
    match &state.results {
        _ if query.is_empty() => lines.push(Line::from(Span::styled(
            "an id, a reference, a provider reference, a merchant id or an idempotency key",
            theme.muted,
        ))),
        Some(r) if r.query == query && r.hits.is_empty() => {
            lines.push(Line::from(Span::styled("nothing has that id or reference", theme.muted)))
        }
        Some(r) if r.query == query => {
            let rows = usize::from(area.height.saturating_sub(5)).max(1);
            let skip = state.selected.saturating_sub(rows - 1);
            let summary_w = inner.saturating_sub(13 + 20 + 3);
            for (i, hit) in r.hits.iter().enumerate().skip(skip).take(rows) {
                let selected = i == state.selected;
                let style = if selected { theme.selection } else { theme.text };
                lines.push(Line::from(vec![
                    Span::styled(if selected { "› " } else { "  " }, theme.accent),
                    Span::styled(format!("{:<12}", kind_name(hit.kind)), theme.accent),
                    Span::styled(format!("{:<w$}", cell(&hit.summary, summary_w), w = usize::from(summary_w)), style),
                    Span::styled(format!(" by {}", cell(&hit.matched, 18)), theme.muted),
                ]));
            }
            if r.truncated {
                lines.push(Line::from(Span::styled("more hits than shown: type more of it", theme.muted)));
            }
        }
        _ => lines.push(Line::from(Span::styled("searching…", theme.muted))),
    }
    let height = (lines.len() as u16 + 2).min(area.height);
    let rect = Rect::new(area.x + (area.width - width) / 2, area.y, width, height);
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(lines).block(block("Find", theme)), rect);
    let x = rect.x + 7 + input.visual_cursor().min(usize::from(inner.saturating_sub(7))) as u16;
    frame.set_cursor_position((x, rect.y + 1));
}
