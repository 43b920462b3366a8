//! Outbox: delivery stats, the message list with a `/` filter, one
//! message's deliveries and attempts, and `R` to retry a message's failing
//! and dead deliveries after a confirmation; messages marked with Space
//! (or all shown) are retried in bulk, one command per message.

mod detail;
mod filter;
mod render;

pub use filter::parse_filter;

use super::{Cx, Link, Nav, OpenRow, Target, Value, View, nav, scroll, step};
use crate::bulk::{BULK_CONFIRM, BULK_FORM, BULK_RESULT, Batch, Bulk, Concurrency, Step, Verb};
use crate::command::{Answer, CommandTarget, Keys, Outgoing};
use crate::data::{DataMsg, Request};
use crate::keys::{Action, BACK, CONFIRM, Context, FILTER_INPUT, KeyEntry, MOVE, entry, quiet, writes};
use crate::notice::{Level, problem_text};
use crate::sanitize;
use crate::theme::Theme;
use crossterm::event::KeyCode::{Char, Enter};
use crossterm::event::KeyEvent;
use ledgerdeck_client::events::LiveEvent;
use ledgerdeck_client::{OutboxMessageDetail, OutboxMessageView, OutboxSummary, Page};
use ratatui::Frame;
use ratatui::layout::Rect;
use std::collections::{BTreeMap, HashMap};
use tui_input::Input;

const RETRY: KeyEntry = writes(entry(&[Char('R')], "R", "retry deliveries", Action::Retry));

/// The message list has the keyboard.
pub static OUTBOX_LIST: Context = Context {
    name: "outbox",
    title: "Outbox",
    entries: &[
        MOVE,
        entry(&[Char('/')], "/", "filter", Action::Filter),
        entry(&[Enter], "Enter", "open", Action::Open),
        RETRY,
        entry(&[Char(' ')], "Space", "mark", Action::Mark),
        quiet(entry(&[Char('a')], "a", "mark all shown", Action::MarkAll)),
        quiet(entry(&[Char('u')], "u", "clear marks", Action::ClearMarks)),
    ],
    global: true,
    fixed: false,
};

/// One message is open.
pub static OUTBOX_DETAIL: Context = Context {
    name: "message",
    title: "Outbox message",
    entries: &[MOVE, BACK, writes(entry(&[Char('R')], "R", "retry failing and dead deliveries", Action::Retry))],
    global: true,
    fixed: false,
};

/// What the Outbox view shows.
#[derive(Debug, Default)]
pub struct OutboxState {
    /// The delivery counters.
    pub stats: Option<OutboxSummary>,
    /// The first page for the applied filter.
    pub messages: Option<Page<OutboxMessageView>>,
    /// The selected row among the shown (filtered) messages.
    pub selected: usize,
    /// The filter applied (sent to the server).
    pub filter: String,
    /// The filter being typed, while `/` is open.
    pub editing: Option<Input>,
    /// The message opened with Enter.
    pub open: Option<String>,
    /// Its detail, once it arrived.
    pub detail: Option<OutboxMessageDetail>,
    /// How far the detail is scrolled.
    pub scroll: u16,
    /// The message whose retry waits for the operator's yes.
    pub confirm: Option<String>,
    /// The retry keys kept, single and bulk alike: while a bulk retry is
    /// open its batch holds them.
    retry_keys: Keys<CommandTarget>,
    retrying: HashMap<u64, String>,
    /// The marked messages: id → how they are shown.
    pub marks: BTreeMap<String, String>,
    /// The bulk retry open.
    pub bulk: Option<Bulk>,
    /// Bulk commands in flight at most (`[bulk] concurrency`).
    pub bulk_limit: Concurrency,
}

impl OutboxState {
    /// The filter text in force: the one being typed, else the applied one.
    fn filter_text(&self) -> &str {
        self.editing.as_ref().map_or(&self.filter, |i| i.value())
    }

    /// The messages shown, after the filter being typed.
    pub fn shown(&self) -> Vec<&OutboxMessageView> {
        let text = self.filter_text();
        self.messages.iter().flat_map(|p| &p.items).filter(|m| filter::matches(m, text)).collect()
    }

    /// The id of the message a retry would act on.
    pub fn target(&self) -> Option<String> {
        self.open.clone().or_else(|| self.shown().get(self.selected).map(|m| m.id.clone()))
    }

