//! Drawing the Gates view: the gate list, the selected gate's findings and
//! the selected finding's detail.

use super::{GatesState, hint};
use crate::money::figure;
use crate::theme::Theme;
use crate::widgets::{block, cell, confirm_box, gate_status, placeholder, say, selectable_table, stamp, took, widths};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Table, TableState, Wrap};

/// Draws the Gates view into `area`.
pub fn render(frame: &mut Frame, area: Rect, state: &GatesState, theme: &Theme) {
    // The gate list is as tall as the server's gates (a header and two borders).
    let list_height = u16::try_from(state.gates.len().max(4)).unwrap_or(u16::MAX).saturating_add(3);
    let [list, findings, detail] =
        Layout::vertical([Constraint::Length(list_height), Constraint::Fill(1), Constraint::Length(5)]).areas(area);
    render_list(frame, list, state, theme);
    if state.show_history {
        render_history(frame, findings, state, theme);
    } else {
        render_findings(frame, findings, state, theme);
    }
    render_detail(frame, detail, state, theme);
    if let Some(fix) = state.fix.as_ref().filter(|f| f.asking()) {
        let [first, second] = fix.statement();
        let body = vec![Line::from(Span::styled(first, theme.text)), Line::from(Span::styled(second, theme.text))];
        confirm_box(frame, area, ("Fix", "rebuild and re-run"), body, 78, theme);
    }
}

fn render_history(frame: &mut Frame, area: Rect, state: &GatesState, theme: &Theme) {
    let outer = block("Gate runs, newest first (h: findings)", theme);
    let inner = outer.inner(area);
    frame.render_widget(outer, area);
    let Some(page) = &state.history else { return say(frame, inner, "loading…", theme) };
    if page.items.is_empty() {
        return say(frame, inner, "no runs yet", theme);
    }
    let columns = [
        Constraint::Length(15),
        Constraint::Length(15),
        Constraint::Length(8),
        Constraint::Length(7),
        Constraint::Fill(1),
        Constraint::Length(5),
        Constraint::Length(8),
    ];
    let w = widths(inner.width, &columns);
    let header = Row::new(["started UTC", "gate", "status", "mode", "trigger", "open", "took"]).style(theme.muted);
    let rows = page.items.iter().map(|r| {
        Row::new(vec![
            Line::from(stamp(&r.started_at)),
            Line::from(cell(&r.gate, w[1])),
            gate_status(r.status, theme).into(),
            Line::from(cell(&r.mode, w[3])),
            Line::from(cell(&r.trigger, w[4])),
            Line::from(format!("{:>4}", r.open)),
            Line::from(took(r.duration_micros)),
        ])
    });
    frame.render_widget(Table::new(rows, w.iter().map(|&n| Constraint::Length(n))).header(header), inner);
}

fn render_list(frame: &mut Frame, area: Rect, state: &GatesState, theme: &Theme) {
    let outer = block("Reconciliation gates", theme);
    let inner = outer.inner(area);
    frame.render_widget(outer, area);
    if state.gates.is_empty() {
        say(frame, inner, "loading…", theme);
        return;
    }
    let columns = [
        Constraint::Length(8),
        Constraint::Length(15),
        Constraint::Fill(1),
        Constraint::Length(5),
        Constraint::Length(15),
        Constraint::Length(8),
        Constraint::Length(7),
    ];
    let w = widths(inner.width.saturating_sub(2), &columns);
    let header = Row::new(["status", "gate", "checks", "open", "last run UTC", "took", "mode"]).style(theme.muted);
    let rows = state.gates.iter().map(|g| {
        let (last, dur, mode) = match &g.last_run {
            Some(run) => (stamp(&run.started_at), took(run.duration_micros), cell(&run.mode, w[6])),
            None => ("—".into(), "—".into(), "—".into()),
        };
        Row::new(vec![
            gate_status(g.status, theme).into(),
            Line::from(cell(&g.gate, w[1])),
            Line::from(Span::styled(cell(&g.title, w[2]), theme.muted)),
            Line::from(format!("{:>4}", g.open_findings)),
            Line::from(last),
            Line::from(dur),
            Line::from(mode),
        ])
    });
    let selection = if state.findings_focused { theme.muted } else { theme.highlight };
    let table = selectable_table(header, rows, &w, selection);
    frame.render_stateful_widget(table, inner, &mut TableState::new().with_selected(Some(state.selected)));
}

