//! The cockpit's state machine: keys and data in, requests out, and a
//! `dirty` flag that is set only when something visible changed.

use crate::data::{ConnState, Request, ViewId};
use crate::keymap::{Action, Context};
use crate::theme::{ColorMode, Theme};
use crate::views::Effect;
use crate::views::gates::GatesState;
use crate::views::outbox::OutboxState;
use crate::views::overview::OverviewState;
use crate::views::payouts::PayoutsState;
use chrono::{DateTime, TimeDelta, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::Frame;
use std::collections::HashMap;

mod incoming;
mod payouts;

/// A view's summary is fetched again after this long without a refresh.
pub const REFRESH_EVERY: TimeDelta = TimeDelta::seconds(15);
/// Switching to a view refreshes it unless it was refreshed this recently.
pub(crate) const FRESH_ENOUGH: TimeDelta = TimeDelta::seconds(2);
/// While reconnecting, data older than this is called stale.
pub const STALE_AFTER: TimeDelta = TimeDelta::seconds(30);
/// A notice disappears after this long.
const NOTICE_FOR: TimeDelta = TimeDelta::seconds(10);

/// Who is at the keyboard, against which server, with which powers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The profile's name.
    pub profile: String,
    /// The operator's name.
    pub operator: String,
    /// Every write is hidden and refused.
    pub read_only: bool,
    /// The production banner is drawn.
    pub production: bool,
    /// The operator's role: the palette lists only the commands it allows.
    pub role: ledgerdeck_client::Role,
}

/// A question the operator must answer before a write is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirm {
    /// Retry this outbox message's failing and dead deliveries.
    Retry {
        /// The message id.
        message_id: String,
    },
}

/// How a notice is coloured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Something is under way.
    Info,
    /// Done.
    Ok,
    /// Could not load something.
    Warn,
    /// A command failed.
    Error,
}

/// A one-line message in the status bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// Its colour.
    pub level: Level,
    /// Its text (already inert).
    pub text: String,
    /// When it was raised.
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Pending {
    RunGates,
    Retry { message_id: String },
    Hold { hold_id: String },
}

/// The cockpit.
#[derive(Debug)]
pub struct App {
    /// Profile, operator, read-only, production.
    pub session: Session,
    /// The theme in use.
    pub theme: Theme,
    color_mode: ColorMode,
    /// The view shown.
    pub view: ViewId,
    /// Whether the help overlay is open.
    pub help: bool,
    /// The question open, if any.
    pub confirm: Option<Confirm>,
    quit: bool,
    /// Something visible changed since the last draw.
    pub dirty: bool,
    /// The clock, as of the last tick.
    pub now: DateTime<Utc>,
    /// The live stream's state.
    pub conn: ConnState,
    retry_at: Option<DateTime<Utc>>,
    /// When data last arrived.
    pub last_update: Option<DateTime<Utc>>,
    /// While reconnecting, data older than this is called stale
    /// ([`STALE_AFTER`] unless changed).
    pub stale_after: TimeDelta,
    /// The status bar's message.
    pub notice: Option<Notice>,
    next_request_id: u64,
    pending: HashMap<u64, Pending>,
    retry_keys: HashMap<String, String>,
    last_refresh: HashMap<ViewId, DateTime<Utc>>,
    /// Overview data.
    pub overview: OverviewState,
    /// Gates data and selection.
    pub gates: GatesState,
    /// Outbox data, filter and selection.
    pub outbox: OutboxState,
    /// The command palette and the form it opened.
    pub palette: crate::palette::PaletteState,
    /// Wallets data, selection and statement.
    pub wallets: crate::views::wallets::WalletsState,
    /// Ledger data, selection and detail.
    pub ledger: crate::views::ledger::LedgerState,
    /// Flags and provider events.
    pub controls: crate::views::controls::ControlsState,
    /// The audit log and its filter.
    pub audit: crate::views::audit::AuditState,
    /// The payouts queue, the open hold, its form and result card.
    pub payouts: PayoutsState,
}

