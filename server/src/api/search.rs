//! `GET /v1/search`: everything a query names exactly. Thin: checks the
//! token (the viewer role is enough) and hands the query to
//! [`crate::queries::search`].

use super::AppState;
use super::auth::Authed;
use super::problem::ApiError;
use super::reads::QueryParams;
use crate::queries;
use axum::Json;
use axum::extract::State;
use ledgerdeck_client::{Problem, Role, SearchQuery, SearchResults};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Holds, transactions, wallets, merchants, outbox messages, findings and
/// audit entries whose id, reference, provider reference, merchant id,
/// idempotency key or subject id equals the trimmed query exactly (no
/// wildcards), most specific first.
#[utoipa::path(get, path = "/v1/search", tag = "reads", params(SearchQuery),
    responses((status = 200, body = SearchResults), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 422, body = Problem)),
    security(("bearer" = [])))]
async fn search(
    State(state): State<AppState>,
    auth: Authed,
    QueryParams(query): QueryParams<SearchQuery>,
) -> Result<Json<SearchResults>, ApiError> {
    auth.require(Role::Viewer)?;
    Ok(Json(queries::search(state.ledger.store(), &query).await?))
}

/// The search route.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(search))
}
