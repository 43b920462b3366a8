//! The cockpit's views. Each owns its folder: its state, its key tables and
//! the actions they trigger, the reads it asks for and the answers it takes,
//! its forms and cards, and its drawing. The list at the end of this file is
//! the only place that names them all: tab order, number keys, titles.
//! Adding a view is adding its folder and one line there.

mod target;

pub use target::{Link, Target, Value};

use crate::command::{Answer, Outgoing, Tracker};
use crate::data::{DataMsg, Request};
use crate::export::Exportable;
use crate::keys::{Action, Context};
use crate::notice::Level;
use crate::theme::Theme;
use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;
use ledgerdeck_client::events::LiveEvent;
use ratatui::Frame;
use ratatui::layout::Rect;

/// One view of the cockpit. The app routes every key, data message, live
/// event, command answer, tick and refresh through these methods; each
/// returns whether anything visible changed, and asks for more through
/// [`Cx`].
pub trait View {
    /// Every context the view reads keys in (for the keymap and `ledgerdeck keys`).
    fn contexts(&self) -> &'static [&'static Context];
    /// Where keys are read now.
    fn context(&self) -> &'static Context;
    /// The reads that bring the view up to date.
    fn refresh(&mut self, cx: &mut Cx);
    /// An action bound in the view's current context.
    fn on_action(&mut self, action: Action, cx: &mut Cx) -> bool;
    /// A key no binding took: typed into the view's input, if one is open.
    fn on_key(&mut self, _key: KeyEvent, _cx: &mut Cx) -> bool {
        false
    }
    /// Data from the network side; every view sees every message and takes
    /// what it asked for.
    fn on_data(&mut self, _msg: &DataMsg, _cx: &mut Cx) -> bool {
        false
    }
    /// A live event; every view sees every event.
    fn on_live(&mut self, _event: &LiveEvent, _cx: &mut Cx) -> bool {
        false
    }
    /// The answer to a command this view sent, by its request id.
    fn on_answer(&mut self, _id: u64, _answer: &Answer, _cx: &mut Cx) -> bool {
        false
    }
    /// The clock moved (`cx.now`).
    fn on_tick(&mut self, _cx: &mut Cx) -> bool {
        false
    }
    /// Draws the view into `area`.
    fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme);
    /// Opens `target` (one of the kinds [`Target::view`] sends here).
    fn open(&mut self, _target: &Target, _cx: &mut Cx) -> bool {
        false
    }
    /// What the view shows now, as segments of the title path
    /// (`wallet_drift`, `wallet m-acme USD`); empty at its top level.
    fn crumbs(&self) -> Vec<String> {
        Vec::new()
    }
    /// Where the view stands (its selection, what is open), to come back to.
    fn save(&self) -> Nav {
        Box::new(())
    }
    /// Goes back to where [`View::save`] said the view stood, asking again
    /// for whatever it stood on that is no longer loaded.
    fn restore(&mut self, _nav: Nav, _cx: &mut Cx) {}
    /// What the selection (or the open thing) points to.
    fn links(&self) -> Vec<Link> {
        Vec::new()
    }
    /// The values of the selection: to copy, and to fill a command's fields.
    fn values(&self) -> Vec<Value> {
        Vec::new()
    }
    /// Loaded rows whose id fills a field of this kind, as `(id, label)`.
    fn candidates(&self, _kind: ledgerdeck_client::FieldKind) -> Vec<(String, String)> {
        Vec::new()
    }
    /// What the export key takes from here: the list shown, with its
    /// filter; or why nothing can be exported.
    fn export(&self) -> Result<Exportable, &'static str> {
        Err("nothing here can be exported")
    }
}

/// Where a view stands, as [`View::save`] keeps it (each view its own type).
pub type Nav = Box<dyn std::any::Any + Send>;

