//! Payouts: the manual-review queue (other statuses one key away), oldest
//! first as the server pages it, a `/` filter, a client-side sort of the
//! loaded rows, SLA ages in colour, and the hold, its settle/release form
//! and the result card on top. Rows are marked with Space (or all that
//! match the filter) for a bulk settle or release (`marks.rs`).
//!
//! Paging is a virtual list: pages of [`PAGE`] rows are fetched with the
//! server's cursor as the selection nears either end of what is loaded, and
//! at most [`MAX_PAGES`] pages are kept (pages far from the selection are
//! dropped and fetched again when scrolled back to); only visible rows are drawn.

mod actions;
mod ages;
pub mod card;
mod detail;
pub mod form;
mod marks;
mod paging;
mod render;

use super::{Cx, Link, Nav, OpenRow, Target, Value, View, nav};
use crate::bulk::{BULK_CONFIRM, BULK_CONFIRM_TYPED, BULK_FORM, BULK_RESULT, Bulk};
use crate::command::{Answer, CommandTarget, Keys};
use crate::data::{DataMsg, Request};
use crate::keys::{Action, BACK, Context, FILTER_INPUT, KeyEntry, MOVE, entry, pair, quiet, writes};
use crate::notice::Level;
use crate::theme::Theme;
use card::{RESULT_CARD, ResultCard};
use crossterm::event::KeyCode::{Char, Down, Enter, Up};
use crossterm::event::KeyEvent;
use form::{HOLD_CONFIRM, HOLD_FORM, HoldForm};
use ledgerdeck_client::events::LiveEvent;
use ledgerdeck_client::{FieldKind, HoldDetail, HoldQuery, HoldView, Thresholds, WalletView};
use ratatui::Frame;
use ratatui::layout::Rect;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, VecDeque};
use tui_input::Input;

const SETTLE: KeyEntry = writes(entry(&[Char('s')], "s", "settle", Action::Settle));
const RELEASE: KeyEntry = writes(entry(&[Char('r')], "r", "release", Action::Release));

/// The queue has the keyboard.
pub static PAYOUTS_LIST: Context = Context {
    name: "payouts",
    title: "Payouts",
    entries: &[
        MOVE,
        entry(&[Enter], "Enter", "open hold", Action::Open),
        entry(&[Char('/')], "/", "filter", Action::Filter),
        entry(&[Char('S')], "S", "status", Action::CycleStatus),
        entry(&[Char('o')], "o", "sort (loaded rows)", Action::CycleSort),
        SETTLE,
        RELEASE,
        entry(&[Char(' ')], "Space", "mark", Action::Mark),
        quiet(entry(&[Char('a')], "a", "mark all matching", Action::MarkAll)),
        quiet(entry(&[Char('u')], "u", "clear marks", Action::ClearMarks)),
    ],
    global: true,
    fixed: false,
};

pub use marks::MARK_ALL_CAP;

/// One hold, its history and its wallet.
pub static HOLD_DETAIL: Context = Context {
    name: "hold",
    title: "Hold",
    entries: &[
        BACK,
        SETTLE,
        RELEASE,
        writes(entry(&[Char('m')], "m", "to manual review", Action::ToReview)),
        quiet(pair(&[Char('j'), Down], &[Char('k'), Up], "j/k", "scroll", (Action::Down, Action::Up))),
    ],
    global: true,
    fixed: false,
};

/// Rows per page fetched.
pub const PAGE: i64 = 200;
/// Pages kept in memory at most (so at most 2,000 rows).
pub const MAX_PAGES: usize = 10;
/// A page is fetched when the selection is this close to the end of what is loaded.
const NEAR: usize = 50;
/// The status filters `S` cycles through (`None`: every status).
pub const STATUSES: [Option<&str>; 6] =
    [Some("manual_review"), Some("submitted"), Some("reserved"), Some("settled"), Some("released"), None];

/// How the loaded rows are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    /// Oldest first (the server's order).
    #[default]
    Age,
    /// Largest amount first.
    Amount,
    /// By provider, then oldest first.
    Provider,
}

