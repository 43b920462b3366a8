//! Drawing helpers every view and overlay shares. Nothing here knows a view.
//! Every server string goes through [`crate::sanitize::cell`] before it
//! reaches a cell.

mod format;
mod list;
mod marks;

pub use format::{age, clock, money, took};
pub use list::{filter_input, paged_list, paged_title, take_page};
pub use marks::{component_state, gate_status, yes_no};

use crate::sanitize;
use crate::theme::Theme;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph};

/// A bordered block with a title, in the theme's colours.
pub fn block<'a>(title: &'a str, theme: &Theme) -> Block<'a> {
    Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.border)
        .title(Span::styled(format!(" {title} "), theme.title))
        .style(theme.text)
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

/// A one-line placeholder in the muted style.
pub fn placeholder(text: &str, theme: &Theme) -> Line<'static> {
    Line::from(Span::styled(text.to_string(), theme.muted))
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

/// A rectangle of at most `width`×`height` centred in `area`.
pub fn centred(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect::new(area.x + (area.width - w) / 2, area.y + (area.height - h) / 2, w, h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_add_up() {
        let w = widths(80, &[Constraint::Length(8), Constraint::Fill(1), Constraint::Length(10)]);
        assert_eq!(w.iter().sum::<u16>() + 2, 80);
    }
}
