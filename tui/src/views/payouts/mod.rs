//! Payouts: the manual-review queue (other statuses one key away), oldest
//! first as the server pages it, a `/` filter, a client-side sort of the
//! loaded rows, SLA ages in colour, and the hold, form and result card on top.
//!
//! Paging is a virtual list: pages of [`PAGE`] rows are fetched with the
//! server's cursor as the selection nears either end of what is loaded, and
//! at most [`MAX_PAGES`] pages are kept (pages far from the selection are
//! dropped and fetched again when scrolled back to); only visible rows are drawn.

use super::Effect;
use crate::data::Request;
use crate::hold_form::{self, HoldAction, HoldForm, Step};
use crate::keymap::{Action, Context};
use crate::result_card::ResultCard;
use crossterm::event::{Event, KeyEvent};
use ledgerdeck_client::{CommandResult, HoldDetail, HoldQuery, HoldView, WalletView};
use rust_decimal::Decimal;
use std::collections::VecDeque;
use tui_input::Input;

/// Rows per page fetched.
pub const PAGE: i64 = 200;
/// Pages kept in memory at most (so at most 2,000 rows).
pub const MAX_PAGES: usize = 10;
/// A page is fetched when the selection is this close to the end of what is loaded.
const NEAR: usize = 50;
/// The default payout SLA: amber past half, red past it.
pub const SLA_SECONDS: i64 = 4 * 3600;
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
    /// The SLA in seconds.
    pub sla_seconds: i64,
    /// Above this amount the operator types the amount to confirm.
    pub typed_above: Decimal,
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
            sla_seconds: SLA_SECONDS,
            typed_above: hold_form::CONFIRM_TYPED_ABOVE,
        }
    }
}

/// The filter's server part and the reference text matched on loaded rows:
/// `merchant:`, `provider:`, `currency:` tokens (a bare three-letter upper-case
/// word is a currency); other words match the reference.
pub fn parse_filter(text: &str) -> (HoldQuery, Vec<String>) {
    let mut q = HoldQuery::default();
    let mut words = Vec::new();
    for token in text.split_whitespace() {
        match token.split_once(':') {
            Some(("merchant", v)) => q.merchant_id = Some(v.into()),
            Some(("provider", v)) => q.provider = Some(v.into()),
            Some(("currency", v)) => q.currency = Some(v.to_uppercase()),
            Some(("ref" | "reference", v)) => words.push(v.to_lowercase()),
            _ if token.len() == 3 && token.chars().all(|c| c.is_ascii_uppercase()) => q.currency = Some(token.into()),
            _ => words.push(token.to_lowercase()),
        }
    }
    (q, words)
}

impl PayoutsState {
    /// Where keys are read.
    pub fn context(&self) -> Context {
        if self.card.is_some() {
            return Context::ResultCard;
        }
        if let Some(form) = &self.form {
            return form.context();
        }
        match (&self.editing, &self.open) {
            (Some(_), _) => Context::FilterInput,
            (None, Some(_)) => Context::HoldDetail,
            (None, None) => Context::PayoutsList,
        }
    }

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

    /// Takes a hold's detail if it is the one open (and fetches its wallet).
    pub fn set_detail(&mut self, detail: HoldDetail) -> (bool, Vec<Request>) {
        let mut changed = false;
        let id = detail.hold.id.clone();
        // The loaded row follows what the server says.
        for p in self.pages.iter_mut() {
            for h in p.items.iter_mut().filter(|h| h.id == id) {
                changed |= *h != detail.hold;
                *h = detail.hold.clone();
            }
        }
        if self.open.as_deref() != Some(id.as_str()) || self.detail.as_ref() == Some(&detail) {
            return (changed, Vec::new());
        }
        let wallet = detail.hold.wallet_id.clone();
        self.detail = Some(detail);
        (true, vec![Request::LoadWallet(wallet)])
    }

    /// Takes a wallet if it is the open hold's.
    pub fn set_wallet(&mut self, wallet: WalletView) -> bool {
        let ours = self.detail.as_ref().is_some_and(|d| d.hold.wallet_id == wallet.id)
            || self.form.as_ref().is_some_and(|f| f.hold.wallet_id == wallet.id);
        if !ours || self.wallet.as_ref() == Some(&wallet) {
            return false;
        }
        self.wallet = Some(wallet);
        true
    }

    /// A hold changed status (live, or by our own command): the queue follows.
    pub fn hold_changed(&mut self, hold_id: &str, status: &str) -> bool {
        let keep = self.selected_id();
        let filter = self.status_filter();
        let mut changed = false;
        for p in self.pages.iter_mut() {
            let before = p.items.len();
            if filter.is_some_and(|f| f != status) {
                p.items.retain(|h| h.id != hold_id);
                changed |= p.items.len() != before;
            } else {
                for h in p.items.iter_mut().filter(|h| h.id == hold_id && h.status != status) {
                    h.status = status.to_string();
                    changed = true;
                }
            }
        }
        self.reselect(keep);
        changed
    }

    /// A live `hold.changed` event.
    pub fn live(&mut self, hold_id: &str, status: &str) -> (bool, Vec<Request>) {
        let mut changed = self.hold_changed(hold_id, status);
        let mut out = Vec::new();
        if let Some(form) = self.form.as_mut().filter(|f| f.hold.id == hold_id) {
            // Our own command's event arrives while it is in flight; that is not news.
            if form.stage != hold_form::Stage::Sending && status != form.hold.status {
                form.notice = Some(format!("another operator just {status} this hold"));
                changed = true;
            }
        }
        if self.open.as_deref() == Some(hold_id) {
            out.push(Request::LoadHold(hold_id.to_string()));
        }
        // A hold entering the queue shows up at its end, once the end is loaded.
        let at_end = self.cursors.last().is_some_and(Option::is_none);
        let known = self.rows().any(|h| h.id == hold_id);
        if !known && at_end && self.status_filter().is_none_or(|f| f == status) {
            let back = self.pages.back().map_or(0, |p| p.index);
            out.extend(self.page_request(back));
        }
        (changed, out)
    }

