//! Drawing the export prompt over the top of the view (what is exported,
//! the format, the path being typed, what the export cannot carry), and the
//! panel at the foot of the view with an export's progress or its end.

use super::ExportState;
use crate::data::ExportFormat;
use crate::notice::Level;
use crate::theme::Theme;
use crate::widgets::{block, cell};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// The labels' column.
const LABEL: u16 = 9;

/// Draws the prompt over the top of `area`, or else the panel of the
/// export under way (or just ended) at its foot.
pub fn render(frame: &mut Frame, area: Rect, state: &ExportState, theme: &Theme) {
    render_panel(frame, area, state, theme);
    render_prompt(frame, area, state, theme);
}

/// `text` made inert and, when longer than `width` cells, its end kept
/// after a leading `…` (the end of a path is what tells files apart).
pub fn tail(text: &str, width: usize) -> String {
    let text = crate::sanitize::clean(text);
    if text.width() <= width {
        return text.into_owned();
    }
    let mut kept = Vec::new();
    let mut used = 1;
    for c in text.chars().rev() {
        let w = c.width().unwrap_or(0);
        if used + w > width {
            break;
        }
        kept.push(c);
        used += w;
    }
    std::iter::once('…').chain(kept.into_iter().rev()).collect()
}

/// The export under way, or how the last one ended, in a box at the foot of `area`.
fn render_panel(frame: &mut Frame, area: Rect, state: &ExportState, theme: &Theme) {
    let (headline, detail, style) = match (&state.job, &state.outcome) {
        (Some(job), _) => (super::progress_text(job), format!("to {}", job.path.display()), theme.accent),
        (None, Some(o)) => {
            (o.headline.clone(), o.detail.clone(), if o.level == Level::Ok { theme.ok } else { theme.error })
        }
        (None, None) => return,
    };
    if area.height < 6 {
        return;
    }
    let width = area.width.saturating_sub(4).min(110);
    let inner = usize::from(width.saturating_sub(2));
    let headline = Line::from(Span::styled(crate::sanitize::cell(&headline, inner), style));
    // A path keeps its end; a failure's detail wraps onto a second line.
    let failed = state.job.is_none() && state.outcome.as_ref().is_some_and(|o| o.level != Level::Ok);
    let detail_lines = if failed && detail.width() > inner { 2 } else { 1 };
    let paragraph = if failed {
        let text = crate::sanitize::clean(&detail).into_owned();
        Paragraph::new(vec![headline, Line::from(Span::styled(text, theme.text))]).wrap(Wrap { trim: true })
    } else {
        Paragraph::new(vec![headline, Line::from(Span::styled(tail(&detail, inner), theme.text))])
    };
    let height = 3 + detail_lines;
    let rect = Rect::new(area.x + (area.width - width) / 2, area.bottom() - height - 1, width, height);
    frame.render_widget(Clear, rect);
    frame.render_widget(paragraph.block(block("Export", theme)), rect);
}

fn render_prompt(frame: &mut Frame, area: Rect, state: &ExportState, theme: &Theme) {
    let Some(prompt) = &state.prompt else { return };
    let width = area.width.saturating_sub(4).min(110);
    let value_w = width.saturating_sub(2 + LABEL);
    let label = |text: &str| Span::styled(format!("{text:<w$}", w = usize::from(LABEL)), theme.muted);
    let format = |f: ExportFormat| {
        let style = if f == prompt.format { theme.selection } else { theme.muted };
        Span::styled(format!(" {} ", f.extension()), style)
    };
    let scroll = prompt.path.visual_scroll(usize::from(value_w.saturating_sub(1)));
    let shown: String = prompt.path.value().chars().skip(scroll).collect();
    let mut lines = vec![
        Line::from(vec![
            label("exports"),
            Span::styled(cell(&super::describe(prompt.what.kind, &prompt.what.query), value_w), theme.text),
        ]),
        Line::from(vec![
            label("format"),
            format(ExportFormat::Csv),
            Span::raw(" "),
            format(ExportFormat::Jsonl),
            Span::styled("   Tab switches", theme.muted),
        ]),
        Line::from(vec![label("to"), Span::styled(cell(&shown, value_w), theme.text)]),
    ];
    if let Some(note) = &prompt.what.note {
        lines.push(Line::from(vec![label(""), Span::styled(cell(note, value_w), theme.warn)]));
    }
    if let Some(error) = &prompt.error {
        lines.push(Line::from(vec![label(""), Span::styled(cell(error, value_w), theme.error)]));
    }
    lines.push(Line::default());
    lines.push(Line::from(vec![
        Span::styled("Enter", theme.accent),
        Span::styled(" export   ", theme.muted),
        Span::styled("Esc", theme.accent),
        Span::styled(" cancel   ", theme.muted),
        Span::styled("an existing file is never replaced", theme.muted),
    ]));
    let height = (lines.len() as u16 + 2).min(area.height);
    let rect = Rect::new(area.x + (area.width - width) / 2, area.y, width, height);
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(lines).block(block("Export", theme)), rect);
    let cursor = prompt.path.visual_cursor().saturating_sub(scroll).min(usize::from(value_w.saturating_sub(1)));
    frame.set_cursor_position((rect.x + 1 + LABEL + cursor as u16, rect.y + 3));
}
