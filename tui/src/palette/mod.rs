//! The command palette (`:`): the server's command registry, loaded once,
//! narrowed by a fuzzy filter (a subsequence match on name and title,
//! ranked), limited to what the operator's role allows and empty in a
//! read-only profile (every command writes). Enter opens the command's
//! generated form ([`crate::command_form`]).

use crate::command_form::{self, CommandForm, Stage};
use crate::data::Request;
use crate::sanitize;
use crate::theme::Theme;
use crate::views::Effect;
use crossterm::event::{Event, KeyCode, KeyEvent};
use ledgerdeck_client::{CommandResult, CommandSpec, Role};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use tui_input::Input;

/// The palette and the form it opened.
#[derive(Debug, Default)]
pub struct PaletteState {
    /// The registry, once loaded.
    pub specs: Option<Vec<CommandSpec>>,
    /// Whether the registry was asked for.
    requested: bool,
    /// The filter being typed, while the palette is open.
    pub query: Option<Input>,
    /// The selected row among the matches.
    pub selected: usize,
    /// The form open, if any.
    pub form: Option<CommandForm>,
    /// A form asked for (with its prefill) before the registry arrived.
    pub pending_form: Option<(String, Vec<(String, String)>)>,
}

/// A subsequence match of `needle` in `hay` (case-insensitive): a score,
/// higher is better (consecutive letters and an early start score more).
pub fn fuzzy_score(needle: &str, hay: &str) -> Option<i64> {
    let hay: Vec<char> = hay.to_lowercase().chars().collect();
    let mut score = 0i64;
    let mut at = 0usize;
    let mut last: Option<usize> = None;
    for n in needle.to_lowercase().chars() {
        let found = hay[at..].iter().position(|&h| h == n)? + at;
        score += match last {
            Some(l) if found == l + 1 => 8,
            _ => 1,
        };
        if found == 0 || hay.get(found.wrapping_sub(1)).is_some_and(|c| *c == '_' || *c == ' ') {
            score += 4;
        }
        last = Some(found);
        at = found + 1;
    }
    Some(score * 100 - hay.len() as i64 - last.map_or(0, |l| l as i64))
}

impl PaletteState {
    /// Whether the palette or its form has the keyboard.
    pub fn is_open(&self) -> bool {
        self.query.is_some() || self.form.is_some()
    }

    /// Opens the palette; asks for the registry the first time.
    pub fn open(&mut self) -> Effect {
        self.query = Some(Input::default());
        self.selected = 0;
        if self.requested {
            return Effect::changed();
        }
        self.requested = true;
        Effect::request(Request::LoadCommands)
    }

    /// Takes the registry.
    pub fn set_specs(&mut self, specs: Vec<CommandSpec>) -> bool {
        if self.specs.as_ref() == Some(&specs) {
            return false;
        }
        self.specs = Some(specs);
        self.selected = 0;
        true
    }

    /// The commands offered for the typed filter, best first: none in a
    /// read-only profile, only those `role` allows.
    pub fn matches(&self, role: Role, read_only: bool) -> Vec<&CommandSpec> {
        if read_only {
            return Vec::new();
        }
        let q = self.query.as_ref().map_or("", |i| i.value()).trim();
        let mut scored: Vec<(i64, &CommandSpec)> = self
            .specs
            .iter()
            .flatten()
            .filter(|s| role.allows(s.role))
            .filter_map(|s| {
                let score = fuzzy_score(q, &s.name).max(fuzzy_score(q, &s.title).map(|x| x - 50))?;
                Some((score, s))
            })
            .collect();
        scored.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.name.cmp(&b.1.name)));
        scored.into_iter().map(|(_, s)| s).collect()
    }

    /// Opens the form of the command named `name` with fields prefilled,
    /// if the registry has it and the role allows it.
    pub fn open_form(&mut self, name: &str, prefill: &[(&str, &str)], role: Role, read_only: bool) -> Effect {
        if read_only {
            return Effect::default();
        }
        let spec = self.specs.iter().flatten().find(|s| s.name == name && role.allows(s.role)).cloned();
        match spec {
            Some(spec) => {
                self.query = None;
                self.form = Some(CommandForm::new(spec, prefill));
                Effect::changed()
            }
            None => Effect::default(),
        }
    }

    /// A key while the palette or its form is open. `next_id` makes a
    /// request id when a command is sent.
    pub fn on_key(&mut self, key: KeyEvent, role: Role, read_only: bool, next_id: impl FnOnce() -> u64) -> Effect {
        if self.form.is_some() {
            return form_key(&mut self.form, key, next_id, read_only).unwrap_or_default();
        }
        let Some(query) = self.query.as_mut() else { return Effect::default() };
        match key.code {
            KeyCode::Esc => {
                self.query = None;
                Effect::changed()
            }
            KeyCode::Down | KeyCode::Tab => {
                let n = self.matches(role, read_only).len();
                if self.selected + 1 < n {
                    self.selected += 1;
                    return Effect::changed();
                }
                Effect::default()
            }
            KeyCode::Up | KeyCode::BackTab if self.selected > 0 => {
                self.selected -= 1;
                Effect::changed()
            }
            KeyCode::Enter => {
                let Some(spec) = self.matches(role, read_only).get(self.selected).map(|s| (*s).clone()) else {
                    return Effect::default();
                };
                self.query = None;
                self.form = Some(CommandForm::new(spec, &[]));
                Effect::changed()
            }
            _ => {
                let Some(req) = tui_input::backend::crossterm::to_input_request(&Event::Key(key)) else {
                    return Effect::default();
                };
                match query.handle(req) {
                    Some(_) => {
                        self.selected = 0;
                        Effect::changed()
                    }
                    None => Effect::default(),
                }
            }
        }
    }

    /// Whether `request_id` is the form's command in flight.
    pub fn owns(&self, request_id: u64) -> bool {
        self.form.as_ref().and_then(CommandForm::waiting_for) == Some(request_id)
    }

    /// The form's command answered.
    pub fn done(&mut self, result: CommandResult) {
        if let Some(f) = self.form.as_mut() {
            f.done(result);
        }
    }

    /// The server named fields in its refusal.
    pub fn field_errors(&mut self, request_id: u64, errors: &[(String, String)]) -> bool {
        match self.form.as_mut() {
            Some(f) if f.waiting_for() == Some(request_id) => {
                f.field_errors(errors);
                true
            }
            _ => false,
        }
    }

    /// The form's command failed.
    pub fn failed(&mut self, code: Option<&str>, detail: &str, transport: bool) {
        if let Some(f) = self.form.as_mut() {
            f.failed(code, detail, transport);
        }
    }
}