impl Request {
    /// Whether the request changes anything on the server.
    pub fn writes(&self) -> bool {
        matches!(
            self,
            Request::RunGates { .. }
                | Request::RetryOutboxMessage { .. }
                | Request::HoldCommand { .. }
                | Request::Execute { .. }
        )
    }
}

impl App {
    /// A cockpit on the Overview, waiting for data.
    pub fn new(session: Session, theme: Theme, color_mode: ColorMode, now: DateTime<Utc>) -> App {
        App {
            session,
            theme,
            color_mode,
            view: ViewId::Overview,
            help: false,
            confirm: None,
            quit: false,
            dirty: true,
            now,
            conn: ConnState::Connecting,
            retry_at: None,
            last_update: None,
            stale_after: STALE_AFTER,
            notice: None,
            next_request_id: 1,
            pending: HashMap::new(),
            retry_keys: HashMap::new(),
            last_refresh: HashMap::new(),
            overview: OverviewState::default(),
            gates: GatesState::default(),
            outbox: OutboxState::default(),
            palette: crate::palette::PaletteState::default(),
            wallets: Default::default(),
            ledger: Default::default(),
            controls: Default::default(),
            audit: Default::default(),
            payouts: PayoutsState::default(),
        }
    }

    /// Whether writes are hidden and refused: a read-only profile, or the
    /// viewer role (which the server would refuse anyway).
    pub fn hides_writes(&self) -> bool {
        self.session.read_only || self.session.role == ledgerdeck_client::Role::Viewer
    }

    /// The first requests: every built view's data.
    pub fn start(&mut self) -> Vec<Request> {
        self.refresh_all()
    }

    /// Whether the operator asked to leave.
    pub fn should_quit(&self) -> bool {
        self.quit
    }

    /// Where keys are read now.
    pub fn context(&self) -> Context {
        if self.confirm.is_some() {
            return Context::Confirm;
        }
        if self.palette.form.is_some() {
            return Context::CommandForm;
        }
        if self.palette.is_open() {
            return Context::Palette;
        }
        match self.view {
            ViewId::Gates => self.gates.context(),
            ViewId::Outbox => self.outbox.context(),
            ViewId::Wallets => self.wallets.context(),
            ViewId::Ledger => self.ledger.context(),
            ViewId::Controls => self.controls.context(),
            ViewId::Audit => self.audit.context(),
            ViewId::Payouts => self.payouts.context(),
            _ => Context::Overview,
        }
    }

