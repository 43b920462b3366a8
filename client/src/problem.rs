//! `application/problem+json` errors with a stable machine code.

use serde::{Deserialize, Serialize};

/// Stable machine codes of every error the API returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    /// The request's parameters are wrong; see the per-field errors.
    ValidationFailed,
    /// The currency code is not one the ledger knows.
    CurrencyUnknown,
    /// The accounts involved are in different currencies.
    CurrencyMismatch,
    /// The source account would go negative.
    InsufficientFunds,
    /// A balance would leave the range the ledger stores.
    BalanceLimitExceeded,
    /// A feature flag denies the command.
    FlagDenied,
    /// The hold is already settled or released.
    HoldNotOpen,
    /// The hold is open but not in a status the action starts from (an
    /// operator settles or releases only from `manual_review`).
    HoldWrongStatus,
    /// The transaction was reversed already.
    AlreadyReversed,
    /// The transaction cannot be reversed (it belongs to a hold, or is a reversal).
    NotReversible,
    /// No such record or route.
    NotFound,
    /// A money-moving command came without an `Idempotency-Key`.
    IdempotencyKeyMissing,
    /// The idempotency key was used before with other parameters.
    IdempotencyKeyReused,
    /// A request with the same idempotency key is still being executed.
    IdempotencyInProgress,
    /// Another reconciliation run holds the gates; try again shortly.
    GateRunInProgress,
    /// No valid credentials.
    Unauthenticated,
    /// The caller's role is too low.
    Forbidden,
    /// The token already has as many open event streams as the server allows.
    TooManyStreams,
    /// The storage is busy or unreachable; safe to retry with the same key.
    StorageUnavailable,
    /// The request body is not well-formed JSON of the expected shape.
    MalformedRequest,
    /// The request body is not `application/json`.
    UnsupportedMediaType,
    /// The request body is larger than the server accepts.
    PayloadTooLarge,
    /// The route exists but not with this method.
    MethodNotAllowed,
    /// The request took longer than the server allows.
    Timeout,
    /// The server is shutting down or not ready.
    Unavailable,
    /// The `Accept` header asks for no format the route answers in.
    NotAcceptable,
    /// An export's time range is wider than the server allows.
    ExportRangeTooWide,
    /// An export would have more rows than the server allows.
    ExportTooLarge,
    /// The server is already running as many exports as it allows at once.
    TooManyExports,
    /// The proposal was decided already (approved, rejected or failed).
    ApprovalAlreadyDecided,
    /// The proposal was not decided in time and can no longer be approved.
    ApprovalExpired,
    /// The proposer may not decide their own proposal (judged by identity,
    /// not by token).
    SelfApproval,
    /// The proposal was rejected (what its proposer's key answers after).
    ApprovalRejected,
    /// A pay-in with this provider and provider reference was credited
    /// already (under another key); the detail names its transaction.
    DuplicateProviderReference,
    /// Single sign-on is not configured on this server.
    SsoNotConfigured,
    /// The ID token is malformed, not signed by the provider's keys, or
    /// signed with an algorithm the server does not accept (`none`, HMAC).
    SsoTokenInvalid,
    /// The ID token has expired.
    SsoTokenExpired,
    /// The ID token is for another client (audience) or from another issuer.
    SsoWrongAudience,
    /// The ID token's email is missing or not verified by the provider.
    SsoEmailUnverified,
    /// The email is on no SSO allowlist (or the lists are empty).
    SsoEmailNotAllowed,
    /// The identity provider's keys could not be fetched; try again.
    SsoProviderUnavailable,
    /// Something failed that the caller cannot fix.
    Internal,
}

