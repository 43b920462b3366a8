//! A bulk action as the operator goes through it: one form with one reason
//! (for holds; a retry has none), a confirmation that states the count and
//! the totals, then the progress line and the per-item result table, from
//! which the items without a definite answer are resubmitted.

use super::Batch;
use crate::command::{Answer, Outgoing};
use crate::keys::{Action, Context, MOVE, entry, writes};
use crossterm::event::KeyCode::{BackTab, Char, Down, Enter, Esc, Tab, Up};
use crossterm::event::KeyEvent;
use rust_decimal::Decimal;
use serde_json::json;
use tui_input::Input;

/// The bulk form while the reason and evidence are typed.
pub static BULK_FORM: Context = Context {
    name: "bulk_form",
    title: "Bulk form",
    entries: &[
        entry(&[Enter], "Enter", "next", Action::Open),
        entry(&[Tab, BackTab, Down, Up], "Tab", "next field", Action::NextField),
        entry(&[Esc], "Esc", "cancel", Action::Back),
    ],
    global: false,
    fixed: false,
};

/// The bulk confirmation: the count and the totals.
pub static BULK_CONFIRM: Context = Context {
    name: "bulk_confirm",
    title: "Confirm bulk",
    entries: &[
        entry(&[Char('y')], "y", "send every item", Action::Confirm),
        entry(&[Char('n'), Esc], "n/Esc", "back", Action::Back),
    ],
    global: false,
    fixed: false,
};

/// The bulk confirmation of a large move: the count is typed, then Enter.
pub static BULK_CONFIRM_TYPED: Context = Context {
    name: "bulk_confirm_typed",
    title: "Confirm bulk (typed)",
    entries: &[entry(&[Enter], "Enter", "send every item", Action::Open), entry(&[Esc], "Esc", "back", Action::Back)],
    global: false,
    fixed: false,
};

/// The progress line and the per-item result table.
pub static BULK_RESULT: Context = Context {
    name: "bulk_result",
    title: "Bulk result",
    entries: &[
        MOVE,
        writes(entry(&[Char('R')], "R", "resubmit unanswered", Action::Resubmit)),
        entry(&[Esc], "Esc", "close", Action::Back),
    ],
    global: false,
    fixed: false,
};

/// What the bulk does, in words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verb {
    /// The verb as a title (`Release`).
    pub title: &'static str,
    /// The verb done (`released`), for the progress line.
    pub past: &'static str,
    /// What the items are (`holds`, `messages`).
    pub noun: &'static str,
}

/// Where the bulk stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stage {
    /// Typing the reason and evidence.
    Edit,
    /// The count and totals, waiting for y.
    Confirm,
    /// Sending, then done: the progress line and the table.
    Running,
}

/// What a key did to the bulk.
#[derive(Debug, PartialEq, Eq)]
pub enum Step {
    /// Nothing.
    None,
    /// Something visible changed.
    Changed,
    /// Close it.
    Close,
}

/// The one reason (required) and the optional evidence.
#[derive(Debug, Default)]
pub struct Reason {
    /// Why.
    pub reason: Input,
    /// The provider's word, added to each item's reason.
    pub evidence: Input,
    /// 0: reason, 1: evidence.
    pub focus: usize,
}

/// A bulk action on its items.
#[derive(Debug)]
pub struct Bulk {
    /// What it does.
    pub verb: Verb,
    /// The items, their keys and outcomes.
    pub batch: Batch,
    /// Where it stands.
    pub stage: Stage,
    /// The reason form (`None`: the command takes no reason).
    pub reason: Option<Reason>,
    /// What the confirmation states: the count, the totals per currency.
    pub summary: Vec<String>,
    /// Items that changed since the bulk opened (another operator acted).
    pub notes: Vec<String>,
    /// An inline message (a reason is required, nothing to resubmit …).
    pub error: Option<String>,
    /// The first table row shown.
    pub scroll: usize,
    /// Set when an item or a total is above this amount: the operator
    /// types the number of items to confirm, as a single form asks for the
    /// amount. `None`: y confirms.
    pub typed_above: Option<Decimal>,
    /// The number typed.
    pub typed_count: Input,
}

impl Bulk {
    /// A bulk on `batch`, at its form if it takes a reason, else at its confirmation.
    pub fn new(verb: Verb, batch: Batch, with_reason: bool, summary: Vec<String>) -> Bulk {
        Bulk {
            verb,
            batch,
            stage: if with_reason { Stage::Edit } else { Stage::Confirm },
            reason: with_reason.then(Reason::default),
            summary,
            notes: Vec::new(),
            error: None,
            scroll: 0,
            typed_above: None,
            typed_count: Input::default(),
        }
    }

