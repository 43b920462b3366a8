//! The `?` help overlay: the current context's keys, the global ones, and
//! why writing keys are missing when they are.

use super::Help;
use crate::theme::Theme;
use crate::widgets::{block, centred};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

/// The key column's width: at least 8, and always a space wider than its
/// longest label.
fn key_width(help: &Help) -> usize {
    let labels = help.context.iter().flat_map(|(_, keys)| keys).chain(&help.everywhere);
    labels.map(|(label, _)| label.chars().count() + 1).max().unwrap_or(0).max(8)
}

/// Draws the help overlay centred in `area`.
pub fn render_help(frame: &mut Frame, area: Rect, help: &Help, theme: &Theme) {
    let width = key_width(help);
    let section = |title: &str| Line::from(Span::styled(title.to_string(), theme.title));
    let entry_line = |label: &str, description: &str| {
        Line::from(vec![
            Span::styled(format!("  {label:<width$}"), theme.accent),
            Span::styled(description.to_string(), theme.text),
        ])
    };
    let mut lines = Vec::new();
    if let Some((title, keys)) = &help.context {
        lines.push(section(title));
        lines.extend(keys.iter().map(|(label, description)| entry_line(label, description)));
        lines.push(Line::default());
    }
    lines.push(section("Everywhere"));
    lines.extend(help.everywhere.iter().map(|(label, description)| entry_line(label, description)));
    if let Some(why) = &help.writes_off {
        lines.push(Line::default());
        lines.push(Line::from(Span::styled(format!("{why}: writing keys are off"), theme.warn)));
    }
    lines.push(Line::default());
    lines.push(Line::from(Span::styled("any key closes this help", theme.muted)));
    let rect = centred(area, 48, lines.len() as u16 + 2);
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(lines).block(block("Keys", theme)), rect);
}
