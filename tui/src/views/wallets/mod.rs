//! Wallets: every wallet with its balances (cursor-paged, `n` for the next
//! page, `/` by merchant and currency); Enter opens a wallet's statement,
//! paged too, from its newest line or from the line a link names; `a` there
//! shows the wallet's balances as of a time (`as_of.rs`).

pub mod as_of;
mod render;

use super::{Cx, Link, Nav, Target, Value, View, nav, step};
use crate::data::{DataMsg, Request};
use crate::input::FilterLine;
use crate::keys::{Action, BACK, Context, FILTER_INPUT, MORE, MOVE, entry};
use crate::theme::Theme;
use crate::widgets::take_page;
use crossterm::event::KeyCode::{Char, Enter};
use crossterm::event::KeyEvent;
use ledgerdeck_client::{FieldKind, Page, StatementLine, WalletQuery, WalletView};
use ratatui::Frame;
use ratatui::layout::Rect;

/// The wallet list has the keyboard.
pub static WALLETS: Context = Context {
    name: "wallets",
    title: "Wallets",
    entries: &[
        MOVE,
        entry(&[Enter], "Enter", "statement", Action::Open),
        entry(&[Char('/')], "/", "filter", Action::Filter),
        MORE,
    ],
    global: true,
    fixed: false,
};

/// One wallet's statement is open.
pub static WALLET_STATEMENT: Context = Context {
    name: "statement",
    title: "Statement",
    entries: &[MOVE, BACK, MORE, entry(&[Char('a')], "a", "as of", Action::AsOf)],
    global: true,
    fixed: false,
};

/// Every context the view reads keys in.
static CONTEXTS: [&Context; 4] = [&WALLETS, &WALLET_STATEMENT, &FILTER_INPUT, &as_of::AS_OF_INPUT];

/// What the Wallets view shows.
#[derive(Debug, Default)]
pub struct WalletsState {
    /// The wallets loaded so far (first page, then more).
    pub wallets: Option<Vec<WalletView>>,
    /// The cursor of the next page.
    pub next: Option<String>,
    /// The selected row.
    pub selected: usize,
    /// The `/` filter: `merchant:`, `currency:` (a bare three-letter code is a currency, another word a merchant).
    pub filter: FilterLine,
    /// The wallet whose statement is open.
    pub open: Option<String>,
    /// That wallet, once known (for its currency and merchant).
    pub wallet: Option<WalletView>,
    /// Its statement's lines loaded so far, newest first.
    pub statement: Option<Page<StatementLine>>,
    /// The selected statement line.
    pub line: usize,
    /// The posting whose line a link asked to show.
    pub focus: Option<i64>,
    /// The open wallet's balances as of a time, while asked for.
    pub as_of: as_of::AsOf,
}

/// The filter's query: `merchant:`, `currency:`; a bare three-letter
/// upper-case word is a currency, another bare word a merchant.
pub fn parse_filter(text: &str) -> WalletQuery {
    let mut q = WalletQuery::default();
    for token in text.split_whitespace() {
        match token.split_once(':') {
            Some(("merchant", v)) => q.merchant_id = Some(v.into()),
            Some(("currency", v)) => q.currency = Some(v.to_uppercase()),
            _ if token.len() == 3 && token.chars().all(|c| c.is_ascii_uppercase()) => q.currency = Some(token.into()),
            _ => q.merchant_id = Some(token.into()),
        }
    }
    q
}

impl WalletsState {
    fn query(&self, cursor: Option<String>) -> WalletQuery {
        WalletQuery { cursor, ..parse_filter(&self.filter.applied) }
    }

    /// Takes a statement if it is the open wallet's (more lines follow the ones held).
    fn set_statement(&mut self, wallet_id: &str, page: &Page<StatementLine>, append: bool) -> bool {
        if self.open.as_deref() != Some(wallet_id) {
            return false;
        }
        let mut lines = if append { self.statement.clone().map(|p| p.items).unwrap_or_default() } else { Vec::new() };
        lines.extend(page.items.iter().cloned());
        let next = Page { items: lines, next_cursor: page.next_cursor.clone() };
        if self.statement.as_ref() == Some(&next) {
            return false;
        }
        if let Some(at) = self.focus.and_then(|seq| next.items.iter().position(|l| l.posting_seq == seq)) {
            self.line = at;
        }
        self.line = self.line.min(next.items.len().saturating_sub(1));
        self.statement = Some(next);
        true
    }

    fn len(&self) -> usize {
        self.wallets.as_ref().map_or(0, Vec::len)
    }