/// Where a list with one row open in a scrolled detail stands (Payouts,
/// Outbox): the selected row, the row open and the detail's scroll.
#[derive(Debug, Default)]
pub struct OpenRow {
    /// The selected row.
    pub selected: usize,
    /// The row open in detail, by id.
    pub open: Option<String>,
    /// The detail's scroll.
    pub scroll: u16,
}

/// Takes a view's saved place back, if it is of the view's type.
pub fn nav<T: 'static + Default>(nav: Nav) -> T {
    nav.downcast::<T>().map(|b| *b).unwrap_or_default()
}

/// Moves a list's selection one row for [`Action::Down`] / [`Action::Up`],
/// within `len` rows. Returns whether it moved.
pub fn step(selected: &mut usize, len: usize, action: Action) -> bool {
    match action {
        Action::Down if *selected + 1 < len => *selected += 1,
        Action::Up if *selected > 0 => *selected -= 1,
        _ => return false,
    }
    true
}

/// A filter's time token (`from:2026-01-31`, `to:2026-01-31T12:00:00Z`)
/// as the RFC 3339 time the API takes (a bare day is its midnight, UTC).
pub fn time_token(text: &str) -> Option<String> {
    if chrono::DateTime::parse_from_rfc3339(text).is_ok() {
        return Some(text.to_string());
    }
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").ok().map(|d| format!("{d}T00:00:00Z"))
}

/// Scrolls a detail one line for [`Action::Down`] / [`Action::Up`].
/// Returns whether anything may have moved.
pub fn scroll(offset: &mut u16, action: Action) -> bool {
    match action {
        Action::Down => *offset = offset.saturating_add(1),
        Action::Up if *offset > 0 => *offset -= 1,
        _ => return false,
    }
    true
}

/// Who sent a command, so that its answer finds its way back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A view.
    View(ViewId),
    /// The command palette's form.
    Palette,
}

/// What a view asked for while handling something, for the app to carry out.
#[derive(Debug, Default)]
pub struct Effects {
    /// Reads and commands to hand to the network side, in order.
    pub requests: Vec<Request>,
    /// The status bar's next message.
    pub notice: Option<(Level, String)>,
    /// A generated command form to open, with fields prefilled.
    pub form: Option<(String, Vec<(String, String)>)>,
    /// Views to refresh.
    pub refresh: Vec<ViewId>,
    /// Something to open in its own view, remembering where we came from.
    pub open: Option<Target>,
}

/// A view's window on the app while it handles one thing.
pub struct Cx<'a> {
    /// The clock.
    pub now: DateTime<Utc>,
    /// Whether writes are hidden (a read-only profile or the viewer role).
    pub hides_writes: bool,
    /// Whether this view is the one shown.
    pub shown: bool,
    /// Whether this view was refreshed a moment ago.
    pub fresh: bool,
    /// The operator's role as the server knows it (narrowed by the profile).
    pub role: ledgerdeck_client::Role,
    me: ViewId,
    tracker: &'a mut Tracker<Origin>,
    effects: &'a mut Effects,
}

impl<'a> Cx<'a> {
    /// A window for view `me` at `now`; the app sets the other fields.
    pub fn new(me: ViewId, now: DateTime<Utc>, tracker: &'a mut Tracker<Origin>, effects: &'a mut Effects) -> Cx<'a> {
        Cx {
            now,
            hides_writes: false,
            shown: false,
            fresh: false,
            role: ledgerdeck_client::Role::Viewer,
            me,
            tracker,
            effects,
        }
    }

    /// Asks the network side for a read.
    pub fn read(&mut self, request: Request) {
        self.effects.requests.push(request);
    }

    /// Sends a command; its answer comes back to this view's
    /// [`View::on_answer`] with the id returned.
    pub fn send(&mut self, command: Outgoing) -> u64 {
        let (id, request) = self.tracker.send(Origin::View(self.me), command);
        self.effects.requests.push(request);
        id
    }

    /// Says something in the status bar.
    pub fn notify(&mut self, level: Level, text: String) {
        self.effects.notice = Some((level, text));
    }

    /// Opens the generated form of `command` with fields prefilled.
    pub fn open_form(&mut self, command: &str, prefill: &[(&str, &str)]) {
        let prefill = prefill.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        self.effects.form = Some((command.to_string(), prefill));
    }

    /// Refreshes `view` once this is handled.
    pub fn refresh(&mut self, view: ViewId) {
        if !self.effects.refresh.contains(&view) {
            self.effects.refresh.push(view);
        }
    }

    /// Refreshes this view once this is handled.
    pub fn refresh_me(&mut self) {
        self.refresh(self.me);
    }

    /// Opens `target` in its own view; Esc there comes back here.
    pub fn open(&mut self, target: Target) {
        self.effects.open = Some(target);
    }
}