    /// A command on `hold_id` answered with a result.
    pub fn command_done(&mut self, result: &CommandResult) -> Vec<Request> {
        let Some(mut form) = self.form.take() else { return Vec::new() };
        form.rotate_key();
        let title = format!("{} hold {}", form.action.title(), crate::sanitize::cell(&form.hold.id, 40));
        self.card = Some(ResultCard::Done { title, result: result.clone() });
        self.hold_changed(&form.hold.id, form.action.outcome());
        let mut out = vec![Request::LoadWallet(form.hold.wallet_id.clone())];
        if self.open.as_deref() == Some(form.hold.id.as_str()) {
            out.push(Request::LoadHold(form.hold.id.clone()));
        }
        out
    }

    /// A command on the form's hold failed.
    pub fn command_failed(&mut self, code: Option<&str>, detail: &str, transport: bool, fields: Vec<(String, String)>) {
        let Some(form) = self.form.as_mut() else { return };
        if transport {
            form.no_answer(detail);
        } else if !fields.is_empty() {
            form.refused(fields);
        } else {
            let form = self.form.take().expect("checked");
            let title = format!("{} hold {}", form.action.title(), crate::sanitize::cell(&form.hold.id, 40));
            self.card = Some(ResultCard::Rejected {
                title,
                code: code.unwrap_or("ERROR").to_string(),
                detail: detail.to_string(),
            });
        }
    }

    /// A key with no action of its own: typed into the filter or the form.
    pub fn on_key(&mut self, key: KeyEvent) -> Effect {
        if let Some(form) = self.form.as_mut() {
            return if form.on_key(key) { Effect::changed() } else { Effect::default() };
        }
        let Some(input) = self.editing.as_mut() else { return Effect::default() };
        let Some(req) = tui_input::backend::crossterm::to_input_request(&Event::Key(key)) else {
            return Effect::default();
        };
        match input.handle(req) {
            Some(_) => {
                self.selected = 0;
                Effect::changed()
            }
            None => Effect::default(),
        }
    }

    fn open_form(&mut self, action: HoldAction) -> Effect {
        let Some(hold) = self.target() else { return Effect::default() };
        let wallet = hold.wallet_id.clone();
        self.form = Some(HoldForm::new(action, hold, self.typed_above));
        Effect::request(Request::LoadWallet(wallet))
    }

    /// The view's keys. A command to send comes back as a
    /// [`Request::HoldCommand`] with `request_id` 0, for the app to number.
    pub fn on_action(&mut self, action: Action) -> Effect {
        if self.card.is_some() {
            if action == Action::Back {
                self.card = None;
                return Effect::changed();
            }
            return Effect::default();
        }
        if let Some(form) = self.form.as_mut() {
            return match form.on_action(action) {
                Step::None => Effect::default(),
                Step::Changed => Effect::changed(),
                Step::Close => {
                    self.form = None;
                    Effect::changed()
                }
                Step::Send => Effect::request(Request::HoldCommand {
                    request_id: 0,
                    command: form.action.command().to_string(),
                    body: form.body(),
                    idempotency_key: form.key.clone(),
                }),
            };
        }
        match (self.context(), action) {
            (_, Action::Settle) => self.open_form(HoldAction::Settle),
            (_, Action::Release) => self.open_form(HoldAction::Release),
            (Context::FilterInput, Action::Open) => {
                self.filter = self.editing.take().map(|i| i.value().trim().to_string()).unwrap_or_default();
                Effect::request(self.reload())
            }
            (Context::FilterInput, Action::Back) => {
                self.editing = None;
                Effect::changed()
            }
            (Context::PayoutsList, Action::Filter) => {
                self.editing = Some(Input::new(self.filter.clone()));
                Effect::changed()
            }
            (Context::PayoutsList, Action::CycleStatus) => {
                self.status = (self.status + 1) % STATUSES.len();
                Effect::request(self.reload())
            }
            (Context::PayoutsList, Action::CycleSort) => {
                self.sort = self.sort.next();
                self.selected = 0;
                Effect { changed: true, requests: self.more() }
            }
            (Context::PayoutsList, Action::Down) if self.selected + 1 < self.shown().len() => {
                self.selected += 1;
                Effect { changed: true, requests: self.more() }
            }
            (Context::PayoutsList, Action::Up) if self.selected > 0 => {
                self.selected -= 1;
                Effect { changed: true, requests: self.more() }
            }
            (Context::PayoutsList, Action::Up) => Effect { changed: false, requests: self.more() },
            (Context::PayoutsList, Action::Open) => {
                let Some(id) = self.selected_id() else { return Effect::default() };
                if self.detail.as_ref().is_none_or(|d| d.hold.id != id) {
                    self.detail = None;
                    self.wallet = None;
                }
                self.open = Some(id.clone());
                self.scroll = 0;
                Effect::request(Request::LoadHold(id))
            }
            (Context::HoldDetail, Action::Down) => {
                self.scroll = self.scroll.saturating_add(1);
                Effect::changed()
            }
            (Context::HoldDetail, Action::Up) if self.scroll > 0 => {
                self.scroll -= 1;
                Effect::changed()
            }
            (Context::HoldDetail, Action::Back) => {
                self.open = None;
                Effect::changed()
            }
            _ => Effect::default(),
        }
    }
}

mod paging;
mod render;

pub use render::render;
