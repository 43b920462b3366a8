//! "As of" on a wallet's statement: `a` asks for a time, the balances as of
//! it (`GET /v1/wallets/{id}/balance`) by effective and by booked time are
//! shown over the statement next to the current ones, until an empty answer
//! clears them. A date alone (`2026-01-31`) means the end of that day, UTC.

use crate::data::{DataMsg, Request};
use crate::input::edit;
use crate::keys::{Action, Context, entry};
use crate::money::amount;
use crate::theme::Theme;
use crate::widgets::{block, cell, datetime, widths};
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use crossterm::event::KeyCode::{Enter, Esc};
use crossterm::event::KeyEvent;
use ledgerdeck_client::{BalanceFigures, WalletBalanceAsOf, WalletView};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Table};
use tui_input::Input;

/// The time is being typed.
pub static AS_OF_INPUT: Context = Context {
    name: "as_of",
    title: "Balance as of",
    entries: &[
        entry(&[Enter], "Enter", "show balances (empty clears)", Action::Open),
        entry(&[Esc], "Esc", "cancel", Action::Back),
    ],
    global: false,
    fixed: false,
};

/// What the prompt says may be typed.
pub const HINT: &str = "RFC 3339 or YYYY-MM-DD (end of that day, UTC); empty clears";

/// Reads what the operator typed: `Ok(None)` clears, `Ok(Some(time))` is an
/// RFC 3339 time in UTC (a bare date is the last microsecond of that day),
/// `Err` says what is wrong.
pub fn parse_as_of(text: &str) -> Result<Option<String>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let at = if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        day.and_hms_micro_opt(23, 59, 59, 999_999).map(|t| t.and_utc())
    } else {
        DateTime::parse_from_rfc3339(text).ok().map(|t| t.with_timezone(&Utc))
    };
    match at {
        Some(at) => Ok(Some(at.to_rfc3339_opts(SecondsFormat::Micros, true))),
        None => Err(format!("not a time: {}", cell(text, 40))),
    }
}

/// The "as of" state of the open wallet.
#[derive(Debug, Default)]
pub struct AsOf {
    /// The time being typed, while the prompt is open.
    pub input: Option<Input>,
    /// The wallet and time asked for.
    pub asked: Option<(String, String)>,
    /// The server's answer for them.
    pub answer: Option<WalletBalanceAsOf>,
    /// Why there is no answer (a bad time typed, or the server's refusal).
    pub error: Option<String>,
}

impl AsOf {
    /// `a`: opens the prompt, empty (Enter on it clears the figures).
    pub fn start(&mut self) {
        self.input = Some(Input::default());
    }

    /// Whether the prompt has the keyboard.
    pub fn is_typing(&self) -> bool {
        self.input.is_some()
    }

    /// Whether anything is drawn over the statement.
    pub fn is_shown(&self) -> bool {
        self.input.is_some() || self.asked.is_some() || self.error.is_some()
    }

    /// A key typed into the prompt; whether it took it.
    pub fn key(&mut self, key: KeyEvent) -> bool {
        self.input.as_mut().is_some_and(|input| edit(input, key))
    }

    /// Esc: the prompt closes, what was shown stays.
    pub fn cancel(&mut self) {
        self.input = None;
    }

    /// Forgets everything (another wallet was opened).
    pub fn clear(&mut self) {
        *self = AsOf::default();
    }

    /// Enter: the read to make for `wallet_id`, if the time is good (an
    /// empty time clears instead).
    pub fn submit(&mut self, wallet_id: &str) -> Option<Request> {
        let typed = self.input.take().map(|i| i.value().to_string()).unwrap_or_default();
        match parse_as_of(&typed) {
            Ok(None) => {
                self.clear();
                None
            }
            Ok(Some(at)) => {
                self.error = None;
                self.answer = None;
                self.asked = Some((wallet_id.to_string(), at.clone()));
                Some(Request::LoadBalanceAsOf { wallet_id: wallet_id.to_string(), as_of: at })
            }
            Err(why) => {
                self.error = Some(why);
                self.input = Some(Input::new(typed));
                None
            }
        }
    }

    /// The read that brings the shown figures up to date, if any are shown.
    pub fn again(&self) -> Option<Request> {
        let (wallet_id, as_of) = self.asked.clone()?;
        Some(Request::LoadBalanceAsOf { wallet_id, as_of })
    }

