//! A background watch that turns state changes nobody posts into live
//! events: component health (`health.changed`) and the outbox backlog
//! (`outbox.stats`), each published only when it changes.

use super::AppState;
use super::probes::health;
use crate::queries::outbox_stats;
use ledgerdeck_client::ComponentState;
use ledgerdeck_client::events::LiveEvent;
use tokio_util::sync::CancellationToken;

/// What a published `outbox.stats` must differ in (not the ages, which move
/// every second).
fn changes(stats: &ledgerdeck_client::OutboxSummary) -> [i64; 6] {
    [stats.pending, stats.failing, stats.dead, stats.delivered_5m, stats.delivered_1h, stats.delivered_24h]
}

/// What a published `health.changed` must differ in: the verdicts and each
/// component's state, not the details, ages and latencies (a degraded
/// component's detail says how long, and moves every second).
fn states(report: &ledgerdeck_client::HealthReport) -> (bool, bool, Vec<(String, ComponentState)>) {
    let components = report.components.iter().map(|c| (c.name.clone(), c.state)).collect();
    (report.ok, report.ready, components)
}

/// Watches until `stop` is cancelled.
pub async fn watch(state: AppState, stop: CancellationToken) {
    let mut every = tokio::time::interval(state.config.monitor_interval);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_health = None;
    let mut last_pending = None;
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = every.tick() => {}
        }
        let report = health(&state).await;
        let seen = states(&report);
        if last_health.as_ref() != Some(&seen) {
            state.events.announce(LiveEvent::HealthChanged(report));
            last_health = Some(seen);
        }
        match outbox_stats(state.ledger.store()).await {
            Ok(stats) if last_pending != Some(changes(&stats)) => {
                last_pending = Some(changes(&stats));
                state.events.announce(LiveEvent::OutboxStats(stats));
            }
            Ok(_) => {}
            Err(e) => tracing::debug!(error = %e, "outbox stats unavailable"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::states;
    use ledgerdeck_client::{ComponentHealth, ComponentState, HealthReport, WorkerHealth};

    fn report(age_ms: i64, saga: ComponentState) -> HealthReport {
        let detail = format!("1 live worker, oldest due hold waited {age_ms} ms");
        HealthReport {
            ok: true,
            ready: true,
            components: vec![ComponentHealth { name: "saga".into(), state: saga, detail }],
            workers: vec![WorkerHealth {
                worker_id: "w".into(),
                instance: "h:1".into(),
                live: true,
                started_at: String::new(),
                last_round_at: String::new(),
                last_round_age_ms: age_ms,
                behind_ms: 0,
                handled: 0,
            }],
            providers: vec![],
        }
    }

    /// A worker's beat and a degraded component's detail age every second:
    /// that alone must not announce a `health.changed`, while a component's
    /// change of state must.
    #[test]
    fn ages_alone_are_no_change_but_states_are() {
        assert_eq!(states(&report(100, ComponentState::Ok)), states(&report(900, ComponentState::Ok)));
        assert_ne!(states(&report(100, ComponentState::Ok)), states(&report(100, ComponentState::Down)));
    }
}
