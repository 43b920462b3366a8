//! A form generated from a command's field schema: one input per field,
//! typed checks before anything is sent, an idempotency key made when the
//! form opens (kept across a transport failure, rotated on a definite
//! answer), a confirmation step, and a result or problem card.

use crate::command::Outgoing;
use crate::sanitize;
use crate::theme::Theme;
use crossterm::event::{Event, KeyCode, KeyEvent};
use ledgerdeck_client::{CommandResult, CommandSpec, FieldKind};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};
use std::collections::BTreeMap;
use tui_input::Input;

use super::check::check;

/// Where the form is in its life.
#[derive(Debug, Clone, PartialEq)]
pub enum Stage {
    /// Fields are being edited.
    Editing,
    /// "Run … with …? y/n".
    Confirm,
    /// Sent; waiting for the answer to this request.
    Sending(u64),
    /// The command answered with a result.
    Done(CommandResult),
    /// The server refused it (a definite no).
    Refused {
        /// The problem's code.
        code: Option<String>,
        /// The problem's detail.
        detail: String,
    },
    /// No answer: the outcome is unknown; resubmitting reuses the key.
    Unknown {
        /// What went wrong.
        detail: String,
    },
}

/// One field's editor.
#[derive(Debug, Clone)]
pub struct FieldInput {
    /// Text typed (for a choice: the value chosen).
    pub input: Input,
}

/// A generated form.
#[derive(Debug, Clone)]
pub struct CommandForm {
    /// The command.
    pub spec: CommandSpec,
    /// One editor per field, in the spec's order.
    pub fields: Vec<FieldInput>,
    /// The focused field.
    pub focus: usize,
    /// Inline errors by field name (the form's own checks or the server's).
    pub errors: BTreeMap<String, String>,
    /// The idempotency key for the next send.
    pub key: String,
    /// Where the form is.
    pub stage: Stage,
    /// Loaded rows an id field may take, by kind.
    pub candidates: Vec<(FieldKind, Vec<(String, String)>)>,
    /// The picker open on an id field.
    pub picking: Option<Picker>,
}

/// A picker of loaded rows open on one id field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picker {
    /// The field it fills, by position.
    pub field: usize,
    /// The rows offered: `(id, label)`.
    pub rows: Vec<(String, String)>,
    /// The selected row.
    pub selected: usize,
}

impl CommandForm {
    /// A form for `spec` with a fresh idempotency key; `prefill` sets fields by name.
    pub fn new(spec: CommandSpec, prefill: &[(&str, &str)]) -> CommandForm {
        let fields = spec
            .fields
            .iter()
            .map(|f| {
                let value = prefill.iter().find(|(n, _)| *n == f.name).map(|(_, v)| v.to_string());
                let value = value.unwrap_or_else(|| match (f.kind, f.required) {
                    (FieldKind::Choice, true) => f.choices.first().cloned().unwrap_or_default(),
                    _ => String::new(),
                });
                FieldInput { input: Input::new(value) }
            })
            .collect();
        // Start on the first field that is not prefilled.
        let focus = spec.fields.iter().position(|f| !prefill.iter().any(|(n, _)| *n == f.name)).unwrap_or(0);
        CommandForm {
            spec,
            fields,
            focus,
            errors: BTreeMap::new(),
            key: uuid::Uuid::now_v7().to_string(),
            stage: Stage::Editing,
            candidates: Vec::new(),
            picking: None,
        }
    }

    /// The same form with loaded rows for its id fields' pickers.
    pub fn with_candidates(mut self, candidates: Vec<(FieldKind, Vec<(String, String)>)>) -> CommandForm {
        self.candidates = candidates;
        self
    }

    /// Ctrl-p on an id field: a picker of the loaded rows of its kind.
    /// Returns whether one opened.
    pub fn pick(&mut self) -> bool {
        let Some(spec) = self.spec.fields.get(self.focus) else { return false };
        let rows = self.candidates.iter().find(|(k, _)| *k == spec.kind).map(|(_, r)| r.clone()).unwrap_or_default();
        if rows.is_empty() {
            let what = match spec.kind {
                FieldKind::WalletId | FieldKind::HoldId | FieldKind::TransactionId => "no loaded rows to pick from",
                _ => "only id fields have a picker",
            };
            self.errors.insert(spec.name.clone(), what.into());
            return true;
        }
        self.picking = Some(Picker { field: self.focus, rows, selected: 0 });
        true
    }

