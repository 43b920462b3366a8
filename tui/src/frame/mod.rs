//! Everything around the views: the production banner, the tabs, the
//! status bar, the footer hints, the help overlay, the confirmation prompt
//! and the too-small screen.

use crate::app::{App, Confirm, Level};
use crate::data::ViewId;
use crate::keymap::{Action, Context};
use crate::sanitize;
use crate::theme::Theme;
use crate::views;
use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

/// The smallest terminal the cockpit draws in.
pub const MIN_SIZE: (u16, u16) = (80, 24);

/// Draws the whole screen for `app`.
pub fn render(app: &mut App, frame: &mut Frame) {
    let area = frame.area();
    let theme = app.theme.clone();
    frame.render_widget(Block::new().style(theme.text), area);
    if area.width < MIN_SIZE.0 || area.height < MIN_SIZE.1 {
        return too_small(frame, area, &theme);
    }
    let banner = if app.session.production { 1 } else { 0 };
    let [banner_area, tabs, body, status, footer] = Layout::vertical([
        Constraint::Length(banner),
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    if app.session.production {
        let text = format!("PRODUCTION — {}", sanitize::cell(&app.session.profile, 60));
        frame.render_widget(Paragraph::new(text).style(theme.banner).alignment(Alignment::Center), banner_area);
    }
    render_tabs(frame, tabs, app, &theme);
    match app.view {
        ViewId::Gates => views::gates::render(frame, body, &app.gates, &theme),
        ViewId::Outbox => views::outbox::render(frame, body, &app.outbox, &theme),
        ViewId::Wallets => views::wallets::render(frame, body, &app.wallets, &theme),
        ViewId::Ledger => views::ledger::render(frame, body, &app.ledger, &theme),
        ViewId::Controls => views::controls::render(frame, body, &app.controls, &theme),
        ViewId::Audit => views::audit::render(frame, body, &app.audit, &theme),
        ViewId::Payouts => views::payouts::render(frame, body, &app.payouts, &theme, app.now),
        _ => views::overview::render(frame, body, &app.overview, &theme),
    }
    render_status(frame, status, app, &theme);
    render_footer(frame, footer, app, &theme);
    if let Some(confirm) = &app.confirm {
        render_confirm(frame, body, confirm, &theme);
    }
    if app.palette.is_open() {
        crate::palette::render(frame, body, &app.palette, app.session.role, app.session.read_only, &theme);
    }
    if app.help {
        render_help(frame, body, app, &theme);
    }
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

fn render_tabs(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let mut spans = vec![Span::styled(" ledgerdeck ", theme.title)];
    // Every title when they fit (with room for the read-only mark), else
    // numbers only except the current view's.
    let full: usize = 12 + ViewId::BUILT.iter().map(|v| v.title().chars().count() + 5).sum::<usize>() + 1;
    let short = full + if app.session.read_only { 10 } else { 0 } > usize::from(area.width);
    for view in ViewId::BUILT {
        let style = if view == app.view { theme.selection } else { theme.muted };
        spans.push(Span::styled("│", theme.border));
        let label = if short && view != app.view {
            format!(" {} ", view.number())
        } else {
            format!(" {} {} ", view.number(), view.title())
        };
        spans.push(Span::styled(label, style));
    }
    spans.push(Span::styled("│", theme.border));
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
    if app.session.read_only {
        frame.render_widget(Paragraph::new(Span::styled("READ-ONLY ", theme.warn)).alignment(Alignment::Right), area);
    }
}

fn level_style(level: Level, theme: &Theme) -> Style {
    match level {
        Level::Info => theme.accent,
        Level::Ok => theme.ok,
        Level::Warn => theme.warn,
        Level::Error => theme.error,
    }
}

fn render_status(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let sep = || Span::styled(" │ ", theme.border);
    let (conn, level) = app.conn_label();
    let updated = app.last_update.map_or("—".into(), |t| t.format("%H:%M:%S").to_string());
    let left = Line::from(vec![
        Span::styled(" profile ", theme.muted),
        Span::styled(sanitize::cell(&app.session.profile, 20), theme.text),
        sep(),
        Span::styled("operator ", theme.muted),
        Span::styled(sanitize::cell(&app.session.operator, 16), theme.text),
        sep(),
        Span::styled(conn, level_style(level, theme)),
        sep(),
        Span::styled("updated ", theme.muted),
        Span::styled(updated, theme.text),
    ]);
    let used = left.width() as u16 + 2;
    frame.render_widget(Paragraph::new(left), area);
    if let Some(n) = &app.notice {
        let room = area.width.saturating_sub(used);
        let text = sanitize::cell(&n.text, usize::from(room.saturating_sub(1)));
        let line = Line::from(Span::styled(format!("{text} "), level_style(n.level, theme)));
        frame.render_widget(
            Paragraph::new(line).alignment(Alignment::Right),
            Rect { x: area.x + used, width: room, ..area },
        );
    }
}

fn render_footer(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let mut spans = vec![Span::raw(" ")];
    let mut room = usize::from(area.width).saturating_sub(1);
    // Whole hints only: one that does not fit is left out, a shorter later one may still fit.
    for entry in app.context().hints(app.hides_writes()) {
        let description = format!(" {}  ", entry.description);
        let width = entry.label.chars().count() + description.chars().count();
        if width > room {
            continue;
        }
        room -= width;
        spans.push(Span::styled(entry.label, theme.accent));
        spans.push(Span::styled(description, theme.muted));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)).style(theme.text), area);
}

/// A rectangle of at most `width`×`height` centred in `area`.
fn centred(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect::new(area.x + (area.width - w) / 2, area.y + (area.height - h) / 2, w, h)
}

fn render_confirm(frame: &mut Frame, area: Rect, confirm: &Confirm, theme: &Theme) {
    let Confirm::Retry { message_id } = confirm;
    let lines = vec![
        Line::from(vec![
            Span::styled("Retry message ", theme.text),
            Span::styled(sanitize::cell(message_id, 40), theme.accent),
        ]),
        Line::from(Span::styled("Its failing and dead deliveries to enabled endpoints", theme.text)),
        Line::from(Span::styled("become due now, with their attempt counts reset.", theme.text)),
        Line::default(),
        Line::from(vec![
            Span::styled("y", theme.accent),
            Span::styled(" retry   ", theme.muted),
            Span::styled("n/Esc", theme.accent),
            Span::styled(" cancel", theme.muted),
        ]),
    ];
    let rect = centred(area, 64, 7);
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(lines).block(views::block("Confirm", theme)), rect);
}

