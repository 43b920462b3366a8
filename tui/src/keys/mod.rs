//! Keys as data. Every place keys are read (a *context*: the gate list, a
//! settle form, the palette …) has a static table of its default bindings,
//! owned by the view or component that reads it; the shared ones (global,
//! filter input, confirmation) live here. [`Keymap`] is those tables with
//! the `[keys]` overrides of `config.toml` applied: handling, the `?` help
//! overlay, the footer hints and `ledgerdeck keys` all read it, and
//! read-only mode drops the writing entries from every one of them.

mod action;
mod combo;
mod keymap;
mod overrides;

pub use action::Action;
pub use combo::{combination, label_of, parse_combination};
pub use keymap::{Binding, Keymap, KeymapError};
pub use overrides::{Overrides, OverridesError};

use crossterm::event::{KeyCode, KeyModifiers};

/// One default binding, as a context's table declares it.
#[derive(Debug, Clone, Copy)]
pub struct KeyEntry {
    /// The keys that trigger `action`.
    pub keys: &'static [KeyCode],
    /// How the keys are written in help and hints.
    pub label: &'static str,
    /// What it does, for people.
    pub description: &'static str,
    /// The action.
    pub action: Action,
    /// A second action sharing this entry's line (`j/k move`: down, then
    /// up) and its keys.
    pub reverse: Option<(Action, &'static [KeyCode])>,
    /// Whether it changes anything on the server (hidden when read-only).
    pub writes: bool,
    /// Whether the footer shows it.
    pub hint: bool,
    /// The modifiers held with every one of `keys` (none for most).
    pub modifiers: KeyModifiers,
}

/// A place where keys are read, with its default table.
#[derive(Debug)]
pub struct Context {
    /// Its name in `config.toml`'s `[keys.<name>]` and in `ledgerdeck keys`.
    pub name: &'static str,
    /// Its heading in the help overlay.
    pub title: &'static str,
    /// Its default bindings, in the order help and hints show them.
    pub entries: &'static [KeyEntry],
    /// Whether the global keys also apply (not while a prompt has the keyboard).
    pub global: bool,
    /// Whether the component reads its keys itself (the palette and its
    /// forms): the table is for help and hints only, and cannot be remapped.
    pub fixed: bool,
}

impl PartialEq for Context {
    fn eq(&self, other: &Context) -> bool {
        self.name == other.name
    }
}

impl Eq for Context {}

/// A binding shown in the footer and help.
pub const fn entry(
    keys: &'static [KeyCode],
    label: &'static str,
    description: &'static str,
    action: Action,
) -> KeyEntry {
    KeyEntry {
        keys,
        label,
        description,
        action,
        reverse: None,
        writes: false,
        hint: true,
        modifiers: KeyModifiers::NONE,
    }
}

/// One line for two opposite actions: `down` on the first keys, `up` on the others.
pub const fn pair(
    down: &'static [KeyCode],
    up: &'static [KeyCode],
    label: &'static str,
    description: &'static str,
    actions: (Action, Action),
) -> KeyEntry {
    KeyEntry {
        keys: down,
        label,
        description,
        action: actions.0,
        reverse: Some((actions.1, up)),
        writes: false,
        hint: true,
        modifiers: KeyModifiers::NONE,
    }
}

/// The same entry, kept out of the footer (help still lists it).
pub const fn quiet(mut e: KeyEntry) -> KeyEntry {
    e.hint = false;
    e
}

/// The same entry with Ctrl held (`ctrl-f`).
pub const fn ctrl(mut e: KeyEntry) -> KeyEntry {
    e.modifiers = KeyModifiers::CONTROL;
    e
}

/// The same entry, marked as changing something on the server.
pub const fn writes(mut e: KeyEntry) -> KeyEntry {
    e.writes = true;
    e
}

use KeyCode::{BackTab, Char, Down, Enter, Esc, Tab, Up};

/// j/k and the arrows: one line, the key says which way.
pub const MOVE: KeyEntry = pair(&[Char('j'), Down], &[Char('k'), Up], "j/k", "move", (Action::Down, Action::Up));
/// Esc backs out.
pub const BACK: KeyEntry = entry(&[Esc], "Esc", "back", Action::Back);
/// `n` loads the next page.
pub const MORE: KeyEntry = entry(&[Char('n')], "n", "more", Action::More);

/// The keys of every view (unless a prompt has the keyboard). The number
/// keys of the views are added by [`Keymap`] from the views' list. The
/// reconnect key is shown only while the live stream is down.
pub static GLOBAL: Context = Context {
    name: "global",
    title: "Everywhere",
    entries: &[
        entry(&[Tab], "Tab", "next view", Action::NextView),
        ctrl(entry(&[Char('r')], "Ctrl-r", "reconnect now", Action::Reconnect)),
        quiet(entry(&[BackTab], "S-Tab", "previous view", Action::PrevView)),
        quiet(entry(&[Char('t')], "t", "switch theme", Action::CycleTheme)),
        quiet(entry(&[Char(':')], ":", "command palette", Action::Palette)),
        quiet(ctrl(entry(&[Char('f')], "Ctrl-f", "find by id or reference", Action::Find))),
        quiet(entry(&[Char('g')], "g", "go to what it points to", Action::GoToLink)),
        quiet(entry(&[Char('y')], "y", "copy a value", Action::Copy)),
        quiet(entry(&[Char('e')], "e", "export to a file", Action::Export)),
        quiet(entry(&[Char('L')], "L", "session log", Action::SessionLog)),
        entry(&[Char('?')], "?", "help", Action::Help),
        entry(&[Char('q')], "q", "quit", Action::Quit),
    ],
    global: false,
    fixed: false,
};

/// Typing a list filter.
pub static FILTER_INPUT: Context = Context {
    name: "filter",
    title: "Filter",
    entries: &[entry(&[Enter], "Enter", "apply filter", Action::Open), entry(&[Esc], "Esc", "cancel", Action::Back)],
    global: false,
    fixed: false,
};

/// A chooser (copy a value, go to a link) has the keyboard.
pub static CHOOSER: Context = Context {
    name: "chooser",
    title: "Choose",
    entries: &[MOVE, entry(&[Enter], "Enter", "choose", Action::Open), entry(&[Esc], "Esc", "close", Action::Back)],
    global: false,
    fixed: false,
};

/// A yes/no question before a write is sent.
pub static CONFIRM: Context = Context {
    name: "confirm",
    title: "Confirm",
    entries: &[
        entry(&[Char('y')], "y", "confirm", Action::Confirm),
        entry(&[Char('n'), Esc], "n/Esc", "cancel", Action::Back),
    ],
    global: false,
    fixed: false,
};
