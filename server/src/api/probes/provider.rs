//! The `provider` component: whether each payout provider configured on
//! this instance answers its probe (cached for a few seconds).
//!
//! - **down**: a configured provider is unreachable — payouts to it cannot
//!   be submitted or confirmed;
//! - **ok**: every configured provider answered, or none is configured here.
//!
//! It does not make `ready` false: payouts reach providers only through the
//! saga, in the background and with retries, so the HTTP API can still take
//! reservations and operators' decisions; every instance sees the same
//! provider, so failing readiness would take them all out of the load
//! balancer at once and turn a payout delay into a full outage.

use super::component;
use crate::api::AppState;
use crate::time::rfc3339;
use ledgerdeck_client::{ComponentHealth, ComponentState, ProviderHealth};

/// The component and each provider's last probe.
pub(super) async fn provider_component(state: &AppState) -> (ComponentHealth, Vec<ProviderHealth>) {
    if state.providers.is_empty() {
        return (component("provider", ComponentState::Ok, "no payout provider configured on this instance"), vec![]);
    }
    let providers: Vec<ProviderHealth> = state
        .providers
        .check()
        .await
        .into_iter()
        .map(|reach| ProviderHealth {
            name: reach.name,
            reachable: reach.outcome.is_ok(),
            latency_ms: reach.outcome.as_ref().ok().map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX)),
            error: reach.outcome.err(),
            checked_at: rfc3339(reach.checked_at).unwrap_or_default(),
        })
        .collect();
    let down: Vec<String> = providers
        .iter()
        .filter(|p| !p.reachable)
        .map(|p| format!("{} unreachable ({})", p.name, p.error.as_deref().unwrap_or("no answer")))
        .collect();
    let health = if down.is_empty() {
        let names: Vec<&str> = providers.iter().map(|p| p.name.as_str()).collect();
        component("provider", ComponentState::Ok, &format!("reachable: {}", names.join(", ")))
    } else {
        component("provider", ComponentState::Down, &format!("{}: payouts cannot be submitted", down.join("; ")))
    };
    (health, providers)
}
