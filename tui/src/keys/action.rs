//! What a key does: the cockpit's verbs, each with the name a `[keys]`
//! table in `config.toml` calls it by.

use std::borrow::Cow;

/// What a key does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    /// Leave the cockpit.
    Quit,
    /// Show or hide the help overlay.
    Help,
    /// The next view.
    NextView,
    /// The previous view.
    PrevView,
    /// The view with this number.
    GoTo(u8),
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
    /// Find anything by id or reference.
    Find,
    /// Go to what the selection points to (a chooser when it points to several).
    GoToLink,
    /// Copy a value of the selection to the clipboard (a chooser).
    Copy,
    /// Run only the selected gate (writes).
    RunOne,
    /// A routine run of every gate (writes).
    RunRoutine,
    /// Show resolved findings too, or only open ones.
    ToggleResolved,
    /// Show the gates' run history.
    History,
    /// Fix what a finding says, where the cockpit can (writes).
    Fix,
    /// Send a hold to manual review (writes, through its form).
    ToReview,
    /// Reconnect the live stream now instead of waiting (only while it is down).
    Reconnect,
    /// Mark or unmark the selected row for a bulk action.
    Mark,
    /// Mark every row that matches the list's filter (across pages).
    MarkAll,
    /// Clear every mark.
    ClearMarks,
    /// Send again a bulk's items that have no definite answer (writes).
    Resubmit,
    /// Export the list the view shows, with its filter, to a file (a read).
    Export,
    /// Ask for a time and show the open wallet's balances as of it.
    AsOf,
    /// Show or hide the record of the commands this cockpit sent.
    SessionLog,
    /// Approve the selected proposal (writes, through its form).
    Approve,
    /// Reject the selected proposal (writes, through its form).
    Reject,
    /// Make a new one (a token, through its form; writes).
    Create,
    /// Revoke the selected token (writes, after a confirmation).
    Revoke,
}

/// Every action with a fixed name, in the order `ledgerdeck keys` lists them.
const NAMED: [(Action, &str); 43] = [
    (Action::Quit, "quit"),
    (Action::Help, "help"),
    (Action::NextView, "next_view"),
    (Action::PrevView, "prev_view"),
    (Action::CycleTheme, "theme"),
    (Action::Palette, "palette"),
    (Action::Reconnect, "reconnect"),
    (Action::Up, "up"),
    (Action::Down, "down"),
    (Action::Open, "open"),
    (Action::Back, "back"),
    (Action::Filter, "filter"),
    (Action::More, "more"),
    (Action::Confirm, "confirm"),
    (Action::NextField, "next_field"),
    (Action::RunGates, "run_gates"),
    (Action::Retry, "retry"),
    (Action::Reverse, "reverse"),
    (Action::SetFlag, "set_flag"),
    (Action::Settle, "settle"),
    (Action::Release, "release"),
    (Action::CycleStatus, "cycle_status"),
    (Action::CycleSort, "cycle_sort"),
    (Action::Find, "find"),
    (Action::GoToLink, "go_to"),
    (Action::Copy, "copy"),
    (Action::RunOne, "run_gate"),
    (Action::RunRoutine, "run_routine"),
    (Action::ToggleResolved, "toggle_resolved"),
    (Action::History, "history"),
    (Action::Fix, "fix"),
    (Action::ToReview, "to_review"),
    (Action::Mark, "mark"),
    (Action::MarkAll, "mark_all"),
    (Action::ClearMarks, "clear_marks"),
    (Action::Resubmit, "resubmit"),
    (Action::Export, "export"),
    (Action::AsOf, "as_of"),
    (Action::SessionLog, "session_log"),
    (Action::Approve, "approve"),
    (Action::Reject, "reject"),
    (Action::Create, "create"),
    (Action::Revoke, "revoke"),
];

impl Action {
    /// The action's name in a `[keys]` table: `settle`, `view_3`.
    pub fn name(self) -> Cow<'static, str> {
        match self {
            Action::GoTo(n) => Cow::Owned(format!("view_{n}")),
            _ => Cow::Borrowed(NAMED.iter().find(|(a, _)| *a == self).map_or("?", |(_, n)| n)),
        }
    }

    /// The action a `[keys]` table names, if there is one.
    pub fn parse(name: &str) -> Option<Action> {
        if let Some(n) = name.strip_prefix("view_") {
            return n.parse().ok().map(Action::GoTo);
        }
        NAMED.iter().find(|(_, n)| *n == name).map(|(a, _)| *a)
    }

    /// Every name `parse` takes, for an error message (`view_N` for the views).
    pub fn known_names() -> impl Iterator<Item = &'static str> {
        NAMED.iter().map(|(_, n)| *n).chain(["view_0 … view_9"])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_a_name_that_parses_back() {
        for (action, name) in NAMED {
            assert_eq!(action.name(), name);
            assert_eq!(Action::parse(name), Some(action));
        }
        assert_eq!(Action::parse("view_3"), Some(Action::GoTo(3)));
        assert_eq!(Action::GoTo(3).name(), "view_3");
        assert_eq!(Action::parse("view_0"), Some(Action::GoTo(0)));
        assert_eq!(Action::parse("view_x"), None);
        assert_eq!(Action::parse("setle"), None);
    }
}
