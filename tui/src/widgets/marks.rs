//! States as coloured words with a mark that reads without colour.

use crate::theme::Theme;
use ledgerdeck_client::{ComponentState, GateStatus};
use ratatui::text::Span;

/// A gate status as a coloured word with a mark that reads without colour.
pub fn gate_status(status: GateStatus, theme: &Theme) -> Span<'static> {
    let (mark, style) = match status {
        GateStatus::Green => ("● green", theme.ok),
        GateStatus::Amber => ("▲ amber", theme.warn),
        GateStatus::Red => ("✖ red", theme.error),
        GateStatus::Unknown => ("? never", theme.muted),
    };
    Span::styled(mark, style)
}

/// An age against the limit it answers to (a review SLA, a stuck
/// threshold): red once past it, amber past half of it.
pub fn age_against(secs: i64, limit: i64, theme: &Theme) -> Span<'static> {
    let style = if secs >= limit {
        theme.error
    } else if secs * 2 >= limit {
        theme.warn
    } else {
        theme.text
    };
    Span::styled(super::age(secs), style)
}

/// A component state as a coloured word with a mark.
pub fn component_state(state: ComponentState, theme: &Theme) -> Span<'static> {
    match state {
        ComponentState::Ok => Span::styled("● ok", theme.ok),
        ComponentState::Degraded => Span::styled("▲ degraded", theme.warn),
        ComponentState::Down => Span::styled("✖ down", theme.error),
    }
}

/// A yes/no as a coloured mark.
pub fn yes_no(value: bool, theme: &Theme) -> Span<'static> {
    if value { Span::styled("✓", theme.ok) } else { Span::styled("✖ no", theme.error) }
}