    fn selected_wallet(&self) -> Option<&WalletView> {
        self.wallets.as_ref().and_then(|w| w.get(self.selected))
    }

    /// The wallet the view is about: the open one, else the selected one.
    fn current(&self) -> Option<&WalletView> {
        match &self.open {
            Some(id) => self.wallet.as_ref().filter(|w| &w.id == id),
            None => self.selected_wallet(),
        }
    }

    fn open_statement(&mut self, id: String, focus: Option<i64>, cx: &mut Cx) {
        self.statement = None;
        self.line = 0;
        self.focus = focus;
        if self.open.as_deref() != Some(id.as_str()) {
            self.as_of.clear();
        }
        self.wallet = self.wallets.iter().flatten().find(|w| w.id == id).cloned();
        self.open = Some(id.clone());
        if self.wallet.is_none() {
            cx.read(Request::LoadWallet(id.clone()));
        }
        cx.read(match focus {
            Some(through) => Request::LoadStatementAt { wallet_id: id, through_seq: through },
            None => Request::LoadStatement(id),
        });
    }

    fn selected_line(&self) -> Option<&StatementLine> {
        self.statement.as_ref()?.items.get(self.line)
    }
}

/// Where the Wallets view stands, to come back to.
#[derive(Debug, Default)]
struct Place {
    selected: usize,
    open: Option<String>,
    focus: Option<i64>,
    line: usize,
}

