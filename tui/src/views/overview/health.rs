//! The Overview's Health panel: `ok` and `ready` in its title, one line per
//! component, and — where there is room — one line per saga worker under
//! `saga` and per provider under `provider`.

use crate::theme::Theme;
use crate::widgets::{age, cell, component_state, say, took, yes_no};
use ledgerdeck_client::{HealthReport, ProviderHealth, WorkerHealth};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph};

/// The narrowest inner width at which workers and providers get lines.
pub const DETAIL_WIDTH: u16 = 60;

/// Width of the component-name column.
const NAME_WIDTH: u16 = 10;

/// The lines the panel needs inside its border: one per component, plus one
/// per worker and provider when `detailed`.
pub fn lines_needed(health: Option<&HealthReport>, detailed: bool) -> u16 {
    let Some(h) = health else { return 1 };
    let extra = if detailed { h.workers.len() + h.providers.len() } else { 0 };
    (h.components.len() + extra) as u16
}

/// Draws the panel; workers and providers are listed when `detailed` and
/// the panel is at least [`DETAIL_WIDTH`] wide inside.
pub fn render_health(frame: &mut Frame, area: Rect, health: Option<&HealthReport>, detailed: bool, theme: &Theme) {
    // Narrow panels drop `ok` while it is true (a server that answers says
    // so), keeping `ready` in view.
    let mut title = vec![Span::styled(" Health ", theme.title)];
    if let Some(h) = health {
        if !h.ok || area.width >= 40 {
            title.extend([Span::styled("ok ", theme.muted), yes_no(h.ok, theme), Span::styled("  ", theme.muted)]);
        }
        title.extend([Span::styled("ready ", theme.muted), yes_no(h.ready, theme), Span::raw(" ")]);
    }
    let outer = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.border)
        .title(Line::from(title))
        .style(theme.text);
    let inner = outer.inner(area);
    frame.render_widget(outer, area);
    let Some(health) = health else {
        say(frame, inner, "loading…", theme);
        return;
    };
    let detailed = detailed && inner.width >= DETAIL_WIDTH;
    let mut lines = Vec::new();
    for c in &health.components {
        let state = component_state(c.state, theme);
        let used = NAME_WIDTH + state.content.chars().count() as u16 + 2;
        let detail = cell(&c.detail, inner.width.saturating_sub(used));
        lines.push(Line::from(vec![
            Span::styled(format!("{:<w$}", cell(&c.name, NAME_WIDTH - 1), w = NAME_WIDTH as usize), theme.text),
            state,
            Span::styled(format!("  {detail}"), theme.muted),
        ]));
        if detailed && c.name == "saga" {
            lines.extend(health.workers.iter().map(|w| worker_line(w, inner.width, theme)));
        }
        if detailed && c.name == "provider" {
            lines.extend(health.providers.iter().map(|p| provider_line(p, inner.width, theme)));
        }
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// A duration in milliseconds, short: `412 ms`, `3.2 s`, `5m 20s`.
fn since(ms: i64) -> String {
    if ms < 60_000 { took(ms.saturating_mul(1000)) } else { age(ms / 1000) }
}

fn worker_line(w: &WorkerHealth, width: u16, theme: &Theme) -> Line<'static> {
    let lead = format!("{:w$}└ ", "", w = NAME_WIDTH as usize - 2);
    let who = format!("{} on {}", w.worker_id, w.instance);
    let (state, rest) = if w.live {
        let behind = if w.behind_ms > 0 { format!("behind {}", since(w.behind_ms)) } else { "current".into() };
        (
            Span::styled("live", theme.ok),
            format!(" · beat {} ago · {behind} · {} handled", since(w.last_round_age_ms), w.handled),
        )
    } else {
        (Span::styled("gone", theme.warn), format!(" · last beat {} ago", since(w.last_round_age_ms)))
    };
    let room = width.saturating_sub(NAME_WIDTH + 5);
    let text = cell(&format!("{who}  "), room);
    let used = NAME_WIDTH + text.chars().count() as u16 + 4;
    Line::from(vec![
        Span::styled(lead, theme.muted),
        Span::styled(text, theme.text),
        state,
        Span::styled(cell(&rest, width.saturating_sub(used)), theme.muted),
    ])
}

fn provider_line(p: &ProviderHealth, width: u16, theme: &Theme) -> Line<'static> {
    let lead = format!("{:w$}└ ", "", w = NAME_WIDTH as usize - 2);
    let name = cell(&format!("{}  ", p.name), width.saturating_sub(NAME_WIDTH + 12));
    let (state, rest) = match (p.reachable, p.latency_ms) {
        (true, Some(ms)) => (Span::styled("reachable", theme.ok), format!(" · answered in {}", since(ms))),
        (true, None) => (Span::styled("reachable", theme.ok), String::new()),
        (false, _) => {
            (Span::styled("unreachable", theme.error), format!(" · {}", p.error.as_deref().unwrap_or("no answer")))
        }
    };
    let used = NAME_WIDTH + name.chars().count() as u16 + state.content.chars().count() as u16;
    Line::from(vec![
        Span::styled(lead, theme.muted),
        Span::styled(name, theme.text),
        state,
        Span::styled(cell(&rest, width.saturating_sub(used)), theme.muted),
    ])
}
