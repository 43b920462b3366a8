//! Wallets: every wallet with its balances (cursor-paged, `n` for the next
//! page); Enter opens a wallet's statement.

mod render;

use super::{Cx, View, step};
use crate::data::{DataMsg, Request};
use crate::keys::{Action, BACK, Context, MORE, MOVE, entry};
use crate::theme::Theme;
use crate::widgets::take_page;
use crossterm::event::KeyCode::Enter;
use ledgerdeck_client::{Page, StatementLine, WalletQuery, WalletView};
use ratatui::Frame;
use ratatui::layout::Rect;

/// The wallet list has the keyboard.
pub static WALLETS: Context = Context {
    name: "wallets",
    title: "Wallets",
    entries: &[MOVE, entry(&[Enter], "Enter", "statement", Action::Open), MORE],
    global: true,
    fixed: false,
};

/// One wallet's statement is open.
pub static WALLET_STATEMENT: Context =
    Context { name: "statement", title: "Statement", entries: &[BACK], global: true, fixed: false };

/// What the Wallets view shows.
#[derive(Debug, Default)]
pub struct WalletsState {
    /// The wallets loaded so far (first page, then more).
    pub wallets: Option<Vec<WalletView>>,
    /// The cursor of the next page.
    pub next: Option<String>,
    /// The selected row.
    pub selected: usize,
    /// The wallet whose statement is open.
    pub open: Option<String>,
    /// Its statement's first page.
    pub statement: Option<Page<StatementLine>>,
}

impl WalletsState {
    /// Takes a statement if it is the open wallet's.
    fn set_statement(&mut self, wallet_id: &str, page: &Page<StatementLine>) -> bool {
        if self.open.as_deref() != Some(wallet_id) || self.statement.as_ref() == Some(page) {
            return false;
        }
        self.statement = Some(page.clone());
        true
    }

    fn len(&self) -> usize {
        self.wallets.as_ref().map_or(0, Vec::len)
    }
}

/// Every context the view reads keys in.
static CONTEXTS: [&Context; 2] = [&WALLETS, &WALLET_STATEMENT];

impl View for WalletsState {
    fn contexts(&self) -> &'static [&'static Context] {
        &CONTEXTS
    }

    fn context(&self) -> &'static Context {
        if self.open.is_some() { &WALLET_STATEMENT } else { &WALLETS }
    }

    fn refresh(&mut self, cx: &mut Cx) {
        cx.read(Request::LoadWallets(WalletQuery::default()));
        if let Some(id) = self.open.clone() {
            cx.read(Request::LoadStatement(id));
        }
    }

    fn on_action(&mut self, action: Action, cx: &mut Cx) -> bool {
        match (self.open.is_some(), action) {
            (false, Action::Down | Action::Up) => {
                let n = self.len();
                step(&mut self.selected, n, action)
            }
            (false, Action::More) => match self.next.clone() {
                Some(cursor) => {
                    cx.read(Request::LoadWallets(WalletQuery { cursor: Some(cursor), ..WalletQuery::default() }));
                    true
                }
                None => false,
            },
            (false, Action::Open) => {
                let Some(id) = self.wallets.as_ref().and_then(|w| w.get(self.selected)).map(|w| w.id.clone()) else {
                    return false;
                };
                self.statement = None;
                self.open = Some(id.clone());
                cx.read(Request::LoadStatement(id));
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
            DataMsg::Wallets { page, append } => {
                take_page(&mut self.wallets, &mut self.next, &mut self.selected, page.clone(), *append)
            }
            DataMsg::Statement { wallet_id, page } => self.set_statement(wallet_id, page),
            _ => false,
        }
    }

    fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        render::render(frame, area, self, theme);
    }
}
