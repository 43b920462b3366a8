//! The `?` help overlay: the current context's keys, the global ones, and
//! why writing keys are missing when they are. Where one column does not fit
//! the screen's height, the keys stand two to a line.

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

/// The overlay's lines, with `per_line` keys to a line.
fn lines(help: &Help, per_line: usize, theme: &Theme) -> (Vec<Line<'static>>, usize) {
    let width = key_width(help);
    let description_w = [&help.everywhere].into_iter().chain(help.context.iter().map(|(_, k)| k)).flatten();
    let description_w = description_w.map(|(_, d)| d.chars().count()).max().unwrap_or(0);
    let column = 2 + width + description_w + 2;
    let section = |title: &str| Line::from(Span::styled(title.to_string(), theme.title));
    let keys_lines = |keys: &[(String, String)]| -> Vec<Line<'static>> {
        keys.chunks(per_line)
            .map(|chunk| {
                let mut spans = Vec::new();
                for (i, (label, description)) in chunk.iter().enumerate() {
                    spans.push(Span::styled(format!("  {label:<width$}"), theme.accent));
                    let pad = if i + 1 < chunk.len() { column - 2 - width } else { 0 };
                    spans.push(Span::styled(format!("{description:<pad$}"), theme.text));
                }
                Line::from(spans)
            })
            .collect()
    };
    let mut out = Vec::new();
    if let Some((title, keys)) = &help.context {
        out.push(section(title));
        out.extend(keys_lines(keys));
        out.push(Line::default());
    }
    out.push(section("Everywhere"));
    out.extend(keys_lines(&help.everywhere));
    if let Some(why) = &help.writes_off {
        out.push(Line::default());
        out.push(Line::from(Span::styled(format!("{why}: writing keys are off"), theme.warn)));
    }
    out.push(Line::default());
    out.push(Line::from(Span::styled("any key closes this help", theme.muted)));
    (out, column * per_line)
}

/// Draws the help overlay centred in `area`.
pub fn render_help(frame: &mut Frame, area: Rect, help: &Help, theme: &Theme) {
    let (mut shown, mut width) = (lines(help, 1, theme).0, 48);
    if shown.len() as u16 + 2 > area.height {
        let (two, wide) = lines(help, 2, theme);
        shown = two;
        width = wide as u16 + 2;
    }
    let rect = centred(area, width, shown.len() as u16 + 2);
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(shown).block(block("Keys", theme)), rect);
}
