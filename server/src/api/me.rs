//! `GET /v1/me`: who the caller is — the token's operator name and role.
//! Any valid token may ask.

use super::AppState;
use super::auth::Authed;
use axum::Json;
use ledgerdeck_client::{Me, Problem};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The caller's operator name and role.
#[utoipa::path(get, path = "/v1/me", tag = "reads",
    responses((status = 200, body = Me), (status = 401, body = Problem)),
    security(("bearer" = [])))]
async fn me(auth: Authed) -> Json<Me> {
    let Authed(caller) = auth;
    Json(Me { name: caller.name, role: caller.role })
}

/// The `me` route.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(me))
}
