//! Ledger: transactions with their postings, newest first (cursor-paged,
//! `n` for more); Enter opens one; `x` reverses it through the generated
//! `reverse_transaction` form.

mod render;

use super::{Cx, View, step};
use crate::data::{DataMsg, Request};
use crate::keys::{Action, BACK, Context, KeyEntry, MORE, MOVE, entry, writes};
use crate::theme::Theme;
use crate::widgets::take_page;
use crossterm::event::KeyCode::{Char, Enter};
use ledgerdeck_client::{TransactionQuery, TransactionView};
use ratatui::Frame;
use ratatui::layout::Rect;

const REVERSE: KeyEntry = writes(entry(&[Char('x')], "x", "reverse", Action::Reverse));

/// The transaction list has the keyboard.
pub static LEDGER: Context = Context {
    name: "ledger",
    title: "Ledger",
    entries: &[MOVE, entry(&[Enter], "Enter", "open", Action::Open), MORE, REVERSE],
    global: true,
    fixed: false,
};

/// One transaction is open.
pub static LEDGER_DETAIL: Context =
    Context { name: "transaction", title: "Transaction", entries: &[BACK, REVERSE], global: true, fixed: false };

/// What the Ledger view shows.
#[derive(Debug, Default)]
pub struct LedgerState {
    /// The transactions loaded so far.
    pub transactions: Option<Vec<TransactionView>>,
    /// The cursor of the next page.
    pub next: Option<String>,
    /// The selected row.
    pub selected: usize,
    /// The transaction open.
    pub open: Option<String>,
    /// Its detail, once it arrived.
    pub detail: Option<TransactionView>,
}

impl LedgerState {
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
}

/// Every context the view reads keys in.
static CONTEXTS: [&Context; 2] = [&LEDGER, &LEDGER_DETAIL];

impl View for LedgerState {
    fn contexts(&self) -> &'static [&'static Context] {
        &CONTEXTS
    }

    fn context(&self) -> &'static Context {
        if self.open.is_some() { &LEDGER_DETAIL } else { &LEDGER }
    }

    fn refresh(&mut self, cx: &mut Cx) {
        cx.read(Request::LoadTransactions(TransactionQuery::default()));
    }

    fn on_action(&mut self, action: Action, cx: &mut Cx) -> bool {
        match (self.open.is_some(), action) {
            (_, Action::Reverse) => match self.target() {
                Some(id) => {
                    cx.open_form("reverse_transaction", &[("transaction_id", &id)]);
                    false
                }
                None => false,
            },
            (false, Action::Down | Action::Up) => {
                let n = self.len();
                step(&mut self.selected, n, action)
            }
            (false, Action::More) => match self.next.clone() {
                Some(cursor) => {
                    let query = TransactionQuery { cursor: Some(cursor), ..TransactionQuery::default() };
                    cx.read(Request::LoadTransactions(query));
                    true
                }
                None => false,
            },
            (false, Action::Open) => {
                let Some(id) = self.target() else { return false };
                self.detail = self.transactions.iter().flatten().find(|t| t.id == id).cloned();
                self.open = Some(id.clone());
                cx.read(Request::LoadTransaction(id));
                true
            }
            (true, Action::Back) => {
                self.open = None;
                true
            }
            _ => false,
        }
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
}
