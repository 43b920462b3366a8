//! Typing into a text input: the one place a key becomes an edit.

use crossterm::event::{Event, KeyEvent};
use tui_input::Input;

/// Applies `key` to `input` as an edit (characters, Backspace, arrows…).
/// Returns whether the input took it.
pub fn edit(input: &mut Input, key: KeyEvent) -> bool {
    match tui_input::backend::crossterm::to_input_request(&Event::Key(key)) {
        Some(request) => input.handle(request).is_some(),
        None => false,
    }
}
