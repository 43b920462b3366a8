//! Merchant: one merchant's wallets with balances per currency, its holds by
//! status, the flags in force for it and its recent activity; reached from
//! any merchant id (there is no tab). Enter opens the selected wallet's
//! statement or transaction.

mod render;

use super::{Cx, Link, Nav, Target, Value, View, nav, step};
use crate::data::{DataMsg, Request};
use crate::keys::{Action, BACK, Context, MOVE, entry};
use crate::theme::Theme;
use crossterm::event::KeyCode::Enter;
use ledgerdeck_client::{FieldKind, MerchantView};
use ratatui::Frame;
use ratatui::layout::Rect;

/// The Merchant view's keys.
pub static MERCHANT: Context = Context {
    name: "merchant",
    title: "Merchant",
    entries: &[MOVE, entry(&[Enter], "Enter", "open", Action::Open), BACK],
    global: true,
    fixed: false,
};

/// Every context the view reads keys in.
static CONTEXTS: [&Context; 1] = [&MERCHANT];

/// What the Merchant view shows.
#[derive(Debug, Default)]
pub struct MerchantState {
    /// The merchant shown.
    pub open: Option<String>,
    /// Its summary, once it arrived.
    pub summary: Option<MerchantView>,
    /// The selected row: its wallets first, then its recent transactions.
    pub selected: usize,
}

impl MerchantState {
    fn rows(&self) -> usize {
        self.summary.as_ref().map_or(0, |s| s.wallets.len() + s.recent_transactions.len())
    }

    /// What the selected row is: a wallet or a transaction.
    fn selected_target(&self) -> Option<Target> {
        let s = self.summary.as_ref()?;
        match s.wallets.get(self.selected) {
            Some(w) => Some(Target::Wallet { id: w.id.clone(), line: None }),
            None => {
                let t = s.recent_transactions.get(self.selected - s.wallets.len())?;
                Some(Target::Transaction(t.id.clone()))
            }
        }
    }
}

/// Where the Merchant view stands, to come back to.
#[derive(Debug, Default)]
struct Place {
    open: Option<String>,
    selected: usize,
}

impl View for MerchantState {
    fn contexts(&self) -> &'static [&'static Context] {
        &CONTEXTS
    }

    fn context(&self) -> &'static Context {
        &MERCHANT
    }

    fn refresh(&mut self, cx: &mut Cx) {
        if let Some(id) = self.open.clone() {
            cx.read(Request::LoadMerchant(id));
        }
    }

    fn on_action(&mut self, action: Action, cx: &mut Cx) -> bool {
        match action {
            Action::Down | Action::Up => {
                let n = self.rows();
                step(&mut self.selected, n, action)
            }
            Action::Open => match self.selected_target() {
                Some(target) => {
                    cx.open(target);
                    false
                }
                None => false,
            },
            _ => false,
        }
    }

    fn on_data(&mut self, msg: &DataMsg, _cx: &mut Cx) -> bool {
        match msg {
            DataMsg::Merchant(m)
                if self.open.as_deref() == Some(m.merchant_id.as_str()) && self.summary.as_ref() != Some(m) =>
            {
                self.summary = Some(m.clone());
                self.selected = self.selected.min(self.rows().saturating_sub(1));
                true
            }
            _ => false,
        }
    }

    fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        render::render(frame, area, self, theme);
    }

    fn open(&mut self, target: &Target, cx: &mut Cx) -> bool {
        let Target::Merchant(id) = target else { return false };
        if self.open.as_ref() != Some(id) {
            self.summary = None;
            self.selected = 0;
        }
        self.open = Some(id.clone());
        cx.read(Request::LoadMerchant(id.clone()));
        true
    }

    fn crumbs(&self) -> Vec<String> {
        self.open.iter().map(|id| format!("merchant {}", crate::sanitize::cell(id, 24))).collect()
    }

    fn save(&self) -> Nav {
        Box::new(Place { open: self.open.clone(), selected: self.selected })
    }

    fn restore(&mut self, saved: Nav, cx: &mut Cx) {
        let place: Place = nav(saved);
        if place.open != self.open {
            self.summary = None;
            if let Some(id) = place.open.clone() {
                cx.read(Request::LoadMerchant(id));
            }
        }
        self.open = place.open;
        self.selected = place.selected;
    }

    fn links(&self) -> Vec<Link> {
        let Some(s) = &self.summary else { return Vec::new() };
        let wallets = s.wallets.iter().map(|w| {
            Link::new(format!("wallet {} {}", w.currency, w.id), Target::Wallet { id: w.id.clone(), line: None })
        });
        let mut links: Vec<Link> = wallets.collect();
        if let Some(Target::Transaction(id)) = self.selected_target() {
            links.insert(0, Link::new(format!("transaction {id}"), Target::Transaction(id)));
        }
        links
    }

    fn values(&self) -> Vec<Value> {
        let Some(id) = &self.open else { return Vec::new() };
        let mut values = vec![Value::field("merchant id", "merchant_id", id.clone())];
        match self.selected_target() {
            Some(Target::Wallet { id, .. }) => values.push(Value::field("wallet id", "wallet_id", id)),
            Some(Target::Transaction(id)) => values.push(Value::field("transaction id", "transaction_id", id)),
            _ => {}
        }
        values
    }

    fn candidates(&self, kind: FieldKind) -> Vec<(String, String)> {
        let Some(s) = &self.summary else { return Vec::new() };
        match kind {
            FieldKind::WalletId => {
                s.wallets.iter().map(|w| (w.id.clone(), format!("{} {}", s.merchant_id, w.currency))).collect()
            }
            _ => Vec::new(),
        }
    }
}