impl View for WalletsState {
    fn contexts(&self) -> &'static [&'static Context] {
        &CONTEXTS
    }

    fn context(&self) -> &'static Context {
        match (self.filter.is_editing(), &self.open) {
            (true, _) => &FILTER_INPUT,
            (false, Some(_)) if self.as_of.is_typing() => &as_of::AS_OF_INPUT,
            (false, Some(_)) => &WALLET_STATEMENT,
            (false, None) => &WALLETS,
        }
    }

    fn refresh(&mut self, cx: &mut Cx) {
        cx.read(Request::LoadWallets(self.query(None)));
        if let Some(id) = self.open.clone() {
            cx.read(match self.focus {
                Some(through) => Request::LoadStatementAt { wallet_id: id, through_seq: through },
                None => Request::LoadStatement(id),
            });
            if let Some(read) = self.as_of.again() {
                cx.read(read);
            }
        }
    }

    fn on_action(&mut self, action: Action, cx: &mut Cx) -> bool {
        match (self.context().name, action) {
            ("filter", Action::Open) => {
                self.filter.apply();
                self.selected = 0;
                cx.read(Request::LoadWallets(self.query(None)));
                true
            }
            ("filter", Action::Back) => {
                self.filter.cancel();
                true
            }
            ("wallets", Action::Filter) => {
                self.filter.start();
                true
            }
            ("wallets", Action::Down | Action::Up) => {
                let n = self.len();
                step(&mut self.selected, n, action)
            }
            ("wallets", Action::More) => match self.next.clone() {
                Some(cursor) => {
                    cx.read(Request::LoadWallets(self.query(Some(cursor))));
                    true
                }
                None => false,
            },
            ("wallets", Action::Open) => {
                let Some(id) = self.selected_wallet().map(|w| w.id.clone()) else { return false };
                self.open_statement(id, None, cx);
                true
            }
            ("statement", Action::Down | Action::Up) => {
                let n = self.statement.as_ref().map_or(0, |p| p.items.len());
                step(&mut self.line, n, action)
            }
            ("statement", Action::More) => {
                let (Some(id), Some(cursor)) =
                    (self.open.clone(), self.statement.as_ref().and_then(|p| p.next_cursor.clone()))
                else {
                    return false;
                };
                cx.read(Request::LoadStatementPage { wallet_id: id, cursor });
                true
            }
            ("statement", Action::Back) => {
                self.open = None;
                true
            }
            ("statement", Action::AsOf) => {
                self.as_of.start();
                true
            }
            ("as_of", Action::Open) => {
                let Some(id) = self.open.clone() else { return false };
                if let Some(read) = self.as_of.submit(&id) {
                    cx.read(read);
                }
                true
            }
            ("as_of", Action::Back) => {
                self.as_of.cancel();
                true
            }
            _ => false,
        }
    }

    fn on_key(&mut self, key: KeyEvent, _cx: &mut Cx) -> bool {
        if self.as_of.is_typing() {
            return self.as_of.key(key);
        }
        self.filter.key(key)
    }

    fn on_data(&mut self, msg: &DataMsg, _cx: &mut Cx) -> bool {
        match msg {
            DataMsg::Wallets { page, append } => {
                take_page(&mut self.wallets, &mut self.next, &mut self.selected, page.clone(), *append)
            }
            DataMsg::Statement { wallet_id, page } => self.set_statement(wallet_id, page, false),
            DataMsg::StatementMore { wallet_id, page } => self.set_statement(wallet_id, page, true),
            DataMsg::BalanceAsOf(_) | DataMsg::ReadFailed { .. } => self.as_of.take(msg),
            DataMsg::Wallet(w) if self.open.as_deref() == Some(w.id.as_str()) && self.wallet.as_ref() != Some(w) => {
                self.wallet = Some(w.clone());
                true
            }
            _ => false,
        }
    }

    fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        render::render(frame, area, self, theme);
    }

    fn open(&mut self, target: &Target, cx: &mut Cx) -> bool {
        let Target::Wallet { id, line } = target else { return false };
        self.filter.cancel();
        self.open_statement(id.clone(), *line, cx);
        true
    }

    fn crumbs(&self) -> Vec<String> {
        let Some(id) = &self.open else { return Vec::new() };
        match self.current() {
            Some(w) => vec![format!("wallet {} {}", w.merchant_id, w.currency)],
            None => vec![format!("wallet {}", crate::sanitize::cell(id, 16))],
        }
    }

    fn save(&self) -> Nav {
        Box::new(Place { selected: self.selected, open: self.open.clone(), focus: self.focus, line: self.line })
    }

    fn restore(&mut self, saved: Nav, cx: &mut Cx) {
        let place: Place = nav(saved);
        self.selected = place.selected.min(self.len().saturating_sub(1));
        if (&place.open, place.focus) != (&self.open, self.focus) {
            self.statement = None;
            if let Some(id) = place.open.clone() {
                cx.read(match place.focus {
                    Some(through) => Request::LoadStatementAt { wallet_id: id, through_seq: through },
                    None => Request::LoadStatement(id),
                });
            }
        }
        self.open = place.open;
        self.focus = place.focus;
        self.line = place.line;
    }

    fn links(&self) -> Vec<Link> {
        let mut links = Vec::new();
        if self.open.is_some() {
            if let Some(l) = self.selected_line() {
                links.push(Link::new(
                    format!("transaction {}", l.transaction_id),
                    Target::Transaction(l.transaction_id.clone()),
                ));
            }
        } else if let Some(w) = self.selected_wallet() {
            links.push(Link::new(format!("statement of {}", w.id), Target::Wallet { id: w.id.clone(), line: None }));
        }
        if let Some(w) = self.current() {
            links.push(Link::new(format!("merchant {}", w.merchant_id), Target::Merchant(w.merchant_id.clone())));
        }
        links
    }

    /// The open wallet's statement (the list of wallets has no export), as
    /// of the time shown with `a` if one is.
    fn export(&self) -> Result<crate::export::Exportable, &'static str> {
        let wallet_id = self.open.clone().ok_or("open a wallet's statement (Enter) to export it")?;
        let as_of = self.as_of.asked.as_ref().filter(|(w, _)| *w == wallet_id).map(|(_, at)| at.clone());
        let query = crate::data::ExportQuery { wallet_id: Some(wallet_id), as_of, ..Default::default() };
        Ok(crate::export::Exportable::new(crate::data::ExportKind::Statement, query))
    }

    fn values(&self) -> Vec<Value> {
        let mut values = Vec::new();
        if let Some(w) = self.current() {
            values.push(Value::field("wallet id", "wallet_id", w.id.clone()));
            values.push(Value::field("merchant id", "merchant_id", w.merchant_id.clone()));
            values.push(Value::field("currency", "currency", w.currency.clone()));
        } else if let Some(id) = &self.open {
            values.push(Value::field("wallet id", "wallet_id", id.clone()));
        }
        if let (Some(_), Some(l)) = (&self.open, self.selected_line()) {
            values.push(Value::field("transaction id", "transaction_id", l.transaction_id.clone()));
        }
        values
    }

    fn candidates(&self, kind: FieldKind) -> Vec<(String, String)> {
        match kind {
            FieldKind::WalletId => self
                .wallets
                .iter()
                .flatten()
                .map(|w| {
                    (w.id.clone(), format!("{} {} {}", w.merchant_id, w.currency, w.label.as_deref().unwrap_or("")))
                })
                .collect(),
            _ => Vec::new(),
        }
    }
}
