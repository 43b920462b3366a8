//! The views built so far and the drawing helpers they share. Every server
//! string goes through [`crate::sanitize::cell`] before it reaches a cell.

pub mod audit;
pub mod controls;
pub mod gates;
mod hold_detail;
pub mod ledger;
pub mod outbox;
mod outbox_detail;
pub mod overview;
pub mod payouts;
pub mod wallets;

use crate::data::Request;
use crate::sanitize;
use crate::theme::Theme;
use chrono::{DateTime, Utc};
use ledgerdeck_client::{ComponentState, GateStatus};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph};

/// What a view did with a key.
#[derive(Debug, Default, PartialEq)]
pub struct Effect {
    /// Something visible changed.
    pub changed: bool,
    /// What to fetch.
    pub requests: Vec<Request>,
}

impl Effect {
    /// A visible change and nothing to fetch.
    pub fn changed() -> Effect {
        Effect { changed: true, requests: Vec::new() }
    }

    /// A visible change and one request.
    pub fn request(request: Request) -> Effect {
        Effect { changed: true, requests: vec![request] }
    }
}

/// A bordered block with a title, in the theme's colours.
pub fn block<'a>(title: &'a str, theme: &Theme) -> Block<'a> {
    Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.border)
        .title(Span::styled(format!(" {title} "), theme.title))
        .style(theme.text)
}

/// A paged list's title: `(n: more)` while another page can be loaded.
pub fn paged_title(title: &str, more: bool) -> String {
    if more { format!("{title} (n: more)") } else { title.to_string() }
}

/// Takes a page into a paged list: appended to the rows held or replacing
/// them, the cursor kept and the selection clamped. Returns whether anything
/// changed (an identical refresh redraws nothing).
pub fn take_page<T: Clone + PartialEq>(
    rows: &mut Option<Vec<T>>,
    next: &mut Option<String>,
    selected: &mut usize,
    page: ledgerdeck_client::Page<T>,
    append: bool,
) -> bool {
    let mut items = if append { rows.clone().unwrap_or_default() } else { Vec::new() };
    items.extend(page.items);
    if rows.as_ref() == Some(&items) && *next == page.next_cursor {
        return false;
    }
    *selected = (*selected).min(items.len().saturating_sub(1));
    *rows = Some(items);
    *next = page.next_cursor;
    true
}

/// Draws a paged list's bordered frame into `area` and returns its inner
/// area with the rows, or `None` after saying `loading…` (nothing loaded
/// yet) or `empty` (nothing to list).
pub fn paged_list<'r, T>(
    frame: &mut Frame,
    area: Rect,
    title: &str,
    more: bool,
    rows: Option<&'r Vec<T>>,
    empty: &str,
    theme: &Theme,
) -> Option<(Rect, &'r [T])> {
    let title = paged_title(title, more);
    let outer = block(&title, theme);
    let inner = outer.inner(area);
    frame.render_widget(outer, area);
    match rows {
        None => say(frame, inner, "loading…", theme),
        Some(rows) if rows.is_empty() => say(frame, inner, empty, theme),
        Some(rows) => return Some((inner, rows)),
    }
    None
}

/// The exact widths of columns laid out in `total` cells with one space between.
pub fn widths(total: u16, columns: &[Constraint]) -> Vec<u16> {
    Layout::horizontal(columns.iter().copied())
        .spacing(1)
        .split(Rect::new(0, 0, total, 1))
        .iter()
        .map(|r| r.width)
        .collect()
}

/// A server string made inert and clipped to `width` cells.
pub fn cell(text: &str, width: u16) -> String {
    sanitize::cell(text, usize::from(width))
}

/// An RFC 3339 time as `HH:MM:SS` (UTC); anything else shown inert as sent.
pub fn clock(rfc3339: &str) -> String {
    match DateTime::parse_from_rfc3339(rfc3339) {
        Ok(t) => t.with_timezone(&Utc).format("%H:%M:%S").to_string(),
        Err(_) => sanitize::cell(rfc3339, 8),
    }
}

/// Seconds as a short age: `42s`, `3m 20s`, `5h 02m`, `2d 04h`.
pub fn age(secs: i64) -> String {
    let s = secs.max(0);
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m {:02}s", s / 60, s % 60),
        3600..86400 => format!("{}h {:02}m", s / 3600, s % 3600 / 60),
        _ => format!("{}d {:02}h", s / 86400, s % 86400 / 3600),
    }
}