    /// The same bulk, confirmed by typing its count: an item or a total
    /// is above `above`.
    pub fn typed_above(self, above: Decimal) -> Bulk {
        Bulk { typed_above: Some(above), ..self }
    }

    /// Where keys are read.
    pub fn context(&self) -> &'static Context {
        match self.stage {
            Stage::Edit => &BULK_FORM,
            Stage::Confirm if self.typed_above.is_some() => &BULK_CONFIRM_TYPED,
            Stage::Confirm => &BULK_CONFIRM,
            Stage::Running => &BULK_RESULT,
        }
    }

    /// Whether `target` is one of the items.
    pub fn has(&self, target: &str) -> bool {
        self.batch.items.iter().any(|i| i.target == target)
    }

    /// Says that an item changed under the open form (once per item and text).
    pub fn note(&mut self, text: String) -> bool {
        if self.stage == Stage::Running || self.notes.contains(&text) {
            return false;
        }
        self.notes.push(text);
        true
    }

    /// A key typed into the focused input.
    pub fn on_key(&mut self, key: KeyEvent) -> bool {
        if self.stage == Stage::Confirm && self.typed_above.is_some() {
            return crate::input::edit(&mut self.typed_count, key);
        }
        let Some(r) = self.reason.as_mut().filter(|_| self.stage == Stage::Edit) else { return false };
        let input = if r.focus == 0 { &mut r.reason } else { &mut r.evidence };
        crate::input::edit(input, key)
    }

    /// The bulk's keys; `send` is the one command path.
    pub fn on_action(&mut self, action: Action, send: impl FnMut(Outgoing) -> u64) -> Step {
        match (&self.stage, action) {
            (Stage::Edit, Action::NextField) => {
                if let Some(r) = self.reason.as_mut() {
                    r.focus = 1 - r.focus;
                }
                Step::Changed
            }
            (Stage::Edit, Action::Open) => {
                if self.reason.as_ref().is_some_and(|r| r.reason.value().trim().is_empty()) {
                    self.error = Some("a reason is required".into());
                    return Step::Changed;
                }
                self.error = None;
                self.typed_count = Input::default();
                self.stage = Stage::Confirm;
                Step::Changed
            }
            (Stage::Edit, Action::Back) => Step::Close,
            (Stage::Confirm, Action::Confirm) if self.typed_above.is_none() => self.send_all(send),
            (Stage::Confirm, Action::Open) if self.typed_above.is_some() => {
                let n = self.batch.items.len();
                if self.typed_count.value().trim().parse::<usize>().ok() == Some(n) {
                    self.send_all(send)
                } else {
                    self.error = Some(format!("type {n} to send all {n}"));
                    Step::Changed
                }
            }
            (Stage::Confirm, Action::Back) if self.reason.is_some() => {
                self.error = None;
                self.stage = Stage::Edit;
                Step::Changed
            }
            (Stage::Confirm, Action::Back) => Step::Close,
            (Stage::Running, Action::Down) => {
                self.scroll = (self.scroll + 1).min(self.batch.items.len().saturating_sub(1));
                Step::Changed
            }
            (Stage::Running, Action::Up) => {
                self.scroll = self.scroll.saturating_sub(1);
                Step::Changed
            }
            (Stage::Running, Action::Resubmit) => {
                self.error = Some(if !self.batch.finished() {
                    "still sending: resubmit once every item has gone".into()
                } else {
                    match self.batch.resubmit(send) {
                        0 => "nothing to resubmit: every item has a definite answer".into(),
                        n => format!("resubmitting {n} under their same keys"),
                    }
                });
                Step::Changed
            }
            (Stage::Running, Action::Back) if !self.batch.finished() => {
                self.error = Some("still sending: the table closes once every item is answered".into());
                Step::Changed
            }
            (Stage::Running, Action::Back) => Step::Close,
            _ => Step::None,
        }
    }

    /// Confirmed: every item starts on its way, within the bound.
    fn send_all(&mut self, send: impl FnMut(Outgoing) -> u64) -> Step {
        self.error = None;
        self.batch.set_common(self.common());
        self.stage = Stage::Running;
        self.batch.start(send);
        Step::Changed
    }

    /// The answer to request `id`, if it is one of the items'.
    pub fn answered(&mut self, id: u64, answer: &Answer, send: impl FnMut(Outgoing) -> u64) -> bool {
        self.batch.answered(id, answer, send)
    }

    /// The fields every item carries: the reason, with the evidence added to it.
    fn common(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut fields = serde_json::Map::new();
        if let Some(r) = &self.reason {
            let (reason, evidence) = (r.reason.value().trim(), r.evidence.value().trim());
            let text =
                if evidence.is_empty() { reason.to_string() } else { format!("{reason} (evidence: {evidence})") };
            fields.insert("reason".into(), json!(text));
        }
        fields
    }
}
