//! The command palette (`:`): the server's command registry, loaded once,
//! narrowed by a fuzzy filter (a subsequence match on name and title,
//! ranked), limited to what the operator's role allows and empty in a
//! read-only profile (every command writes). Enter opens the command's
//! generated form ([`form`]). The palette reads its keys itself (they are
//! fixed); its tables feed the footer and help.

mod check;
pub mod form;

use crate::command::{Answer, Outgoing};
use crate::data::Request;
use crate::keys::{Action, Context, ctrl, entry, pair, quiet};
use crate::sanitize;
use crate::theme::Theme;
use crossterm::event::KeyCode::{BackTab, Char, Down, Enter, Esc, Tab, Up};
use crossterm::event::{KeyCode, KeyEvent};
use form::{CommandForm, Stage};
use ledgerdeck_client::{CommandSpec, FieldKind, Role};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use tui_input::Input;

/// The palette's list has the keyboard.
pub static PALETTE: Context = Context {
    name: "palette",
    title: "Commands",
    entries: &[
        pair(&[Down, Tab], &[Up, BackTab], "↑/↓", "choose", (Action::Down, Action::Up)),
        entry(&[Enter], "Enter", "open form", Action::Open),
        entry(&[Esc], "Esc", "close", Action::Back),
    ],
    global: false,
    fixed: true,
};

/// A generated command form has the keyboard.
pub static COMMAND_FORM: Context = Context {
    name: "command_form",
    title: "Command form",
    entries: &[
        pair(&[Tab], &[BackTab], "Tab/S-Tab", "field", (Action::Down, Action::Up)),
        quiet(entry(&[], "←/→", "cycle a choice", Action::Down)),
        entry(&[Enter], "Enter", "check and confirm", Action::Confirm),
        entry(&[Esc], "Esc", "close", Action::Back),
        quiet(ctrl(entry(&[Char('p')], "Ctrl-p", "pick a loaded row", Action::Open))),
    ],
    global: false,
    fixed: true,
};

/// What the palette did with a key.
#[derive(Debug, Default, PartialEq)]
pub struct Handled {
    /// Something visible changed.
    pub changed: bool,
    /// What to fetch or send.
    pub requests: Vec<Request>,
}

impl Handled {
    fn changed() -> Handled {
        Handled { changed: true, requests: Vec::new() }
    }

    fn request(request: Request) -> Handled {
        Handled { changed: true, requests: vec![request] }
    }
}

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
    /// Field values from the selection the palette opened on: a chosen
    /// command's fields of these names are filled with them.
    pub fills: Vec<(String, String)>,
    /// Loaded rows whose ids a form's id fields may take, by kind.
    pub candidates: Vec<(FieldKind, Vec<(String, String)>)>,
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
    pub fn open(&mut self) -> Handled {
        self.query = Some(Input::default());
        self.selected = 0;
        if self.requested {
            return Handled::changed();
        }
        self.requested = true;
        Handled::request(Request::LoadCommands)
    }

    /// Opens the palette on a selection: `fills` fill the chosen command's
    /// fields by name, `candidates` feed its id fields' pickers.
    pub fn open_with(
        &mut self,
        fills: Vec<(String, String)>,
        candidates: Vec<(FieldKind, Vec<(String, String)>)>,
    ) -> Handled {
        self.fills = fills;
        self.candidates = candidates;
        self.open()
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
    pub fn open_form(&mut self, name: &str, prefill: &[(&str, &str)], role: Role, read_only: bool) -> Handled {
        if read_only {
            return Handled::default();
        }
        let spec = self.specs.iter().flatten().find(|s| s.name == name && role.allows(s.role)).cloned();
        match spec {
            Some(spec) => {
                self.query = None;
                self.form = Some(CommandForm::new(spec, prefill).with_candidates(self.candidates.clone()));
                Handled::changed()
            }
            None => Handled::default(),
        }
    }

    /// Where keys are read (for the footer and help).
    pub fn context(&self) -> &'static Context {
        if self.form.is_some() { &COMMAND_FORM } else { &PALETTE }
    }

    /// A key while the palette or its form is open. `send` numbers a
    /// command for the one command path.
    pub fn on_key(
        &mut self,
        key: KeyEvent,
        role: Role,
        read_only: bool,
        send: impl FnOnce(Outgoing) -> (u64, Request),
    ) -> Handled {
        if self.form.is_some() {
            return form_key(&mut self.form, key, send, read_only).unwrap_or_default();
        }
        let Some(query) = self.query.as_mut() else { return Handled::default() };
        match key.code {
            KeyCode::Esc => {
                self.query = None;
                Handled::changed()
            }
            KeyCode::Down | KeyCode::Tab => {
                let n = self.matches(role, read_only).len();
                if self.selected + 1 < n {
                    self.selected += 1;
                    return Handled::changed();
                }
                Handled::default()
            }
            KeyCode::Up | KeyCode::BackTab if self.selected > 0 => {
                self.selected -= 1;
                Handled::changed()
            }
            KeyCode::Enter => {
                let Some(spec) = self.matches(role, read_only).get(self.selected).map(|s| (*s).clone()) else {
                    return Handled::default();
                };
                self.query = None;
                let fills: Vec<(&str, &str)> = self
                    .fills
                    .iter()
                    .filter(|(name, _)| spec.fields.iter().any(|f| &f.name == name))
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                self.form = Some(CommandForm::new(spec, &fills).with_candidates(self.candidates.clone()));
                Handled::changed()
            }
            _ => {
                if !crate::input::edit(query, key) {
                    return Handled::default();
                }
                self.selected = 0;
                Handled::changed()
            }
        }
    }

    /// The answer to the form's command, if it is the one in flight;
    /// returns whether it was.
    pub fn answered(&mut self, request_id: u64, answer: &Answer) -> bool {
        let Some(f) = self.form.as_mut().filter(|f| f.waiting_for() == Some(request_id)) else { return false };
        match answer {
            Answer::Done(result) => f.done(result.clone()),
            Answer::Refused { code, detail, fields } => {
                f.field_errors(fields);
                f.failed(code.as_deref(), detail, false);
            }
            Answer::NoAnswer { detail } => f.failed(None, detail, true),
        }
        true
    }

    /// Opens the form of `command` prefilled (a view's key), asking for the
    /// registry first if it has not come yet; `candidates` feed its id
    /// fields' pickers.
    pub fn open_prefilled(
        &mut self,
        command: &str,
        prefill: &[(String, String)],
        (role, read_only): (Role, bool),
        candidates: Vec<(FieldKind, Vec<(String, String)>)>,
    ) -> Handled {
        self.candidates = candidates;
        if self.specs.is_none() {
            let mut handled = self.open();
            self.query = None;
            self.pending_form = Some((command.to_string(), prefill.to_vec()));
            handled.changed = true;
            return handled;
        }
        let prefill: Vec<(&str, &str)> = prefill.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        self.open_form(command, &prefill, role, read_only)
    }

    /// Takes the registry, and opens a form asked for before it came.
    pub fn take_specs(&mut self, specs: Vec<CommandSpec>, role: Role, read_only: bool) -> bool {
        let mut changed = self.set_specs(specs);
        if let Some((command, prefill)) = self.pending_form.take() {
            let prefill: Vec<(&str, &str)> = prefill.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            changed |= self.open_form(&command, &prefill, role, read_only).changed;
        }
        changed
    }
}

