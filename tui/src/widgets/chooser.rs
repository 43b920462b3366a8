//! A small chooser over the view: a title and a few lines, one selected;
//! Enter takes it, Esc closes (the footer shows the keys in force). The copy
//! and go-to choosers are this.

use super::{block, cell, centred};
use crate::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

/// A chooser's lines and which one is selected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chooser {
    /// Its title: `Copy`, `Go to`.
    pub title: String,
    /// Each line: what it is, and the value or place it stands for.
    pub lines: Vec<(String, String)>,
    /// The selected line.
    pub selected: usize,
}

impl Chooser {
    /// A chooser with the first line selected.
    pub fn new(title: impl Into<String>, lines: Vec<(String, String)>) -> Chooser {
        Chooser { title: title.into(), lines, selected: 0 }
    }
}

/// Draws the chooser centred in `area`.
pub fn render_chooser(frame: &mut Frame, area: Rect, chooser: &Chooser, theme: &Theme) {
    let width = area.width.saturating_sub(4).min(90);
    let label_w = chooser.lines.iter().map(|(l, _)| l.chars().count()).max().unwrap_or(0).min(24) as u16;
    let value_w = width.saturating_sub(label_w + 7);
    let lines: Vec<Line> = chooser
        .lines
        .iter()
        .enumerate()
        .map(|(i, (label, value))| {
            let selected = i == chooser.selected;
            let style = if selected { theme.selection } else { theme.text };
            Line::from(vec![
                Span::styled(if selected { "› " } else { "  " }, theme.accent),
                Span::styled(format!("{:<w$} ", cell(label, label_w), w = usize::from(label_w)), theme.muted),
                Span::styled(cell(value, value_w), style),
            ])
        })
        .collect();
    let height = (lines.len() as u16 + 2).min(area.height);
    let rect = centred(area, width, height);
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(lines).block(block(&chooser.title, theme)), rect);
}