fn render_help(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let read_only = app.hides_writes();
    let context = app.context();
    let section = |title: &str| Line::from(Span::styled(title.to_string(), theme.title));
    let entry_line = |label: &str, description: &str| {
        Line::from(vec![
            Span::styled(format!("  {label:<8}"), theme.accent),
            Span::styled(description.to_string(), theme.text),
        ])
    };
    let mut lines = Vec::new();
    if !context.table().is_empty() {
        lines.push(section(context_title(context)));
        for e in context.table().iter().filter(|e| !(read_only && e.writes)) {
            lines.push(entry_line(e.label, e.description));
        }
        lines.push(Line::default());
    }
    lines.push(section("Everywhere"));
    // The number keys on one line, so the overlay fits at 80×24.
    let numbers: Vec<String> = ViewId::BUILT.iter().map(|v| v.number().to_string()).collect();
    lines.push(entry_line(&numbers.join(""), "views by number"));
    for e in Context::Global.table().iter().filter(|e| !matches!(e.action, Action::GoTo(_))) {
        lines.push(entry_line(e.label, e.description));
    }
    lines.push(entry_line("Ctrl-C", "quit"));
    if read_only {
        lines.push(Line::default());
        let why = if app.session.read_only { "read-only profile" } else { "viewer role" };
        lines.push(Line::from(Span::styled(format!("{why}: writing keys are off"), theme.warn)));
    }
    lines.push(Line::default());
    lines.push(Line::from(Span::styled("any key closes this help", theme.muted)));
    let rect = centred(area, 48, lines.len() as u16 + 2);
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(lines).block(views::block("Keys", theme)), rect);
}

fn context_title(context: Context) -> &'static str {
    match context {
        Context::Global | Context::Overview => "Overview",
        Context::GateList => "Gates",
        Context::GateFindings => "Gate findings",
        Context::OutboxList => "Outbox",
        Context::OutboxDetail => "Outbox message",
        Context::FilterInput => "Filter",
        Context::Confirm => "Confirm",
        Context::Wallets => "Wallets",
        Context::WalletStatement => "Statement",
        Context::Ledger => "Ledger",
        Context::LedgerDetail => "Transaction",
        Context::Controls => "Controls",
        Context::Audit => "Audit",
        Context::Palette => "Commands",
        Context::CommandForm => "Command form",
        Context::PayoutsList => "Payouts",
        Context::HoldDetail => "Hold",
        Context::HoldForm => "Settle / release form",
        Context::HoldConfirm => "Confirm",
        Context::ResultCard => "Result",
    }
}
