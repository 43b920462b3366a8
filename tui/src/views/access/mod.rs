//! Access: the operator tokens, for admins. The list says who holds what
//! (name, role, how it was made, created, expires, last used, revoked) and
//! never a secret. `c` makes a token through a small form (name, role,
//! optional expiry) and shows it once, with `y` to copy it; closing that
//! card forgets it. `x` revokes the selected token after a confirmation
//! that says when it is the cockpit's own or the last live admin token.
//! Other roles see "admins only" and the view asks the server nothing;
//! read-only profiles hide the writes.

mod form;
mod render;

pub use form::{Field, MAX_EXPIRY_SECONDS, Stage, TOKEN_FORM, TokenForm, parse_expiry};

use super::{Cx, Value, View, step};
use crate::data::{DataMsg, Request, TokenAnswer};
use crate::input::Step;
use crate::keys::{Action, CONFIRM, Context, MOVE, entry, writes};
use crate::notice::{Level, problem_text};
use crate::theme::Theme;
use chrono::{DateTime, Utc};
use crossterm::event::KeyCode::{Char, Enter, Esc};
use crossterm::event::KeyEvent;
use ledgerdeck_client::{CreatedToken, Role, TokenView};
use ratatui::Frame;
use ratatui::layout::Rect;

/// The token list has the keyboard.
pub static ACCESS: Context = Context {
    name: "access",
    title: "Access",
    entries: &[
        MOVE,
        writes(entry(&[Char('c')], "c", "new token", Action::Create)),
        writes(entry(&[Char('x')], "x", "revoke", Action::Revoke)),
    ],
    global: true,
    fixed: false,
};

/// The view of an operator who is not an admin: nothing to act on.
pub static ADMINS_ONLY: Context =
    Context { name: "access_admins_only", title: "Access (admins only)", entries: &[], global: true, fixed: false };

/// A new token's card, the one time its secret is shown.
pub static NEW_TOKEN: Context = Context {
    name: "new_token",
    title: "New token",
    entries: &[
        entry(&[Char('y')], "y", "copy the token", Action::Copy),
        entry(&[Esc, Enter], "Esc", "close (the token is forgotten)", Action::Back),
    ],
    global: false,
    fixed: false,
};

static CONTEXTS: [&Context; 5] = [&ACCESS, &ADMINS_ONLY, &TOKEN_FORM, &CONFIRM, &NEW_TOKEN];

/// What the Access view shows.
#[derive(Debug, Default)]
pub struct AccessState {
    /// Every token, as the server lists them (`None` until loaded).
    pub tokens: Option<Vec<TokenView>>,
    /// The selected row.
    pub selected: usize,
    /// Whether the operator is an admin (as the server says, narrowed by
    /// the profile): only admins see, make and revoke tokens.
    pub admin: bool,
    /// The id of the token this cockpit signs in with.
    pub own_token: Option<String>,
    /// The new-token form, while it is open.
    pub form: Option<TokenForm>,
    /// The token whose revocation waits for y/n.
    pub confirm: Option<String>,
    /// A revocation sent and not yet answered: its request id.
    pub revoking: Option<u64>,
    /// The token just made, shown this once.
    pub created: Option<CreatedToken>,
    /// The clock, as last seen (for "expired" and the form's statement).
    pub now: Option<DateTime<Utc>>,
    last_id: u64,
}

/// Where a token stands at `now`.
pub fn token_state(token: &TokenView, now: Option<DateTime<Utc>>) -> &'static str {
    let past = |at: &str| {
        let (Ok(at), Some(now)) = (DateTime::parse_from_rfc3339(at), now) else { return false };
        at <= now
    };
    match (&token.revoked_at, &token.expires_at) {
        (Some(_), _) => "revoked",
        (None, Some(at)) if past(at) => "expired",
        _ => "live",
    }
}

impl AccessState {
    /// The token the keys act on.
    pub fn current(&self) -> Option<&TokenView> {
        self.tokens.as_ref()?.get(self.selected)
    }

    /// Whether `token` is the only live admin token listed.
    pub fn last_live_admin(&self, token: &TokenView) -> bool {
        let live_admin = |t: &&TokenView| t.role == Role::Admin && token_state(t, self.now) == "live";
        let tokens = self.tokens.iter().flatten();
        live_admin(&token) && tokens.filter(live_admin).all(|t| t.id == token.id)
    }

    fn next_id(&mut self) -> u64 {
        self.last_id += 1;
        self.last_id
    }

    fn see(&mut self, cx: &Cx) {
        self.now = Some(cx.now);
        self.admin = cx.role == Role::Admin;
    }

    fn form_action(&mut self, action: Action, cx: &mut Cx) -> bool {
        let Some(step) = self.form.as_mut().map(|f| f.on_action(action)) else { return false };
        match step {
            Step::None => false,
            Step::Changed => true,
            Step::Close => {
                self.form = None;
                true
            }
            Step::Send => {
                let id = self.next_id();
                let Some(form) = self.form.as_mut() else { return false };
                let Ok(body) = form.body() else { return true };
                form.sent(id);
                cx.read(Request::CreateToken { id, body });
                true
            }
        }
    }

