//! What the Payouts view does with its keys, its data, the live hold
//! changes and the answers to its settle and release commands.

use super::card::ResultCard;
use super::form::{self, HoldAction, HoldForm, Step};
use super::{Cx, PayoutsState, STATUSES};
use crate::command::{Answer, Outgoing};
use crate::data::Request;
use crate::keys::Action;
use crate::notice::Level;
use crate::views::{scroll, step};
use ledgerdeck_client::{CommandResult, HoldDetail, WalletView};
use tui_input::Input;

impl PayoutsState {
    /// Takes a hold's detail if it is the one open (and fetches its wallet).
    pub(super) fn set_detail(&mut self, detail: &HoldDetail) -> (bool, Vec<Request>) {
        let mut changed = false;
        let id = detail.hold.id.clone();
        // The loaded row follows what the server says.
        for p in self.pages.iter_mut() {
            for h in p.items.iter_mut().filter(|h| h.id == id) {
                changed |= *h != detail.hold;
                *h = detail.hold.clone();
            }
        }
        if self.open.as_deref() != Some(id.as_str()) || self.detail.as_ref() == Some(detail) {
            return (changed, Vec::new());
        }
        let wallet = detail.hold.wallet_id.clone();
        self.detail = Some(detail.clone());
        (true, vec![Request::LoadWallet(wallet)])
    }

