//! The card a command leaves behind: what it did (status, reference,
//! transactions, balances after, whether it was a replay), or, for a ledger
//! rejection, a red card with the code and the reason.

use crate::keys::{Action, Context, entry};
use crate::money::amount;
use crate::sanitize;
use crate::theme::Theme;
use crate::widgets::block;
use crossterm::event::KeyCode::{Enter, Esc};
use ledgerdeck_client::CommandResult;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

/// The card has the keyboard: Esc (or Enter) closes it.
pub static RESULT_CARD: Context = Context {
    name: "result",
    title: "Result",
    entries: &[entry(&[Esc, Enter], "Esc", "close", Action::Back)],
    global: true,
    fixed: false,
};

/// A command's outcome, as shown.
#[derive(Debug, Clone, PartialEq)]
pub enum ResultCard {
    /// It ran.
    Done {
        /// What was asked, e.g. `Settle hold 0194…`.
        title: String,
        /// The result.
        result: CommandResult,
    },
    /// The server said no.
    Rejected {
        /// What was asked.
        title: String,
        /// The problem's code, e.g. `HOLD_NOT_OPEN`.
        code: String,
        /// Why.
        detail: String,
    },
}

/// Draws the card as an overlay in `area`.
pub fn render(frame: &mut Frame, area: Rect, card: &ResultCard, theme: &Theme) {
    let w = area.width.saturating_sub(4).min(100);
    let room = usize::from(w.saturating_sub(4));
    let clip = |s: &str, n: usize| sanitize::cell(s, n);
    let label = |t: &str| Span::styled(format!("{t:<16}"), theme.muted);
    let (title, lines, border) = match card {
        ResultCard::Done { title, result } => {
            let status = format!("{:?}", result.status).to_lowercase();
            let mut head = match crate::command::waiting_note(result) {
                Some(note) => vec![Span::styled(format!("⧗ {note}"), theme.warn)],
                None => vec![Span::styled(format!("✓ {status}"), theme.ok)],
            };
            if result.replayed {
                head.push(Span::styled("  (replayed: the first send had already gone through)", theme.warn));
            }
            let mut lines = vec![
                Line::from(head),
                Line::from(vec![label("command"), Span::styled(clip(&result.command, room), theme.text)]),
                Line::from(vec![
                    label("reference"),
                    Span::styled(clip(result.reference.as_deref().unwrap_or("—"), room), theme.text),
                ]),
            ];
            if result.transaction_ids.is_empty() {
                lines.push(Line::from(vec![label("transactions"), Span::styled("—", theme.muted)]));
            }
            for (i, t) in result.transaction_ids.iter().enumerate() {
                let l = if i == 0 { "transactions" } else { "" };
                lines.push(Line::from(vec![label(l), Span::styled(clip(t, room), theme.text)]));
            }
            for b in &result.balances {
                lines.push(Line::from(vec![
                    label("balances after"),
                    Span::styled(clip(&b.wallet_id, room), theme.text),
                ]));
                lines.push(Line::from(vec![
                    label(""),
                    Span::styled("available ", theme.muted),
                    Span::styled(format!("{} {}", amount(b.available, &b.currency), clip(&b.currency, 8)), theme.text),
                    Span::styled("  reserved ", theme.muted),
                    Span::styled(format!("{} {}", amount(b.reserved, &b.currency), clip(&b.currency, 8)), theme.text),
                ]));
            }
            (title.clone(), lines, theme.ok)
        }
        ResultCard::Rejected { title, code, detail } => {
            let lines = vec![
                Line::from(Span::styled(format!("✖ {}", clip(code, room)), theme.error)),
                Line::from(Span::styled(clip(detail, 400), theme.text)),
                Line::default(),
                Line::from(Span::styled("Nothing moved. Check the hold's state, then decide again.", theme.muted)),
            ];
            (title.clone(), lines, theme.error)
        }
    };
    let mut lines = lines;
    lines.push(Line::from(Span::styled("Esc close", theme.muted)));
    let height = (lines.len() as u16 + 3).min(area.height);
    let rect = Rect::new(area.x + (area.width - w) / 2, area.y + (area.height - height) / 2, w, height);
    frame.render_widget(Clear, rect);
    let block = block(&title, theme).border_style(border);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }).block(block), rect);
}
