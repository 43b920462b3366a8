//! Keys as data: one static table per context. Handling, the `?` help
//! overlay and the footer hints all read these tables, and read-only mode
//! drops the writing entries from all three.

use crate::data::ViewId;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// What a key does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Leave the cockpit.
    Quit,
    /// Show or hide the help overlay.
    Help,
    /// The next view.
    NextView,
    /// The previous view.
    PrevView,
    /// A view by its number.
    GoTo(ViewId),
    /// The next colour theme.
    CycleTheme,
    /// Selection up.
    Up,
    /// Selection down.
    Down,
    /// Open the selection.
    Open,
    /// Back out one level.
    Back,
    /// Edit the list filter.
    Filter,
    /// Run the reconciliation gates now (writes).
    RunGates,
    /// Retry a message's failing and dead deliveries (writes).
    Retry,
    /// Confirm the pending action.
    Confirm,
    /// Open the command palette.
    Palette,
    /// Load the next page of a paged list.
    More,
    /// Reverse the selected transaction (writes, through its form).
    Reverse,
    /// Set a feature flag (writes, through its form).
    SetFlag,
    /// Open the settle form for a hold (writes).
    Settle,
    /// Open the release form for a hold (writes).
    Release,
    /// The next status filter of the payouts queue.
    CycleStatus,
    /// The next sort order of the payouts queue.
    CycleSort,
    /// The next field of a form.
    NextField,
}

/// Where keys are read; each has its own table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    /// Everywhere (unless a prompt has the keyboard).
    Global,
    /// The Overview.
    Overview,
    /// The Gates view, with the gate list focused.
    GateList,
    /// The Gates view, with the findings focused.
    GateFindings,
    /// The Outbox message list.
    OutboxList,
    /// One outbox message.
    OutboxDetail,
    /// Typing a filter.
    FilterInput,
    /// A confirmation prompt.
    Confirm,
    /// The wallet list.
    Wallets,
    /// One wallet's statement.
    WalletStatement,
    /// The transaction list.
    Ledger,
    /// One transaction.
    LedgerDetail,
    /// Flags and provider events.
    Controls,
    /// The audit log.
    Audit,
    /// The command palette (its keys are read by `palette.rs`; the table
    /// feeds the footer and help).
    Palette,
    /// A generated command form (keys read by `palette.rs`).
    CommandForm,
    /// The Payouts queue.
    PayoutsList,
    /// One hold, its history and its wallet.
    HoldDetail,
    /// A settle or release form (typing).
    HoldForm,
    /// A settle or release form's confirmation step.
    HoldConfirm,
    /// A command's result card.
    ResultCard,
}

/// One key binding.
#[derive(Debug, Clone, Copy)]
pub struct KeyEntry {
    /// The keys that trigger it.
    pub keys: &'static [KeyCode],
    /// How the keys are written in help and hints.
    pub label: &'static str,
    /// What it does, for people.
    pub description: &'static str,
    /// The action.
    pub action: Action,
    /// Whether it changes anything on the server (hidden when read-only).
    pub writes: bool,
    /// Whether the footer shows it.
    pub hint: bool,
}

const fn entry(keys: &'static [KeyCode], label: &'static str, description: &'static str, action: Action) -> KeyEntry {
    KeyEntry { keys, label, description, action, writes: false, hint: true }
}

const fn quiet(mut e: KeyEntry) -> KeyEntry {
    e.hint = false;
    e
}

const fn writes(mut e: KeyEntry) -> KeyEntry {
    e.writes = true;
    e
}

use KeyCode::{BackTab, Char, Down, Enter, Esc, Tab, Up};

/// j/k and the arrows: one entry, the key says which way.
const MOVE: KeyEntry = entry(&[Char('j'), Down, Char('k'), Up], "j/k", "move", Action::Down);
const BACK: KeyEntry = entry(&[Esc], "Esc", "back", Action::Back);

static GLOBAL: [KeyEntry; 14] = [
    quiet(entry(&[Char('1')], "1", "Overview", Action::GoTo(ViewId::Overview))),
    quiet(entry(&[Char('2')], "2", "Gates", Action::GoTo(ViewId::Gates))),
    quiet(entry(&[Char('3')], "3", "Payouts", Action::GoTo(ViewId::Payouts))),
    quiet(entry(&[Char('4')], "4", "Outbox", Action::GoTo(ViewId::Outbox))),
    quiet(entry(&[Char('5')], "5", "Wallets", Action::GoTo(ViewId::Wallets))),
    quiet(entry(&[Char('6')], "6", "Ledger", Action::GoTo(ViewId::Ledger))),
    quiet(entry(&[Char('7')], "7", "Controls", Action::GoTo(ViewId::Controls))),
    quiet(entry(&[Char('8')], "8", "Audit", Action::GoTo(ViewId::Audit))),
    entry(&[Tab], "Tab", "next view", Action::NextView),
    quiet(entry(&[BackTab], "S-Tab", "previous view", Action::PrevView)),
    quiet(entry(&[Char('t')], "t", "switch theme", Action::CycleTheme)),
    quiet(entry(&[Char(':')], ":", "command palette", Action::Palette)),
    entry(&[Char('?')], "?", "help", Action::Help),
    entry(&[Char('q')], "q", "quit", Action::Quit),
];

