//! Everything around the views: the production banner, the tabs, the
//! standing alert, the status bar, the footer hints, the help overlay and
//! the too-small screen, drawn from a [`FrameModel`] the app builds.

mod help;
mod model;

pub use help::render_help;
pub use model::{FrameModel, Help, Status, Tab};

use crate::notice::Level;
use crate::sanitize;
use crate::theme::Theme;
use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

/// The smallest terminal the cockpit draws in.
pub const MIN_SIZE: (u16, u16) = (80, 24);

/// Draws the frame and returns the area left for the view, or `None` when
/// the terminal is too small to draw anything else.
pub fn render(frame: &mut Frame, model: &FrameModel, theme: &Theme) -> Option<Rect> {
    let area = frame.area();
    frame.render_widget(Block::new().style(theme.text), area);
    if area.width < MIN_SIZE.0 || area.height < MIN_SIZE.1 {
        too_small(frame, area, theme);
        return None;
    }
    let banner = if model.banner.is_some() { 1 } else { 0 };
    let [banner_area, tabs, body, status, footer] = Layout::vertical([
        Constraint::Length(banner),
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    if let Some(profile) = &model.banner {
        let text = format!("PRODUCTION — {}", sanitize::cell(profile, 60));
        frame.render_widget(Paragraph::new(text).style(theme.banner).alignment(Alignment::Center), banner_area);
    }
    render_tabs(frame, tabs, model, theme);
    render_status(frame, status, &model.status, theme);
    render_footer(frame, footer, &model.hints, theme);
    Some(body)
}

/// Draws a standing alert over the foot of `body`: a bordered box in the
/// error colour, its lines made inert and clipped.
pub fn render_alert(frame: &mut Frame, body: Rect, (title, lines): &(String, Vec<String>), theme: &Theme) {
    let height = (lines.len() as u16 + 2).min(body.height / 2);
    let area = Rect { y: body.bottom() - height, height, ..body };
    frame.render_widget(ratatui::widgets::Clear, area);
    let room = usize::from(area.width.saturating_sub(4));
    let text: Vec<Line> = lines.iter().map(|l| Line::from(sanitize::cell(l, room))).collect();
    let block = Block::bordered()
        .border_type(ratatui::widgets::BorderType::Rounded)
        .border_style(theme.error)
        .title(Span::styled(format!(" {title} "), theme.error))
        .style(theme.text)
        .padding(ratatui::widgets::Padding::horizontal(1));
    frame.render_widget(Paragraph::new(text).block(block), area);
}

fn too_small(frame: &mut Frame, area: Rect, theme: &Theme) {
    let lines = vec![
        Line::from(Span::styled("terminal too small", theme.error)),
        Line::from(format!("need {}×{}, have {}×{}", MIN_SIZE.0, MIN_SIZE.1, area.width, area.height)),
        Line::from(Span::styled("enlarge the window, or press q to quit", theme.muted)),
    ];
    let height = 3.min(area.height);
    let y = area.y + area.height.saturating_sub(height) / 2;
    let centre = Rect::new(area.x, y, area.width, height);
    frame.render_widget(Paragraph::new(lines).alignment(Alignment::Center).wrap(Wrap { trim: true }), centre);
}

fn render_tabs(frame: &mut Frame, area: Rect, model: &FrameModel, theme: &Theme) {
    let mut spans = vec![Span::styled(" ledgerdeck ", theme.title)];
    if let Some(path) = &model.path {
        spans.push(Span::styled("│ ", theme.border));
        let room = usize::from(area.width).saturating_sub(12 + 12);
        let text = path.iter().map(|p| sanitize::cell(p, 40)).collect::<Vec<_>>().join(" › ");
        spans.push(Span::styled(sanitize::cell(&text, room), theme.selection));
        spans.push(Span::styled("  Esc back", theme.muted));
        frame.render_widget(Paragraph::new(Line::from(spans)), area);
        return;
    }
    // Every title when they fit (with room for the read-only mark), else
    // numbers only except the current view's.
    let full: usize = 12 + model.tabs.iter().map(|t| t.title.chars().count() + 5).sum::<usize>() + 1;
    let short = full + if model.read_only { 10 } else { 0 } > usize::from(area.width);
    for tab in &model.tabs {
        let style = if tab.current { theme.selection } else { theme.muted };
        spans.push(Span::styled("│", theme.border));
        let label =
            if short && !tab.current { format!(" {} ", tab.number) } else { format!(" {} {} ", tab.number, tab.title) };
        spans.push(Span::styled(label, style));
    }
    spans.push(Span::styled("│", theme.border));
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
    if model.read_only {
        frame.render_widget(Paragraph::new(Span::styled("READ-ONLY ", theme.warn)).alignment(Alignment::Right), area);
    }
}

/// The style of a notice or connection state of this level.
pub fn level_style(level: Level, theme: &Theme) -> Style {
    match level {
        Level::Info => theme.accent,
        Level::Ok => theme.ok,
        Level::Warn => theme.warn,
        Level::Error => theme.error,
    }
}

fn render_status(frame: &mut Frame, area: Rect, status: &Status, theme: &Theme) {
    let sep = || Span::styled(" │ ", theme.border);
    let (conn, level) = &status.connection;
    let mut left = Line::from(vec![
        Span::styled(" profile ", theme.muted),
        Span::styled(sanitize::cell(&status.profile, 20), theme.text),
        sep(),
        Span::styled("operator ", theme.muted),
        Span::styled(sanitize::cell(&status.operator, 16), theme.text),
        sep(),
        Span::styled(conn.clone(), level_style(*level, theme)),
        sep(),
        Span::styled("updated ", theme.muted),
        Span::styled(status.updated.clone(), theme.text),
    ]);
    if let Some(n) = &status.approvals {
        left.spans.extend([sep(), Span::styled(format!("approvals {n}"), theme.warn)]);
    }
    let used = left.width() as u16 + 2;
    frame.render_widget(Paragraph::new(left), area);
    if let Some((level, text)) = &status.notice {
        let room = area.width.saturating_sub(used);
        let text = sanitize::cell(text, usize::from(room.saturating_sub(1)));
        let line = Line::from(Span::styled(format!("{text} "), level_style(*level, theme)));
        frame.render_widget(
            Paragraph::new(line).alignment(Alignment::Right),
            Rect { x: area.x + used, width: room, ..area },
        );
    }
}

fn render_footer(frame: &mut Frame, area: Rect, hints: &[(String, String)], theme: &Theme) {
    let mut spans = vec![Span::raw(" ")];
    let mut room = usize::from(area.width).saturating_sub(1);
    // Whole hints only: one that does not fit is left out, a shorter later one may still fit.
    for (label, description) in hints {
        let description = format!(" {description}  ");
        let width = label.chars().count() + description.chars().count();
        if width > room {
            continue;
        }
        room -= width;
        spans.push(Span::styled(label.clone(), theme.accent));
        spans.push(Span::styled(description, theme.muted));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)).style(theme.text), area);
}