    /// A key while the picker is open: ↑/↓ choose, Enter takes, Esc closes.
    pub fn picker_key(&mut self, key: KeyEvent) -> bool {
        let Some(Picker { field, rows, selected }) = self.picking.as_mut() else { return false };
        match key.code {
            KeyCode::Down | KeyCode::Tab | KeyCode::Char('j') if *selected + 1 < rows.len() => *selected += 1,
            KeyCode::Up | KeyCode::BackTab | KeyCode::Char('k') if *selected > 0 => *selected -= 1,
            KeyCode::Enter => {
                let (at, value) = (*field, rows[*selected].0.clone());
                self.fields[at].input = Input::new(value);
                self.errors.remove(&self.spec.fields[at].name);
                self.picking = None;
            }
            KeyCode::Esc => self.picking = None,
            _ => return false,
        }
        true
    }

    /// A field's value as typed, trimmed.
    pub fn value(&self, name: &str) -> Option<&str> {
        let at = self.spec.fields.iter().position(|f| f.name == name)?;
        Some(self.fields[at].input.value().trim())
    }

    /// The key, shortened for the screen.
    pub fn short_key(&self) -> String {
        let k = sanitize::cell(&self.key, 64);
        match k.len() {
            0..=13 => k,
            n => format!("{}…{}", &k[..8], &k[n - 4..]),
        }
    }

    /// Checks every field; fills `errors` and says whether all are fine.
    pub fn validate(&mut self) -> bool {
        let currency = self.value("currency").map(str::to_string);
        let mut errors = BTreeMap::new();
        for (spec, field) in self.spec.fields.iter().zip(&self.fields) {
            if let Err(e) =
                check(spec.kind, spec.required, &spec.choices, field.input.value().trim(), currency.as_deref())
            {
                errors.insert(spec.name.clone(), e);
            }
        }
        self.errors = errors;
        self.errors.is_empty()
    }

    /// The JSON body: every non-empty field as a string.
    pub fn body(&self) -> serde_json::Value {
        let mut body = serde_json::Map::new();
        for (spec, field) in self.spec.fields.iter().zip(&self.fields) {
            let v = field.input.value().trim();
            if !v.is_empty() {
                body.insert(spec.name.clone(), serde_json::Value::String(v.to_string()));
            }
        }
        serde_json::Value::Object(body)
    }

    /// `field=value, …` for the confirmation.
    pub fn summary(&self) -> String {
        let parts: Vec<String> = self
            .spec
            .fields
            .iter()
            .zip(&self.fields)
            .filter(|(_, f)| !f.input.value().trim().is_empty())
            .map(|(s, f)| format!("{}={}", s.name, f.input.value().trim()))
            .collect();
        parts.join(", ")
    }

    /// A key while editing: Tab/Shift-Tab/↑/↓ move, ←/→ cycle a choice,
    /// anything else edits the focused text. Returns whether anything changed.
    pub fn edit_key(&mut self, key: KeyEvent) -> bool {
        let n = self.fields.len();
        if n == 0 {
            return false;
        }
        let spec = &self.spec.fields[self.focus];
        match key.code {
            KeyCode::Tab | KeyCode::Down => {
                self.focus = (self.focus + 1) % n;
                true
            }
            KeyCode::BackTab | KeyCode::Up => {
                self.focus = (self.focus + n - 1) % n;
                true
            }
            KeyCode::Left | KeyCode::Right if spec.kind == FieldKind::Choice => {
                let mut options: Vec<&str> = spec.choices.iter().map(String::as_str).collect();
                if !spec.required {
                    options.insert(0, "");
                }
                if options.is_empty() {
                    return false;
                }
                let now = options.iter().position(|o| *o == self.fields[self.focus].input.value()).unwrap_or(0);
                let step = if key.code == KeyCode::Right { 1 } else { options.len() - 1 };
                let next = options[(now + step) % options.len()].to_string();
                self.fields[self.focus].input = Input::new(next);
                self.errors.remove(&spec.name);
                true
            }
            _ if spec.kind == FieldKind::Choice => false,
            _ => {
                let Some(req) = tui_input::backend::crossterm::to_input_request(&Event::Key(key)) else {
                    return false;
                };
                let Some(changed) = self.fields[self.focus].input.handle(req) else { return false };
                if changed.value {
                    let name = spec.name.clone();
                    self.errors.remove(&name);
                }
                true
            }
        }
    }

