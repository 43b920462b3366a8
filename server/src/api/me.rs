//! `GET /v1/me`: who the caller is — the token's operator name, role, id,
//! expiry, and how its holder signed in. Any valid token may ask.

use super::AppState;
use super::auth::Authed;
use super::problem::ApiError;
use crate::time::rfc3339;
use axum::Json;
use ledgerdeck_client::{Me, Problem};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The caller's operator name, role, token id, expiry and sign-in.
#[utoipa::path(get, path = "/v1/me", tag = "reads",
    responses((status = 200, body = Me), (status = 401, body = Problem)),
    security(("bearer" = [])))]
async fn me(auth: Authed) -> Result<Json<Me>, ApiError> {
    let Authed(caller) = auth;
    Ok(Json(Me {
        name: caller.name,
        role: caller.role,
        token_id: caller.token_id,
        sign_in: caller.sign_in,
        email: caller.email,
        expires_at: caller.expires_at.map(rfc3339).transpose()?,
    }))
}

/// The `me` route.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(me))
}
