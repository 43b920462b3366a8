//! Gate routes: each gate's standing, run history, findings per gate and
//! one finding. Thin: checks the token (viewer is enough) and hands over to
//! [`crate::queries`]. Runs are asked for with the `run_gates` command.

use super::AppState;
use super::auth::Authed;
use super::problem::ApiError;
use super::reads::QueryParams;
use crate::queries;
use axum::Json;
use axum::extract::{Path, State};
use ledgerdeck_client::{FindingQuery, FindingView, GateRunQuery, GateRunView, GateView, Page, Problem, Role};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Every gate, with its status, open findings and last run.
#[utoipa::path(get, path = "/v1/gates", tag = "gates",
    responses((status = 200, body = [GateView]), (status = 401, body = Problem)),
    security(("bearer" = [])))]
async fn list_gates(State(state): State<AppState>, auth: Authed) -> Result<Json<Vec<GateView>>, ApiError> {
    auth.require(Role::Viewer)?;
    Ok(Json(queries::list_gates(state.ledger.store()).await?))
}

/// Gate runs, newest first: one row per gate per run.
#[utoipa::path(get, path = "/v1/gates/runs", tag = "gates", params(GateRunQuery),
    responses((status = 200, body = Page<GateRunView>), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 422, body = Problem)),
    security(("bearer" = [])))]
async fn list_gate_runs(
    State(state): State<AppState>,
    auth: Authed,
    QueryParams(query): QueryParams<GateRunQuery>,
) -> Result<Json<Page<GateRunView>>, ApiError> {
    auth.require(Role::Viewer)?;
    Ok(Json(queries::list_gate_runs(state.ledger.store(), &query).await?))
}

/// A gate's findings, newest first, optionally only `OPEN` or `RESOLVED`.
#[utoipa::path(get, path = "/v1/gates/{gate}/findings", tag = "gates",
    params(("gate" = String, Path, description = "The gate, e.g. wallet_drift"), FindingQuery),
    responses((status = 200, body = Page<FindingView>), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
async fn list_findings(
    State(state): State<AppState>,
    auth: Authed,
    Path(gate): Path<String>,
    QueryParams(query): QueryParams<FindingQuery>,
) -> Result<Json<Page<FindingView>>, ApiError> {
    auth.require(Role::Viewer)?;
    Ok(Json(queries::list_findings(state.ledger.store(), &gate, &query).await?))
}

/// One finding with its expected and actual figures.
#[utoipa::path(get, path = "/v1/findings/{id}", tag = "gates",
    params(("id" = String, Path, description = "The finding's id")),
    responses((status = 200, body = FindingView), (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
async fn get_finding(
    State(state): State<AppState>,
    auth: Authed,
    Path(id): Path<String>,
) -> Result<Json<FindingView>, ApiError> {
    auth.require(Role::Viewer)?;
    Ok(Json(queries::get_finding(state.ledger.store(), &id).await?))
}

/// The gate routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_gates))
        .routes(routes!(list_gate_runs))
        .routes(routes!(list_findings))
        .routes(routes!(get_finding))
}