impl Sort {
    fn next(self) -> Sort {
        match self {
            Sort::Age => Sort::Amount,
            Sort::Amount => Sort::Provider,
            Sort::Provider => Sort::Age,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Sort::Age => "oldest first",
            Sort::Amount => "amount (loaded rows)",
            Sort::Provider => "provider (loaded rows)",
        }
    }
}

#[derive(Debug)]
struct LoadedPage {
    index: usize,
    items: Vec<HoldView>,
}

/// What the Payouts view shows.
#[derive(Debug)]
pub struct PayoutsState {
    /// Index into [`STATUSES`].
    pub status: usize,
    /// The order of the loaded rows.
    pub sort: Sort,
    /// The filter applied.
    pub filter: String,
    /// The filter being typed, while `/` is open.
    pub editing: Option<Input>,
    pages: VecDeque<LoadedPage>,
    /// `cursors[k]` fetches page `k`; the last one is `None` once the end is known.
    cursors: Vec<Option<String>>,
    loading: Option<HoldQuery>,
    /// Whether the first page arrived.
    pub loaded: bool,
    /// The selected row among those shown.
    pub selected: usize,
    /// The hold opened with Enter.
    pub open: Option<String>,
    /// Its detail.
    pub detail: Option<HoldDetail>,
    /// Its wallet.
    pub wallet: Option<WalletView>,
    /// How far the detail's history is scrolled.
    pub scroll: u16,
    /// The settle or release form open.
    pub form: Option<HoldForm>,
    /// The last command's card.
    pub card: Option<ResultCard>,
    /// The manual-review SLA in seconds, as the server's gates use it.
    pub sla_seconds: i64,
    /// How long a hold may stay reserved or submitted, as the server's gates count it.
    pub stuck_seconds: i64,
    /// Above this amount the operator types the amount to confirm.
    pub typed_above: Decimal,
    /// The marked holds by id, as they were when marked.
    pub marks: BTreeMap<String, HoldView>,
    sweep: Option<marks::Sweep>,
    /// The bulk settle or release open.
    pub bulk: Option<Bulk>,
    bulk_keys: Keys<CommandTarget>,
    /// Bulk commands in flight at most (`[bulk] concurrency`).
    pub bulk_limit: crate::bulk::Concurrency,
    /// Marked holds seen leaving the queue since the last refresh.
    left: Vec<String>,
}

impl Default for PayoutsState {
    fn default() -> Self {
        PayoutsState {
            status: 0,
            sort: Sort::Age,
            filter: String::new(),
            editing: None,
            pages: VecDeque::new(),
            cursors: vec![None],
            loading: None,
            loaded: false,
            selected: 0,
            open: None,
            detail: None,
            wallet: None,
            scroll: 0,
            form: None,
            card: None,
            // The server's defaults until it says its own.
            sla_seconds: Thresholds::DEFAULT.manual_review_sla_secs,
            stuck_seconds: Thresholds::DEFAULT.hold_stuck_after_secs,
            typed_above: form::CONFIRM_TYPED_ABOVE,
            marks: BTreeMap::new(),
            sweep: None,
            bulk: None,
            bulk_keys: Keys::default(),
            bulk_limit: crate::bulk::Concurrency::default(),
            left: Vec::new(),
        }
    }
}

/// The filter's server part and the reference text matched on loaded rows:
/// `merchant:`, `provider:`, `currency:`, `wallet:` and `age:` (older than:
/// `age:2h`, `age:30m`, `age:90s`) tokens (a bare three-letter upper-case
/// word is a currency); other words match the reference.
pub fn parse_filter(text: &str) -> (HoldQuery, Vec<String>) {
    let mut q = HoldQuery::default();
    let mut words = Vec::new();
    for token in text.split_whitespace() {
        match token.split_once(':') {
            Some(("merchant", v)) => q.merchant_id = Some(v.into()),
            Some(("provider", v)) => q.provider = Some(v.into()),
            Some(("currency", v)) => q.currency = Some(v.to_uppercase()),
            Some(("wallet", v)) => q.wallet_id = Some(v.into()),
            Some(("age", v)) if seconds(v).is_some() => q.older_than_seconds = seconds(v),
            Some(("ref" | "reference", v)) => words.push(v.to_lowercase()),
            _ if token.len() == 3 && token.chars().all(|c| c.is_ascii_uppercase()) => q.currency = Some(token.into()),
            _ => words.push(token.to_lowercase()),
        }
    }
    (q, words)
}

