//! Hold ages in the colours of the server's thresholds.

use super::PayoutsState;
use crate::theme::Theme;
use crate::widgets::{age, age_against};
use ratatui::text::Span;

/// An age coloured against the threshold its status answers to: the review
/// SLA in manual review, the stuck threshold while reserved or submitted.
pub fn age_span(state: &PayoutsState, status: &str, secs: i64, theme: &Theme) -> Span<'static> {
    match status {
        "manual_review" => age_against(secs, state.sla_seconds, theme),
        "reserved" | "submitted" => age_against(secs, state.stuck_seconds, theme),
        _ => Span::styled(age(secs), theme.text),
    }
}