fn form_key(
    slot: &mut Option<CommandForm>,
    key: KeyEvent,
    send: impl FnOnce(Outgoing) -> (u64, Request),
    read_only: bool,
) -> Option<Handled> {
    let form = slot.as_mut()?;
    if form.picking.is_some() {
        return Some(Handled { changed: form.picker_key(key), requests: Vec::new() });
    }
    let ctrl_p = key.code == KeyCode::Char('p') && key.modifiers.contains(crossterm::event::KeyModifiers::CONTROL);
    let effect = match (&form.stage, key.code) {
        (Stage::Editing, _) if ctrl_p => Handled { changed: form.pick(), requests: Vec::new() },
        (Stage::Editing, KeyCode::Esc) => {
            *slot = None;
            Handled::changed()
        }
        (Stage::Editing, KeyCode::Enter) => {
            form.submit();
            Handled::changed()
        }
        (Stage::Editing, _) => Handled { changed: form.edit_key(key), requests: Vec::new() },
        (Stage::Confirm, KeyCode::Char('y')) if !read_only => {
            let (id, request) = send(form.outgoing());
            form.stage = Stage::Sending(id);
            Handled::request(request)
        }
        (Stage::Confirm, KeyCode::Char('n') | KeyCode::Esc) => {
            form.stage = Stage::Editing;
            Handled::changed()
        }
        (Stage::Sending(_), _) => Handled::default(),
        (Stage::Done(_), KeyCode::Enter | KeyCode::Esc) => {
            *slot = None;
            Handled::changed()
        }
        (Stage::Refused { .. } | Stage::Unknown { .. }, KeyCode::Esc) => {
            *slot = None;
            Handled::changed()
        }
        (Stage::Refused { .. }, KeyCode::Enter) => {
            form.stage = Stage::Editing;
            Handled::changed()
        }
        // The outcome is unknown: resubmitting goes through the confirmation
        // again and carries the same key, so the server replays.
        (Stage::Unknown { .. }, KeyCode::Enter) => {
            form.submit();
            Handled::changed()
        }
        _ => Handled::default(),
    };
    Some(effect)
}

/// Draws the palette or its form over `area`.
pub fn render(frame: &mut Frame, area: Rect, state: &PaletteState, role: Role, read_only: bool, theme: &Theme) {
    if let Some(form) = &state.form {
        return form::render(frame, area, form, theme);
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
    frame.render_widget(Paragraph::new(lines).block(crate::widgets::block("Commands", theme)), rect);
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
