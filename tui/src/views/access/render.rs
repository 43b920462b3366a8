//! Drawing the Access view: the token list (or "admins only"), the
//! new-token form, the revoke confirmation and the card that shows a new
//! token once.

use super::{AccessState, Field, Stage, TokenForm, token_state};
use crate::theme::Theme;
use crate::widgets::{block, cell, centred, confirm_box, say, selectable_table, stamp, widths};
use ledgerdeck_client::TokenView;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Row, TableState, Wrap};

/// Below this many cells the list drops the id and created columns.
const WIDE: u16 = 110;

/// Draws the view into `area`.
pub fn render(frame: &mut Frame, area: Rect, state: &AccessState, theme: &Theme) {
    let outer = block("Access: operator tokens (secrets are never listed)", theme);
    let inner = outer.inner(area);
    frame.render_widget(outer, area);
    if !state.admin {
        let lines = vec![
            Line::from(Span::styled("admins only", theme.warn)),
            Line::default(),
            Line::from(Span::styled("Tokens are listed, made and revoked by an admin.", theme.muted)),
        ];
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
        return;
    }
    match &state.tokens {
        None => say(frame, inner, "loading…", theme),
        Some(tokens) if tokens.is_empty() => say(frame, inner, "no tokens", theme),
        Some(tokens) => render_list(frame, inner, state, tokens, theme),
    }
    if let Some(form) = &state.form {
        render_form(frame, area, state, form, theme);
    } else if let Some(token) =
        state.confirm.as_ref().and_then(|id| state.tokens.iter().flatten().find(|t| &t.id == id))
    {
        render_confirm(frame, area, state, token, theme);
    }
    if let Some(created) = &state.created {
        render_created(frame, area, created, theme);
    }
}

fn render_list(frame: &mut Frame, area: Rect, state: &AccessState, tokens: &[TokenView], theme: &Theme) {
    let wide = area.width >= WIDE;
    let mut columns = vec![Constraint::Fill(1), Constraint::Length(8), Constraint::Length(5), Constraint::Length(7)];
    let mut header = vec!["name", "role", "via", "state"];
    if wide {
        columns.insert(0, Constraint::Length(12));
        header.insert(0, "id");
        columns.push(Constraint::Length(15));
        header.push("created UTC");
    }
    columns.extend([Constraint::Length(15), Constraint::Length(15)]);
    header.extend(["expires UTC", "last used UTC"]);
    let w = widths(area.width.saturating_sub(2), &columns);
    let at = |t: &Option<String>, never: &str| t.as_deref().map_or_else(|| never.to_string(), stamp);
    let rows = tokens.iter().map(|t| {
        let state_name = token_state(t, state.now);
        let style = match state_name {
            "live" => theme.ok,
            _ => theme.muted,
        };
        let mut cells = vec![
            Line::from(cell(&t.name, w[usize::from(wide)])),
            Line::from(t.role.as_str()),
            Line::from(t.sign_in.as_str()),
            Line::from(Span::styled(state_name, style)),
        ];
        if wide {
            cells.insert(0, Line::from(cell(&t.id, w[0])));
            cells.push(Line::from(stamp(&t.created_at)));
        }
        cells.push(Line::from(at(&t.expires_at, "never")));
        cells.push(Line::from(at(&t.last_used_at, "never")));
        Row::new(cells)
    });
    let table = selectable_table(Row::new(header).style(theme.muted), rows, &w, theme.highlight);
    frame.render_stateful_widget(table, area, &mut TableState::new().with_selected(Some(state.selected)));
}

fn render_confirm(frame: &mut Frame, area: Rect, state: &AccessState, token: &TokenView, theme: &Theme) {
    let mut body = vec![Line::from(Span::styled(
        format!("Revoke {}'s {} token {}?", cell(&token.name, 40), token.role.as_str(), token.id),
        theme.text,
    ))];
    body.push(Line::from(Span::styled("Its requests are refused and its open streams end now.", theme.muted)));
    if state.own_token.as_deref() == Some(token.id.as_str()) {
        body.push(Line::from(Span::styled("This is the token this cockpit signs in with.", theme.warn)));
    }
    if state.last_live_admin(token) {
        let text = "It is the last live admin token: after it, only the server CLI can make one.";
        body.push(Line::from(Span::styled(text, theme.warn)));
    }
    confirm_box(frame, area, ("Revoke", "revoke"), body, 72, theme);
}

