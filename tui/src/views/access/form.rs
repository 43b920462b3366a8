//! The new-token form: a name, a role (viewer unless chosen otherwise) and
//! an optional expiry, then a confirmation that says what will be made.
//! Creating a token is not idempotent (the server keeps only a hash, so it
//! could not answer the token twice), so the form sends it once and never
//! again by itself: after no answer it says where to look instead.

use crate::input::Step;
use crate::keys::{Action, Context, entry};
use chrono::{DateTime, Duration, Utc};
use crossterm::event::KeyCode::{BackTab, Char, Down, Enter, Esc, Left, Right, Tab, Up};
use crossterm::event::{KeyCode, KeyEvent};
use ledgerdeck_client::{CreateToken, Role};
use tui_input::Input;

/// The longest expiry the server takes: ten years, in seconds.
pub const MAX_EXPIRY_SECONDS: i64 = 315_360_000;

/// The form while its fields are edited.
pub static TOKEN_FORM: Context = Context {
    name: "token_form",
    title: "New token",
    entries: &[
        entry(&[Enter], "Enter", "continue", Action::Open),
        entry(&[Tab, BackTab, Down, Up], "Tab", "next field", Action::NextField),
        entry(&[Esc], "Esc", "cancel", Action::Back),
    ],
    global: false,
    fixed: false,
};

/// The roles in the order ←/→ step through them.
const ROLES: [Role; 3] = [Role::Viewer, Role::Operator, Role::Admin];

/// Where the form stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stage {
    /// The fields are edited.
    Edit,
    /// "Create … ? y/n".
    Confirm,
    /// Sent as this request; waiting for the answer.
    Sending(u64),
    /// Sent, and no answer came: whether the token was made is unknown.
    NoAnswer(String),
}

/// The form's fields, in focus order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// The operator's name.
    Name,
    /// The role it grants.
    Role,
    /// When it stops working.
    Expiry,
}

/// A new-token form.
#[derive(Debug, Clone)]
pub struct TokenForm {
    /// The operator's name.
    pub name: Input,
    /// The role it grants.
    pub role: Role,
    /// The expiry as typed: `30d`, `12h`, `90m`, `8w`; empty: never.
    pub expiry: Input,
    /// The focused field.
    pub focus: Field,
    /// Where the form stands.
    pub stage: Stage,
    /// Errors by field (the form's own checks, or the server's).
    pub errors: Vec<(String, String)>,
    /// The server's refusal that names no field.
    pub refused: Option<String>,
}

impl Default for TokenForm {
    fn default() -> Self {
        TokenForm {
            name: Input::default(),
            role: Role::Viewer,
            expiry: Input::default(),
            focus: Field::Name,
            stage: Stage::Edit,
            errors: Vec::new(),
            refused: None,
        }
    }
}

/// `30d`, `12h`, `90m` or `8w` in seconds; an empty text is no expiry.
pub fn parse_expiry(text: &str) -> Result<Option<i64>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let why = || "a number and a unit: 90m, 12h, 30d or 8w (empty: never)".to_string();
    let (number, unit) = text.split_at(text.len() - text.chars().last().map_or(0, char::len_utf8));
    let n: i64 = number.trim().parse().map_err(|_| why())?;
    let per = match unit {
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return Err(why()),
    };
    match n.checked_mul(per) {
        Some(seconds) if (1..=MAX_EXPIRY_SECONDS).contains(&seconds) => Ok(Some(seconds)),
        _ => Err("from 1 minute to 10 years".into()),
    }
}

