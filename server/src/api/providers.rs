//! `POST /v1/providers/{provider}/events` (signed by the provider, not by an
//! operator token) and `GET /v1/provider-events`, the log operators read.

use super::AppState;
use super::auth::Authed;
use super::problem::ApiError;
use super::reads::QueryParams;
use crate::commands::PAYIN_EVENT_TYPES;
use crate::signature::{self, SignatureError};
use crate::{provider_events, queries};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use ledgerdeck_client::providers::{
    PayinEventBody, ProviderEventAnswer, ProviderEventBody, ProviderEventQuery, ProviderEventView,
};
use ledgerdeck_client::{ErrorCode, Page, Problem, Role};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

fn header<'a>(headers: &'a HeaderMap, name: &'static str) -> Result<&'a str, SignatureError> {
    headers.get(name).and_then(|v| v.to_str().ok()).ok_or(SignatureError::MissingHeader(name))
}

fn verify(state: &AppState, provider: &str, headers: &HeaderMap, body: &[u8]) -> Result<(), ApiError> {
    let refuse = |why: String| ApiError::new(ErrorCode::Unauthenticated, why);
    let secret = state
        .config
        .provider_secrets
        .get(provider)
        .ok_or_else(|| refuse(format!("no signing secret is configured for provider {provider}")))?;
    let checked = (|| {
        let id = header(headers, "webhook-id")?;
        let timestamp: i64 = header(headers, "webhook-timestamp")?
            .parse()
            .map_err(|_| SignatureError::MissingHeader("webhook-timestamp"))?;
        let signatures = header(headers, "webhook-signature")?;
        signature::verify(secret, id, timestamp, signatures, body, chrono::Utc::now().timestamp())
    })();
    checked.map_err(|e| refuse(format!("provider event refused: {e}")))
}

/// An event from a provider, signed with the provider's secret in the
/// Standard Webhooks scheme. A payout event (no `type`) moves its hold,
/// deduplicated by (provider, reference); a pay-in event (`type`
/// `payin.succeeded` or `payin.reversed`) credits or reverses its wallet
/// once per (provider, provider_reference).
#[utoipa::path(post, path = "/v1/providers/{provider}/events", tag = "providers",
    params(("provider" = String, Path, description = "The provider's name")),
    request_body(content = inline(ProviderEventRequest)),
    responses((status = 200, body = ProviderEventAnswer), (status = 400, body = Problem),
        (status = 401, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem)))]
async fn receive_event(
    State(state): State<AppState>,
    Path(provider): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<ProviderEventAnswer>, ApiError> {
    verify(&state, &provider, &headers, &body)?;
    let malformed =
        |e: serde_json::Error| ApiError::new(ErrorCode::MalformedRequest, format!("the event is not valid: {e}"));
    let value: serde_json::Value = serde_json::from_slice(&body).map_err(malformed)?;
    let payload = String::from_utf8_lossy(&body);
    let answer = match value.get("type").and_then(serde_json::Value::as_str) {
        Some(kind) if PAYIN_EVENT_TYPES.contains(&kind) => {
            let event: PayinEventBody = serde_json::from_value(value).map_err(malformed)?;
            ProviderEventAnswer::Payin(state.ledger.apply_payin_event(&provider, &event, &payload).await?)
        }
        _ => {
            let event: ProviderEventBody = serde_json::from_value(value).map_err(malformed)?;
            ProviderEventAnswer::Payout(
                provider_events::apply(state.ledger.store(), &provider, &event, &payload).await?,
            )
        }
    };
    Ok(Json(answer))
}

/// What the event route takes: a payout event, or a pay-in event.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
enum ProviderEventRequest {
    /// A payout provider's event about one hold.
    Payout(ProviderEventBody),
    /// A pay-in event.
    Payin(PayinEventBody),
}

/// The provider event log, newest first.
#[utoipa::path(get, path = "/v1/provider-events", tag = "providers", params(ProviderEventQuery),
    responses((status = 200, body = Page<ProviderEventView>), (status = 401, body = Problem),
        (status = 422, body = Problem)),
    security(("bearer" = [])))]
async fn list_events(
    State(state): State<AppState>,
    auth: Authed,
    QueryParams(query): QueryParams<ProviderEventQuery>,
) -> Result<Json<Page<ProviderEventView>>, ApiError> {
    auth.require(Role::Viewer)?;
    Ok(Json(queries::list_provider_events(state.ledger.store(), &query).await?))
}

/// The provider routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(receive_event)).routes(routes!(list_events))
}
