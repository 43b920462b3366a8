//! Approvals: the queue of proposals waiting for a second operator, oldest
//! first. Enter opens one: what will move where, its exact parameters, who
//! proposed it and when it expires. `a` approves and `x` rejects through
//! the command's own form (a reason, then a confirmation; the key is made
//! when the form opens). A viewer sees the queue; read-only profiles hide
//! the decisions. A live `approval.changed` refreshes it wherever it is,
//! so the status bar's count stays true.

mod render;

use super::{Cx, Link, Target, Value, View, step};
use crate::data::{DataMsg, Request};
use crate::keys::{Action, BACK, Context, MOVE, entry, writes};
use crate::theme::Theme;
use crossterm::event::KeyCode::{Char, Enter};
use ledgerdeck_client::events::LiveEvent;
use ledgerdeck_client::{Page, ProposalQuery, ProposalView};
use ratatui::Frame;
use ratatui::layout::Rect;

/// How many pending proposals the queue loads (the count says "+" past it).
pub const QUEUE_LIMIT: i64 = 200;

const APPROVE: crate::keys::KeyEntry = writes(entry(&[Char('a')], "a", "approve", Action::Approve));
const REJECT: crate::keys::KeyEntry = writes(entry(&[Char('x')], "x", "reject", Action::Reject));

/// The queue has the keyboard.
pub static APPROVALS: Context = Context {
    name: "approvals",
    title: "Approvals",
    entries: &[MOVE, entry(&[Enter], "Enter", "open", Action::Open), APPROVE, REJECT],
    global: true,
    fixed: false,
};

/// A proposal's detail has the keyboard.
pub static PROPOSAL: Context =
    Context { name: "proposal", title: "Proposal", entries: &[APPROVE, REJECT, BACK], global: true, fixed: false };

static CONTEXTS: [&Context; 2] = [&APPROVALS, &PROPOSAL];

/// What the Approvals view shows.
#[derive(Debug, Default)]
pub struct ApprovalsState {
    /// The pending queue, oldest first.
    pub queue: Option<Page<ProposalView>>,
    /// The selected row.
    pub selected: usize,
    /// The proposal open in detail, by id.
    pub open: Option<String>,
}

impl ApprovalsState {
    /// The queue's read.
    pub fn list_request() -> Request {
        Request::LoadApprovals(queue_query())
    }

    /// How many proposals wait, and whether there are more than loaded.
    pub fn waiting(&self) -> Option<(usize, bool)> {
        self.queue.as_ref().map(|q| (q.items.len(), q.next_cursor.is_some()))
    }

    /// The proposal the keys act on: the open one, else the selected one.
    pub fn current(&self) -> Option<&ProposalView> {
        let items = &self.queue.as_ref()?.items;
        match &self.open {
            Some(id) => items.iter().find(|p| &p.id == id),
            None => items.get(self.selected),
        }
    }

    fn decide(&self, command: &str, cx: &mut Cx) -> bool {
        let Some(p) = self.current() else { return false };
        cx.open_form(command, &[("proposal_id", &p.id)]);
        false
    }
}

fn queue_query() -> ProposalQuery {
    ProposalQuery { status: Some("pending".into()), limit: Some(QUEUE_LIMIT), cursor: None }
}

impl View for ApprovalsState {
    fn contexts(&self) -> &'static [&'static Context] {
        &CONTEXTS
    }

    fn context(&self) -> &'static Context {
        if self.open.is_some() { &PROPOSAL } else { &APPROVALS }
    }

    fn refresh(&mut self, cx: &mut Cx) {
        cx.read(Self::list_request());
    }

    fn on_action(&mut self, action: Action, cx: &mut Cx) -> bool {
        let n = self.queue.as_ref().map_or(0, |q| q.items.len());
        match (self.open.is_some(), action) {
            (_, Action::Approve) => self.decide("approve_proposal", cx),
            (_, Action::Reject) => self.decide("reject_proposal", cx),
            (false, Action::Open) => {
                self.open = self.current().map(|p| p.id.clone());
                self.open.is_some()
            }
            (false, Action::Down | Action::Up) => step(&mut self.selected, n, action),
            (true, Action::Back) => {
                self.open = None;
                true
            }
            _ => false,
        }
    }

    fn on_data(&mut self, msg: &DataMsg, _cx: &mut Cx) -> bool {
        let DataMsg::Approvals { query, page } = msg else { return false };
        if *query != queue_query() || self.queue.as_ref() == Some(page) {
            return false;
        }
        self.queue = Some(page.clone());
        self.selected = self.selected.min(page.items.len().saturating_sub(1));
        // A proposal decided meanwhile leaves the queue, and its detail closes.
        if let Some(id) = &self.open
            && !page.items.iter().any(|p| &p.id == id)
        {
            self.open = None;
        }
        true
    }

    fn on_live(&mut self, event: &LiveEvent, cx: &mut Cx) -> bool {
        if let LiveEvent::ApprovalChanged(_) = event {
            cx.read(Self::list_request());
        }
        false
    }

    fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        render::render(frame, area, self, theme);
    }

    fn crumbs(&self) -> Vec<String> {
        self.open.iter().cloned().collect()
    }

    fn links(&self) -> Vec<Link> {
        let Some(p) = self.current() else { return Vec::new() };
        let hold = p.params.get("hold_id").and_then(|v| v.as_str());
        let wallet = ["wallet_id", "from_wallet_id"].iter().find_map(|k| p.params.get(*k).and_then(|v| v.as_str()));
        let mut links = Vec::new();
        if let Some(hold) = hold {
            links.push(Link::new(format!("hold {hold}"), Target::Hold(hold.to_string())));
        }
        if let Some(wallet) = wallet {
            links.push(Link::new(format!("wallet {wallet}"), Target::Wallet { id: wallet.to_string(), line: None }));
        }
        links
    }

    fn values(&self) -> Vec<Value> {
        let Some(p) = self.current() else { return Vec::new() };
        vec![Value::field("proposal id", "proposal_id", p.id.clone())]
    }
}