static OVERVIEW: [KeyEntry; 0] = [];

static GATE_LIST: [KeyEntry; 3] = [
    MOVE,
    entry(&[Enter], "Enter", "findings", Action::Open),
    writes(entry(&[Char('r')], "r", "run gates now", Action::RunGates)),
];

static GATE_FINDINGS: [KeyEntry; 3] = [MOVE, BACK, writes(entry(&[Char('r')], "r", "run gates now", Action::RunGates))];

static OUTBOX_LIST: [KeyEntry; 4] = [
    MOVE,
    entry(&[Char('/')], "/", "filter", Action::Filter),
    entry(&[Enter], "Enter", "open", Action::Open),
    writes(entry(&[Char('R')], "R", "retry deliveries", Action::Retry)),
];

static OUTBOX_DETAIL: [KeyEntry; 3] =
    [MOVE, BACK, writes(entry(&[Char('R')], "R", "retry failing and dead deliveries", Action::Retry))];

static FILTER_INPUT: [KeyEntry; 2] =
    [entry(&[Enter], "Enter", "apply filter", Action::Open), entry(&[Esc], "Esc", "cancel", Action::Back)];

const MORE: KeyEntry = entry(&[Char('n')], "n", "more", Action::More);

static WALLETS: [KeyEntry; 3] = [MOVE, entry(&[Enter], "Enter", "statement", Action::Open), MORE];

static WALLET_STATEMENT: [KeyEntry; 1] = [BACK];

static LEDGER: [KeyEntry; 4] = [
    MOVE,
    entry(&[Enter], "Enter", "open", Action::Open),
    MORE,
    writes(entry(&[Char('x')], "x", "reverse", Action::Reverse)),
];

static LEDGER_DETAIL: [KeyEntry; 2] = [BACK, writes(entry(&[Char('x')], "x", "reverse", Action::Reverse))];

static CONTROLS: [KeyEntry; 3] = [MOVE, MORE, writes(entry(&[Char('f')], "f", "set flag", Action::SetFlag))];

static AUDIT: [KeyEntry; 3] = [MOVE, entry(&[Char('/')], "/", "filter by actor", Action::Filter), MORE];

static PALETTE: [KeyEntry; 3] = [
    entry(&[Down, Up], "↑/↓", "choose", Action::Down),
    entry(&[Enter], "Enter", "open form", Action::Open),
    entry(&[Esc], "Esc", "close", Action::Back),
];

static COMMAND_FORM: [KeyEntry; 4] = [
    entry(&[Tab, BackTab], "Tab/S-Tab", "field", Action::Down),
    quiet(entry(&[], "←/→", "cycle a choice", Action::Down)),
    entry(&[Enter], "Enter", "check and confirm", Action::Confirm),
    entry(&[Esc], "Esc", "close", Action::Back),
];

static CONFIRM: [KeyEntry; 2] =
    [entry(&[Char('y')], "y", "confirm", Action::Confirm), entry(&[Char('n'), Esc], "n/Esc", "cancel", Action::Back)];

static PAYOUTS_LIST: [KeyEntry; 7] = [
    MOVE,
    entry(&[Enter], "Enter", "open hold", Action::Open),
    entry(&[Char('/')], "/", "filter", Action::Filter),
    entry(&[Char('S')], "S", "status", Action::CycleStatus),
    entry(&[Char('o')], "o", "sort (loaded rows)", Action::CycleSort),
    writes(entry(&[Char('s')], "s", "settle", Action::Settle)),
    writes(entry(&[Char('r')], "r", "release", Action::Release)),
];

static HOLD_DETAIL: [KeyEntry; 4] = [
    BACK,
    writes(entry(&[Char('s')], "s", "settle", Action::Settle)),
    writes(entry(&[Char('r')], "r", "release", Action::Release)),
    quiet(entry(&[Char('j'), Down, Char('k'), Up], "j/k", "scroll", Action::Down)),
];

static HOLD_FORM: [KeyEntry; 3] = [
    entry(&[Enter], "Enter", "next / send", Action::Open),
    entry(&[Tab, BackTab, Down, Up], "Tab", "next field", Action::NextField),
    entry(&[Esc], "Esc", "cancel", Action::Back),
];

