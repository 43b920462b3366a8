//! Marks on the queue and the bulk settle / release of the marked holds.
//! Marks are kept by hold id (with the hold as it was marked), so they
//! survive paging, dropped pages and refreshes; a marked hold seen to leave
//! the listed status (live, or confirmed by its detail after a refresh no
//! longer lists it) loses its mark with a notice. "Mark all" walks every
//! page of the filtered list through `Request::LoadHolds`, up to
//! [`MARK_ALL_CAP`] marks.

use super::form::HoldAction;
use super::{Cx, PayoutsState, parse_filter};
use crate::bulk::{Batch, Bulk, Outcome, Step, Verb};
use crate::command::Answer;
use crate::data::Request;
use crate::keys::Action;
use crate::money::amount;
use crate::notice::Level;
use crate::sanitize;
use ledgerdeck_client::{HoldQuery, HoldView, Page};
use rust_decimal::Decimal;
use serde_json::json;
use std::collections::BTreeMap;

/// "Mark all" stops at this many marks.
pub const MARK_ALL_CAP: usize = 1_000;
/// Rows per page while marking all (the API's largest page).
const SWEEP_PAGE: i64 = 500;

/// A "mark all" walking the filtered list's pages.
#[derive(Debug)]
pub(super) struct Sweep {
    /// The page asked for now.
    query: HoldQuery,
    /// The reference words the loaded rows are matched on.
    words: Vec<String>,
    /// Marks added so far.
    added: usize,
}

impl PayoutsState {
    /// How many holds are marked.
    pub fn marked(&self) -> usize {
        self.marks.len()
    }

    /// Whether the hold `id` is marked.
    pub fn is_marked(&self, id: &str) -> bool {
        self.marks.contains_key(id)
    }

    /// Space: marks or unmarks the selected row.
    pub(super) fn toggle_mark(&mut self) -> bool {
        let Some(hold) = self.shown().get(self.selected).map(|h| (*h).clone()) else { return false };
        if self.marks.remove(&hold.id).is_none() {
            self.marks.insert(hold.id.clone(), hold);
        }
        true
    }

    /// Marks every row that matches the filter: the loaded ones now, then
    /// every page of the list from the first, fetched for it.
    pub(super) fn mark_all(&mut self, cx: &mut Cx) -> bool {
        let shown: Vec<HoldView> = self.shown().into_iter().cloned().collect();
        for h in shown {
            if self.marks.len() >= MARK_ALL_CAP {
                break;
            }
            self.marks.entry(h.id.clone()).or_insert(h);
        }
        let (_, words) = parse_filter(&self.filter);
        let query = HoldQuery { limit: Some(SWEEP_PAGE), ..self.base_query() };
        self.sweep = Some(Sweep { query: query.clone(), words, added: 0 });
        cx.read(Request::LoadHolds(query));
        cx.notify(Level::Info, "marking every hold that matches the filter…".into());
        true
    }

    /// Takes a page of the "mark all" walk, if it is the one asked for.
    pub(super) fn sweep_page(&mut self, query: &HoldQuery, page: &Page<HoldView>, cx: &mut Cx) -> bool {
        let Some(sweep) = self.sweep.as_mut().filter(|s| &s.query == query) else { return false };
        let mut capped = false;
        for h in page.items.iter().filter(|h| sweep.words.iter().all(|w| h.reference.to_lowercase().contains(w))) {
            if self.marks.contains_key(&h.id) {
                continue;
            }
            if self.marks.len() >= MARK_ALL_CAP {
                capped = true;
                break;
            }
            self.marks.insert(h.id.clone(), h.clone());
            sweep.added += 1;
        }
        match page.next_cursor.clone().filter(|_| !capped && self.marks.len() < MARK_ALL_CAP) {
            Some(cursor) => {
                sweep.query.cursor = Some(cursor);
                cx.read(Request::LoadHolds(sweep.query.clone()));
            }
            None => {
                let more = page.next_cursor.is_some() || capped;
                let cap = if more { format!("; stopped at the cap of {MARK_ALL_CAP} marks") } else { String::new() };
                cx.notify(Level::Ok, format!("{} holds marked, all that match the filter{cap}", self.marks.len()));
                self.sweep = None;
            }
        }
        true
    }

    /// The "mark all" walk could not load a page: it stops, keeping what it marked.
    pub(super) fn sweep_failed(&mut self, query: &HoldQuery, cx: &mut Cx) {
        if self.sweep.as_ref().is_some_and(|s| &s.query == query) {
            self.sweep = None;
            cx.notify(Level::Warn, format!("mark all stopped: a page failed to load; {} marked", self.marks.len()));
        }
    }

    /// `u`: clears every mark.
    pub(super) fn clear_marks(&mut self) -> bool {
        self.sweep = None;
        let had = !self.marks.is_empty();
        self.marks.clear();
        had
    }

