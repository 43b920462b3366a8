//! `GET /v1/exports/{kind}`: a whole filtered list as CSV or JSON lines,
//! streamed. Thin: checks the token (the viewer role is enough), chooses the
//! format from `Accept` (`NOT_ACCEPTABLE` for anything else) and hands the
//! rest to [`crate::queries::export`], whose refusals (bad filters, a range
//! too wide, too many rows) come before the first byte.

use super::AppState;
use super::auth::Authed;
use super::problem::ApiError;
use super::reads::QueryParams;
use crate::queries::export;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use ledgerdeck_client::{ErrorCode, ExportFormat, ExportKind, ExportQuery, Problem, Role};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Every record of a list that the filter selects, in the list's order, as
/// CSV (`Accept: text/csv`: a header row, RFC 4180 quoting, cells that a
/// spreadsheet would take for a formula prefixed with `'`) or JSON lines
/// (`Accept: application/x-ndjson` or `application/jsonl`: one list item
/// per line). Each kind takes its list's filters: `statement` (`wallet_id`
/// required, `from`/`to` on booked time, `as_of` on effective time),
/// `transactions` (CSV: one row per posting), `holds`, `findings`, `audit`,
/// `accounts` (its kind filter is `account_kind`). The export is one
/// snapshot as of its start.
#[utoipa::path(get, path = "/v1/exports/{kind}", tag = "reads",
    params(("kind" = ExportKind, Path, description = "What to export"), ExportQuery),
    responses(
        (status = 200, description = "The records", content(
            (String = "text/csv"), (String = "application/x-ndjson"))),
        (status = 400, body = Problem), (status = 401, body = Problem), (status = 404, body = Problem),
        (status = 406, body = Problem, description = "`Accept` names neither format (NOT_ACCEPTABLE)"),
        (status = 422, body = Problem,
            description = "VALIDATION_FAILED, EXPORT_RANGE_TOO_WIDE or EXPORT_TOO_LARGE"),
        (status = 429, body = Problem,
            description = "as many exports as the server runs at once are running (TOO_MANY_EXPORTS)")),
    security(("bearer" = [])))]
async fn export_records(
    State(state): State<AppState>,
    auth: Authed,
    Path(kind): Path<String>,
    headers: HeaderMap,
    QueryParams(query): QueryParams<ExportQuery>,
) -> Result<Response, ApiError> {
    auth.require(Role::Viewer)?;
    let kind: ExportKind = kind.parse().map_err(|e: String| ApiError::new(ErrorCode::NotFound, e))?;
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or("");
    let format = ExportFormat::from_accept(accept)
        .ok_or_else(|| ApiError::new(ErrorCode::NotAcceptable, "ask for Accept: text/csv or application/x-ndjson"))?;
    let started = export::start(state.ledger.store(), kind, &query, format, &state.config.export).await?;
    let mut response = Response::new(Body::from_stream(started.into_stream()));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(format.media_type()));
    let disposition = format!("attachment; filename=\"{kind}.{}\"", format.extension());
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// The export route.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(export_records))
}