/// Lists the views: `number Id field: State "Title";` in tab order, then
/// the views reached only from what points to them, without a number.
/// Makes each `field` module, [`ViewId`], and [`Views`] with the one
/// dispatch site.
macro_rules! views {
    (
        tabs { $($number:literal $id:ident $field:ident: $state:ident $title:literal;)* }
        others { $($oid:ident $ofield:ident: $ostate:ident $otitle:literal;)* }
    ) => {
        /// The views: the tabs, numbered as the number keys pick them, then the others.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum ViewId {
            $(#[doc = $title] $id,)*
            $(#[doc = $otitle] $oid,)*
        }

        impl ViewId {
            /// Every view: the tabs in order, then the others.
            pub const ALL: &'static [ViewId] = &[$(ViewId::$id,)* $(ViewId::$oid,)*];
            /// The views with a tab and a number key, in tab order.
            pub const TABS: &'static [ViewId] = &[$(ViewId::$id,)*];

            /// The view's number key (`None` for a view without a tab).
            pub fn number(self) -> Option<u8> {
                match self { $(ViewId::$id => Some($number),)* $(ViewId::$oid => None,)* }
            }

            /// The view's name in tabs, paths and help.
            pub fn title(self) -> &'static str {
                match self { $(ViewId::$id => $title,)* $(ViewId::$oid => $otitle,)* }
            }

            /// The tab with this number key, if any.
            pub fn from_number(n: u8) -> Option<ViewId> {
                ViewId::TABS.iter().copied().find(|v| v.number() == Some(n))
            }
        }

        /// Every view's state.
        #[derive(Debug, Default)]
        pub struct Views {
            $(#[doc = $title] pub $field: $field::$state,)*
            $(#[doc = $otitle] pub $ofield: $ofield::$ostate,)*
        }

        impl Views {
            /// The view `id`.
            pub fn get(&self, id: ViewId) -> &dyn View {
                match id { $(ViewId::$id => &self.$field,)* $(ViewId::$oid => &self.$ofield,)* }
            }

            /// The view `id`, to change.
            pub fn get_mut(&mut self, id: ViewId) -> &mut dyn View {
                match id { $(ViewId::$id => &mut self.$field,)* $(ViewId::$oid => &mut self.$ofield,)* }
            }
        }
    };
}

// The views' modules are declared here, outside the list, so that rustfmt
// (which does not look inside macros) formats them.
pub mod access;
pub mod approvals;
pub mod audit;
pub mod controls;
pub mod gates;
pub mod ledger;
pub mod merchant;
pub mod outbox;
pub mod overview;
pub mod payouts;
pub mod wallets;

views! {
    tabs {
        1 Overview overview: OverviewState "Overview";
        2 Gates gates: GatesState "Gates";
        3 Payouts payouts: PayoutsState "Payouts";
        4 Outbox outbox: OutboxState "Outbox";
        5 Wallets wallets: WalletsState "Wallets";
        6 Ledger ledger: LedgerState "Ledger";
        7 Controls controls: ControlsState "Controls";
        8 Audit audit: AuditState "Audit";
        9 Approvals approvals: ApprovalsState "Approvals";
        0 Access access: AccessState "Access";
    }
    others {
        Merchant merchant: MerchantState "Merchant";
    }
}