    /// Hold `id` is now in `status`. If that is out of the listed status,
    /// its mark goes, with a notice, unless it is our own bulk's doing; an
    /// open bulk form notes it. Returns the notice.
    pub(super) fn left_queue(&mut self, id: &str, status: &str) -> Option<String> {
        let left = self.status_filter().is_some_and(|f| f != status);
        if !left {
            return None;
        }
        let ours = self.bulk.as_ref().is_some_and(|b| b.stage == crate::bulk::Stage::Running && b.has(id));
        if let Some(bulk) = self.bulk.as_mut().filter(|b| b.has(id)) {
            let reference = bulk.batch.items.iter().find(|i| i.target == id).map(|i| i.label.clone());
            let reference = reference.unwrap_or_else(|| id.to_string());
            bulk.note(format!("{} is {status} now (since this opened)", sanitize::cell(&reference, 60)));
        }
        let hold = self.marks.remove(id)?;
        if ours {
            return None;
        }
        self.left.push(format!("{} ({status})", sanitize::cell(&hold.reference, 40)));
        let n = self.left.len();
        let plural = if n == 1 { "hold" } else { "holds" };
        Some(format!("{n} marked {plural} left the queue: {}", self.left.join(", ")))
    }

    /// `s` / `r` with marks: the bulk form on the marked holds, keys made now.
    pub(super) fn open_bulk(&mut self, action: HoldAction) -> bool {
        if self.marks.is_empty() {
            return false;
        }
        let holds: Vec<&HoldView> = self.marks.values().collect();
        let items = holds
            .iter()
            .map(|h| {
                let label = format!("{} {} {}", h.reference, amount(h.amount, &h.currency), h.currency);
                (h.id.clone(), label, json!({ "hold_id": h.id }))
            })
            .collect();
        let summary = summary(action, &holds);
        let large = above(&holds, self.typed_above);
        let keys = std::mem::take(&mut self.bulk_keys);
        let batch = Batch::new(action.command(), items, keys, self.bulk_limit.0);
        let verb = Verb { title: action.title(), past: action.outcome(), noun: "holds" };
        let bulk = Bulk::new(verb, batch, true, summary);
        self.bulk = Some(if large { bulk.typed_above(self.typed_above) } else { bulk });
        true
    }

    /// A key while the bulk is open.
    pub(super) fn bulk_action(&mut self, action: Action, cx: &mut Cx) -> bool {
        let Some(bulk) = self.bulk.as_mut() else { return false };
        match bulk.on_action(action, |o| cx.send(o)) {
            Step::None => false,
            Step::Changed => true,
            Step::Close => {
                self.close_bulk();
                true
            }
        }
    }

    /// Closes the bulk: marks with a definite answer go; those without one
    /// stay marked, and their keys are kept for the next bulk on them.
    fn close_bulk(&mut self) {
        let Some(bulk) = self.bulk.take() else { return };
        for item in &bulk.batch.items {
            if matches!(item.outcome, Outcome::Posted { .. } | Outcome::Refused { .. }) {
                self.marks.remove(&item.target);
            }
        }
        self.bulk_keys = bulk.batch.into_keys();
    }

    /// The answer to one of the bulk's items, if it is one; the queue follows.
    pub(super) fn bulk_answered(&mut self, id: u64, answer: &Answer, cx: &mut Cx) -> bool {
        let Some(bulk) = self.bulk.as_mut() else { return false };
        let target = bulk.batch.items.iter().find(|i| i.outcome == Outcome::InFlight(id)).map(|i| i.target.clone());
        if !bulk.answered(id, answer, |o| cx.send(o)) {
            return false;
        }
        let finished = bulk.batch.finished().then(|| bulk.batch.progress(bulk.verb.past));
        let outcome = bulk.verb.past;
        if let (Some(target), Answer::Done(_)) = (target, answer) {
            self.hold_changed(&target, outcome);
        }
        if let Some(line) = finished {
            cx.notify(Level::Ok, line);
        }
        true
    }
}

/// What the confirmation states: the count, the total per currency at its
/// scale (with how many holds each), and where the money goes.
/// Whether a hold, or a currency's total, is above the amount that a
/// single settle or release confirms by typing it: a bulk is never the
/// easier way to move a large sum.
fn above(holds: &[&HoldView], limit: Decimal) -> bool {
    let mut totals: BTreeMap<&str, Decimal> = BTreeMap::new();
    for h in holds {
        *totals.entry(h.currency.as_str()).or_default() += h.amount;
    }
    holds.iter().any(|h| h.amount > limit) || totals.values().any(|t| *t > limit)
}

fn summary(action: HoldAction, holds: &[&HoldView]) -> Vec<String> {
    let mut totals: BTreeMap<&str, (Decimal, usize)> = BTreeMap::new();
    for h in holds {
        let t = totals.entry(h.currency.as_str()).or_default();
        t.0 += h.amount;
        t.1 += 1;
    }
    let totals: Vec<String> =
        totals.iter().map(|(cur, (sum, n))| format!("{} {cur} ({n})", amount(*sum, cur))).collect();
    let n = holds.len();
    let plural = if n == 1 { "hold" } else { "holds" };
    let whereto = match action {
        HoldAction::Settle => "each hold's reserved money goes to its provider's payout clearing",
        HoldAction::Release => "each hold's reserved money goes back to its wallet's available balance",
    };
    vec![format!("{} {n} {plural}, total {}", action.title(), totals.join(" · ")), format!("{whereto}.")]
}