fn render_form(frame: &mut Frame, area: Rect, state: &AccessState, form: &TokenForm, theme: &Theme) {
    let width = area.width.saturating_sub(4).min(76);
    let value_w = width.saturating_sub(15);
    let label = |t: &str| Span::styled(format!("{t:<11}"), theme.muted);
    let focused = |f: Field| if form.focus == f && form.stage == Stage::Edit { theme.selection } else { theme.text };
    let padded = |s: String| format!("{s:<width$}", width = usize::from(value_w));
    let error_line = |field: &str| {
        form.error(field)
            .map(|e| Line::from(vec![label(""), Span::styled(format!("✖ {}", cell(e, value_w)), theme.error)]))
    };
    let mut lines = vec![Line::from(vec![
        label("name *"),
        Span::styled(padded(cell(form.name.value(), value_w)), focused(Field::Name)),
    ])];
    lines.extend(error_line("name"));
    let role = format!("‹ {} ›", form.role.as_str());
    lines.push(Line::from(vec![label("role"), Span::styled(padded(role), focused(Field::Role))]));
    lines.extend(error_line("role"));
    let expiry = form.expiry.value();
    let shown =
        if expiry.is_empty() && form.focus != Field::Expiry { "never".to_string() } else { cell(expiry, value_w) };
    lines.push(Line::from(vec![label("expires in"), Span::styled(padded(shown), focused(Field::Expiry))]));
    lines.extend(error_line("expires_in_seconds"));
    lines.push(Line::default());
    let muted = |t: String| Line::from(Span::styled(t, theme.muted));
    match &form.stage {
        Stage::Edit => {
            if let Some(refused) = &form.refused {
                lines.push(Line::from(Span::styled(format!("✖ {}", cell(refused, width - 4)), theme.error)));
            }
            lines.push(muted("role: ←/→ or v/o/a · expiry: 90m, 12h, 30d, 8w, empty for never".into()));
            lines.push(muted("Enter continue · Tab next field · Esc cancel".into()));
        }
        Stage::Confirm => {
            let now = state.now.unwrap_or_default();
            lines.push(Line::from(Span::styled(cell(&form.statement(now), width - 2), theme.warn)));
            lines.push(muted("The token is shown once, in the next card.".into()));
            lines.push(Line::from(vec![
                Span::styled("y", theme.accent),
                Span::styled(" create   ", theme.muted),
                Span::styled("n/Esc", theme.accent),
                Span::styled(" back", theme.muted),
            ]));
        }
        Stage::Sending(_) => lines.push(muted("creating…".into())),
        Stage::NoAnswer(detail) => {
            let text = format!("No answer ({}): the token may or may not have been made.", cell(detail, 60));
            lines.push(Line::from(Span::styled(text, theme.warn)));
            lines.push(muted("Creating is not repeated (it is not idempotent): look for the name in the".into()));
            lines.push(muted("list and revoke a token you never received. Enter or Esc closes.".into()));
        }
    }
    overlay(frame, area, "New token", lines, width, theme);
}

fn render_created(frame: &mut Frame, area: Rect, created: &ledgerdeck_client::CreatedToken, theme: &Theme) {
    let width = area.width.saturating_sub(4).min(100);
    let info = &created.info;
    let expires = info.expires_at.as_deref().map_or_else(|| "never".to_string(), crate::widgets::datetime);
    let mut lines = vec![
        Line::from(Span::styled(
            format!("{}'s {} token, expires {expires}:", cell(&info.name, 32), info.role.as_str()),
            theme.text,
        )),
        Line::default(),
    ];
    // The token in full, cut into lines that fit (nothing of it is clipped).
    let token: Vec<char> = crate::sanitize::clean(&created.token).chars().collect();
    for part in token.chunks(usize::from(width.saturating_sub(2)).max(1)) {
        lines.push(Line::from(Span::styled(part.iter().collect::<String>(), theme.accent)));
    }
    lines.extend([
        Line::default(),
        Line::from(Span::styled("Shown this once: the server keeps only a hash of it.", theme.warn)),
        Line::from(vec![
            Span::styled("y", theme.accent),
            Span::styled(" copy it   ", theme.muted),
            Span::styled("Esc", theme.accent),
            Span::styled(" close (the cockpit forgets it)", theme.muted),
        ]),
    ]);
    overlay(frame, area, "New token", lines, width, theme);
}

/// A bordered box of `lines` (each fits in one row) over the view, centred.
fn overlay(frame: &mut Frame, area: Rect, title: &str, lines: Vec<Line<'_>>, width: u16, theme: &Theme) {
    let rect = centred(area, width, lines.len() as u16 + 2);
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(lines).block(block(title, theme)), rect);
}
