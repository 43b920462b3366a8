//! `/livez`, `/readyz`, `/healthz`: unauthenticated probes.

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
            .filter(|c| c.state == ComponentState::Down)
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

/// Checks every component now.
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
    let components = vec![database, api];
    let ready = components.iter().all(|c| c.state != ComponentState::Down);
    HealthReport { ok: true, ready, components }
}

fn component(name: &str, state: ComponentState, detail: &str) -> ComponentHealth {
    ComponentHealth { name: name.into(), state, detail: super::sanitize(detail) }
}

/// The probe routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(livez)).routes(routes!(readyz)).routes(routes!(healthz))
}
