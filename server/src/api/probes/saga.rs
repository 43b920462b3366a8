//! The `saga` component: the payout saga's workers, from their heartbeats,
//! against the due holds nobody has taken.
//!
//! - **down**: holds are due and no worker has beaten recently — payouts
//!   are not moving;
//! - **degraded**: the oldest due hold has waited more than
//!   [`SAGA_BEHIND_LIMIT`], a worker has gone with no live one left, or the
//!   heartbeats cannot be read;
//! - **ok** otherwise (also when no worker ever ran and nothing is due).
//!
//! It never makes `ready` false: the workers may run anywhere, and taking
//! this instance out of a load balancer moves no payout.

use super::component;
use crate::api::AppState;
use crate::queries::{DueHolds, due_holds, saga_workers};
use crate::store::now_micros;
use ledgerdeck_client::{ComponentHealth, ComponentState, WorkerHealth};
use std::time::Duration;

/// How long the oldest due hold may wait before the saga is degraded.
pub const SAGA_BEHIND_LIMIT: Duration = Duration::from_secs(60);

/// The component and every worker with a heartbeat.
pub(super) async fn saga_component(state: &AppState) -> (ComponentHealth, Vec<WorkerHealth>) {
    let store = state.ledger.store();
    let now = now_micros();
    let read = async { Ok::<_, crate::LedgerError>((saga_workers(store, now).await?, due_holds(store, now).await?)) };
    match tokio::time::timeout(Duration::from_secs(2), read).await {
        Ok(Ok((workers, due))) => (judge(&workers, due), workers),
        Ok(Err(e)) => (component("saga", ComponentState::Degraded, &format!("heartbeats unavailable: {e}")), vec![]),
        Err(_) => (component("saga", ComponentState::Degraded, "heartbeats unavailable within 2 s"), vec![]),
    }
}

/// The component's state for these workers and due holds.
fn judge(workers: &[WorkerHealth], due: DueHolds) -> ComponentHealth {
    let live = workers.iter().filter(|w| w.live).count();
    let gone = workers.len() - live;
    let gone_note = if gone > 0 { format!("; {gone} gone") } else { String::new() };
    let holds = |n: i64| if n == 1 { "1 hold".to_string() } else { format!("{n} holds") };
    let limit = i64::try_from(SAGA_BEHIND_LIMIT.as_micros()).unwrap_or(i64::MAX);
    if live == 0 && due.count > 0 {
        let detail = format!("{} due and no live saga worker: payouts are not moving{gone_note}", holds(due.count));
        component("saga", ComponentState::Down, &detail)
    } else if live == 0 && gone > 0 {
        component("saga", ComponentState::Degraded, &format!("no live saga worker ({gone} gone); no hold due"))
    } else if live == 0 {
        component("saga", ComponentState::Ok, "no saga worker has run; no hold due")
    } else if due.oldest_micros > limit {
        let detail = format!(
            "{} due, the oldest waiting {} s; {}{gone_note}",
            holds(due.count),
            due.oldest_micros / 1_000_000,
            workers_live(live)
        );
        component("saga", ComponentState::Degraded, &detail)
    } else {
        component("saga", ComponentState::Ok, &format!("{}, due holds current{gone_note}", workers_live(live)))
    }
}

fn workers_live(n: usize) -> String {
    if n == 1 { "1 live worker".into() } else { format!("{n} live workers") }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn worker(live: bool) -> WorkerHealth {
        WorkerHealth {
            worker_id: "w".into(),
            instance: "host:1".into(),
            live,
            started_at: String::new(),
            last_round_at: String::new(),
            last_round_age_ms: 0,
            behind_ms: 0,
            handled: 0,
        }
    }

    /// Each state the saga component documents, from workers and due holds:
    /// due holds without a live worker are down; gone workers alone or a
    /// backlog past the limit degrade; a live worker keeping up is ok.
    #[test]
    fn the_states_follow_workers_and_due_holds() {
        let none = DueHolds { count: 0, oldest_micros: 0 };
        let due = DueHolds { count: 3, oldest_micros: 2_000_000 };
        let late = DueHolds { count: 3, oldest_micros: 61_000_000 };
        let state = |w: &[WorkerHealth], d| judge(w, d).state;
        assert_eq!(state(&[], due), ComponentState::Down);
        assert_eq!(state(&[worker(false)], due), ComponentState::Down);
        assert_eq!(state(&[worker(false)], none), ComponentState::Degraded);
        assert_eq!(state(&[], none), ComponentState::Ok);
        assert_eq!(state(&[worker(true)], due), ComponentState::Ok);
        assert_eq!(state(&[worker(true), worker(false)], late), ComponentState::Degraded);
        assert_eq!(judge(&[], due).detail, "3 holds due and no live saga worker: payouts are not moving");
        assert_eq!(judge(&[worker(true), worker(false)], none).detail, "1 live worker, due holds current; 1 gone");
    }
}
