//! Outbox read routes for operators (the viewer role is enough): delivery
//! stats, messages with filters and cursor paging, one message with its
//! deliveries and attempts, and the webhook endpoints (never their
//! secrets). Writes (endpoints, retries, test events) are registry commands.

use super::AppState;
use super::auth::Authed;
use super::problem::ApiError;
use super::reads::QueryParams;
use crate::queries;
use axum::Json;
use axum::extract::{Path, State};
use ledgerdeck_client::{
    OutboxMessageDetail, OutboxMessageQuery, OutboxMessageView, OutboxSummary, Page, Problem, Role, WebhookEndpointView,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Outbox and delivery figures: pending, oldest pending age, failing, dead,
/// delivered over the last 5 minutes, hour and day.
#[utoipa::path(get, path = "/v1/outbox/stats", tag = "outbox",
    responses((status = 200, body = OutboxSummary), (status = 401, body = Problem)),
    security(("bearer" = [])))]
async fn outbox_stats(State(state): State<AppState>, auth: Authed) -> Result<Json<OutboxSummary>, ApiError> {
    auth.require(Role::Viewer)?;
    Ok(Json(queries::outbox_stats(state.ledger.store()).await?))
}

/// Outbox messages, newest first, with their deliveries counted by status.
#[utoipa::path(get, path = "/v1/outbox/messages", tag = "outbox", params(OutboxMessageQuery),
    responses((status = 200, body = Page<OutboxMessageView>), (status = 400, body = Problem),
        (status = 401, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
async fn list_outbox_messages(
    State(state): State<AppState>,
    auth: Authed,
    QueryParams(query): QueryParams<OutboxMessageQuery>,
) -> Result<Json<Page<OutboxMessageView>>, ApiError> {
    auth.require(Role::Viewer)?;
    Ok(Json(queries::list_outbox_messages(state.ledger.store(), &query).await?))
}

/// One outbox message with its payload, deliveries and every attempt.
#[utoipa::path(get, path = "/v1/outbox/messages/{id}", tag = "outbox",
    params(("id" = String, Path, description = "The message's id")),
    responses((status = 200, body = OutboxMessageDetail), (status = 401, body = Problem),
        (status = 404, body = Problem)),
    security(("bearer" = [])))]
async fn get_outbox_message(
    State(state): State<AppState>,
    auth: Authed,
    Path(id): Path<String>,
) -> Result<Json<OutboxMessageDetail>, ApiError> {
    auth.require(Role::Viewer)?;
    Ok(Json(queries::get_outbox_message(state.ledger.store(), &id).await?))
}

/// Every webhook endpoint, without its secret.
#[utoipa::path(get, path = "/v1/webhook-endpoints", tag = "outbox",
    responses((status = 200, body = Vec<WebhookEndpointView>), (status = 401, body = Problem)),
    security(("bearer" = [])))]
async fn list_webhook_endpoints(
    State(state): State<AppState>,
    auth: Authed,
) -> Result<Json<Vec<WebhookEndpointView>>, ApiError> {
    auth.require(Role::Viewer)?;
    Ok(Json(queries::list_webhook_endpoints(state.ledger.store()).await?))
}

/// The outbox routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(outbox_stats))
        .routes(routes!(list_outbox_messages))
        .routes(routes!(get_outbox_message))
        .routes(routes!(list_webhook_endpoints))
}
