//! `/livez`, `/readyz`, `/healthz`: unauthenticated probes.
//!
//! `ready` is decided by the components of the money path this instance
//! serves ([`FEEDS_READY`]); `saga`, `provider` and `events` are reported,
//! with their own states, but never take the instance out of a load
//! balancer (see each one's module for why).

mod events;
mod provider;
mod saga;

pub use events::EVENTS_BEHIND_LIMIT;
pub use saga::SAGA_BEHIND_LIMIT;

use super::AppState;
use super::problem::ApiError;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use ledgerdeck_client::{ComponentHealth, ComponentState, ErrorCode, HealthReport, Problem};
use std::time::Duration;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The process answers. Never touches the database, so a slow database does
/// not get the process restarted.
#[utoipa::path(get, path = "/livez", tag = "probes", responses((status = 200, description = "alive")))]
async fn livez() -> Json<serde_json::Value> {
    Json(serde_json::json!({"status": "ok"}))
}

/// The money path is usable: database reachable, migrations applied, not draining.
#[utoipa::path(get, path = "/readyz", tag = "probes",
    responses((status = 200, description = "ready"), (status = 503, body = Problem)))]
async fn readyz(State(state): State<AppState>) -> Result<Json<serde_json::Value>, ApiError> {
    let report = health(&state).await;
    if report.ready {
        Ok(Json(serde_json::json!({"status": "ready"})))
    } else {
        let why: Vec<String> = report
            .components
            .iter()
            .filter(|c| c.state == ComponentState::Down && FEEDS_READY.contains(&c.name.as_str()))
            .map(|c| format!("{}: {}", c.name, c.detail))
            .collect();
        Err(ApiError::new(ErrorCode::Unavailable, format!("not ready: {}", why.join("; "))))
    }
}

/// Each component's state, with `ok` (the process) and `ready` (the money path).
#[utoipa::path(get, path = "/healthz", tag = "probes",
    responses((status = 200, body = HealthReport), (status = 503, body = HealthReport)))]
async fn healthz(State(state): State<AppState>) -> (StatusCode, Json<HealthReport>) {
    let report = health(&state).await;
    let status = if report.ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, Json(report))
}

/// The components whose `down` makes the instance not ready.
pub const FEEDS_READY: [&str; 4] = ["database", "api", "delivery", "gates"];

/// Checks every component now (provider probes may come from a short cache).
pub async fn health(state: &AppState) -> HealthReport {
    let database = match tokio::time::timeout(Duration::from_secs(2), state.ledger.store().migrations_current()).await {
        Ok(Ok(true)) => component("database", ComponentState::Ok, "reachable, migrations applied"),
        Ok(Ok(false)) => component("database", ComponentState::Down, "migrations pending"),
        Ok(Err(e)) => component("database", ComponentState::Down, &format!("unreachable: {e}")),
        Err(_) => component("database", ComponentState::Down, "no answer within 2 s"),
    };
    let api = if state.is_draining() {
        component("api", ComponentState::Down, "draining for shutdown")
    } else {
        component("api", ComponentState::Ok, "accepting requests")
    };
    let (delivery, gates, (saga, workers), (provider, providers)) = tokio::join!(
        delivery_component(state),
        gates_component(state),
        saga::saga_component(state),
        provider::provider_component(state),
    );
    let mut components = vec![database, api, delivery, gates];
    let ready = components.iter().all(|c| c.state != ComponentState::Down || !FEEDS_READY.contains(&c.name.as_str()));
    components.extend([saga, provider, events::events_component(state)]);
    HealthReport { ok: true, ready, components, workers, providers }
}

/// How long the oldest undelivered work may wait before the `delivery`
/// component is degraded.
pub const DELIVERY_BACKLOG_LIMIT_SECS: i64 = 300;

/// Webhook delivery: degraded while dead deliveries exist or the oldest
/// pending work is older than [`DELIVERY_BACKLOG_LIMIT_SECS`]; never down
/// (the money path does not depend on it).
async fn delivery_component(state: &AppState) -> ComponentHealth {
    let stats = tokio::time::timeout(Duration::from_secs(2), crate::queries::outbox_stats(state.ledger.store())).await;
    match stats {
        Ok(Ok(s)) => {
            let age = s.oldest_pending_age_seconds.unwrap_or(0);
            if s.dead > 0 {
                component("delivery", ComponentState::Degraded, &format!("{} dead deliveries", s.dead))
            } else if age > DELIVERY_BACKLOG_LIMIT_SECS {
                component("delivery", ComponentState::Degraded, &format!("oldest pending work is {age} s old"))
            } else {
                component("delivery", ComponentState::Ok, "no dead deliveries, backlog current")
            }
        }
        Ok(Err(e)) => component("delivery", ComponentState::Degraded, &format!("stats unavailable: {e}")),
        Err(_) => component("delivery", ComponentState::Degraded, "stats unavailable within 2 s"),
    }
}

/// The gate scheduler: degraded when the last run failed, or when no run
/// (from any instance) started within three intervals while this process
/// schedules them; never down (gates only detect).
async fn gates_component(state: &AppState) -> ComponentHealth {
    let config = state.ledger.gates().config();
    let last = sqlx::query_as::<_, (i64, Option<String>)>(
        "SELECT started_at, error FROM gate_runs ORDER BY started_at DESC, gate LIMIT 1",
    )
    .fetch_optional(state.ledger.store().pool());
    let window = i64::try_from(config.interval.as_micros()).unwrap_or(i64::MAX / 4).saturating_mul(3);
    match tokio::time::timeout(Duration::from_secs(2), last).await {
        Ok(Ok(Some((_, Some(error))))) => {
            component("gates", ComponentState::Degraded, &format!("last run failed: {error}"))
        }
        Ok(Ok(Some((at, None)))) if !config.scheduled || crate::store::now_micros() - at <= window => {
            component("gates", ComponentState::Ok, "running on schedule")
        }
        Ok(Ok(_)) if config.scheduled => {
            component("gates", ComponentState::Degraded, "no gate run within three scheduler intervals")
        }
        Ok(Ok(_)) => component("gates", ComponentState::Ok, "scheduler off in this process; on-demand runs only"),
        Ok(Err(e)) => component("gates", ComponentState::Degraded, &format!("run history unavailable: {e}")),
        Err(_) => component("gates", ComponentState::Degraded, "run history unavailable within 2 s"),
    }
}

fn component(name: &str, state: ComponentState, detail: &str) -> ComponentHealth {
    ComponentHealth { name: name.into(), state, detail: super::sanitize(detail) }
}

/// The probe routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(livez)).routes(routes!(readyz)).routes(routes!(healthz))
}