/// `90s`, `30m`, `2h`, `1d` (a leading `>` allowed) as seconds.
fn seconds(text: &str) -> Option<i64> {
    let text = text.trim_start_matches('>');
    let (n, unit) = text.split_at(text.find(|c: char| !c.is_ascii_digit())?);
    let n: i64 = n.parse().ok()?;
    let per = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86400,
        _ => return None,
    };
    n.checked_mul(per)
}

impl PayoutsState {
    /// The status filtered on.
    pub fn status_filter(&self) -> Option<&'static str> {
        STATUSES[self.status % STATUSES.len()]
    }

    /// The query of the list's first page (no cursor).
    pub fn base_query(&self) -> HoldQuery {
        let (mut q, _) = parse_filter(&self.filter);
        q.status = self.status_filter().map(Into::into);
        q.limit = Some(PAGE);
        q
    }
}

/// Every context the view reads keys in.
static CONTEXTS: [&Context; 10] = [
    &PAYOUTS_LIST,
    &HOLD_DETAIL,
    &HOLD_FORM,
    &HOLD_CONFIRM,
    &RESULT_CARD,
    &FILTER_INPUT,
    &BULK_FORM,
    &BULK_CONFIRM,
    &BULK_CONFIRM_TYPED,
    &BULK_RESULT,
];

