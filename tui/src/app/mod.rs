//! The cockpit's state machine: keys and data in, requests out, and a
//! `dirty` flag that is set only when something visible changed. The app
//! only dispatches: it keeps the views in their one list and routes keys,
//! data, live events, command answers, ticks and refreshes to them through
//! one site each ([`App::dispatch`]); the palette and help sit on top.

mod dispatch;
mod exporting;
mod frame;
mod incoming;
mod journal;
mod navigation;
mod status;

use crate::command::Tracker;
use crate::data::{ConnState, Request};
use crate::keys::{Action, CHOOSER, Context, GLOBAL, Keymap, KeymapError, Overrides};
use crate::notice::{Level, Notice};
use crate::palette::{COMMAND_FORM, PALETTE, PaletteState};
use crate::session_log::{SESSION_LOG, SessionLog};
use crate::theme::{ColorMode, Theme};
use crate::views::{Origin, ViewId, Views};
use chrono::{DateTime, TimeDelta, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::Frame;
use std::collections::HashMap;

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

/// The keys in force for every context of the cockpit, defaults with
/// `overrides` applied; refused when they make a key mean two things.
pub fn keymap(overrides: &Overrides) -> Result<Keymap, KeymapError> {
    let views = Views::default();
    let mut contexts: Vec<&'static Context> =
        vec![&GLOBAL, &PALETTE, &COMMAND_FORM, &CHOOSER, &crate::find::FIND, &SESSION_LOG];
    contexts.push(&crate::export::EXPORT_PROMPT);
    for id in ViewId::ALL {
        contexts.extend(views.get(*id).contexts());
    }
    let numbers: Vec<(u8, &'static str)> = ViewId::TABS.iter().filter_map(|v| Some((v.number()?, v.title()))).collect();
    Keymap::build(&contexts, &numbers, overrides)
}

/// The cockpit.
#[derive(Debug)]
pub struct App {
    /// Profile, operator, read-only, production.
    pub session: Session,
    /// The theme in use.
    pub theme: Theme,
    color_mode: ColorMode,
    keymap: Keymap,
    /// The view shown.
    pub view: ViewId,
    /// Whether the help overlay is open.
    pub help: bool,
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
    tracker: Tracker<Origin>,
    last_refresh: HashMap<ViewId, DateTime<Utc>>,
    /// The command palette and the form it opened.
    pub palette: PaletteState,
    /// Every view's state.
    pub views: Views,
    /// The find box.
    pub find: crate::find::FindState,
    /// The export prompt and the export under way.
    pub export: crate::export::ExportState,
    /// The role the profile allows at most (`None`: whatever the token's is).
    role_ceiling: Option<ledgerdeck_client::Role>,
    history: Vec<navigation::Crumb>,
    chooser: Option<(crate::widgets::Chooser, navigation::Choosing)>,
    clipboard: Option<String>,
    /// Every command sent this run, for the overlay and the day's file.
    pub session_log: SessionLog,
}

impl App {
    /// A cockpit on the Overview with the default keys, waiting for data.
    pub fn new(session: Session, theme: Theme, color_mode: ColorMode, now: DateTime<Utc>) -> App {
        App {
            session,
            theme,
            color_mode,
            keymap: keymap(&Overrides::default()).expect("the default key tables never give a key two meanings"),
            view: ViewId::Overview,
            help: false,
            quit: false,
            dirty: true,
            now,
            conn: ConnState::Connecting,
            retry_at: None,
            last_update: None,
            stale_after: STALE_AFTER,
            notice: None,
            tracker: Tracker::default(),
            last_refresh: HashMap::new(),
            palette: PaletteState::default(),
            views: Views::default(),
            find: crate::find::FindState::default(),
            export: crate::export::ExportState::default(),
            role_ceiling: None,
            history: Vec::new(),
            chooser: None,
            clipboard: None,
            session_log: SessionLog::default(),
        }
    }

    /// The same cockpit with these keys (see [`keymap`]).
    pub fn with_keymap(mut self, keymap: Keymap) -> App {
        self.keymap = keymap;
        self
    }

    /// The same cockpit with bulk actions putting at most `n` commands in flight.
    pub fn with_bulk_concurrency(mut self, n: usize) -> App {
        let limit = crate::bulk::Concurrency(n.max(1));
        self.views.payouts.bulk_limit = limit;
        self.views.outbox.bulk_limit = limit;
        self
    }

    /// The same cockpit with the profile's role as the most it may do: the
    /// token's role (from `GET /v1/me`) is narrowed to it, never widened.
    pub fn with_role_ceiling(mut self, ceiling: Option<ledgerdeck_client::Role>) -> App {
        self.role_ceiling = ceiling;
        self
    }

    /// Takes who the token is: its operator's name, and its role narrowed by the profile's.
    pub(crate) fn set_me(&mut self, me: &ledgerdeck_client::Me) -> bool {
        let role = self.role_ceiling.map_or(me.role, |ceiling| me.role.min(ceiling));
        let changed = (self.session.operator.as_str(), self.session.role) != (me.name.as_str(), role);
        self.session.operator = me.name.clone();
        self.session.role = role;
        changed
    }

    /// The keys in force.
    pub fn keymap(&self) -> &Keymap {
        &self.keymap
    }

    /// Whether writes are hidden and refused: a read-only profile, or the
    /// viewer role (which the server would refuse anyway).
    pub fn hides_writes(&self) -> bool {
        self.session.read_only || self.session.role == ledgerdeck_client::Role::Viewer
    }

    /// The first requests: who the token is, and every view's data.
    pub fn start(&mut self) -> Vec<Request> {
        let mut requests = vec![Request::LoadMe];
        requests.extend(self.refresh_all());
        requests
    }

    /// Whether the operator asked to leave.
    pub fn should_quit(&self) -> bool {
        self.quit
    }

    /// Where keys are read now.
    pub fn context(&self) -> &'static Context {
        if self.chooser.is_some() {
            return &CHOOSER;
        }
        if self.session_log.open {
            return &SESSION_LOG;
        }
        if self.export.is_open() {
            return &crate::export::EXPORT_PROMPT;
        }
        if self.find.is_open() {
            return &crate::find::FIND;
        }
        if self.palette.is_open() {
            return self.palette.context();
        }
        self.views.get(self.view).context()
    }

    /// The chooser open (copy, go to), if any.
    pub fn chooser(&self) -> Option<&crate::widgets::Chooser> {
        self.chooser.as_ref().map(|(c, _)| c)
    }

    /// Handles a key press; returns what to fetch or send.
    pub fn on_key(&mut self, key: KeyEvent) -> Vec<Request> {
        let requests = self.key(key);
        self.journal();
        requests
    }

    fn key(&mut self, key: KeyEvent) -> Vec<Request> {
        if key.kind == KeyEventKind::Release {
            return Vec::new();
        }
        if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
            self.quit = true;
            return Vec::new();
        }
        // The last export's outcome has been seen; the key does what it does.
        self.dirty |= self.export.seen();
        if self.chooser.is_some() {
            let action = self.keymap.lookup(&CHOOSER, &key, false);
            let (changed, requests) = self.chooser_action(action);
            self.dirty |= changed;
            return requests;
        }
        if self.session_log.open {
            let action = self.keymap.lookup(&SESSION_LOG, &key, false);
            self.dirty |= self.session_log.on_action(action);
            return Vec::new();
        }
        if self.export.is_open() {
            return self.export_key(key);
        }
        if self.find.is_open() {
            let found = self.find.on_key(key);
            self.dirty |= found.changed;
            let mut requests: Vec<Request> = found.search.into_iter().collect();
            if let Some(target) = found.open {
                requests.extend(self.open_target(target).1);
            }
            return requests;
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
        let action = self.keymap.lookup(self.context(), &key, self.hides_writes());
        let (changed, mut requests) = match action {
            Some(Action::Back) if self.at_crumb() => self.back(),
            Some(action) if is_global(action) => self.global_action(action),
            Some(action) => self.dispatch(self.view, |view, cx| view.on_action(action, cx)),
            None => self.dispatch(self.view, |view, cx| view.on_key(key, cx)),
        };
        self.dirty |= changed;
        if self.hides_writes() {
            requests.retain(|r| !r.writes());
        }
        requests
    }

    fn global_action(&mut self, action: Action) -> (bool, Vec<Request>) {
        match action {
            Action::Quit => {
                self.quit = true;
                (false, Vec::new())
            }
            Action::Help => {
                self.help = true;
                (true, Vec::new())
            }
            Action::NextView | Action::PrevView => {
                let all = ViewId::TABS;
                let at = all.iter().position(|v| *v == self.view).unwrap_or(0);
                let step = if action == Action::NextView { 1 } else { all.len() - 1 };
                self.switch_to(all[(at + step) % all.len()])
            }
            Action::GoTo(n) => match ViewId::from_number(n) {
                Some(view) => self.switch_to(view),
                None => (false, Vec::new()),
            },
            Action::CycleTheme => {
                if let Ok(theme) = Theme::builtin(Theme::next_builtin(&self.theme.name), self.color_mode) {
                    self.theme = theme;
                }
                (true, Vec::new())
            }
            Action::Palette => {
                // The palette fills a chosen command's fields from the
                // selection, and offers loaded rows for its id fields.
                let fills = self.views.get(self.view).values();
                let fills = fills.into_iter().filter_map(|v| Some((v.field?.to_string(), v.value))).collect();
                let handled = self.palette.open_with(fills, self.candidates());
                (handled.changed, handled.requests)
            }
            Action::GoToLink => self.go_to(),
            Action::Find => {
                self.find.open();
                (true, Vec::new())
            }
            Action::Copy => self.copy_chooser(),
            Action::Export => self.start_export(),
            Action::SessionLog => {
                self.session_log.open = true;
                self.session_log.selected = 0;
                (true, Vec::new())
            }
            Action::Reconnect if self.conn.retrying() => {
                self.notify(Level::Info, "reconnecting the live stream now".into());
                (true, vec![Request::ReconnectNow])
            }
            _ => (false, Vec::new()),
        }
    }

    fn palette_key(&mut self, key: KeyEvent) -> Vec<Request> {
        let (role, read_only) = (self.session.role, self.session.read_only);
        let tracker = &mut self.tracker;
        let handled = self.palette.on_key(key, role, read_only, |command| tracker.send(Origin::Palette, command));
        self.dirty |= handled.changed;
        let mut requests = handled.requests;
        if read_only {
            requests.retain(|r| !r.writes());
        }
        requests
    }

    pub(crate) fn notify(&mut self, level: Level, text: String) {
        self.notice = Some(Notice { level, text, at: self.now });
    }

    fn switch_to(&mut self, view: ViewId) -> (bool, Vec<Request>) {
        if view == self.view {
            return (false, Vec::new());
        }
        // A view picked by number or Tab starts a new path.
        self.history.clear();
        self.view = view;
        let stale = !self.fresh(view);
        (true, if stale { self.refresh(view) } else { Vec::new() })
    }

    /// Whether `view` was refreshed within [`FRESH_ENOUGH`].
    fn fresh(&self, view: ViewId) -> bool {
        self.last_refresh.get(&view).is_some_and(|t| self.now - *t < FRESH_ENOUGH)
    }

    pub(super) fn refresh(&mut self, view: ViewId) -> Vec<Request> {
        self.last_refresh.insert(view, self.now);
        self.dispatch(view, |v, cx| {
            v.refresh(cx);
            false
        })
        .1
    }

    fn refresh_all(&mut self) -> Vec<Request> {
        ViewId::ALL.iter().flat_map(|v| self.refresh(*v)).collect()
    }

    /// Advances the clock: countdowns, stale marks, notices, periodic refresh.
    pub fn on_tick(&mut self, now: DateTime<Utc>) -> Vec<Request> {
        let status_before = self.status_text();
        self.now = now;
        if self.notice.as_ref().is_some_and(|n| now - n.at >= NOTICE_FOR) {
            self.notice = None;
        }
        let (changed, mut requests) = self.broadcast(|view, cx| view.on_tick(cx));
        requests.extend(self.find.on_tick());
        self.dirty |= changed || self.status_text() != status_before;
        let due = self.last_refresh.get(&self.view).is_none_or(|t| now - *t >= REFRESH_EVERY);
        if due {
            requests.extend(self.refresh(self.view));
        }
        self.journal();
        requests
    }

    /// Draws the whole screen and clears `dirty`.
    pub fn render(&mut self, frame: &mut Frame) {
        let model = self.frame_model();
        if let Some(body) = crate::frame::render(frame, &model, &self.theme) {
            self.views.get(self.view).render(frame, body, &self.theme);
            if let Some(alert) = &model.alert {
                crate::frame::render_alert(frame, body, alert, &self.theme);
            }
            if self.palette.is_open() {
                let (role, read_only) = (self.session.role, self.session.read_only);
                crate::palette::render(frame, body, &self.palette, role, read_only, &self.theme);
            }
            if self.find.is_open() {
                crate::find::render(frame, body, &self.find, &self.theme);
            }
            crate::export::render(frame, body, &self.export, &self.theme);
            if self.session_log.open {
                crate::session_log::render(frame, body, &self.session_log, &self.theme);
            }
            if let Some(chooser) = self.chooser() {
                crate::widgets::render_chooser(frame, body, chooser, &self.theme);
            }
            if let Some(help) = &model.help {
                crate::frame::render_help(frame, body, help, &self.theme);
            }
        }
        self.dirty = false;
    }
}

impl App {
    /// Loaded rows of every view whose ids fill a form's id fields, by kind.
    fn candidates(&self) -> Vec<(ledgerdeck_client::FieldKind, Vec<(String, String)>)> {
        use ledgerdeck_client::FieldKind;
        [FieldKind::WalletId, FieldKind::HoldId, FieldKind::TransactionId]
            .into_iter()
            .map(|kind| {
                let mut rows: Vec<(String, String)> = Vec::new();
                for id in ViewId::ALL {
                    for row in self.views.get(*id).candidates(kind) {
                        if !rows.iter().any(|(known, _)| *known == row.0) {
                            rows.push(row);
                        }
                    }
                }
                (kind, rows)
            })
            .collect()
    }
}

/// Whether the app handles `action` itself, whatever the view.
fn is_global(action: Action) -> bool {
    matches!(
        action,
        Action::Quit
            | Action::Help
            | Action::NextView
            | Action::PrevView
            | Action::GoTo(_)
            | Action::CycleTheme
            | Action::Palette
            | Action::Find
            | Action::GoToLink
            | Action::Copy
            | Action::Reconnect
            | Action::Export
            | Action::SessionLog
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_tables_give_no_key_two_meanings() {
        assert!(keymap(&Overrides::default()).is_ok());
    }
}
