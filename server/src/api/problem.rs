//! Every error leaves as `application/problem+json` with a stable code:
//! ledger refusals, bad bodies, unknown routes, wrong methods, oversize
//! bodies and timeouts alike.

use crate::error::LedgerError;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use ledgerdeck_client::{ErrorCode, FieldError, Problem};

/// The media type of problem documents.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An error on its way to becoming a problem response.
#[derive(Debug)]
pub struct ApiError {
    /// The stable code.
    pub code: ErrorCode,
    /// What went wrong, for a person.
    pub detail: String,
    /// Per-field messages.
    pub errors: Vec<FieldError>,
}

impl ApiError {
    /// An error with a code and a detail.
    pub fn new(code: ErrorCode, detail: impl Into<String>) -> Self {
        ApiError { code, detail: detail.into(), errors: Vec::new() }
    }
}

/// The HTTP status of each code.
pub fn status_of(code: ErrorCode) -> StatusCode {
    use ErrorCode::*;
    match code {
        ValidationFailed | CurrencyUnknown | CurrencyMismatch | InsufficientFunds | BalanceLimitExceeded
        | NotReversible | IdempotencyKeyReused => StatusCode::UNPROCESSABLE_ENTITY,
        FlagDenied | Forbidden => StatusCode::FORBIDDEN,
        HoldNotOpen
        | HoldWrongStatus
        | AlreadyReversed
        | IdempotencyInProgress
        | GateRunInProgress
        | ApprovalAlreadyDecided
        | ApprovalExpired
        | ApprovalRejected
        | DuplicateProviderReference => StatusCode::CONFLICT,
        SelfApproval => StatusCode::FORBIDDEN,
        NotFound => StatusCode::NOT_FOUND,
        IdempotencyKeyMissing | MalformedRequest => StatusCode::BAD_REQUEST,
        Unauthenticated => StatusCode::UNAUTHORIZED,
        TooManyStreams | TooManyExports => StatusCode::TOO_MANY_REQUESTS,
        UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        Timeout | StorageUnavailable | Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        NotAcceptable => StatusCode::NOT_ACCEPTABLE,
        ExportRangeTooWide | ExportTooLarge => StatusCode::UNPROCESSABLE_ENTITY,
        SsoNotConfigured => StatusCode::NOT_FOUND,
        SsoTokenInvalid | SsoTokenExpired | SsoWrongAudience => StatusCode::UNAUTHORIZED,
        SsoEmailUnverified | SsoEmailNotAllowed => StatusCode::FORBIDDEN,
        SsoProviderUnavailable => StatusCode::SERVICE_UNAVAILABLE,
        Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

fn title_of(code: ErrorCode) -> String {
    let lower = code.as_str().replace('_', " ").to_lowercase();
    let mut chars = lower.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// Renders a problem document.
pub fn problem_response(code: ErrorCode, detail: String, errors: Vec<FieldError>) -> Response {
    let status = status_of(code);
    let body = Problem {
        type_uri: format!("urn:ledgerdeck:problem:{}", code.as_str()),
        title: title_of(code),
        status: status.as_u16(),
        detail: crate::api::sanitize(&detail),
        code,
        errors,
    };
    let mut response = (status, axum::Json(body)).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    response
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.code == ErrorCode::Internal || self.code == ErrorCode::StorageUnavailable {
            tracing::error!(code = %self.code, detail = %self.detail, "request failed");
        }
        problem_response(self.code, self.detail, self.errors)
    }
}

impl From<LedgerError> for ApiError {
    fn from(e: LedgerError) -> Self {
        let detail = match &e {
            // Storage details stay in the log; the caller learns it may retry.
            LedgerError::Storage(inner) => {
                tracing::error!(error = %inner, "storage error");
                "the database is unavailable; retrying with the same idempotency key is safe".to_string()
            }
            other => other.to_string(),
        };
        ApiError { code: e.code(), detail, errors: e.field_errors().to_vec() }
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        LedgerError::from(e).into()
    }
}

/// A JSON request body whose rejections are problem documents.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<S, T> FromRequest<S> for JsonBody<T>
where
    S: Send + Sync,
    axum::Json<T>: FromRequest<S, Rejection = JsonRejection>,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(JsonBody(value)),
            Err(rejection) => Err(match rejection {
                JsonRejection::MissingJsonContentType(_) => {
                    ApiError::new(ErrorCode::UnsupportedMediaType, "the body must be application/json")
                }
                JsonRejection::BytesRejection(b) if b.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                    ApiError::new(ErrorCode::PayloadTooLarge, "the body is larger than the server accepts")
                }
                other => ApiError::new(ErrorCode::MalformedRequest, other.body_text()),
            }),
        }
    }
}

/// Turns any error response that is not already a problem document (axum's
/// 405, the body limit's 413, the timeout's 408, a caught panic's 500) into
/// one, so clients meet a single error shape.
pub async fn problems_everywhere(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    // A JSON body (a problem, or a deliberate report such as /healthz's 503)
    // is the handler's own answer; only bare error bodies are rewritten.
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with(PROBLEM_JSON) || v.starts_with("application/json"));
    if is_json {
        return response;
    }
    let (code, detail) = match status {
        StatusCode::METHOD_NOT_ALLOWED => (ErrorCode::MethodNotAllowed, "this route does not accept that method"),
        StatusCode::PAYLOAD_TOO_LARGE => (ErrorCode::PayloadTooLarge, "the body is larger than the server accepts"),
        StatusCode::REQUEST_TIMEOUT => (ErrorCode::Timeout, "the request took too long"),
        StatusCode::NOT_FOUND => (ErrorCode::NotFound, "no such route"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (ErrorCode::UnsupportedMediaType, "unsupported content type"),
        StatusCode::SERVICE_UNAVAILABLE => (ErrorCode::Unavailable, "the service is unavailable"),
        s if s.is_server_error() => (ErrorCode::Internal, "the server failed to answer; the failure is logged"),
        _ => (ErrorCode::MalformedRequest, "the request is malformed"),
    };
    let mut problem = problem_response(code, detail.to_string(), Vec::new());
    if status == StatusCode::REQUEST_TIMEOUT {
        *problem.status_mut() = StatusCode::REQUEST_TIMEOUT;
    }
    problem
}

/// The answer for a route that does not exist.
pub async fn no_such_route() -> ApiError {
    ApiError::new(ErrorCode::NotFound, "no such route")
}

/// Refuses a URL carrying a NUL character (`%00`) in its path or query: no
/// id or filter contains one, and PostgreSQL cannot even compare text with
/// NUL in it, so it would otherwise answer as a storage failure.
pub async fn refuse_nul_in_url(request: Request, next: Next) -> Response {
    if request.uri().path_and_query().is_some_and(|pq| pq.as_str().contains("%00")) {
        return ApiError::new(ErrorCode::MalformedRequest, "the URL contains a NUL character (%00)").into_response();
    }
    next.run(request).await
}