    /// The request for the list under the applied filter.
    pub fn list_request(&self) -> Request {
        Request::LoadOutboxMessages { filter: parse_filter(&self.filter) }
    }

    /// The idempotency key kept for a message's retry, if one is outstanding.
    pub fn retry_key(&self, message_id: &str) -> Option<&str> {
        let keys = self.bulk.as_ref().map_or(&self.retry_keys, |b| b.batch.keys());
        keys.kept(&retry_target(message_id))
    }

    /// The keys kept for retries: the open bulk's, else the view's.
    fn keys_mut(&mut self) -> &mut Keys<CommandTarget> {
        match self.bulk.as_mut() {
            Some(bulk) => bulk.batch.keys_mut(),
            None => &mut self.retry_keys,
        }
    }

    /// The message the view is about: the open one, else the selected one.
    fn current(&self) -> Option<&OutboxMessageView> {
        match &self.open {
            Some(id) => self.detail.as_ref().map(|d| &d.message).filter(|m| &m.id == id),
            None => self.shown().get(self.selected).copied(),
        }
    }

    fn set_stats(&mut self, stats: &OutboxSummary) -> bool {
        if self.stats.as_ref() == Some(stats) {
            return false;
        }
        self.stats = Some(*stats);
        true
    }

    /// Takes a fresh page of messages.
    fn set_messages(&mut self, page: &Page<OutboxMessageView>) -> bool {
        if self.messages.as_ref() == Some(page) {
            return false;
        }
        self.messages = Some(page.clone());
        self.selected = self.selected.min(self.shown().len().saturating_sub(1));
        true
    }

    /// Takes a message's detail if it is the one open.
    fn set_detail(&mut self, detail: &OutboxMessageDetail) -> bool {
        if self.open.as_deref() != Some(&detail.message.id) || self.detail.as_ref() == Some(detail) {
            return false;
        }
        self.detail = Some(detail.clone());
        true
    }

    /// A message as a bulk item shows it.
    fn label(m: &OutboxMessageView) -> String {
        format!("{} {}", m.event_type, m.subject_id)
    }

    /// Space: marks or unmarks the selected message.
    fn toggle_mark(&mut self) -> bool {
        let Some(m) = self.shown().get(self.selected).copied() else { return false };
        let (id, label) = (m.id.clone(), Self::label(m));
        if self.marks.remove(&id).is_none() {
            self.marks.insert(id, label);
        }
        true
    }

    /// `a`: marks every message shown (the loaded page, after the filter).
    fn mark_all(&mut self) -> bool {
        let shown: Vec<(String, String)> = self.shown().iter().map(|m| (m.id.clone(), Self::label(m))).collect();
        let before = self.marks.len();
        self.marks.extend(shown);
        self.marks.len() != before
    }

    /// `R` with marks: the bulk retry's confirmation, keys made now.
    fn open_bulk(&mut self) -> bool {
        let items = self
            .marks
            .iter()
            .map(|(id, label)| (id.clone(), label.clone(), serde_json::json!({ "message_id": id })))
            .collect();
        let n = self.marks.len();
        let summary = vec![
            format!("Retry {n} message{}", if n == 1 { "" } else { "s" }),
            "Each one's failing and dead deliveries to enabled endpoints become due now, attempts reset.".into(),
        ];
        let batch = Batch::new(RETRY_COMMAND, items, std::mem::take(&mut self.retry_keys), self.bulk_limit.0);
        let verb = Verb { title: "Retry", past: "retried", noun: "messages" };
        self.bulk = Some(Bulk::new(verb, batch, false, summary));
        true
    }

    /// A key while the bulk retry is open; closing keeps the marks and keys
    /// of the messages without a definite answer.
    fn bulk_action(&mut self, action: Action, cx: &mut Cx) -> bool {
        let Some(bulk) = self.bulk.as_mut() else { return false };
        match bulk.on_action(action, |o| cx.send(o)) {
            Step::None => false,
            Step::Changed => true,
            Step::Close => {
                let bulk = self.bulk.take().expect("open");
                for item in bulk.batch.items.iter().filter(|i| !i.outcome.unanswered()) {
                    self.marks.remove(&item.target);
                }
                self.retry_keys = bulk.batch.into_keys();
                true
            }
        }
    }