impl ErrorCode {
    /// The code as it stands on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::ValidationFailed => "VALIDATION_FAILED",
            ErrorCode::CurrencyUnknown => "CURRENCY_UNKNOWN",
            ErrorCode::CurrencyMismatch => "CURRENCY_MISMATCH",
            ErrorCode::InsufficientFunds => "INSUFFICIENT_FUNDS",
            ErrorCode::BalanceLimitExceeded => "BALANCE_LIMIT_EXCEEDED",
            ErrorCode::FlagDenied => "FLAG_DENIED",
            ErrorCode::HoldNotOpen => "HOLD_NOT_OPEN",
            ErrorCode::HoldWrongStatus => "HOLD_WRONG_STATUS",
            ErrorCode::AlreadyReversed => "ALREADY_REVERSED",
            ErrorCode::NotReversible => "NOT_REVERSIBLE",
            ErrorCode::NotFound => "NOT_FOUND",
            ErrorCode::IdempotencyKeyMissing => "IDEMPOTENCY_KEY_MISSING",
            ErrorCode::IdempotencyKeyReused => "IDEMPOTENCY_KEY_REUSED",
            ErrorCode::IdempotencyInProgress => "IDEMPOTENCY_IN_PROGRESS",
            ErrorCode::Unauthenticated => "UNAUTHENTICATED",
            ErrorCode::Forbidden => "FORBIDDEN",
            ErrorCode::TooManyStreams => "TOO_MANY_STREAMS",
            ErrorCode::StorageUnavailable => "STORAGE_UNAVAILABLE",
            ErrorCode::MalformedRequest => "MALFORMED_REQUEST",
            ErrorCode::UnsupportedMediaType => "UNSUPPORTED_MEDIA_TYPE",
            ErrorCode::PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            ErrorCode::MethodNotAllowed => "METHOD_NOT_ALLOWED",
            ErrorCode::Timeout => "TIMEOUT",
            ErrorCode::Unavailable => "UNAVAILABLE",
            ErrorCode::NotAcceptable => "NOT_ACCEPTABLE",
            ErrorCode::ExportRangeTooWide => "EXPORT_RANGE_TOO_WIDE",
            ErrorCode::ExportTooLarge => "EXPORT_TOO_LARGE",
            ErrorCode::TooManyExports => "TOO_MANY_EXPORTS",
            ErrorCode::GateRunInProgress => "GATE_RUN_IN_PROGRESS",
            ErrorCode::ApprovalAlreadyDecided => "APPROVAL_ALREADY_DECIDED",
            ErrorCode::ApprovalExpired => "APPROVAL_EXPIRED",
            ErrorCode::SelfApproval => "SELF_APPROVAL",
            ErrorCode::ApprovalRejected => "APPROVAL_REJECTED",
            ErrorCode::DuplicateProviderReference => "DUPLICATE_PROVIDER_REFERENCE",
            ErrorCode::SsoNotConfigured => "SSO_NOT_CONFIGURED",
            ErrorCode::SsoTokenInvalid => "SSO_TOKEN_INVALID",
            ErrorCode::SsoTokenExpired => "SSO_TOKEN_EXPIRED",
            ErrorCode::SsoWrongAudience => "SSO_WRONG_AUDIENCE",
            ErrorCode::SsoEmailUnverified => "SSO_EMAIL_UNVERIFIED",
            ErrorCode::SsoEmailNotAllowed => "SSO_EMAIL_NOT_ALLOWED",
            ErrorCode::SsoProviderUnavailable => "SSO_PROVIDER_UNAVAILABLE",
            ErrorCode::Internal => "INTERNAL",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A message about one field of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    /// The field's name.
    pub field: String,
    /// What is wrong with it, for a person.
    pub message: String,
}

impl FieldError {
    /// A message about `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError { field: field.into(), message: message.into() }
    }
}

/// An RFC 9457 problem document with ledgerdeck's stable `code`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Problem {
    /// A URI naming the problem type.
    #[serde(rename = "type")]
    pub type_uri: String,
    /// A short summary of the problem type.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong this time, for a person.
    pub detail: String,
    /// The stable machine code.
    pub code: ErrorCode,
    /// Per-field messages of a `VALIDATION_FAILED`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}