fn form_key(
    slot: &mut Option<CommandForm>,
    key: KeyEvent,
    next_id: impl FnOnce() -> u64,
    read_only: bool,
) -> Option<Effect> {
    let form = slot.as_mut()?;
    let effect = match (&form.stage, key.code) {
        (Stage::Editing, KeyCode::Esc) => {
            *slot = None;
            Effect::changed()
        }
        (Stage::Editing, KeyCode::Enter) => {
            form.submit();
            Effect::changed()
        }
        (Stage::Editing, _) => Effect { changed: form.edit_key(key), requests: Vec::new() },
        (Stage::Confirm, KeyCode::Char('y')) if !read_only => Effect::request(form.send(next_id())),
        (Stage::Confirm, KeyCode::Char('n') | KeyCode::Esc) => {
            form.stage = Stage::Editing;
            Effect::changed()
        }
        (Stage::Sending(_), _) => Effect::default(),
        (Stage::Done(_), KeyCode::Enter | KeyCode::Esc) => {
            *slot = None;
            Effect::changed()
        }
        (Stage::Refused { .. } | Stage::Unknown { .. }, KeyCode::Esc) => {
            *slot = None;
            Effect::changed()
        }
        (Stage::Refused { .. }, KeyCode::Enter) => {
            form.stage = Stage::Editing;
            Effect::changed()
        }
        // The outcome is unknown: resubmitting goes through the confirmation
        // again and carries the same key, so the server replays.
        (Stage::Unknown { .. }, KeyCode::Enter) => {
            form.submit();
            Effect::changed()
        }
        _ => Effect::default(),
    };
    Some(effect)
}

/// Draws the palette or its form over `area`.
pub fn render(frame: &mut Frame, area: Rect, state: &PaletteState, role: Role, read_only: bool, theme: &Theme) {
    if let Some(form) = &state.form {
        return command_form::render(frame, area, form, theme);
    }
    let Some(query) = &state.query else { return };
    let width = area.width.saturating_sub(4).min(90);
    let inner = width.saturating_sub(2);
    let mut lines = vec![Line::from(vec![
        Span::styled(": ", theme.accent),
        Span::styled(sanitize::cell(query.value(), usize::from(inner.saturating_sub(3))), theme.text),
    ])];
    let rows = usize::from(area.height.saturating_sub(4)).max(1);
    let matches = state.matches(role, read_only);
    if read_only {
        lines.push(Line::from(Span::styled("read-only profile: no commands", theme.warn)));
    } else if state.specs.is_none() {
        lines.push(Line::from(Span::styled("loading commands…", theme.muted)));
    } else if matches.is_empty() {
        let text = if role == Role::Viewer { "viewer role: no commands" } else { "no command matches" };
        lines.push(Line::from(Span::styled(text, theme.muted)));
    }
    let name_w = 26usize;
    let skip = state.selected.saturating_sub(rows - 1);
    for (i, spec) in matches.iter().enumerate().skip(skip).take(rows) {
        let selected = i == state.selected;
        let style = if selected { theme.selection } else { theme.text };
        let money = if spec.moves_money { " $" } else { "  " };
        let title_w = usize::from(inner).saturating_sub(name_w + 6);
        lines.push(Line::from(vec![
            Span::styled(if selected { "› " } else { "  " }, theme.accent),
            Span::styled(format!("{:<name_w$}", sanitize::cell(&spec.name, name_w)), style),
            Span::styled(money, theme.warn),
            Span::styled(format!(" {}", sanitize::cell(&spec.title, title_w)), theme.muted),
        ]));
    }
    let height = (lines.len() as u16 + 2).min(area.height);
    let rect = Rect::new(area.x + (area.width - width) / 2, area.y, width, height);
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(lines).block(crate::views::block("Commands", theme)), rect);
    let x = rect.x + 3 + query.visual_cursor().min(usize::from(inner.saturating_sub(3))) as u16;
    frame.set_cursor_position((x, rect.y + 1));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subsequences_match_and_rank() {
        assert!(fuzzy_score("tra", "transfer").is_some());
        assert!(fuzzy_score("rvt", "reverse_transaction").is_some());
        assert!(fuzzy_score("xyz", "transfer").is_none());
        assert!(fuzzy_score("tra", "transfer") > fuzzy_score("tra", "reverse_transaction"));
        assert!(fuzzy_score("", "anything").is_some());
    }
}
