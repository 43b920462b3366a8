//! Typing into a text input (the one place a key becomes an edit), and what
//! a key did to a form.

use crossterm::event::{Event, KeyEvent};
use tui_input::Input;

/// What a key did to a form of a view (settle, release, a new token).
#[derive(Debug, PartialEq, Eq)]
pub enum Step {
    /// Nothing.
    None,
    /// Something visible changed.
    Changed,
    /// Send it now.
    Send,
    /// Close the form.
    Close,
}

/// Applies `key` to `input` as an edit (characters, Backspace, arrows…).
/// Returns whether the input took it.
pub fn edit(input: &mut Input, key: KeyEvent) -> bool {
    match tui_input::backend::crossterm::to_input_request(&Event::Key(key)) {
        Some(request) => input.handle(request).is_some(),
        None => false,
    }
}

/// A list's `/` filter: the text applied (sent to the server) and, while
/// the operator types, the input.
#[derive(Debug, Clone, Default)]
pub struct FilterLine {
    /// The filter in force.
    pub applied: String,
    /// The filter being typed, while `/` is open.
    pub editing: Option<Input>,
}

impl FilterLine {
    /// `/`: starts typing, from the filter in force.
    pub fn start(&mut self) {
        self.editing = Some(Input::new(self.applied.clone()));
    }

    /// Enter: the typed filter is the one in force.
    pub fn apply(&mut self) {
        self.applied = self.editing.take().map(|i| i.value().trim().to_string()).unwrap_or_default();
    }

    /// Esc: typing stops, the filter in force stays.
    pub fn cancel(&mut self) {
        self.editing = None;
    }

    /// Whether the filter is being typed.
    pub fn is_editing(&self) -> bool {
        self.editing.is_some()
    }

    /// A key typed into the filter; whether it took it.
    pub fn key(&mut self, key: KeyEvent) -> bool {
        self.editing.as_mut().is_some_and(|input| edit(input, key))
    }
}
