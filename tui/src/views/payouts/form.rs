//! The Settle and Release forms: prefilled from a hold, a required reason,
//! optional provider evidence, an idempotency key made when the form opens,
//! a confirmation step that says exactly what moves where, and (above a
//! threshold) the amount typed to confirm.

use crate::keys::{Action, Context, ctrl, entry, quiet};
use crate::money::{amount, grouped};
use crate::sanitize;
use crate::theme::Theme;
use crate::widgets::block;
use crossterm::event::KeyCode::{BackTab, Char, Down, Enter, Esc, Tab, Up};
use crossterm::event::KeyEvent;
use ledgerdeck_client::HoldView;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use tui_input::Input;

/// Above this amount (in the hold's currency) the operator types the amount to confirm.
pub const CONFIRM_TYPED_ABOVE: Decimal = Decimal::from_parts(10_000, 0, 0, false, 0);

/// The form while the reason and evidence are typed.
pub static HOLD_FORM: Context = Context {
    name: "hold_form",
    title: "Settle / release form",
    entries: &[
        entry(&[Enter], "Enter", "next / send", Action::Open),
        entry(&[Tab, BackTab, Down, Up], "Tab", "next field", Action::NextField),
        entry(&[Esc], "Esc", "cancel", Action::Back),
        quiet(ctrl(entry(&[Char('y')], "Ctrl-y", "copy a value", Action::Copy))),
    ],
    global: false,
    fixed: false,
};

/// The form's confirmation step.
pub static HOLD_CONFIRM: Context = Context {
    name: "hold_confirm",
    title: "Confirm",
    entries: &[
        entry(&[Char('y')], "y", "confirm", Action::Confirm),
        entry(&[Char('n'), Esc], "n/Esc", "back", Action::Back),
    ],
    global: false,
    fixed: false,
};

/// Which way the money goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HoldAction {
    /// The provider paid: reserved money goes to payout clearing.
    Settle,
    /// The provider failed: reserved money goes back to available.
    Release,
}

impl HoldAction {
    /// The registry command's name.
    pub fn command(self) -> &'static str {
        match self {
            HoldAction::Settle => "settle_hold",
            HoldAction::Release => "release_hold",
        }
    }

    /// The verb, capitalised.
    pub fn title(self) -> &'static str {
        match self {
            HoldAction::Settle => "Settle",
            HoldAction::Release => "Release",
        }
    }

    /// The hold status after it.
    pub fn outcome(self) -> &'static str {
        match self {
            HoldAction::Settle => "settled",
            HoldAction::Release => "released",
        }
    }
}

/// Where the form stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stage {
    /// Typing the reason and evidence.
    Edit,
    /// The confirmation step.
    Confirm,
    /// Sent; waiting for the answer.
    Sending,
    /// Sent, no answer: the outcome is unknown; Enter resends with the same key.
    NoAnswer(String),
}

pub use crate::input::Step;

/// A settle or release form on one hold.
#[derive(Debug)]
pub struct HoldForm {
    /// Settle or release.
    pub action: HoldAction,
    /// The hold, as it was when the form opened.
    pub hold: HoldView,
    /// Why (required).
    pub reason: Input,
    /// The provider's reference, as evidence (optional).
    pub evidence: Input,
    /// 0: reason, 1: evidence.
    pub focus: usize,
    /// The amount typed to confirm a large move.
    pub typed_amount: Input,
    /// The idempotency key: made when the form opened, rotated on a definite answer.
    pub key: String,
    /// Where the form stands.
    pub stage: Stage,
    /// An inline error (refused before sending).
    pub error: Option<String>,
    /// The server's field errors, `(field, message)`.
    pub field_errors: Vec<(String, String)>,
    /// Another operator acted on this hold while the form was open.
    pub notice: Option<String>,
    /// The request in flight, if any.
    pub request_id: Option<u64>,
    /// Above this amount the operator types the amount.
    pub typed_above: Decimal,
}

impl HoldForm {
    /// A form on `hold` with a fresh idempotency key.
    pub fn new(action: HoldAction, hold: HoldView, typed_above: Decimal) -> HoldForm {
        HoldForm {
            action,
            hold,
            reason: Input::default(),
            evidence: Input::default(),
            focus: 0,
            typed_amount: Input::default(),
            key: ledgerdeck_client::http::new_idempotency_key(),
            stage: Stage::Edit,
            error: None,
            field_errors: Vec::new(),
            notice: None,
            request_id: None,
            typed_above,
        }
    }