/// Microseconds as a short duration: `850 µs`, `412 ms`, `3.2 s`.
pub fn took(micros: i64) -> String {
    match micros.max(0) {
        m @ 0..1_000 => format!("{m} µs"),
        m @ 1_000..1_000_000 => format!("{} ms", m / 1_000),
        m => format!("{:.1} s", m as f64 / 1e6),
    }
}

/// A gate status as a coloured word with a mark that reads without colour.
pub fn gate_status(status: GateStatus, theme: &Theme) -> Span<'static> {
    let (mark, style) = match status {
        GateStatus::Green => ("● green", theme.ok),
        GateStatus::Amber => ("▲ amber", theme.warn),
        GateStatus::Red => ("✖ red", theme.error),
        GateStatus::Unknown => ("? never", theme.muted),
    };
    Span::styled(mark, style)
}

/// A component state as a coloured word with a mark.
pub fn component_state(state: ComponentState, theme: &Theme) -> Span<'static> {
    match state {
        ComponentState::Ok => Span::styled("● ok", theme.ok),
        ComponentState::Degraded => Span::styled("▲ degraded", theme.warn),
        ComponentState::Down => Span::styled("✖ down", theme.error),
    }
}

/// A yes/no as a coloured mark.
pub fn yes_no(value: bool, theme: &Theme) -> Span<'static> {
    if value { Span::styled("✓", theme.ok) } else { Span::styled("✖ no", theme.error) }
}

/// A one-line placeholder in the muted style.
pub fn placeholder(text: &str, theme: &Theme) -> Line<'static> {
    Line::from(Span::styled(text.to_string(), theme.muted))
}

/// The `filter:` line while a filter is typed, scrolled to keep the cursor in
/// view, with the terminal cursor placed on it.
pub fn filter_input(frame: &mut Frame, area: Rect, input: &tui_input::Input, theme: &Theme) -> Line<'static> {
    let width = usize::from(area.width.saturating_sub(10));
    let scroll = input.visual_scroll(width);
    let visible: String = input.value().chars().skip(scroll).collect();
    if let Some(x) = (area.x + 8).checked_add((input.visual_cursor().saturating_sub(scroll)) as u16) {
        frame.set_cursor_position((x.min(area.right().saturating_sub(1)), area.y));
    }
    Line::from(vec![Span::styled("filter: ", theme.accent), Span::styled(cell(&visible, width as u16), theme.text)])
}

/// Draws a placeholder (`loading…`, `no wallets`) in `area`.
pub fn say(frame: &mut Frame, area: Rect, text: &str, theme: &Theme) {
    frame.render_widget(Paragraph::new(placeholder(text, theme)), area);
}

/// A label and a value on one line.
pub fn pair(label: &str, value: Span<'static>, label_width: usize, theme: &Theme) -> Line<'static> {
    Line::from(vec![Span::styled(format!("{label:<label_width$}"), theme.muted), value])
}

/// A count styled by how bad any non-zero value is.
pub fn count(n: i64, bad: Style, theme: &Theme) -> Span<'static> {
    Span::styled(n.to_string(), if n == 0 { theme.text } else { bad })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_and_durations_read_short() {
        assert_eq!(age(42), "42s");
        assert_eq!(age(200), "3m 20s");
        assert_eq!(age(5 * 3600 + 120), "5h 02m");
        assert_eq!(age(2 * 86400 + 4 * 3600), "2d 04h");
        assert_eq!(took(850), "850 µs");
        assert_eq!(took(412_000), "412 ms");
        assert_eq!(took(2_400_000), "2.4 s");
    }

    #[test]
    fn clock_shows_utc_time_or_the_text_inert() {
        assert_eq!(clock("2026-01-31T09:30:05.123456Z"), "09:30:05");
        assert_eq!(clock("\x1b[2Jlater"), "later");
    }

    #[test]
    fn widths_add_up() {
        let w = widths(80, &[Constraint::Length(8), Constraint::Fill(1), Constraint::Length(10)]);
        assert_eq!(w.iter().sum::<u16>() + 2, 80);
    }
}
