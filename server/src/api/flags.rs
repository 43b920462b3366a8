//! `GET /v1/flags`: every stored feature flag row. Thin: checks the token
//! (the viewer role is enough) and hands over to [`crate::flags`]. Flags are
//! set through the `set_feature_flag` command.

use super::AppState;
use super::auth::Authed;
use super::problem::ApiError;
use crate::flags;
use axum::Json;
use axum::extract::State;
use ledgerdeck_client::{FeatureFlag, Problem, Role};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Every feature flag row, by name, then scope from the broadest. A flag
/// with no rows is at its default (allowed, `fail_open`).
#[utoipa::path(get, path = "/v1/flags", tag = "flags",
    responses((status = 200, body = [FeatureFlag]), (status = 401, body = Problem)),
    security(("bearer" = [])))]
async fn list_flags(State(state): State<AppState>, auth: Authed) -> Result<Json<Vec<FeatureFlag>>, ApiError> {
    auth.require(Role::Viewer)?;
    Ok(Json(flags::list(state.ledger.store()).await?))
}

/// The flag routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_flags))
}