static HOLD_CONFIRM: [KeyEntry; 2] =
    [entry(&[Char('y')], "y", "confirm", Action::Confirm), entry(&[Char('n'), Esc], "n/Esc", "back", Action::Back)];

static RESULT_CARD: [KeyEntry; 1] = [entry(&[Esc, Enter], "Esc", "close", Action::Back)];

impl Context {
    /// This context's table, every entry.
    pub fn table(self) -> &'static [KeyEntry] {
        match self {
            Context::Global => &GLOBAL,
            Context::Overview => &OVERVIEW,
            Context::GateList => &GATE_LIST,
            Context::GateFindings => &GATE_FINDINGS,
            Context::OutboxList => &OUTBOX_LIST,
            Context::OutboxDetail => &OUTBOX_DETAIL,
            Context::FilterInput => &FILTER_INPUT,
            Context::Confirm => &CONFIRM,
            Context::Wallets => &WALLETS,
            Context::WalletStatement => &WALLET_STATEMENT,
            Context::Ledger => &LEDGER,
            Context::LedgerDetail => &LEDGER_DETAIL,
            Context::Controls => &CONTROLS,
            Context::Audit => &AUDIT,
            Context::Palette => &PALETTE,
            Context::CommandForm => &COMMAND_FORM,
            Context::PayoutsList => &PAYOUTS_LIST,
            Context::HoldDetail => &HOLD_DETAIL,
            Context::HoldForm => &HOLD_FORM,
            Context::HoldConfirm => &HOLD_CONFIRM,
            Context::ResultCard => &RESULT_CARD,
        }
    }

    /// Whether the global keys also apply (not while a prompt has the keyboard).
    pub fn with_global(self) -> bool {
        !matches!(
            self,
            Context::FilterInput
                | Context::Confirm
                | Context::Palette
                | Context::CommandForm
                | Context::HoldForm
                | Context::HoldConfirm
        )
    }

    /// The entries in force: this context's, then the global ones, without
    /// writing entries in read-only mode.
    pub fn entries(self, read_only: bool) -> impl Iterator<Item = &'static KeyEntry> {
        let global: &'static [KeyEntry] = if self.with_global() { &GLOBAL } else { &[] };
        self.table().iter().chain(global).filter(move |e| !(read_only && e.writes))
    }

    /// The action of `key` here, if any. Keys with Ctrl or Alt held match nothing.
    pub fn lookup(self, key: &KeyEvent, read_only: bool) -> Option<Action> {
        if key.modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) {
            return None;
        }
        let action = self.entries(read_only).find(|e| e.keys.contains(&key.code))?.action;
        // One entry covers both directions; the key says which.
        Some(match (action, key.code) {
            (Action::Down, Char('k') | Up) => Action::Up,
            (action, _) => action,
        })
    }

    /// The footer hints, in table order.
    pub fn hints(self, read_only: bool) -> impl Iterator<Item = &'static KeyEntry> {
        self.entries(read_only).filter(|e| e.hint)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn read_only_drops_writing_keys_from_handling_and_hints() {
        let r = key(Char('r'));
        assert_eq!(Context::GateList.lookup(&r, false), Some(Action::RunGates));
        assert_eq!(Context::GateList.lookup(&r, true), None);
        assert!(Context::GateList.hints(false).any(|e| e.label == "r"));
        assert!(!Context::GateList.hints(true).any(|e| e.writes));
        assert!(!Context::OutboxDetail.entries(true).any(|e| e.action == Action::Retry));
    }

    #[test]
    fn prompts_do_not_take_global_keys() {
        assert_eq!(Context::FilterInput.lookup(&key(Char('q')), false), None);
        assert_eq!(Context::Confirm.lookup(&key(Esc), false), Some(Action::Back));
        assert_eq!(Context::Overview.lookup(&key(Char('q')), false), Some(Action::Quit));
    }

    #[test]
    fn control_keys_do_not_match_plain_entries() {
        let ctrl_r = KeyEvent::new(Char('r'), KeyModifiers::CONTROL);
        assert_eq!(Context::GateList.lookup(&ctrl_r, false), None);
    }

    #[test]
    fn number_keys_keep_the_product_numbering() {
        assert_eq!(Context::Global.lookup(&key(Char('4')), false), Some(Action::GoTo(ViewId::Outbox)));
        assert_eq!(Context::Global.lookup(&key(Char('3')), false), Some(Action::GoTo(ViewId::Payouts)));
        assert_eq!(Context::PayoutsList.lookup(&key(Char('s')), true), None);
        assert_eq!(Context::Global.lookup(&key(Char('8')), false), Some(Action::GoTo(ViewId::Audit)));
    }
}