impl View for PayoutsState {
    fn contexts(&self) -> &'static [&'static Context] {
        &CONTEXTS
    }

    fn context(&self) -> &'static Context {
        if self.card.is_some() {
            return &RESULT_CARD;
        }
        if let Some(bulk) = &self.bulk {
            return bulk.context();
        }
        if let Some(form) = &self.form {
            return form.context();
        }
        match (&self.editing, &self.open) {
            (Some(_), _) => &FILTER_INPUT,
            (None, Some(_)) => &HOLD_DETAIL,
            (None, None) => &PAYOUTS_LIST,
        }
    }

    fn refresh(&mut self, cx: &mut Cx) {
        for r in self.refresh_requests() {
            cx.read(r);
        }
    }

    fn on_action(&mut self, action: Action, cx: &mut Cx) -> bool {
        self.action(action, cx)
    }

    fn on_key(&mut self, key: KeyEvent, _cx: &mut Cx) -> bool {
        if let Some(bulk) = self.bulk.as_mut() {
            return bulk.on_key(key);
        }
        if let Some(form) = self.form.as_mut() {
            return form.on_key(key);
        }
        let Some(input) = self.editing.as_mut() else { return false };
        if !crate::input::edit(input, key) {
            return false;
        }
        self.selected = 0;
        true
    }

    fn on_data(&mut self, msg: &DataMsg, cx: &mut Cx) -> bool {
        let (changed, requests) = match msg {
            DataMsg::Overview(o) => (
                self.set_thresholds(o.thresholds.manual_review_sla_secs, o.thresholds.hold_stuck_after_secs),
                Vec::new(),
            ),
            DataMsg::Holds { query, page } => {
                let swept = self.sweep_page(query, page, cx);
                let (changed, requests) = self.set_holds(query.clone(), page.clone());
                (changed || swept, requests)
            }
            DataMsg::Hold(detail) => {
                if let Some(notice) = self.left_queue(&detail.hold.id, &detail.hold.status) {
                    cx.notify(Level::Warn, notice);
                }
                self.set_detail(detail)
            }
            DataMsg::Wallet(wallet) => (self.set_wallet(wallet), Vec::new()),
            DataMsg::ReadFailed { request: Request::LoadHolds(query), .. } => {
                self.sweep_failed(query, cx);
                self.read_failed(query);
                (false, Vec::new())
            }
            _ => (false, Vec::new()),
        };
        for r in requests {
            cx.read(r);
        }
        changed
    }

    fn on_live(&mut self, event: &LiveEvent, cx: &mut Cx) -> bool {
        let LiveEvent::HoldChanged(change) = event else { return false };
        let notice = self.left_queue(&change.hold_id, &change.status);
        if let Some(notice) = &notice {
            cx.notify(Level::Warn, notice.clone());
        }
        let (changed, requests) = self.live(&change.hold_id, &change.status);
        for r in requests {
            cx.read(r);
        }
        changed || notice.is_some()
    }

    fn on_answer(&mut self, id: u64, answer: &Answer, cx: &mut Cx) -> bool {
        self.bulk_answered(id, answer, cx) || self.answered(id, answer, cx)
    }

    fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        render::render(frame, area, self, theme);
    }

    fn open(&mut self, target: &Target, cx: &mut Cx) -> bool {
        let Target::Hold(id) = target else { return false };
        self.card = None;
        self.form = None;
        self.editing = None;
        self.open_hold(id.clone(), cx);
        true
    }

    fn crumbs(&self) -> Vec<String> {
        let Some(id) = &self.open else { return Vec::new() };
        let reference = self.target().map(|h| h.reference).unwrap_or_else(|| id.clone());
        vec![format!("hold {}", crate::sanitize::cell(&reference, 24))]
    }

    fn save(&self) -> Nav {
        Box::new(OpenRow { selected: self.selected, open: self.open.clone(), scroll: self.scroll })
    }

    fn restore(&mut self, saved: Nav, cx: &mut Cx) {
        let place: OpenRow = nav(saved);
        self.selected = place.selected.min(self.shown().len().saturating_sub(1));
        match place.open {
            Some(id) if self.open.as_ref() != Some(&id) => self.open_hold(id, cx),
            open => self.open = open,
        }
        self.scroll = place.scroll;
    }

    fn links(&self) -> Vec<Link> {
        let Some(h) = self.target() else { return Vec::new() };
        let mut links = vec![
            Link::new(format!("wallet {}", h.wallet_id), Target::Wallet { id: h.wallet_id.clone(), line: None }),
            Link::new(format!("merchant {}", h.merchant_id), Target::Merchant(h.merchant_id.clone())),
            Link::new(
                format!("reserve transaction {}", h.reserve_txn_id),
                Target::Transaction(h.reserve_txn_id.clone()),
            ),
        ];
        if let Some(t) = &h.final_txn_id {
            links.push(Link::new(format!("final transaction {t}"), Target::Transaction(t.clone())));
        }
        links
    }

    /// The holds of the status and the server part of the `/` filter; the
    /// reference text, matched on loaded rows only, is not carried.
    fn export(&self) -> Result<crate::export::Exportable, &'static str> {
        let (q, words) = parse_filter(&self.filter);
        let query = crate::data::ExportQuery {
            status: self.status_filter().map(Into::into),
            wallet_id: q.wallet_id,
            merchant_id: q.merchant_id,
            provider: q.provider,
            currency: q.currency,
            older_than_seconds: q.older_than_seconds,
            ..Default::default()
        };
        let mut export = crate::export::Exportable::new(crate::data::ExportKind::Holds, query);
        if !words.is_empty() {
            export.note = Some(format!("\"{}\" filters loaded rows only: not applied to the export", words.join(" ")));
        }
        Ok(export)
    }

    fn values(&self) -> Vec<Value> {
        let Some(h) = self.target() else { return Vec::new() };
        let mut values =
            vec![Value::field("hold id", "hold_id", h.id.clone()), Value::copy("reference", h.reference.clone())];
        if let Some(p) = &h.provider_reference {
            values.push(Value::copy("provider reference", p.clone()));
        }
        values.push(Value::field("wallet id", "wallet_id", h.wallet_id.clone()));
        values.push(Value::field("merchant id", "merchant_id", h.merchant_id.clone()));
        values.push(Value::field("currency", "currency", h.currency.clone()));
        values.push(Value::copy("reserve transaction", h.reserve_txn_id.clone()));
        if let Some(form) = &self.form {
            values.push(Value::copy("form's idempotency key", form.key.clone()));
        }
        values
    }

    fn candidates(&self, kind: FieldKind) -> Vec<(String, String)> {
        match kind {
            FieldKind::HoldId => self
                .rows()
                .map(|h| {
                    (
                        h.id.clone(),
                        format!(
                            "{} {} {} {}",
                            h.reference,
                            crate::money::amount(h.amount, &h.currency),
                            h.currency,
                            h.status
                        ),
                    )
                })
                .collect(),
            _ => Vec::new(),
        }
    }
}