    /// The key as shown: its last 8 characters.
    pub fn short_key(&self) -> &str {
        // The random tail: a UUIDv7 begins with its timestamp, which every
        // key made within the same minute shares.
        self.key.get(self.key.len().saturating_sub(8)..).unwrap_or(&self.key)
    }

    /// A definite answer came: the next send is a new request.
    pub fn rotate_key(&mut self) {
        self.key = ledgerdeck_client::http::new_idempotency_key();
    }

    /// Whether the operator must type the amount to confirm.
    pub fn needs_typed_amount(&self) -> bool {
        self.hold.amount > self.typed_above
    }

    /// Where keys are read.
    pub fn context(&self) -> &'static Context {
        match self.stage {
            Stage::Confirm if !self.needs_typed_amount() => &HOLD_CONFIRM,
            _ => &HOLD_FORM,
        }
    }

    /// The command's body.
    pub fn body(&self) -> Value {
        let mut body = json!({ "hold_id": self.hold.id, "reason": self.reason.value().trim() });
        let evidence = self.evidence.value().trim();
        if !evidence.is_empty() {
            body["provider_reference"] = json!(evidence);
        }
        body
    }

    /// Exactly what will move where.
    pub fn statement(&self) -> String {
        let h = &self.hold;
        let what = format!("{} {}", amount(h.amount, &h.currency), h.currency);
        match self.action {
            HoldAction::Settle => format!(
                "Settle: move {what} from wallet {} reserved to provider payout clearing ({}).",
                h.wallet_id, h.provider
            ),
            HoldAction::Release => {
                format!("Release: move {what} from wallet {} reserved back to its available balance.", h.wallet_id)
            }
        }
    }

    /// Enter, Tab, Esc, y and n.
    pub fn on_action(&mut self, action: Action) -> Step {
        match (&self.stage, action) {
            (Stage::Edit, Action::NextField) => {
                self.focus = 1 - self.focus;
                Step::Changed
            }
            (Stage::Edit, Action::Open) => {
                if self.reason.value().trim().is_empty() {
                    self.error = Some("a reason is required".into());
                    self.focus = 0;
                    return Step::Changed;
                }
                self.error = None;
                self.typed_amount = Input::default();
                self.stage = Stage::Confirm;
                Step::Changed
            }
            (Stage::Edit, Action::Back) => Step::Close,
            (Stage::Confirm, Action::Confirm) if !self.needs_typed_amount() => self.send(),
            (Stage::Confirm, Action::Open) if self.needs_typed_amount() => {
                let typed = self.typed_amount.value().trim().replace(',', "");
                if typed.parse::<Decimal>().ok() == Some(self.hold.amount) {
                    self.send()
                } else {
                    self.error = Some(format!("type {} to confirm", self.hold.amount));
                    Step::Changed
                }
            }
            (Stage::Confirm, Action::Back) => {
                self.stage = Stage::Edit;
                self.error = None;
                Step::Changed
            }
            // Resubmit after no answer: the same key, so the server replays rather than repeats.
            (Stage::NoAnswer(_), Action::Open) => self.send(),
            (Stage::NoAnswer(_), Action::Back) => Step::Close,
            _ => Step::None,
        }
    }

    fn send(&mut self) -> Step {
        self.stage = Stage::Sending;
        self.error = None;
        Step::Send
    }

    /// A key typed into the focused input.
    pub fn on_key(&mut self, key: KeyEvent) -> bool {
        let input = match (&self.stage, self.focus) {
            (Stage::Edit, 0) => &mut self.reason,
            (Stage::Edit, _) => &mut self.evidence,
            (Stage::Confirm, _) if self.needs_typed_amount() => &mut self.typed_amount,
            _ => return false,
        };
        crate::input::edit(input, key)
    }

    /// The command failed without an answer: keep the key, offer resubmit.
    pub fn no_answer(&mut self, detail: &str) {
        self.stage = Stage::NoAnswer(detail.to_string());
    }

    /// Field errors: back to editing, with a new key (the answer was definite).
    pub fn refused(&mut self, fields: Vec<(String, String)>) {
        self.rotate_key();
        self.field_errors = fields;
        self.stage = Stage::Edit;
    }
}