    /// Takes the answer (or refusal) of the read asked last.
    pub fn take(&mut self, msg: &DataMsg) -> bool {
        let asked = |wallet: &str, at: &str| self.asked.as_ref().is_some_and(|(w, t)| w == wallet && t == at);
        match msg {
            DataMsg::BalanceAsOf(b) if self.answer.as_ref() != Some(b) => {
                // The server echoes the time in its own form: match on the wallet and the instant.
                let same = self.asked.as_ref().is_some_and(|(w, t)| *w == b.wallet_id && same_instant(t, &b.as_of));
                if same {
                    self.answer = Some(b.clone());
                    self.error = None;
                }
                same
            }
            DataMsg::ReadFailed { request: Request::LoadBalanceAsOf { wallet_id, as_of }, code, detail }
                if asked(wallet_id, as_of) =>
            {
                self.error = Some(crate::notice::problem_text("no balance", code.as_deref(), detail));
                self.answer = None;
                true
            }
            _ => false,
        }
    }

    /// The rows the panel needs: 1 for the prompt or an error alone, 6 with figures.
    pub fn height(&self) -> u16 {
        let figures = self.asked.is_some() && self.error.is_none();
        u16::from(self.input.is_some()) + if figures { 6 } else { u16::from(self.error.is_some()) }
    }
}

fn same_instant(a: &str, b: &str) -> bool {
    match (DateTime::parse_from_rfc3339(a), DateTime::parse_from_rfc3339(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// Draws the prompt and the figures into `area` (its top [`AsOf::height`] rows).
pub fn render(frame: &mut Frame, area: Rect, state: &AsOf, now: Option<&WalletView>, theme: &Theme) {
    let mut area = area;
    if let Some(input) = &state.input {
        let line = Rect { height: 1, ..area };
        let label = "as of: ";
        let width = usize::from(area.width.saturating_sub(label.len() as u16 + 1));
        let scroll = input.visual_scroll(width);
        let visible: String = input.value().chars().skip(scroll).collect();
        let x = area.x + label.len() as u16 + input.visual_cursor().saturating_sub(scroll) as u16;
        frame.set_cursor_position((x.min(area.right().saturating_sub(1)), area.y));
        let shown = if visible.is_empty() {
            Span::styled(cell(HINT, width as u16), theme.muted)
        } else {
            Span::styled(cell(&visible, width as u16), theme.text)
        };
        frame.render_widget(Paragraph::new(Line::from(vec![Span::styled(label, theme.accent), shown])), line);
        area.y += 1;
        area.height = area.height.saturating_sub(1);
    }
    if let Some(error) = &state.error {
        let line = Rect { height: 1, ..area };
        frame.render_widget(Paragraph::new(Span::styled(cell(error, area.width), theme.error)), line);
        return;
    }
    let Some((_, at)) = &state.asked else { return };
    let panel = Rect { height: 6.min(area.height), ..area };
    let title = format!("Balance as of {}", datetime(at));
    let outer = block(&title, theme);
    let inner = outer.inner(panel);
    frame.render_widget(outer, panel);
    let Some(answer) = &state.answer else {
        return frame.render_widget(Paragraph::new(Span::styled("loading…", theme.muted)), inner);
    };
    let columns = [Constraint::Length(11), Constraint::Fill(1), Constraint::Fill(1), Constraint::Fill(1)];
    let w = widths(inner.width, &columns);
    let currency = answer.currency.as_str();
    let figure =
        |value, width: u16| Line::from(format!("{:>width$}", amount(value, currency), width = usize::from(width)));
    let row = |label: &'static str, f: &BalanceFigures| {
        Row::new(vec![
            Line::from(Span::styled(label, theme.muted)),
            figure(f.available, w[1]),
            figure(f.reserved, w[2]),
            figure(f.total, w[3]),
        ])
    };
    let header = Row::new(vec![
        Line::from(""),
        Line::from(format!("{:>width$}", "available", width = usize::from(w[1]))),
        Line::from(format!("{:>width$}", "reserved", width = usize::from(w[2]))),
        Line::from(format!("{:>width$}", "total", width = usize::from(w[3]))),
    ])
    .style(theme.muted);
    let mut rows = Vec::new();
    if let Some(now) = now {
        let total = now.available + now.reserved;
        rows.push(row("now", &BalanceFigures { available: now.available, reserved: now.reserved, total }));
    }
    rows.push(row("effective", &answer.effective).style(theme.ok));
    rows.push(row("booked", &answer.booked));
    let table = Table::new(rows, w.iter().map(|&n| Constraint::Length(n))).header(header);
    frame.render_widget(table, inner);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_is_the_end_of_that_day_and_times_are_utc() {
        assert_eq!(parse_as_of("2026-01-31"), Ok(Some("2026-01-31T23:59:59.999999Z".into())));
        assert_eq!(parse_as_of(" 2026-01-31T09:30:00+01:00 "), Ok(Some("2026-01-31T08:30:00.000000Z".into())));
        assert_eq!(parse_as_of("  "), Ok(None), "empty clears");
        for bad in ["yesterday", "2026-02-30", "2026-01-31 09:30", "31/01/2026"] {
            assert!(parse_as_of(bad).is_err(), "{bad:?}");
        }
    }
}
