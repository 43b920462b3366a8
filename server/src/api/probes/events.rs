//! The `events` component: this instance's live event stream — how many
//! streams are open and how far the change-log tailer is behind.
//!
//! - **degraded**: the oldest committed change not yet delivered has waited
//!   more than [`EVENTS_BEHIND_LIMIT`], or the tailer has not read the log
//!   for that long (or not yet);
//! - **ok** otherwise.
//!
//! Never down and never affects `ready`: events are not the money path, and
//! the cockpit's periodic refresh still catches up.

use super::component;
use crate::api::AppState;
use crate::store::now_micros;
use ledgerdeck_client::{ComponentHealth, ComponentState};
use std::time::Duration;

/// How far behind, or how long without a read, the stream may be before it
/// is degraded.
pub const EVENTS_BEHIND_LIMIT: Duration = Duration::from_secs(5);

/// The component, from the hub's own account.
pub(super) fn events_component(state: &AppState) -> ComponentHealth {
    let health = state.events.health();
    let limit = i64::try_from(EVENTS_BEHIND_LIMIT.as_micros()).unwrap_or(i64::MAX);
    let streams = if health.subscribers == 1 {
        "1 stream open".to_string()
    } else {
        format!("{} streams open", health.subscribers)
    };
    let since_read = health.last_read_at.map(|at| now_micros().saturating_sub(at));
    match since_read {
        None => component("events", ComponentState::Degraded, &format!("{streams}; the change log was not read yet")),
        Some(quiet) if quiet > limit => component(
            "events",
            ComponentState::Degraded,
            &format!("{streams}; the change log was last read {} s ago", quiet / 1_000_000),
        ),
        Some(_) if health.behind_micros > limit => component(
            "events",
            ComponentState::Degraded,
            &format!("{streams}; delivery is {} s behind the change log", health.behind_micros / 1_000_000),
        ),
        Some(_) => component("events", ComponentState::Ok, &format!("{streams}; delivery current")),
    }
}
