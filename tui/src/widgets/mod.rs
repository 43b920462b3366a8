//! Drawing helpers every view and overlay shares. Nothing here knows a view.
//! Every server string goes through [`crate::sanitize::cell`] before it
//! reaches a cell.

mod chooser;
mod format;
mod list;
mod marks;

pub use chooser::{Chooser, render_chooser};
pub use format::{age, datetime, stamp, took};
pub use list::{filter_input, filter_line, filtered_list, paged_title, take_page};
pub use marks::{age_against, component_state, gate_status, yes_no};

use crate::sanitize;
use crate::theme::Theme;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph, Row, Table};

/// A bordered block with a title, in the theme's colours.
pub fn block<'a>(title: &'a str, theme: &Theme) -> Block<'a> {
    Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.border)
        .title(Span::styled(format!(" {title} "), theme.title))
        .style(theme.text)
}

/// A table of `rows` under `header`, its columns `widths` cells wide, the
/// selected row (set on the `TableState` it is drawn with) marked `› ` in
/// `highlight`.
pub fn selectable_table<'a>(
    header: Row<'a>,
    rows: impl IntoIterator<Item = Row<'a>>,
    widths: &[u16],
    highlight: Style,
) -> Table<'a> {
    Table::new(rows, widths.iter().map(|&n| Constraint::Length(n)))
        .header(header)
        .row_highlight_style(highlight)
        .highlight_symbol("› ")
}

/// A yes/no question over the view, `width` cells wide: `body`, then the
/// keys (`y` and what it does, `n/Esc` cancel).
pub fn confirm_box(
    frame: &mut Frame,
    area: Rect,
    (title, yes): (&str, &str),
    body: Vec<Line<'_>>,
    width: u16,
    theme: &Theme,
) {
    let mut lines = body;
    lines.push(Line::default());
    lines.push(Line::from(vec![
        Span::styled("y", theme.accent),
        Span::styled(format!(" {yes}   "), theme.muted),
        Span::styled("n/Esc", theme.accent),
        Span::styled(" cancel", theme.muted),
    ]));
    let rect = centred(area, width, lines.len() as u16 + 2);
    frame.render_widget(ratatui::widgets::Clear, rect);
    frame.render_widget(
        Paragraph::new(lines).wrap(ratatui::widgets::Wrap { trim: true }).block(block(title, theme)),
        rect,
    );
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
