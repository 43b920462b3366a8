//! Single sign-on routes: `POST /v1/sso/session` exchanges a provider's ID
//! token for a session token (no bearer needed); `GET /v1/sso/allowlist`
//! lists who may sign in (admin). Thin: [`crate::sso`] does the work.

use super::AppState;
use super::auth::Authed;
use super::problem::{ApiError, JsonBody};
use crate::sso::{self, SsoError};
use crate::time::rfc3339;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use ledgerdeck_client::{Problem, Role, SsoAllowlistEntry, SsoSession, SsoSessionRequest};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

impl From<SsoError> for ApiError {
    fn from(e: SsoError) -> Self {
        match e {
            SsoError::Ledger(inner) => inner.into(),
            other => {
                tracing::info!(code = %other.code(), why = %other, "SSO sign-in refused");
                ApiError::new(other.code(), other.to_string())
            }
        }
    }
}

/// Verifies an OIDC ID token (signature against the provider's keys,
/// issuer, audience, expiry, verified email), checks its email against the
/// allowlists and issues a session token bound to it. A refusal writes nothing.
#[utoipa::path(post, path = "/v1/sso/session", tag = "sso", request_body = SsoSessionRequest,
    responses((status = 201, body = SsoSession),
        (status = 401, description = "SSO_TOKEN_INVALID, SSO_TOKEN_EXPIRED, SSO_WRONG_AUDIENCE", body = Problem),
        (status = 403, description = "SSO_EMAIL_UNVERIFIED, SSO_EMAIL_NOT_ALLOWED", body = Problem),
        (status = 404, description = "SSO_NOT_CONFIGURED", body = Problem),
        (status = 503, description = "SSO_PROVIDER_UNAVAILABLE", body = Problem)))]
async fn session(
    State(state): State<AppState>,
    JsonBody(body): JsonBody<SsoSessionRequest>,
) -> Result<(StatusCode, Json<SsoSession>), ApiError> {
    let issued = sso::sign_in(state.ledger.store(), state.sso.as_deref(), &body.id_token).await?;
    let session = SsoSession {
        token: issued.token,
        expires_at: rfc3339(issued.expires_at)?,
        role: issued.role,
        email: issued.email,
    };
    Ok((StatusCode::CREATED, Json(session)))
}

/// Every email allowed to sign in, admins first, then by email.
#[utoipa::path(get, path = "/v1/sso/allowlist", tag = "sso",
    responses((status = 200, body = [SsoAllowlistEntry]), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
async fn allowlist(State(state): State<AppState>, auth: Authed) -> Result<Json<Vec<SsoAllowlistEntry>>, ApiError> {
    auth.require(Role::Admin)?;
    let entries = sso::allowlist::list(state.ledger.store()).await?;
    let entries = entries
        .into_iter()
        .map(|e| {
            Ok(SsoAllowlistEntry { email: e.email, role: e.role, added_by: e.added_by, added_at: rfc3339(e.added_at)? })
        })
        .collect::<Result<Vec<_>, crate::LedgerError>>()?;
    Ok(Json(entries))
}

/// The SSO routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(session)).routes(routes!(allowlist))
}