    fn revoke(&mut self, cx: &mut Cx) -> bool {
        let Some(token_id) = self.confirm.take() else { return false };
        let id = self.next_id();
        self.revoking = Some(id);
        cx.notify(Level::Info, format!("revoking token {token_id}…"));
        cx.read(Request::RevokeToken { id, token_id });
        true
    }

    fn created(&mut self, id: u64, answer: &TokenAnswer, cx: &mut Cx) -> bool {
        let Some(form) = self.form.as_mut().filter(|f| f.stage == Stage::Sending(id)) else { return false };
        match answer {
            TokenAnswer::Created(created) => {
                self.created = Some(created.clone());
                self.form = None;
                cx.refresh_me();
            }
            TokenAnswer::Failed { unknown: true, detail, .. } => form.stage = Stage::NoAnswer(detail.clone()),
            TokenAnswer::Failed { code, detail, fields, .. } => {
                form.refused(&problem_text("refused", code.as_deref(), detail), fields.clone());
            }
            TokenAnswer::Revoked(_) => return false,
        }
        true
    }

    fn revoked(&mut self, answer: &TokenAnswer, cx: &mut Cx) -> bool {
        self.revoking = None;
        match answer {
            TokenAnswer::Revoked(token) => {
                if let Some(row) = self.tokens.iter_mut().flatten().find(|t| t.id == token.id) {
                    *row = token.clone();
                }
                cx.notify(Level::Ok, format!("revoked {}'s token {}", token.name, token.id));
                cx.refresh_me();
            }
            TokenAnswer::Failed { unknown: true, detail, .. } => cx.notify(
                Level::Warn,
                format!("no answer ({detail}): the token may still work; x again (revoking twice is safe)"),
            ),
            TokenAnswer::Failed { code, detail, .. } => {
                cx.notify(Level::Error, problem_text("could not revoke", code.as_deref(), detail));
            }
            TokenAnswer::Created(_) => {}
        }
        true
    }
}

impl View for AccessState {
    fn contexts(&self) -> &'static [&'static Context] {
        &CONTEXTS
    }

    fn context(&self) -> &'static Context {
        if !self.admin {
            return &ADMINS_ONLY;
        }
        match (&self.created, &self.form, &self.confirm) {
            (Some(_), _, _) => &NEW_TOKEN,
            (_, Some(form), _) => form.context(),
            (_, _, Some(_)) => &CONFIRM,
            _ => &ACCESS,
        }
    }

    fn refresh(&mut self, cx: &mut Cx) {
        self.see(cx);
        if self.admin {
            cx.read(Request::LoadTokens);
        }
    }

    fn on_action(&mut self, action: Action, cx: &mut Cx) -> bool {
        self.see(cx);
        if self.created.is_some() {
            // Closing the card is its only action here (copying is the
            // app's): the secret goes with it.
            return action == Action::Back && self.created.take().is_some();
        }
        if self.form.is_some() {
            return self.form_action(action, cx);
        }
        if self.confirm.is_some() {
            return match action {
                Action::Confirm => self.revoke(cx),
                Action::Back => self.confirm.take().is_some(),
                _ => false,
            };
        }
        let n = self.tokens.as_ref().map_or(0, Vec::len);
        match action {
            Action::Create if self.admin => {
                self.form = Some(TokenForm::default());
                true
            }
            Action::Revoke if self.admin && self.revoking.is_none() => match self.current() {
                Some(t) if t.revoked_at.is_none() => {
                    self.confirm = Some(t.id.clone());
                    true
                }
                Some(t) => {
                    cx.notify(Level::Info, format!("{}'s token {} is already revoked", t.name, t.id));
                    true
                }
                None => false,
            },
            Action::Down | Action::Up => step(&mut self.selected, n, action),
            _ => false,
        }
    }

    fn on_key(&mut self, key: KeyEvent, _cx: &mut Cx) -> bool {
        self.form.as_mut().is_some_and(|f| f.on_key(key))
    }

    fn on_data(&mut self, msg: &DataMsg, cx: &mut Cx) -> bool {
        match msg {
            DataMsg::Me(me) => {
                let was = self.admin;
                self.see(cx);
                self.own_token = me.token_id.clone();
                if self.admin && !was {
                    cx.read(Request::LoadTokens);
                }
                if !self.admin {
                    self.tokens = None;
                }
                was != self.admin
            }
            DataMsg::Tokens(tokens) if self.tokens.as_ref() != Some(tokens) => {
                self.tokens = Some(tokens.clone());
                self.selected = self.selected.min(tokens.len().saturating_sub(1));
                true
            }
            DataMsg::TokenAnswer { id, answer } if self.revoking == Some(*id) => self.revoked(answer, cx),
            DataMsg::TokenAnswer { id, answer } => self.created(*id, answer, cx),
            _ => false,
        }
    }

    fn on_tick(&mut self, cx: &mut Cx) -> bool {
        self.now = Some(cx.now);
        false
    }

    fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        render::render(frame, area, self, theme);
    }

    fn values(&self) -> Vec<Value> {
        if let Some(created) = &self.created {
            return vec![Value::copy("token", created.token.clone())];
        }
        let Some(t) = self.current() else { return Vec::new() };
        vec![Value::copy("token id", t.id.clone()), Value::copy("name", t.name.clone())]
    }
}