    /// Enter while editing: check, then ask for confirmation.
    pub fn submit(&mut self) {
        if self.validate() {
            self.stage = Stage::Confirm;
        }
    }

    /// `y` at the confirmation: the command to send, with the form's key
    /// (the form then waits in [`Stage::Sending`] for its request id).
    pub fn outgoing(&self) -> Outgoing {
        Outgoing { command: self.spec.name.clone(), body: self.body(), key: self.key.clone() }
    }

    /// The request this form waits for, if any.
    pub fn waiting_for(&self) -> Option<u64> {
        match self.stage {
            Stage::Sending(id) => Some(id),
            _ => None,
        }
    }

    /// The command answered: a definite answer, so the key rotates.
    pub fn done(&mut self, result: CommandResult) {
        self.key = uuid::Uuid::now_v7().to_string();
        self.stage = Stage::Done(result);
    }

    /// The server's per-field messages, shown inline.
    pub fn field_errors(&mut self, errors: &[(String, String)]) {
        for (field, message) in errors {
            self.errors.insert(field.clone(), sanitize::cell(message, 200));
        }
    }

    /// The command failed: a refusal rotates the key, no answer keeps it.
    pub fn failed(&mut self, code: Option<&str>, detail: &str, unknown: bool) {
        let detail = sanitize::cell(detail, 200);
        if unknown {
            self.stage = Stage::Unknown { detail };
        } else {
            self.key = uuid::Uuid::now_v7().to_string();
            self.stage = Stage::Refused { code: code.map(|c| sanitize::cell(c, 40)), detail };
        }
    }
}

/// Draws the form (and its confirmation or card) over `area`.
pub fn render(frame: &mut Frame, area: Rect, form: &CommandForm, theme: &Theme) {
    let width = area.width.saturating_sub(4).min(100);
    let x0 = area.x + (area.width - width) / 2;
    let inner = usize::from(width.saturating_sub(2));
    let mut lines = vec![Line::from(vec![
        Span::styled(sanitize::cell(&form.spec.name, 40), theme.accent),
        Span::styled(if form.spec.moves_money { "  moves money" } else { "" }, theme.warn),
        Span::styled(format!("  key {}", form.short_key()), theme.muted),
    ])];
    let label_w = form.spec.fields.iter().map(|f| f.name.chars().count() + 1).max().unwrap_or(0).min(24);
    let value_w = inner.saturating_sub(label_w + 3);
    for (i, (spec, field)) in form.spec.fields.iter().zip(&form.fields).enumerate() {
        let focused = i == form.focus && form.stage == Stage::Editing;
        let mark = if spec.required { "*" } else { " " };
        let label = format!("{}{mark}", sanitize::cell(&spec.name, 23));
        let value = sanitize::cell(field.input.value(), value_w);
        let value = if spec.kind == FieldKind::Choice { format!("‹ {value} ›") } else { value };
        let style = if focused { theme.selection } else { theme.text };
        lines.push(Line::from(vec![
            Span::styled(if focused { "› " } else { "  " }, theme.accent),
            Span::styled(format!("{label:<label_w$} "), theme.muted),
            Span::styled(value, style),
        ]));
        if focused && spec.kind != FieldKind::Choice {
            // Border, the focus mark, the label and its space.
            let x = x0 + 1 + 2 + label_w as u16 + 1 + field.input.visual_cursor().min(value_w) as u16;
            frame.set_cursor_position((x, area.y + 1 + lines.len() as u16 - 1));
        }
        match form.errors.get(&spec.name) {
            Some(e) => lines.push(Line::from(Span::styled(
                format!("  {:label_w$} ✖ {}", "", sanitize::cell(e, value_w)),
                theme.error,
            ))),
            None if focused => lines.push(Line::from(Span::styled(
                format!("  {:label_w$} {}", "", sanitize::cell(&spec.help, value_w)),
                theme.muted,
            ))),
            None => {}
        }
    }
    lines.push(Line::default());
    lines.extend(stage_lines(form, theme, inner));
    let height = (lines.len() as u16 + 2).min(area.height);
    let rect = Rect::new(x0, area.y, width, height);
    frame.render_widget(Clear, rect);
    let title = sanitize::cell(&form.spec.title, 60);
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(crate::widgets::block(&title, theme)),
        rect,
    );
}

