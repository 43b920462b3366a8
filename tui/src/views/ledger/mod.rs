//! Ledger: transactions with their postings, newest first (cursor-paged,
//! `n` for more, `/` by wallet, kind and dates); Enter opens one; `x`
//! reverses it through the generated `reverse_transaction` form.

mod render;

use super::{Cx, Link, Nav, Target, Value, View, nav, step, time_token};
use crate::data::{DataMsg, Request};
use crate::input::FilterLine;
use crate::keys::{Action, BACK, Context, FILTER_INPUT, KeyEntry, MORE, MOVE, entry, writes};
use crate::theme::Theme;
use crate::widgets::take_page;
use crossterm::event::KeyCode::{Char, Enter};
use crossterm::event::KeyEvent;
use ledgerdeck_client::{FieldKind, TransactionQuery, TransactionView};
use ratatui::Frame;
use ratatui::layout::Rect;

const REVERSE: KeyEntry = writes(entry(&[Char('x')], "x", "reverse", Action::Reverse));

/// The transaction list has the keyboard.
pub static LEDGER: Context = Context {
    name: "ledger",
    title: "Ledger",
    entries: &[
        MOVE,
        entry(&[Enter], "Enter", "open", Action::Open),
        entry(&[Char('/')], "/", "filter", Action::Filter),
        MORE,
        REVERSE,
    ],
    global: true,
    fixed: false,
};

/// One transaction is open.
pub static LEDGER_DETAIL: Context =
    Context { name: "transaction", title: "Transaction", entries: &[BACK, REVERSE], global: true, fixed: false };

/// Every context the view reads keys in.
static CONTEXTS: [&Context; 3] = [&LEDGER, &LEDGER_DETAIL, &FILTER_INPUT];

/// What the Ledger view shows.
#[derive(Debug, Default)]
pub struct LedgerState {
    /// The transactions loaded so far.
    pub transactions: Option<Vec<TransactionView>>,
    /// The cursor of the next page.
    pub next: Option<String>,
    /// The selected row.
    pub selected: usize,
    /// The `/` filter: `wallet:`, `kind:`, `from:`, `to:` (a bare word is a kind).
    pub filter: FilterLine,
    /// The transaction open.
    pub open: Option<String>,
    /// Its detail, once it arrived.
    pub detail: Option<TransactionView>,
}

/// The filter's query: `wallet:`, `kind:`, `ref:`, `from:` and `to:` (a day
/// or an RFC 3339 time, UTC); a bare word is a kind.
pub fn parse_filter(text: &str) -> TransactionQuery {
    let mut q = TransactionQuery::default();
    for token in text.split_whitespace() {
        match token.split_once(':') {
            Some(("wallet", v)) => q.wallet_id = Some(v.into()),
            Some(("kind", v)) => q.kind = Some(v.into()),
            Some(("ref" | "reference", v)) => q.reference = Some(v.into()),
            Some(("from", v)) if time_token(v).is_some() => q.from = time_token(v),
            Some(("to", v)) if time_token(v).is_some() => q.to = time_token(v),
            _ => q.kind = Some(token.into()),
        }
    }
    q
}

impl LedgerState {
    fn query(&self, cursor: Option<String>) -> TransactionQuery {
        TransactionQuery { cursor, ..parse_filter(&self.filter.applied) }
    }

    /// Takes a transaction if it is the one open.
    fn set_detail(&mut self, t: &TransactionView) -> bool {
        if self.open.as_deref() != Some(&t.id) || self.detail.as_ref() == Some(t) {
            return false;
        }
        self.detail = Some(t.clone());
        true
    }

    fn len(&self) -> usize {
        self.transactions.as_ref().map_or(0, Vec::len)
    }

    /// The transaction a reversal would act on.
    pub fn target(&self) -> Option<String> {
        self.open.clone().or_else(|| self.transactions.as_ref()?.get(self.selected).map(|t| t.id.clone()))
    }

    /// The transaction the view is about: the open one, else the selected one.
    fn current(&self) -> Option<&TransactionView> {
        match &self.open {
            Some(id) => self.detail.as_ref().filter(|t| &t.id == id),
            None => self.transactions.as_ref()?.get(self.selected),
        }
    }

    fn open_transaction(&mut self, id: String, cx: &mut Cx) {
        self.detail = self.transactions.iter().flatten().find(|t| t.id == id).cloned();
        self.open = Some(id.clone());
        cx.read(Request::LoadTransaction(id));
    }
}

/// Where the Ledger view stands, to come back to.
#[derive(Debug, Default)]
struct Place {
    selected: usize,
    open: Option<String>,
}