fn render_findings(frame: &mut Frame, area: Rect, state: &GatesState, theme: &Theme) {
    let which = if state.resolved { "All findings" } else { "Open findings" };
    let title = match &state.findings_gate {
        Some(gate) => format!("{which}: {}", cell(gate, 40)),
        None => "Findings".to_string(),
    };
    let outer = block(&title, theme);
    let inner = outer.inner(area);
    frame.render_widget(outer, area);
    let page = match (&state.findings_gate, &state.findings) {
        (None, _) => {
            return frame
                .render_widget(Paragraph::new(placeholder("Enter on a gate shows its findings", theme)), inner);
        }
        (Some(_), None) => return say(frame, inner, "loading…", theme),
        (Some(_), Some(page)) if page.items.is_empty() => {
            return frame.render_widget(Paragraph::new(Span::styled("✓ no open findings", theme.ok)), inner);
        }
        (Some(_), Some(page)) => page,
    };
    let wide = inner.width >= 140;
    let mut columns = vec![
        Constraint::Length(6),
        Constraint::Fill(2),
        Constraint::Fill(2),
        Constraint::Length(13),
        Constraint::Length(13),
        Constraint::Length(7),
    ];
    if wide {
        columns.extend([Constraint::Length(15), Constraint::Fill(3)]);
    }
    let w = widths(inner.width.saturating_sub(2), &columns);
    let mut head = vec!["sev", "subject", "code", "expected", "actual", "unit"];
    if wide {
        head.extend(["opened UTC", "detail"]);
    }
    let rows = page.items.iter().map(|f| {
        let sev = match (f.status.as_str(), f.severity.as_str()) {
            ("RESOLVED", _) => theme.muted,
            (_, "red") => theme.error,
            _ => theme.warn,
        };
        let mut cells = vec![
            Line::from(Span::styled(cell(&f.severity, w[0]), sev)),
            Line::from(cell(&f.subject, w[1])),
            Line::from(cell(&f.code, w[2])),
            Line::from(format!("{:>width$}", cell(&figure(&f.expected, &f.unit), w[3]), width = usize::from(w[3]))),
            Line::from(Span::styled(
                format!("{:>width$}", cell(&figure(&f.actual, &f.unit), w[4]), width = usize::from(w[4])),
                sev,
            )),
            Line::from(cell(&f.unit, w[5])),
        ];
        if wide {
            cells.push(Line::from(stamp(&f.opened_at)));
            cells.push(Line::from(Span::styled(cell(&f.detail, w[7]), theme.muted)));
        }
        Row::new(cells)
    });
    let table = selectable_table(Row::new(head).style(theme.muted), rows, &w, theme.highlight);
    frame.render_stateful_widget(
        table,
        inner,
        &mut TableState::new().with_selected(state.findings_focused.then_some(state.finding)),
    );
}

fn render_detail(frame: &mut Frame, area: Rect, state: &GatesState, theme: &Theme) {
    let outer = block("Finding", theme);
    let inner = outer.inner(area);
    frame.render_widget(outer, area);
    let Some(f) = state.findings.as_ref().and_then(|p| p.items.get(state.finding)) else { return };
    let width = inner.width;
    let status = if f.status == "RESOLVED" { " · resolved" } else { "" };
    let lines = vec![
        Line::from(vec![
            Span::styled(cell(&f.subject, width / 2), theme.text),
            Span::styled(format!("  {} · opened {}×{status}", cell(&f.code, width / 3), f.times_opened), theme.muted),
        ]),
        Line::from(Span::styled(cell(&f.detail, width), theme.text)),
        Line::from(Span::styled(format!("▸ {}", cell(hint(&f.code), width.saturating_sub(2))), theme.accent)),
    ];
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), inner);
}
