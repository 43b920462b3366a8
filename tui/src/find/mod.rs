//! The find box (Ctrl-f from any view): an id, a reference, a provider
//! reference, a merchant id or an idempotency key; hits appear as one types
//! (the server is asked once a whole tick — 250 ms — has passed without a
//! key, so 250 to 500 ms after the last one), Enter opens the hit in its own
//! view. Its keys are fixed (Enter, Esc, the arrows); everything else is
//! typed, control characters included (the server matches text exactly).

mod render;

pub use render::render;

use crate::data::Request;
use crate::keys::{Action, Context, entry, pair};
use crate::views::Target;
use crossterm::event::KeyCode::{self, BackTab, Down, Enter, Esc, Tab, Up};
use crossterm::event::KeyEvent;
use ledgerdeck_client::search::{HitKind, SearchHit, SearchQuery, SearchResults};
use tui_input::Input;

/// Hits asked for at most.
pub const HITS: i64 = 20;

/// The find box has the keyboard.
pub static FIND: Context = Context {
    name: "find",
    title: "Find",
    entries: &[
        pair(&[Down, Tab], &[Up, BackTab], "↑/↓", "choose", (Action::Down, Action::Up)),
        entry(&[Enter], "Enter", "open", Action::Open),
        entry(&[Esc], "Esc", "close", Action::Back),
    ],
    global: false,
    fixed: true,
};

/// The find box.
#[derive(Debug, Default)]
pub struct FindState {
    /// The text typed, while the box is open.
    pub input: Option<Input>,
    /// The hits for the text asked last.
    pub results: Option<SearchResults>,
    /// The selected hit.
    pub selected: usize,
    typing: Typing,
    asked: Option<String>,
}

/// Where the text typed stands against the ticks.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Typing {
    /// Nothing typed since the last search.
    #[default]
    Asked,
    /// A key came since the last tick.
    Typed,
    /// A tick has passed since the last key: the next quiet one asks.
    Pausing,
}

/// What a key did in the find box.
#[derive(Debug, Default, PartialEq)]
pub struct Found {
    /// Something visible changed.
    pub changed: bool,
    /// A search to send now.
    pub search: Option<Request>,
    /// A hit to open (the box closed).
    pub open: Option<Target>,
}

/// Where a hit opens.
pub fn target_of(hit: &SearchHit, query: &str) -> Option<Target> {
    Some(match hit.kind {
        HitKind::Hold => Target::Hold(hit.id.clone()),
        HitKind::Transaction => Target::Transaction(hit.id.clone()),
        HitKind::Wallet => Target::Wallet { id: hit.id.clone(), line: None },
        HitKind::Merchant => Target::Merchant(hit.id.clone()),
        HitKind::OutboxMessage => Target::Message(hit.id.clone()),
        HitKind::Finding => Target::Finding { gate: hit.gate.clone()?, id: hit.id.clone() },
        // The audit log is filtered on what was typed (a key or a subject).
        HitKind::AuditEntry => Target::Audit(query.to_string()),
    })
}

impl FindState {
    /// Whether the box has the keyboard.
    pub fn is_open(&self) -> bool {
        self.input.is_some()
    }

    /// Opens the box, empty.
    pub fn open(&mut self) {
        *self = FindState { input: Some(Input::default()), ..FindState::default() };
    }

    /// The text typed, trimmed.
    pub fn query(&self) -> &str {
        self.input.as_ref().map_or("", |i| i.value().trim())
    }

    fn search(&mut self) -> Option<Request> {
        let q = self.query().to_string();
        self.typing = Typing::Asked;
        if q.is_empty() || self.asked.as_ref() == Some(&q) {
            return None;
        }
        self.asked = Some(q.clone());
        Some(Request::Search(SearchQuery { q, limit: Some(HITS) }))
    }

    /// A key while the box is open.
    pub fn on_key(&mut self, key: KeyEvent) -> Found {
        let hits = self.results.as_ref().map_or(0, |r| r.hits.len());
        match key.code {
            KeyCode::Esc => {
                *self = FindState::default();
                Found { changed: true, ..Found::default() }
            }
            KeyCode::Down | KeyCode::Tab if self.selected + 1 < hits => {
                self.selected += 1;
                Found { changed: true, ..Found::default() }
            }
            KeyCode::Up | KeyCode::BackTab if self.selected > 0 => {
                self.selected -= 1;
                Found { changed: true, ..Found::default() }
            }
            KeyCode::Enter => {
                let fresh = self.results.as_ref().is_some_and(|r| r.query == self.query());
                let query = self.query().to_string();
                match self.results.as_ref().filter(|_| fresh).and_then(|r| r.hits.get(self.selected)) {
                    Some(hit) => {
                        let open = target_of(hit, &query);
                        *self = FindState::default();
                        Found { changed: true, open, ..Found::default() }
                    }
                    // Not searched yet (or no hit): ask now rather than wait.
                    None => Found { changed: false, search: self.search(), ..Found::default() },
                }
            }
            _ => {
                let Some(input) = self.input.as_mut() else { return Found::default() };
                if !crate::input::edit(input, key) {
                    return Found::default();
                }
                self.typing = Typing::Typed;
                self.selected = 0;
                Found { changed: true, ..Found::default() }
            }
        }
    }

    /// A tick: after a whole tick without a key, the server is asked.
    pub fn on_tick(&mut self) -> Option<Request> {
        match self.typing {
            Typing::Asked => None,
            Typing::Typed => {
                self.typing = Typing::Pausing;
                None
            }
            Typing::Pausing => self.search(),
        }
    }

    /// Takes hits if they answer the text asked last.
    pub fn take(&mut self, results: &SearchResults) -> bool {
        if !self.is_open() || self.asked.as_deref() != Some(results.query.as_str()) {
            return false;
        }
        self.selected = self.selected.min(results.hits.len().saturating_sub(1));
        self.results = Some(results.clone());
        true
    }
}
