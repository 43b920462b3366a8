//! Four eyes, read: `GET /v1/approval-policies`, `GET /v1/approvals` (the
//! queue with `status=pending`, oldest first) and `GET /v1/approvals/{id}`.
//! Thin: the viewer role is enough; policies are set and proposals decided
//! through the `set_approval_policy`, `approve_proposal` and
//! `reject_proposal` commands.

use super::AppState;
use super::auth::Authed;
use super::problem::ApiError;
use super::reads::QueryParams;
use crate::queries;
use axum::Json;
use axum::extract::{Path, State};
use ledgerdeck_client::{ApprovalPolicy, Page, Problem, ProposalQuery, ProposalView, Role};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Every approval policy, by command.
#[utoipa::path(get, path = "/v1/approval-policies", tag = "approvals",
    responses((status = 200, body = [ApprovalPolicy]), (status = 401, body = Problem)),
    security(("bearer" = [])))]
async fn list_policies(State(state): State<AppState>, auth: Authed) -> Result<Json<Vec<ApprovalPolicy>>, ApiError> {
    auth.require(Role::Viewer)?;
    Ok(Json(queries::list_policies(state.ledger.store()).await?))
}

/// Proposals: the pending queue oldest first, any other status newest first.
#[utoipa::path(get, path = "/v1/approvals", tag = "approvals", params(ProposalQuery),
    responses((status = 200, body = Page<ProposalView>), (status = 400, body = Problem),
        (status = 401, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
async fn list_proposals(
    State(state): State<AppState>,
    auth: Authed,
    QueryParams(query): QueryParams<ProposalQuery>,
) -> Result<Json<Page<ProposalView>>, ApiError> {
    auth.require(Role::Viewer)?;
    Ok(Json(queries::list_proposals(state.ledger.store(), &query).await?))
}

/// One proposal, with its decision.
#[utoipa::path(get, path = "/v1/approvals/{id}", tag = "approvals",
    params(("id" = String, Path, description = "The proposal's id")),
    responses((status = 200, body = ProposalView), (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
async fn get_proposal(
    State(state): State<AppState>,
    auth: Authed,
    Path(id): Path<String>,
) -> Result<Json<ProposalView>, ApiError> {
    auth.require(Role::Viewer)?;
    Ok(Json(queries::get_proposal(state.ledger.store(), &id).await?))
}

/// The approval routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_policies)).routes(routes!(list_proposals)).routes(routes!(get_proposal))
}
