//! `/v1/tokens`: operator tokens as a managed resource, for admins. Create
//! (the token is in the answer, once), list (never a secret) and revoke.
//! Thin: checks the role and the body, hands over to [`crate::access`],
//! which audits every change.
//!
//! Creating is deliberately not idempotent: the server keeps only a hash of
//! a secret, so a replay could not answer the token again. A client that
//! lost an answer finds the token by name in the list and revokes it.

use super::AppState;
use super::auth::Authed;
use super::problem::{ApiError, JsonBody};
use crate::access::{self, NewToken, TokenInfo};
use crate::error::{LedgerError, LedgerResult};
use crate::store::now_micros;
use crate::time::rfc3339;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use ledgerdeck_client::{CreateToken, CreatedToken, FieldError, Problem, Role, TokenView};
use serde_json::Value;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// A stored token on the wire.
pub fn token_view(info: TokenInfo) -> LedgerResult<TokenView> {
    let time = |at: Option<i64>| at.map(rfc3339).transpose();
    Ok(TokenView {
        id: info.id,
        name: info.name,
        role: info.role,
        sign_in: info.sign_in,
        email: info.email,
        created_at: rfc3339(info.created_at)?,
        expires_at: time(info.expires_at)?,
        last_used_at: time(info.last_used_at)?,
        revoked_at: time(info.revoked_at)?,
    })
}

/// Reads a create body, collecting every bad field.
fn parse_create(body: &Value) -> Result<(String, Role, Option<i64>), LedgerError> {
    let Some(body) = body.as_object() else {
        return Err(LedgerError::field("body", "must be a JSON object"));
    };
    let mut errors = Vec::new();
    let name = match body.get("name").and_then(Value::as_str).map(str::trim) {
        Some(name) => match access::name_problem(name) {
            Some(why) => {
                errors.push(FieldError::new("name", why));
                None
            }
            None => Some(name.to_string()),
        },
        None => {
            errors.push(FieldError::new("name", "required: a string of 1 to 64 printable characters"));
            None
        }
    };
    let role = body.get("role").and_then(Value::as_str).and_then(access::parse_role);
    if role.is_none() {
        errors.push(FieldError::new("role", "required: viewer, operator or admin"));
    }
    let expires = match body.get("expires_in_seconds") {
        None | Some(Value::Null) => Ok(None),
        Some(value) => match value.as_i64() {
            Some(seconds) => access::expiry_after(now_micros(), seconds).map(Some),
            None => Err(LedgerError::field("expires_in_seconds", "must be a whole number of seconds")),
        },
    };
    let expires = expires.unwrap_or_else(|e| {
        errors.extend(e.field_errors().iter().cloned());
        None
    });
    match (name, role) {
        (Some(name), Some(role)) if errors.is_empty() => Ok((name, role, expires)),
        _ => Err(LedgerError::Validation(errors)),
    }
}

/// Makes a token. The answer carries the token itself, this once; the
/// server keeps only a hash of its secret. Not idempotent (see the module).
#[utoipa::path(post, path = "/v1/tokens", tag = "access", request_body = CreateToken,
    responses((status = 201, body = CreatedToken), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 422, description = "a bad name, role or lifetime", body = Problem)),
    security(("bearer" = [])))]
async fn create_token(
    State(state): State<AppState>,
    auth: Authed,
    JsonBody(body): JsonBody<Value>,
) -> Result<(StatusCode, Json<CreatedToken>), ApiError> {
    let caller = auth.require(Role::Admin)?;
    let (name, role, expires_at) = parse_create(&body)?;
    let store = state.ledger.store();
    let new = NewToken { expires_at, ..NewToken::named(&name, role) };
    let (id, token) = access::issue_token(store, &new, &caller.name).await?;
    let info = access::token_info(store, &id)
        .await?
        .ok_or_else(|| LedgerError::Internal(format!("token {id} vanished after it was made")))?;
    Ok((StatusCode::CREATED, Json(CreatedToken { token, info: token_view(info)? })))
}

/// Every token, newest first, revoked and expired ones included; never a
/// secret or its hash.
#[utoipa::path(get, path = "/v1/tokens", tag = "access",
    responses((status = 200, body = [TokenView]), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
async fn list_tokens(State(state): State<AppState>, auth: Authed) -> Result<Json<Vec<TokenView>>, ApiError> {
    auth.require(Role::Admin)?;
    let tokens = access::list_tokens(state.ledger.store()).await?;
    Ok(Json(tokens.into_iter().map(token_view).collect::<LedgerResult<_>>()?))
}

/// Revokes one token by id; its open event streams end with
/// `access.revoked`. Revoking a revoked token answers it unchanged.
#[utoipa::path(post, path = "/v1/tokens/{token_id}/revoke", tag = "access",
    params(("token_id" = String, Path, description = "the token's id")),
    responses((status = 200, body = TokenView), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem)),
    security(("bearer" = [])))]
async fn revoke_token(
    State(state): State<AppState>,
    auth: Authed,
    Path(token_id): Path<String>,
) -> Result<Json<TokenView>, ApiError> {
    let caller = auth.require(Role::Admin)?;
    let info = access::revoke_token_id(state.ledger.store(), &token_id, &caller.name).await?;
    Ok(Json(token_view(info)?))
}

/// The token routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_token, list_tokens)).routes(routes!(revoke_token))
}