/// Draws the form as an overlay in `area`.
pub fn render(frame: &mut Frame, area: Rect, form: &HoldForm, theme: &Theme) {
    let h = &form.hold;
    let w = area.width.saturating_sub(4).min(100);
    let clip = |s: &str, n: u16| sanitize::cell(s, usize::from(n));
    let label = |t: &str| Span::styled(format!("{t:<11}"), theme.muted);
    let value_w = w.saturating_sub(14);
    let mut lines = vec![
        Line::from(vec![label("hold"), Span::styled(clip(&h.id, value_w), theme.text)]),
        Line::from(vec![
            label("amount"),
            Span::styled(format!("{} {}", amount(h.amount, &h.currency), clip(&h.currency, 8)), theme.accent),
            Span::styled("  provider ", theme.muted),
            Span::styled(clip(&h.provider, 20), theme.text),
        ]),
        Line::from(vec![label("reference"), Span::styled(clip(&h.reference, value_w), theme.text)]),
        Line::from(vec![label("key"), Span::styled(format!("…{}", form.short_key()), theme.muted)]),
    ];
    let field_error = |name: &str| form.field_errors.iter().find(|(f, _)| f == name).map(|(_, m)| m.clone());
    let input_line = |name: &str, input: &Input, focused: bool| {
        let style = if focused && form.stage == Stage::Edit { theme.selection } else { theme.text };
        let shown = clip(input.value(), value_w.saturating_sub(1));
        Line::from(vec![label(name), Span::styled(format!("{shown:<width$}", width = usize::from(value_w)), style)])
    };
    match &form.stage {
        Stage::Edit => {
            lines.push(Line::default());
            lines.push(input_line("reason *", &form.reason, form.focus == 0));
            let mut reason_error = form.error.clone();
            if reason_error.is_none() {
                reason_error = field_error("reason");
            }
            if let Some(e) = reason_error {
                lines.push(Line::from(vec![label(""), Span::styled(format!("✖ {}", clip(&e, value_w)), theme.error)]));
            }
            lines.push(input_line("evidence", &form.evidence, form.focus == 1));
            if let Some(e) = field_error("provider_reference") {
                lines.push(Line::from(vec![label(""), Span::styled(format!("✖ {}", clip(&e, value_w)), theme.error)]));
            }
            for (f, m) in form.field_errors.iter().filter(|(f, _)| f != "reason" && f != "provider_reference") {
                lines.push(Line::from(Span::styled(format!("✖ {}: {}", clip(f, 20), clip(m, value_w)), theme.error)));
            }
            lines.push(Line::from(Span::styled("Enter continue · Tab next field · Esc cancel", theme.muted)));
        }
        Stage::Confirm => {
            lines.push(Line::default());
            lines.push(Line::from(Span::styled(clip(&form.statement(), 400), theme.warn)));
            if form.needs_typed_amount() {
                lines.push(Line::from(Span::styled(
                    format!("Above {}: type the amount to confirm, then Enter.", grouped(form.typed_above)),
                    theme.text,
                )));
                lines.push(input_line("amount", &form.typed_amount, true));
                if let Some(e) = &form.error {
                    lines.push(Line::from(Span::styled(format!("✖ {}", clip(e, value_w)), theme.error)));
                }
            } else {
                lines.push(Line::from(Span::styled("Press y to confirm, n to go back.", theme.accent)));
            }
        }
        Stage::Sending => {
            lines.push(Line::default());
            lines.push(Line::from(Span::styled("sending…", theme.accent)));
        }
        Stage::NoAnswer(detail) => {
            lines.push(Line::default());
            lines.push(Line::from(Span::styled(
                format!("No answer from the server ({}); the outcome is unknown.", clip(detail, 50)),
                theme.error,
            )));
            lines.push(Line::from(Span::styled(
                format!("Enter resubmits with the same key …{} (replays, never repeats).", form.short_key()),
                theme.accent,
            )));
        }
    }
    if let Some(n) = &form.notice {
        lines.push(Line::from(Span::styled(format!("▲ {}", clip(n, value_w + 10)), theme.warn)));
    }
    let height = (lines.len() as u16 + 4).min(area.height);
    let rect = Rect::new(area.x + (area.width - w) / 2, area.y + (area.height - height) / 2, w, height);
    frame.render_widget(Clear, rect);
    let title = format!("{} hold", form.action.title());
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }).block(block(&title, theme)), rect);
}
