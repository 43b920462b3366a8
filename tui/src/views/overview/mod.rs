//! Overview: is the service ok and ready, is anything red, what waits for a
//! person? It follows the overview, health and system-account reads, and
//! the live events that change them; Enter opens a recent transaction.

mod health;
mod panels;
mod render;

use super::{Cx, Link, Target, Value, View, step};
use crate::data::{DataMsg, Request};
use crate::keys::{Action, Context, MOVE, entry};
use crate::theme::Theme;
use crossterm::event::KeyCode::Enter;
use ledgerdeck_client::events::LiveEvent;
use ledgerdeck_client::{AccountQuery, AccountView, HealthReport, Overview, TransactionView};
use ratatui::Frame;
use ratatui::layout::Rect;

/// The Overview's keys: the recent transactions.
pub static OVERVIEW: Context = Context {
    name: "overview",
    title: "Overview",
    entries: &[MOVE, entry(&[Enter], "Enter", "open transaction", Action::Open)],
    global: true,
    fixed: false,
};

/// Every context the view reads keys in.
static CONTEXTS: [&Context; 1] = [&OVERVIEW];

/// What the Overview shows.
#[derive(Debug, Default)]
pub struct OverviewState {
    /// `GET /v1/overview`.
    pub overview: Option<Overview>,
    /// `/healthz`.
    pub health: Option<HealthReport>,
    /// The system accounts (treasury, clearing, equity, corrections, fees).
    pub accounts: Option<Vec<AccountView>>,
    /// The selected recent transaction.
    pub selected: usize,
}

fn replace<T: PartialEq + Clone>(slot: &mut Option<T>, value: &T) -> bool {
    if slot.as_ref() == Some(value) {
        return false;
    }
    *slot = Some(value.clone());
    true
}

impl OverviewState {
    fn set_outbox(&mut self, stats: &ledgerdeck_client::OutboxSummary) -> bool {
        match self.overview.as_mut() {
            Some(o) if o.outbox != *stats => {
                o.outbox = *stats;
                true
            }
            _ => false,
        }
    }

    fn recent(&self) -> &[TransactionView] {
        self.overview.as_ref().map_or(&[], |o| o.recent_transactions.as_slice())
    }

    fn selected_transaction(&self) -> Option<&TransactionView> {
        self.recent().get(self.selected)
    }
}

impl View for OverviewState {
    fn contexts(&self) -> &'static [&'static Context] {
        &CONTEXTS
    }

    fn context(&self) -> &'static Context {
        &OVERVIEW
    }

    fn refresh(&mut self, cx: &mut Cx) {
        cx.read(Request::LoadOverview);
        cx.read(Request::LoadHealth);
        cx.read(Request::LoadAccounts(AccountQuery {
            system: Some(true),
            limit: Some(200),
            ..AccountQuery::default()
        }));
    }

    fn on_action(&mut self, action: Action, cx: &mut Cx) -> bool {
        match action {
            Action::Down | Action::Up => {
                let n = self.recent().len();
                step(&mut self.selected, n, action)
            }
            Action::Open => match self.selected_transaction() {
                Some(t) => {
                    cx.open(Target::Transaction(t.id.clone()));
                    false
                }
                None => false,
            },
            _ => false,
        }
    }

    fn on_data(&mut self, msg: &DataMsg, _cx: &mut Cx) -> bool {
        match msg {
            DataMsg::Overview(o) => {
                let changed = replace(&mut self.overview, o);
                self.selected = self.selected.min(self.recent().len().saturating_sub(1));
                changed
            }
            DataMsg::Health(h) => replace(&mut self.health, h),
            DataMsg::Accounts(page) => replace(&mut self.accounts, &page.items),
            DataMsg::OutboxStats(stats) => self.set_outbox(stats),
            _ => false,
        }
    }

    fn on_live(&mut self, event: &LiveEvent, cx: &mut Cx) -> bool {
        match event {
            LiveEvent::OutboxStats(stats) => self.set_outbox(stats),
            LiveEvent::HealthChanged(h) => replace(&mut self.health, h),
            LiveEvent::GateRunFinished(_) => {
                cx.refresh_me();
                false
            }
            // Money moved: the counts and recent rows follow, at most every
            // couple of seconds, and only while shown.
            LiveEvent::CommandPosted(_) | LiveEvent::HoldChanged(_) if cx.shown && !cx.fresh => {
                cx.refresh_me();
                false
            }
            _ => false,
        }
    }

    fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        render::render(frame, area, self, theme);
    }

    fn links(&self) -> Vec<Link> {
        self.selected_transaction()
            .map(|t| vec![Link::new(format!("transaction {}", t.id), Target::Transaction(t.id.clone()))])
            .unwrap_or_default()
    }

    /// The house balances the Overview shows: the system accounts.
    fn export(&self) -> Result<crate::export::Exportable, &'static str> {
        let query = crate::data::ExportQuery { system: Some(true), ..Default::default() };
        Ok(crate::export::Exportable::new(crate::data::ExportKind::Accounts, query))
    }

    fn values(&self) -> Vec<Value> {
        let Some(t) = self.selected_transaction() else { return Vec::new() };
        let mut values = vec![Value::field("transaction id", "transaction_id", t.id.clone())];
        if let Some(r) = &t.reference {
            values.push(Value::copy("reference", r.clone()));
        }
        values
    }
}