    /// `R`: the confirmation opens, and with it the retry's key.
    fn ask_retry(&mut self) -> bool {
        let Some(message_id) = self.target() else { return false };
        self.retry_keys.key(&retry_target(&message_id));
        self.confirm = Some(message_id);
        true
    }

    /// `y`: the retry goes out with the key kept for the message.
    fn retry(&mut self, cx: &mut Cx) -> bool {
        let Some(message_id) = self.confirm.take() else { return false };
        let key = self.retry_keys.key(&retry_target(&message_id));
        let body = serde_json::json!({ "message_id": message_id });
        let id = cx.send(Outgoing { command: RETRY_COMMAND.into(), body, key });
        cx.notify(Level::Info, format!("retrying {}…", sanitize::cell(&message_id, 40)));
        self.retrying.insert(id, message_id);
        true
    }
}

/// The command that retries a message.
const RETRY_COMMAND: &str = "retry_outbox_message";

/// What a retry's key is kept for.
fn retry_target(message_id: &str) -> CommandTarget {
    (RETRY_COMMAND.to_string(), message_id.to_string())
}

/// Every context the view reads keys in.
static CONTEXTS: [&Context; 7] =
    [&OUTBOX_LIST, &OUTBOX_DETAIL, &FILTER_INPUT, &CONFIRM, &BULK_FORM, &BULK_CONFIRM, &BULK_RESULT];

