//! Bearer-token authentication as an extractor, and role checks.

use super::AppState;
use super::problem::ApiError;
use crate::caller::Caller;
use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use ledgerdeck_client::{ErrorCode, Role};

/// The bearer token a request carries, trimmed.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers.get(AUTHORIZATION)?.to_str().ok()?.strip_prefix("Bearer ").map(str::trim)
}

/// The authenticated caller of a `/v1` route.
#[derive(Debug, Clone)]
pub struct Authed(pub Caller);

impl Authed {
    /// Refuses with `FORBIDDEN` unless the caller has at least `role`.
    pub fn require(&self, role: Role) -> Result<&Caller, ApiError> {
        if self.0.role.allows(role) {
            Ok(&self.0)
        } else {
            Err(ApiError::new(ErrorCode::Forbidden, format!("this needs the {} role", role.as_str())))
        }
    }
}

impl FromRequestParts<AppState> for Authed {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let unauthenticated = || ApiError::new(ErrorCode::Unauthenticated, "a valid bearer token is required");
        let token = bearer(&parts.headers).ok_or_else(unauthenticated)?;
        // SSO sessions are re-checked against the allowlists (`sso::authenticate`).
        match crate::sso::authenticate(state.ledger.store(), state.sso_dev_open(), token).await? {
            Some(caller) => {
                if let Some(id) = &caller.token_id {
                    state.last_use.note(state.ledger.store(), id);
                }
                Ok(Authed(caller))
            }
            None => Err(unauthenticated()),
        }
    }
}