    /// Handles a key press; returns what to fetch or send.
    pub fn on_key(&mut self, key: KeyEvent) -> Vec<Request> {
        if key.kind == KeyEventKind::Release {
            return Vec::new();
        }
        if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
            self.quit = true;
            return Vec::new();
        }
        if self.palette.is_open() {
            return self.palette_key(key);
        }
        if self.help {
            // Any key closes help; `q` still quits.
            self.help = false;
            self.dirty = true;
            self.quit = key.code == KeyCode::Char('q') && key.modifiers.is_empty();
            return Vec::new();
        }
        let context = self.context();
        let effect = match context.lookup(&key, self.hides_writes()) {
            Some(action) => self.on_action(context, action),
            None if context == Context::FilterInput && self.view == ViewId::Audit => self.audit.on_filter_key(key),
            None if self.view == ViewId::Payouts => self.payouts.on_key(key),
            None if context == Context::FilterInput => self.outbox.on_filter_key(key),
            None => Effect::default(),
        };
        self.dirty |= effect.changed;
        let mut requests = effect.requests;
        if self.hides_writes() {
            requests.retain(|r| !r.writes());
        }
        requests
    }

    fn on_action(&mut self, context: Context, action: Action) -> Effect {
        match action {
            Action::Quit => {
                self.quit = true;
                Effect::default()
            }
            Action::Help => {
                self.help = true;
                Effect::changed()
            }
            Action::NextView | Action::PrevView => {
                let built = ViewId::BUILT;
                let at = built.iter().position(|v| *v == self.view).unwrap_or(0);
                let step = if action == Action::NextView { 1 } else { built.len() - 1 };
                self.switch_to(built[(at + step) % built.len()])
            }
            Action::GoTo(view) => self.switch_to(view),
            Action::CycleTheme => {
                if let Ok(theme) = Theme::builtin(Theme::next_builtin(&self.theme.name), self.color_mode) {
                    self.theme = theme;
                }
                Effect::changed()
            }
            Action::RunGates => {
                let request_id = self.track(Pending::RunGates);
                self.notify(Level::Info, "running the gates…".into());
                Effect::request(Request::RunGates { request_id, gate: None })
            }
            Action::Retry => match self.outbox.target() {
                Some(message_id) => {
                    self.confirm = Some(Confirm::Retry { message_id });
                    Effect::changed()
                }
                None => Effect::default(),
            },
            Action::Palette => self.palette.open(),
            Action::Reverse => match self.ledger.target() {
                Some(id) => self.open_form("reverse_transaction", &[("transaction_id", &id)]),
                None => Effect::default(),
            },
            Action::SetFlag => {
                let prefill: Vec<(String, String)> = self.controls.target().map_or_else(Vec::new, |f| {
                    vec![
                        ("name".into(), f.name.clone()),
                        ("scope".into(), f.scope.clone()),
                        ("scope_value".into(), f.scope_value.clone()),
                        ("enabled".into(), (!f.enabled).to_string()),
                    ]
                });
                let prefill: Vec<(&str, &str)> = prefill.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                self.open_form("set_feature_flag", &prefill)
            }
            Action::Confirm if self.confirm.is_some() => self.confirmed(),
            Action::Back if context == Context::Confirm => {
                self.confirm = None;
                Effect::changed()
            }
            _ if self.view == ViewId::Gates => self.gates.on_action(action),
            _ if self.view == ViewId::Outbox => self.outbox.on_action(action),
            _ if self.view == ViewId::Wallets => self.wallets.on_action(action),
            _ if self.view == ViewId::Ledger => self.ledger.on_action(action),
            _ if self.view == ViewId::Controls => self.controls.on_action(action),
            _ if self.view == ViewId::Audit => self.audit.on_action(action),
            _ if self.view == ViewId::Payouts => self.payouts_action(action),
            _ => Effect::default(),
        }
    }

    fn palette_key(&mut self, key: KeyEvent) -> Vec<Request> {
        let (role, read_only) = (self.session.role, self.session.read_only);
        let next = &mut self.next_request_id;
        let effect = self.palette.on_key(key, role, read_only, || {
            *next += 1;
            *next - 1
        });
        self.dirty |= effect.changed;
        let mut requests = effect.requests;
        if read_only {
            requests.retain(|r| !r.writes());
        }
        requests
    }

    /// Opens the form of `command` with fields prefilled (from a view's key).
    pub(crate) fn open_form(&mut self, command: &str, prefill: &[(&str, &str)]) -> Effect {
        let (role, read_only) = (self.session.role, self.session.read_only);
        if self.palette.specs.is_none() {
            let mut effect = self.palette.open();
            self.palette.query = None;
            self.palette.pending_form =
                Some((command.to_string(), prefill.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()));
            effect.changed = true;
            return effect;
        }
        self.palette.open_form(command, prefill, role, read_only)
    }

    fn confirmed(&mut self) -> Effect {
        let Some(Confirm::Retry { message_id }) = self.confirm.take() else { return Effect::default() };
        // The key is made when the operator confirms and kept until a definite answer.
        let idempotency_key =
            self.retry_keys.entry(message_id.clone()).or_insert_with(|| uuid::Uuid::now_v7().to_string()).clone();
        let request_id = self.track(Pending::Retry { message_id: message_id.clone() });
        self.notify(Level::Info, format!("retrying {}…", crate::sanitize::cell(&message_id, 40)));
        Effect::request(Request::RetryOutboxMessage { request_id, id: message_id, idempotency_key })
    }

    /// The idempotency key kept for a message's retry, if one is outstanding.
    pub fn retry_key(&self, message_id: &str) -> Option<&str> {
        self.retry_keys.get(message_id).map(String::as_str)
    }

    fn track(&mut self, pending: Pending) -> u64 {
        let id = self.next_request_id;
        self.next_request_id += 1;
        self.pending.insert(id, pending);
        id
    }

    fn notify(&mut self, level: Level, text: String) {
        self.notice = Some(Notice { level, text, at: self.now });
    }

    fn switch_to(&mut self, view: ViewId) -> Effect {
        if view == self.view {
            return Effect::default();
        }
        self.view = view;
        let stale = self.last_refresh.get(&view).is_none_or(|t| self.now - *t >= FRESH_ENOUGH);
        Effect { changed: true, requests: if stale { self.refresh(view) } else { Vec::new() } }
    }

    fn refresh(&mut self, view: ViewId) -> Vec<Request> {
        self.last_refresh.insert(view, self.now);
        let mut out = vec![Request::Refresh(view)];
        match view {
            ViewId::Gates => out.extend(self.gates.reload_findings()),
            ViewId::Outbox => {
                out.push(self.outbox.list_request());
                out.extend(self.outbox.open.clone().map(Request::LoadOutboxMessage));
            }
            ViewId::Wallets => out.extend(self.wallets.open.clone().map(Request::LoadStatement)),
            ViewId::Audit => out.push(self.audit.list_request()),
            ViewId::Payouts => out.extend(self.payouts.refresh_requests()),
            _ => {}
        }
        out
    }

    fn refresh_all(&mut self) -> Vec<Request> {
        ViewId::BUILT.into_iter().flat_map(|v| self.refresh(v)).collect()
    }

    /// Advances the clock: countdowns, stale marks, notices, periodic refresh.
    pub fn on_tick(&mut self, now: DateTime<Utc>) -> Vec<Request> {
        let status_before = self.status_text();
        self.now = now;
        if self.notice.as_ref().is_some_and(|n| now - n.at >= NOTICE_FOR) {
            self.notice = None;
        }
        self.dirty |= self.status_text() != status_before;
        let due = self.last_refresh.get(&self.view).is_none_or(|t| now - *t >= REFRESH_EVERY);
        if due { self.refresh(self.view) } else { Vec::new() }
    }

    /// The connection as the status bar says it, and whether it is healthy.
    pub fn conn_label(&self) -> (String, Level) {
        let stamp = |t: DateTime<Utc>| t.format("%H:%M:%S").to_string();
        match self.conn {
            ConnState::Live => ("● live".into(), Level::Ok),
            ConnState::Connecting => ("○ connecting…".into(), Level::Info),
            ConnState::Reconnecting { .. } => {
                let secs = self.retry_at.map_or(0, |t| ((t - self.now).num_milliseconds().max(0) + 999) / 1000);
                match self.last_update.filter(|t| self.now - *t >= self.stale_after) {
                    Some(t) => (format!("✖ stale since {} · retry in {secs} s", stamp(t)), Level::Error),
                    None => (format!("◌ reconnecting in {secs} s"), Level::Warn),
                }
            }
            ConnState::Stale { since } => (format!("✖ stale since {}", stamp(since)), Level::Error),
        }
    }

    /// Everything the status bar shows, as plain text (also used to tell
    /// whether a tick changed anything visible).
    pub fn status_text(&self) -> String {
        let updated = self.last_update.map_or("—".into(), |t| t.format("%H:%M:%S").to_string());
        let notice = self.notice.as_ref().map_or("", |n| n.text.as_str());
        format!("{}|{}|{}|{notice}", self.session.profile, self.conn_label().0, updated)
    }

    /// Draws the whole screen and clears `dirty`.
    pub fn render(&mut self, frame: &mut Frame) {
        crate::chrome::render(self, frame);
        self.dirty = false;
    }
}