impl View for OutboxState {
    fn contexts(&self) -> &'static [&'static Context] {
        &CONTEXTS
    }

    fn context(&self) -> &'static Context {
        if let Some(bulk) = &self.bulk {
            return bulk.context();
        }
        match (&self.confirm, &self.editing, &self.open) {
            (Some(_), _, _) => &CONFIRM,
            (None, Some(_), _) => &FILTER_INPUT,
            (None, None, Some(_)) => &OUTBOX_DETAIL,
            (None, None, None) => &OUTBOX_LIST,
        }
    }

    fn refresh(&mut self, cx: &mut Cx) {
        cx.read(Request::LoadOutboxStats);
        cx.read(self.list_request());
        if let Some(id) = self.open.clone() {
            cx.read(Request::LoadOutboxMessage(id));
        }
    }

    fn on_action(&mut self, action: Action, cx: &mut Cx) -> bool {
        if self.bulk.is_some() {
            return self.bulk_action(action, cx);
        }
        let context = self.context();
        match action {
            Action::Confirm if context == &CONFIRM => return self.retry(cx),
            Action::Back if context == &CONFIRM => {
                self.confirm = None;
                return true;
            }
            Action::Retry if context == &OUTBOX_LIST && !self.marks.is_empty() => return self.open_bulk(),
            Action::Retry => return self.ask_retry(),
            _ => {}
        }
        match (context.name, action) {
            ("filter", Action::Open) => {
                self.filter = self.editing.take().map(|i| i.value().trim().to_string()).unwrap_or_default();
                self.selected = 0;
                cx.read(self.list_request());
                true
            }
            ("filter", Action::Back) => {
                self.editing = None;
                true
            }
            ("outbox", Action::Mark) => self.toggle_mark(),
            ("outbox", Action::MarkAll) => self.mark_all(),
            ("outbox", Action::ClearMarks) => {
                let had = !self.marks.is_empty();
                self.marks.clear();
                had
            }
            ("outbox", Action::Filter) => {
                self.editing = Some(Input::new(self.filter.clone()));
                true
            }
            ("outbox", Action::Down | Action::Up) => {
                let n = self.shown().len();
                step(&mut self.selected, n, action)
            }
            ("outbox", Action::Open) => {
                let Some(id) = self.shown().get(self.selected).map(|m| m.id.clone()) else { return false };
                if self.detail.as_ref().is_none_or(|d| d.message.id != id) {
                    self.detail = None;
                }
                self.open = Some(id.clone());
                self.scroll = 0;
                cx.read(Request::LoadOutboxMessage(id));
                true
            }
            ("message", Action::Down | Action::Up) => scroll(&mut self.scroll, action),
            ("message", Action::Back) => {
                self.open = None;
                true
            }
            _ => false,
        }
    }

    fn on_key(&mut self, key: KeyEvent, _cx: &mut Cx) -> bool {
        let Some(input) = self.editing.as_mut() else { return false };
        if !crate::input::edit(input, key) {
            return false;
        }
        self.selected = 0;
        true
    }

    fn on_data(&mut self, msg: &DataMsg, _cx: &mut Cx) -> bool {
        match msg {
            DataMsg::OutboxStats(stats) => self.set_stats(stats),
            DataMsg::OutboxMessages(page) => self.set_messages(page),
            DataMsg::OutboxMessage(detail) => self.set_detail(detail),
            _ => false,
        }
    }

    fn on_live(&mut self, event: &LiveEvent, cx: &mut Cx) -> bool {
        let LiveEvent::OutboxStats(stats) = event else { return false };
        if cx.shown {
            cx.read(self.list_request());
        }
        self.set_stats(stats)
    }

    fn on_answer(&mut self, id: u64, answer: &Answer, cx: &mut Cx) -> bool {
        if let Some(bulk) = self.bulk.as_mut()
            && bulk.answered(id, answer, |o| cx.send(o))
        {
            if bulk.batch.finished() {
                cx.notify(Level::Ok, bulk.batch.progress(bulk.verb.past));
                cx.refresh_me();
            }
            return true;
        }
        let Some(message_id) = self.retrying.remove(&id) else { return false };
        self.keys_mut().answered(&retry_target(&message_id), answer);
        match answer {
            Answer::Done(result) => {
                let replayed = if result.replayed { " (replayed)" } else { "" };
                cx.notify(Level::Ok, format!("retry queued for {}{replayed}", sanitize::cell(&message_id, 40)));
                cx.refresh_me();
            }
            // Outcome unknown: the key is kept, so confirming again replays, not repeats.
            Answer::NoAnswer { detail } => cx.notify(
                Level::Error,
                format!(
                    "retry: no answer from the server ({}); R again resends with the same key",
                    sanitize::cell(detail, 60)
                ),
            ),
            Answer::Refused { code, detail, .. } => {
                cx.notify(Level::Error, problem_text("retry", code.as_deref(), detail))
            }
        }
        true
    }

    fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        render::render(frame, area, self, theme);
    }

    fn open(&mut self, target: &Target, cx: &mut Cx) -> bool {
        let Target::Message(id) = target else { return false };
        self.editing = None;
        self.confirm = None;
        if self.detail.as_ref().is_none_or(|d| &d.message.id != id) {
            self.detail = None;
        }
        self.open = Some(id.clone());
        self.scroll = 0;
        cx.read(Request::LoadOutboxMessage(id.clone()));
        true
    }

    fn crumbs(&self) -> Vec<String> {
        let Some(id) = &self.open else { return Vec::new() };
        let name = self.current().map_or_else(|| id.clone(), |m| m.event_type.clone());
        vec![format!("message {}", crate::sanitize::cell(&name, 24))]
    }

    fn save(&self) -> Nav {
        Box::new(OpenRow { selected: self.selected, open: self.open.clone(), scroll: self.scroll })
    }

    fn restore(&mut self, saved: Nav, cx: &mut Cx) {
        let place: OpenRow = nav(saved);
        self.selected = place.selected.min(self.shown().len().saturating_sub(1));
        if let Some(id) = place.open.as_ref().filter(|id| self.open.as_ref() != Some(id)) {
            cx.read(Request::LoadOutboxMessage(id.clone()));
        }
        self.open = place.open;
        self.scroll = place.scroll;
    }

    fn links(&self) -> Vec<Link> {
        let Some(m) = self.current() else { return Vec::new() };
        let subject = Target::of_event(&m.event_type, &m.subject_id);
        subject.map(|t| vec![Link::new(format!("subject {}", m.subject_id), t)]).unwrap_or_default()
    }

    /// Outbox messages have no export.
    fn export(&self) -> Result<crate::export::Exportable, &'static str> {
        Err("outbox messages have no export")
    }

    fn values(&self) -> Vec<Value> {
        let Some(m) = self.current() else { return Vec::new() };
        vec![
            Value::field("message id", "message_id", m.id.clone()),
            Value::copy("subject id", m.subject_id.clone()),
            Value::copy("event type", m.event_type.clone()),
        ]
    }
}