    /// Takes a wallet if it is the open hold's.
    pub(super) fn set_wallet(&mut self, wallet: &WalletView) -> bool {
        let ours = self.detail.as_ref().is_some_and(|d| d.hold.wallet_id == wallet.id)
            || self.form.as_ref().is_some_and(|f| f.hold.wallet_id == wallet.id);
        if !ours || self.wallet.as_ref() == Some(wallet) {
            return false;
        }
        self.wallet = Some(wallet.clone());
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
    pub(super) fn live(&mut self, hold_id: &str, status: &str) -> (bool, Vec<Request>) {
        let mut changed = self.hold_changed(hold_id, status);
        let mut out = Vec::new();
        if let Some(form) = self.form.as_mut().filter(|f| f.hold.id == hold_id) {
            // Our own command's event arrives while it is in flight; that is not news.
            if form.stage != form::Stage::Sending && status != form.hold.status {
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

    /// The form's command answered: a card, the queue and the balances follow.
    fn command_done(&mut self, result: &CommandResult) -> Vec<Request> {
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

    /// The answer to the form's command, if it is the one in flight.
    pub(super) fn answered(&mut self, id: u64, answer: &Answer, cx: &mut Cx) -> bool {
        let Some(form) = self.form.as_mut().filter(|f| f.request_id == Some(id)) else { return false };
        match answer {
            Answer::Done(result) => {
                let replayed = if result.replayed { " (replayed)" } else { "" };
                let hold = crate::sanitize::cell(&form.hold.id, 40);
                cx.notify(Level::Ok, format!("{} {hold}{replayed}", result.command));
                for r in self.command_done(result) {
                    cx.read(r);
                }
            }
            Answer::NoAnswer { detail } => {
                cx.notify(Level::Error, "no answer from the server; Enter resubmits with the same key".into());
                form.no_answer(detail);
            }
            Answer::Refused { fields, .. } if !fields.is_empty() => form.refused(fields.clone()),
            Answer::Refused { code, detail, .. } => {
                let title = format!("{} hold {}", form.action.title(), crate::sanitize::cell(&form.hold.id, 40));
                self.form = None;
                let code = code.as_deref().unwrap_or("ERROR").to_string();
                self.card = Some(ResultCard::Rejected { title, code, detail: detail.clone() });
            }
        }
        true
    }

    /// The server's thresholds, so the ages' colours follow its gates.
    pub(super) fn set_thresholds(&mut self, sla: i64, stuck: i64) -> bool {
        let changed = (self.sla_seconds, self.stuck_seconds) != (sla, stuck);
        (self.sla_seconds, self.stuck_seconds) = (sla, stuck);
        changed
    }

    /// Opens the hold `id` (in the list or not) and asks for it.
    pub(super) fn open_hold(&mut self, id: String, cx: &mut Cx) {
        if self.detail.as_ref().is_none_or(|d| d.hold.id != id) {
            self.detail = None;
            self.wallet = None;
        }
        self.open = Some(id.clone());
        self.scroll = 0;
        cx.read(Request::LoadHold(id));
    }

    fn open_form(&mut self, action: HoldAction, cx: &mut Cx) -> bool {
        let Some(hold) = self.target() else { return false };
        let wallet = hold.wallet_id.clone();
        self.form = Some(HoldForm::new(action, hold, self.typed_above));
        cx.read(Request::LoadWallet(wallet));
        true
    }

    /// The view's keys; a form or card on top takes them first.
    pub(super) fn action(&mut self, action: Action, cx: &mut Cx) -> bool {
        if self.card.is_some() {
            if action == Action::Back {
                self.card = None;
                return true;
            }
            return false;
        }
        if self.bulk.is_some() {
            return self.bulk_action(action, cx);
        }
        if let Some(form) = self.form.as_mut() {
            return match form.on_action(action) {
                Step::None => false,
                Step::Changed => true,
                Step::Close => {
                    self.form = None;
                    true
                }
                Step::Send => {
                    let command =
                        Outgoing { command: form.action.command().into(), body: form.body(), key: form.key.clone() };
                    form.request_id = Some(cx.send(command));
                    true
                }
            };
        }
        let context = super::View::context(self).name;
        match (context, action) {
            // With marks, the queue's settle and release act on the marked holds.
            ("payouts", Action::Settle) if !self.marks.is_empty() => self.open_bulk(HoldAction::Settle),
            ("payouts", Action::Release) if !self.marks.is_empty() => self.open_bulk(HoldAction::Release),
            ("payouts", Action::Mark) => self.toggle_mark(),
            ("payouts", Action::MarkAll) => self.mark_all(cx),
            ("payouts", Action::ClearMarks) => self.clear_marks(),
            (_, Action::Settle) => self.open_form(HoldAction::Settle, cx),
            (_, Action::Release) => self.open_form(HoldAction::Release, cx),
            (_, Action::ToReview) => match self.target() {
                Some(hold) => {
                    cx.open_form("mark_manual_review", &[("hold_id", &hold.id)]);
                    false
                }
                None => false,
            },
            ("filter", Action::Open) => {
                self.filter = self.editing.take().map(|i| i.value().trim().to_string()).unwrap_or_default();
                cx.read(self.reload());
                true
            }
            ("filter", Action::Back) => {
                self.editing = None;
                true
            }
            ("payouts", Action::Filter) => {
                self.editing = Some(Input::new(self.filter.clone()));
                true
            }
            ("payouts", Action::CycleStatus) => {
                self.status = (self.status + 1) % STATUSES.len();
                // Marks are on the queue of one status: another status starts without them.
                if self.clear_marks() {
                    cx.notify(Level::Info, "marks cleared: the status filter changed".into());
                }
                cx.read(self.reload());
                true
            }
            ("payouts", Action::CycleSort) => {
                self.sort = self.sort.next();
                self.selected = 0;
                self.more().into_iter().for_each(|r| cx.read(r));
                true
            }
            // Moving near either end of what is loaded fetches the next page,
            // even when the selection cannot move (at the top: the page before).
            ("payouts", Action::Down | Action::Up) => {
                let n = self.shown().len();
                let moved = step(&mut self.selected, n, action);
                if moved || action == Action::Up {
                    self.more().into_iter().for_each(|r| cx.read(r));
                }
                moved
            }
            ("payouts", Action::Open) => {
                let Some(id) = self.selected_id() else { return false };
                self.open_hold(id, cx);
                true
            }
            ("hold", Action::Down | Action::Up) => scroll(&mut self.scroll, action),
            ("hold", Action::Back) => {
                self.open = None;
                true
            }
            _ => false,
        }
    }
}