impl View for LedgerState {
    fn contexts(&self) -> &'static [&'static Context] {
        &CONTEXTS
    }

    fn context(&self) -> &'static Context {
        match (self.filter.is_editing(), &self.open) {
            (true, _) => &FILTER_INPUT,
            (false, Some(_)) => &LEDGER_DETAIL,
            (false, None) => &LEDGER,
        }
    }

    fn refresh(&mut self, cx: &mut Cx) {
        cx.read(Request::LoadTransactions(self.query(None)));
        if let Some(id) = self.open.clone() {
            cx.read(Request::LoadTransaction(id));
        }
    }

    fn on_action(&mut self, action: Action, cx: &mut Cx) -> bool {
        match (self.context().name, action) {
            (_, Action::Reverse) => match self.target() {
                Some(id) => {
                    cx.open_form("reverse_transaction", &[("transaction_id", &id)]);
                    false
                }
                None => false,
            },
            ("filter", Action::Open) => {
                self.filter.apply();
                self.selected = 0;
                cx.read(Request::LoadTransactions(self.query(None)));
                true
            }
            ("filter", Action::Back) => {
                self.filter.cancel();
                true
            }
            ("ledger", Action::Filter) => {
                self.filter.start();
                true
            }
            ("ledger", Action::Down | Action::Up) => {
                let n = self.len();
                step(&mut self.selected, n, action)
            }
            ("ledger", Action::More) => match self.next.clone() {
                Some(cursor) => {
                    cx.read(Request::LoadTransactions(self.query(Some(cursor))));
                    true
                }
                None => false,
            },
            ("ledger", Action::Open) => {
                let Some(id) = self.target() else { return false };
                self.open_transaction(id, cx);
                true
            }
            ("transaction", Action::Back) => {
                self.open = None;
                true
            }
            _ => false,
        }
    }

    fn on_key(&mut self, key: KeyEvent, _cx: &mut Cx) -> bool {
        self.filter.key(key)
    }

    fn on_data(&mut self, msg: &DataMsg, _cx: &mut Cx) -> bool {
        match msg {
            DataMsg::Transactions { page, append } => {
                take_page(&mut self.transactions, &mut self.next, &mut self.selected, page.clone(), *append)
            }
            DataMsg::Transaction(t) => self.set_detail(t),
            _ => false,
        }
    }

    fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        render::render(frame, area, self, theme);
    }

    fn open(&mut self, target: &Target, cx: &mut Cx) -> bool {
        let Target::Transaction(id) = target else { return false };
        self.filter.cancel();
        self.open_transaction(id.clone(), cx);
        true
    }

    fn crumbs(&self) -> Vec<String> {
        let Some(id) = &self.open else { return Vec::new() };
        let name = self.current().and_then(|t| t.reference.clone()).unwrap_or_else(|| id.clone());
        vec![format!("transaction {}", crate::sanitize::cell(&name, 24))]
    }

    fn save(&self) -> Nav {
        Box::new(Place { selected: self.selected, open: self.open.clone() })
    }

    fn restore(&mut self, saved: Nav, cx: &mut Cx) {
        let place: Place = nav(saved);
        self.selected = place.selected.min(self.len().saturating_sub(1));
        match place.open {
            Some(id) if self.open.as_ref() != Some(&id) => self.open_transaction(id, cx),
            open => self.open = open,
        }
    }

    /// A transaction points to the wallets of its postings, the hold it
    /// belongs to, and what it reverses or is reversed by.
    fn links(&self) -> Vec<Link> {
        let Some(t) = self.current() else { return Vec::new() };
        let mut links = Vec::new();
        for p in &t.postings {
            if let Some(wallet) = Target::wallet_of_account(&p.account_id)
                && !links.iter().any(|l: &Link| matches!(&l.target, Target::Wallet { id, .. } if id == wallet))
            {
                links.push(Link::new(format!("wallet {wallet}"), Target::Wallet { id: wallet.into(), line: None }));
            }
        }
        if let Some(h) = &t.hold_id {
            links.push(Link::new(format!("hold {h}"), Target::Hold(h.clone())));
        }
        if let Some(r) = &t.reverses_id {
            links.push(Link::new(format!("reverses {r}"), Target::Transaction(r.clone())));
        }
        if let Some(r) = &t.reversed_by {
            links.push(Link::new(format!("reversed by {r}"), Target::Transaction(r.clone())));
        }
        links
    }

    /// The transactions of the `/` filter, with their postings.
    fn export(&self) -> Result<crate::export::Exportable, &'static str> {
        let q = parse_filter(&self.filter.applied);
        let query = crate::data::ExportQuery {
            wallet_id: q.wallet_id,
            kind: q.kind,
            reference: q.reference,
            from: q.from,
            to: q.to,
            ..Default::default()
        };
        Ok(crate::export::Exportable::new(crate::data::ExportKind::Transactions, query))
    }

    fn values(&self) -> Vec<Value> {
        let Some(t) = self.current() else { return Vec::new() };
        let mut values = vec![Value::field("transaction id", "transaction_id", t.id.clone())];
        if let Some(r) = &t.reference {
            values.push(Value::copy("reference", r.clone()));
        }
        if let Some(h) = &t.hold_id {
            values.push(Value::field("hold id", "hold_id", h.clone()));
        }
        values
    }

    fn candidates(&self, kind: FieldKind) -> Vec<(String, String)> {
        match kind {
            FieldKind::TransactionId => self
                .transactions
                .iter()
                .flatten()
                .map(|t| (t.id.clone(), format!("{} {}", t.kind, t.reference.as_deref().unwrap_or(&t.description))))
                .collect(),
            _ => Vec::new(),
        }
    }
}