fn stage_lines(form: &CommandForm, theme: &Theme, width: usize) -> Vec<Line<'static>> {
    if let Some(Picker { field, rows, selected }) = &form.picking {
        let name = form.spec.fields.get(*field).map_or("", |f| f.name.as_str());
        let mut out =
            vec![Line::from(Span::styled(format!("pick {name}: j/k choose · Enter take · Esc close"), theme.accent))];
        let skip = selected.saturating_sub(7);
        for (i, (id, label)) in rows.iter().enumerate().skip(skip).take(8) {
            let style = if i == *selected { theme.selection } else { theme.text };
            out.push(Line::from(vec![
                Span::styled(if i == *selected { "› " } else { "  " }, theme.accent),
                Span::styled(sanitize::cell(id, 40), style),
                Span::styled(format!("  {}", sanitize::cell(label, width.saturating_sub(46))), theme.muted),
            ]));
        }
        return out;
    }
    let keys = |pairs: &[(&'static str, &'static str)]| {
        Line::from(
            pairs
                .iter()
                .flat_map(|(k, d)| [Span::styled(*k, theme.accent), Span::styled(format!(" {d}   "), theme.muted)])
                .collect::<Vec<_>>(),
        )
    };
    match &form.stage {
        Stage::Editing if form.errors.is_empty() => {
            let mut hints = vec![("Enter", "check and confirm"), ("Tab", "next field"), ("←/→", "choice")];
            if form
                .spec
                .fields
                .iter()
                .any(|f| matches!(f.kind, FieldKind::WalletId | FieldKind::HoldId | FieldKind::TransactionId))
            {
                hints.push(("Ctrl-p", "pick"));
            }
            hints.push(("Esc", "close"));
            vec![keys(&hints)]
        }
        Stage::Editing => vec![
            Line::from(Span::styled("fix the fields marked ✖; nothing was sent", theme.error)),
            keys(&[("Enter", "check again"), ("Esc", "close")]),
        ],
        Stage::Confirm => vec![
            Line::from(Span::styled(
                sanitize::cell(&format!("Run {} with: {}?", form.spec.title, form.summary()), width * 3),
                theme.warn,
            )),
            keys(&[("y", "run"), ("n/Esc", "back to the form")]),
        ],
        Stage::Sending(_) => vec![Line::from(Span::styled("sending…", theme.accent))],
        Stage::Done(r) => {
            let head = match crate::command::waiting_note(r) {
                Some(note) => Span::styled(format!("⧗ {note}"), theme.warn),
                None => Span::styled(format!("✓ {:?}", r.status).to_lowercase(), theme.ok),
            };
            let mut out =
                vec![Line::from(vec![head, Span::styled(if r.replayed { "  replayed" } else { "" }, theme.warn)])];
            if let Some(reference) = &r.reference {
                out.push(Line::from(format!("reference {}", sanitize::cell(reference, 60))));
            }
            if let Some(subject) = &r.subject_id {
                out.push(Line::from(format!("subject {}", sanitize::cell(subject, 60))));
            }
            for t in &r.transaction_ids {
                out.push(Line::from(format!("transaction {}", sanitize::cell(t, 60))));
            }
            for b in &r.balances {
                out.push(Line::from(format!(
                    "{} {}: available {} reserved {}",
                    sanitize::cell(&b.wallet_id, 40),
                    sanitize::cell(&b.currency, 6),
                    b.available,
                    b.reserved
                )));
            }
            out.push(keys(&[("Enter/Esc", "close")]));
            out
        }
        Stage::Refused { code, detail } => vec![
            Line::from(Span::styled(format!("✖ refused {}", code.as_deref().unwrap_or("")), theme.error)),
            Line::from(Span::styled(detail.clone(), theme.error)),
            keys(&[("Enter", "edit again (new key)"), ("Esc", "close")]),
        ],
        Stage::Unknown { detail } => vec![
            Line::from(Span::styled("✖ no answer: the outcome is unknown", theme.error)),
            Line::from(Span::styled(detail.clone(), theme.error)),
            keys(&[("Enter", "resubmit with the same key (replays)"), ("Esc", "close")]),
        ],
    }
}