impl TokenForm {
    /// Where keys are read.
    pub fn context(&self) -> &'static Context {
        match self.stage {
            Stage::Confirm => &crate::keys::CONFIRM,
            _ => &TOKEN_FORM,
        }
    }

    /// The error shown under `field`, if any.
    pub fn error(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|(f, _)| f == field).map(|(_, m)| m.as_str())
    }

    /// The body to send, or the fields' errors.
    pub fn body(&self) -> Result<CreateToken, Vec<(String, String)>> {
        let mut errors = Vec::new();
        let name = self.name.value().trim();
        if name.is_empty() {
            errors.push(("name".to_string(), "required: the operator's name".to_string()));
        }
        let expires_in_seconds = parse_expiry(self.expiry.value()).unwrap_or_else(|e| {
            errors.push(("expires_in_seconds".to_string(), e));
            None
        });
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(CreateToken { name: name.to_string(), role: self.role, expires_in_seconds })
    }

    /// What will be made, for the confirmation: the name, the role and
    /// when it stops working (seen from `now`).
    pub fn statement(&self, now: DateTime<Utc>) -> String {
        let Ok(body) = self.body() else { return String::new() };
        let until = match body.expires_in_seconds {
            Some(s) => {
                let at = now + Duration::seconds(s);
                format!("until {} ({})", at.format("%Y-%m-%d %H:%M UTC"), self.expiry.value().trim())
            }
            None => "that never expires".to_string(),
        };
        let name = crate::sanitize::cell(&body.name, 24);
        format!("Create {} token for {name}, {until}?", body.role.as_str())
    }

    /// Enter, Tab and Esc while editing; y and n at the confirmation.
    pub fn on_action(&mut self, action: Action) -> Step {
        match (&self.stage, action) {
            (Stage::Edit, Action::NextField) => {
                self.focus = match self.focus {
                    Field::Name => Field::Role,
                    Field::Role => Field::Expiry,
                    Field::Expiry => Field::Name,
                };
                Step::Changed
            }
            (Stage::Edit, Action::Open) => {
                match self.body() {
                    Ok(_) => {
                        self.errors.clear();
                        self.stage = Stage::Confirm;
                    }
                    Err(errors) => self.errors = errors,
                }
                Step::Changed
            }
            (Stage::Edit | Stage::NoAnswer(_), Action::Back | Action::Open) => Step::Close,
            (Stage::Confirm, Action::Confirm) => Step::Send,
            (Stage::Confirm, Action::Back) => {
                self.stage = Stage::Edit;
                Step::Changed
            }
            _ => Step::None,
        }
    }

    /// A key no binding took: typed into the name or expiry, or (on the
    /// role) ←/→, Space or the role's initial choose it.
    pub fn on_key(&mut self, key: KeyEvent) -> bool {
        if self.stage != Stage::Edit {
            return false;
        }
        match self.focus {
            Field::Name => crate::input::edit(&mut self.name, key),
            Field::Expiry => crate::input::edit(&mut self.expiry, key),
            Field::Role => {
                let at = ROLES.iter().position(|r| *r == self.role).unwrap_or(0);
                self.role = match key.code {
                    Right | Char(' ') => ROLES[(at + 1) % ROLES.len()],
                    Left => ROLES[(at + ROLES.len() - 1) % ROLES.len()],
                    KeyCode::Char(c) => match ROLES.iter().find(|r| r.as_str().starts_with(c)) {
                        Some(role) => *role,
                        None => return false,
                    },
                    _ => return false,
                };
                true
            }
        }
    }

    /// Sent as request `id`.
    pub fn sent(&mut self, id: u64) {
        self.stage = Stage::Sending(id);
    }

    /// A definite refusal: back to editing, with what the server said.
    pub fn refused(&mut self, detail: &str, fields: Vec<(String, String)>) {
        self.stage = Stage::Edit;
        self.refused = fields.is_empty().then(|| detail.to_string());
        self.errors = fields;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiries_read_as_seconds_within_the_servers_bounds() {
        assert_eq!(parse_expiry(""), Ok(None));
        assert_eq!(parse_expiry(" 90m "), Ok(Some(5_400)));
        assert_eq!(parse_expiry("12h"), Ok(Some(43_200)));
        assert_eq!(parse_expiry("30d"), Ok(Some(2_592_000)));
        assert_eq!(parse_expiry("8w"), Ok(Some(4_838_400)));
        assert_eq!(parse_expiry("3650d"), Ok(Some(MAX_EXPIRY_SECONDS)));
        assert!(parse_expiry("3651d").is_err(), "past ten years");
        assert!(parse_expiry("0d").is_err());
        assert!(parse_expiry("-1d").is_err());
        assert!(parse_expiry("30").is_err(), "a unit is required");
        assert!(parse_expiry("1y").is_err());
        assert!(parse_expiry("d").is_err());
        assert!(parse_expiry("99999999999999999w").is_err(), "no overflow");
        assert!(parse_expiry("3é").is_err(), "a multi-byte unit is refused, not split");
    }

    #[test]
    fn a_form_without_a_name_or_with_a_bad_expiry_does_not_reach_confirmation() {
        let mut form = TokenForm { expiry: Input::new("soon".into()), ..TokenForm::default() };
        assert_eq!(form.on_action(Action::Open), Step::Changed);
        assert_eq!(form.stage, Stage::Edit);
        assert!(form.error("name").is_some());
        assert!(form.error("expires_in_seconds").is_some());
        form.name = Input::new("ops-bob".into());
        form.expiry = Input::new("30d".into());
        form.on_action(Action::Open);
        assert_eq!(form.stage, Stage::Confirm);
        let body = form.body().unwrap();
        assert_eq!(
            (body.name.as_str(), body.role, body.expires_in_seconds),
            ("ops-bob", Role::Viewer, Some(2_592_000))
        );
    }
}
